"""Configuration: sensible embedded defaults, everything overridable from the environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

LANGUAGES = ("zh_CN", "en")


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def instance_path() -> Path:
    return Path(os.environ.get("SERVICEDESK_INSTANCE", "instance")).resolve()


def secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment, else one generated into the instance folder on first start."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def default_config() -> dict[str, Any]:
    instance = instance_path()
    return {
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'servicedesk.db'}"),
        "INDEX_DIR": os.environ.get("SERVICEDESK_INDEX", str(instance / "index")),
        "SECRET_KEY": None,  # filled in by create_app from secret_key()
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag("SERVICEDESK_COOKIE_SECURE", True),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": _flag("SERVICEDESK_COOKIE_SECURE", True),
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("SERVICEDESK_TIMEZONE", "Asia/Shanghai"),
        "LANGUAGES": LANGUAGES,
        # The SLA targets are rows of the sla_policies table (Organisation → SLA policies); the calendar of
        # business-hours policies is set here: working days (1 = Monday), hours and holidays.
        "SLA_BUSINESS_DAYS": os.environ.get("SLA_BUSINESS_DAYS", "1-5"),
        "SLA_BUSINESS_HOURS": os.environ.get("SLA_BUSINESS_HOURS", "08:30-17:30"),
        "SLA_HOLIDAYS": os.environ.get("SLA_HOLIDAYS", ""),
        "REOPEN_WINDOW_DAYS": int(os.environ.get("REOPEN_WINDOW_DAYS", 7)),
        # Call-backs that fail (回访未接通): after this many failed attempts since the fix, the last at least this
        # many hours after the first, a lead may record the subscriber as unreachable (an accepted, unrated
        # verification; closing still needs the approved solution). Attempts: 1 to 20; hours: 0 to 720.
        "CALLBACK_UNREACHABLE_ATTEMPTS": int(os.environ.get("CALLBACK_UNREACHABLE_ATTEMPTS", 3)),
        "CALLBACK_UNREACHABLE_HOURS": float(os.environ.get("CALLBACK_UNREACHABLE_HOURS", 48)),
        # 预约: the operators promise to agree a visit window within this many minutes of dispatch.
        "APPOINTMENT_WITHIN_MINUTES": int(os.environ.get("APPOINTMENT_WITHIN_MINUTES", 30)),
        # Problem candidates: this many reports of one service in one zone within these minutes.
        "PROBLEM_CLUSTER_COUNT": int(os.environ.get("PROBLEM_CLUSTER_COUNT", 5)),
        "PROBLEM_CLUSTER_MINUTES": int(os.environ.get("PROBLEM_CLUSTER_MINUTES", 30)),
        # Change freezes: "YYYY-MM-DD/YYYY-MM-DD" periods, comma-separated (only emergency changes then).
        "CHANGE_FREEZES": os.environ.get("CHANGE_FREEZES", ""),
        "JSON_SORT_KEYS": False,
        # Shared between processes and nodes (token-use stamps, login throttling); in-process without it.
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        # How often each process looks for index changes committed elsewhere (seconds; 0: never).
        "INDEX_POLL_SECONDS": float(os.environ.get("SERVICEDESK_INDEX_POLL", 0.25)),
    }


def config_for_tests(tmp: Path, database_url: str) -> dict[str, Any]:
    """Settings for the test-suite: a throw-away instance folder, CSRF off unless a test turns it on."""
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp),
        "DATABASE_URL": database_url,
        "INDEX_DIR": str(tmp / "index"),
        "SECRET_KEY": "test-secret-not-for-production",
        "WTF_CSRF_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "SERVER_NAME": None,
        "REDIS_URL": "",
        "INDEX_POLL_SECONDS": 0,  # the suite's session sees its own uncommitted rows; no poller thread
    }


test_config = config_for_tests  # older name
