"""What the desk's processes and nodes share besides the database: Redis when REDIS_URL is set, else this process.

Only small, expiring facts live here (has this token been stamped in the last minutes? how many
failed logins from this address?); losing them costs nothing but a repeated write or a reset count,
so when Redis does not answer the desk carries on with the in-process store and says so in the log.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Protocol

from flask import Flask, current_app

log = logging.getLogger(__name__)

KEY_PREFIX = "servicedesk:"


class Store(Protocol):
    kind: str

    def claim(self, key: str, seconds: float) -> bool:
        """True for the first caller within seconds (per key, across everyone sharing the store)."""

    def ping(self) -> bool:
        """True when the store answers."""


class MemoryStore:
    """Per process: what one process claims, another may claim again."""

    kind = "memory"

    def __init__(self) -> None:
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def claim(self, key: str, seconds: float) -> bool:
        now = time.monotonic()
        with self._lock:
            if self._until.get(key, 0.0) > now:
                return False
            if len(self._until) > 10_000:  # forget what has expired, so the map stays small
                self._until = {k: t for k, t in self._until.items() if t > now}
            self._until[key] = now + seconds
            return True

    def ping(self) -> bool:
        return True


class RedisStore:
    """Shared by every process and node that names the same Redis; falls back to memory when it fails."""

    kind = "redis"

    def __init__(self, url: str) -> None:
        import redis

        self.url = url
        self._redis: Any = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._fallback = MemoryStore()

    def claim(self, key: str, seconds: float) -> bool:
        try:
            return bool(self._redis.set(KEY_PREFIX + key, b"1", nx=True, px=max(int(seconds * 1000), 1)))
        except Exception:
            log.warning("Redis at %s did not answer; counting in this process", self.url, exc_info=True)
            return self._fallback.claim(key, seconds)

    def ping(self) -> bool:
        try:
            return bool(self._redis.ping())
        except Exception:
            return False


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL") or ""
    app.extensions["shared_store"] = RedisStore(url) if url else MemoryStore()


def store() -> Store:
    found: Store = current_app.extensions["shared_store"]
    return found
