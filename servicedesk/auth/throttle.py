"""Failed password checks counted per account and per client address, with Flask-Limiter.

The users' services decide what counts (a wrong password at login or on the profile, a refused
registration) and refuse while an account or an address is over its limit; this module supplies the
counting: Flask-Limiter's moving window, in this process (`memory://`) or in Redis when REDIS_URL is
set, so that every process and node of the desk shares one count. When Redis does not answer, the count
goes on in this process and the log says so: a lock must never take the login down with it.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, current_app, has_app_context, has_request_context
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter, RateLimiter

from servicedesk.users import services
from servicedesk.users.services import CALLER_LOOKUP, LOGIN, PASSWORD_CHANGE, REGISTRATION, AttemptGuard, NoGuard

log = logging.getLogger(__name__)

EXTENSION = "servicedesk_attempts"
KEY_PREFIX = "servicedesk-attempts"

# Per account, then per client address (an office behind one address gets more); None: not counted.
DEFAULT_LIMITS: dict[str, tuple[str | None, str | None]] = {
    LOGIN: ("10 per 15 minutes", "50 per 15 minutes"),
    PASSWORD_CHANGE: ("10 per 15 minutes", "50 per 15 minutes"),
    REGISTRATION: (None, "20 per 15 minutes"),
    # The hotline's caller lookup reads the subscriber base: an agent types a few a minute (the page waits
    # 250 ms between keys); a script walking the base through one staff account is stopped.
    CALLER_LOOKUP: ("120 per minute", None),
}


class LimiterGuard:
    """The AttemptGuard of one app: its Flask-Limiter's storage and moving-window strategy."""

    def __init__(self, limiter: Limiter, limits: dict[str, tuple[str | None, str | None]]) -> None:
        self.limiter = limiter
        self.limits: dict[str, tuple[RateLimitItem | None, RateLimitItem | None]] = {
            scope: (parse(account) if account else None, parse(address) if address else None)
            for scope, (account, address) in limits.items()
        }
        self._fallback: RateLimiter = MovingWindowRateLimiter(MemoryStorage())
        self._failing_since = 0.0

    @property
    def storage_kind(self) -> str:
        return "redis" if "redis" in type(self.limiter.storage).__name__.lower() else "memory"

    def _buckets(self, scope: str, account: str) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
        per_account, per_address = self.limits.get(scope, (None, None))
        out: list[tuple[RateLimitItem, tuple[str, ...]]] = []
        if per_account is not None and account:
            out.append((per_account, (KEY_PREFIX, scope, "account", account)))
        address = get_remote_address() if has_request_context() else ""
        if per_address is not None and address:
            out.append((per_address, (KEY_PREFIX, scope, "address", address)))
        return out

    def _call(self, method: str, item: RateLimitItem, keys: tuple[str, ...]) -> Any:
        try:
            return getattr(self.limiter.limiter, method)(item, *keys)
        except Exception:
            if time.monotonic() - self._failing_since > 60:  # say it once a minute, not on every attempt
                self._failing_since = time.monotonic()
                log.warning("the login-attempt store did not answer; counting in this process", exc_info=True)
            return getattr(self._fallback, method)(item, *keys)

    def wait_seconds(self, scope: str, account: str) -> float:
        wait = 0.0
        for item, keys in self._buckets(scope, account):
            if not self._call("test", item, keys):
                stats = self._call("get_window_stats", item, keys)
                wait = max(wait, stats.reset_time - time.time(), 1.0)
        return wait

    def failed(self, scope: str, account: str) -> None:
        for item, keys in self._buckets(scope, account):
            self._call("hit", item, keys)


def init_app(app: Flask) -> None:
    """Binds a Flask-Limiter of its own to the app (its storage is the limiter's, so each app keeps one)."""
    for scope, pair in DEFAULT_LIMITS.items():
        app.config.setdefault(f"ATTEMPT_LIMITS_{scope.upper()}", pair)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    if str(app.config["RATELIMIT_STORAGE_URI"]).startswith("redis"):
        # A Redis that does not answer must cost a login half a second, not hang it (then: in-process).
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_timeout": 0.5, "socket_connect_timeout": 0.5})
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    limiter = Limiter(get_remote_address, key_prefix=KEY_PREFIX)
    limiter.init_app(app)
    if limiter.enabled:
        limits = {scope: app.config[f"ATTEMPT_LIMITS_{scope.upper()}"] for scope in DEFAULT_LIMITS}
        app.extensions[EXTENSION] = LimiterGuard(limiter, limits)
    services.use_attempt_guard(current_guard)


def current_guard() -> AttemptGuard:
    """The guard of the current app, or one that counts nothing outside an app (scripts) or when disabled."""
    if has_app_context():
        guard: AttemptGuard | None = current_app.extensions.get(EXTENSION)
        if guard is not None:
            return guard
    return NoGuard()
