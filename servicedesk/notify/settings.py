"""The notification settings, from the app's config when there is an app, else from the environment."""

from __future__ import annotations

import os
from typing import Any

from flask import current_app, has_app_context

DEFAULTS: dict[str, Any] = {
    "SMTP_URL": "",
    "MAIL_FROM": "servicedesk@localhost",
    "SMS_GATEWAY_URL": "",
    "PUBLIC_URL": "",  # the desk's own address, for links in messages and to refuse webhooks to itself
    "NOTIFY_POLL_SECONDS": 2.0,  # the in-process worker's pause between rounds; 0: no thread
    "NOTIFY_TIMEOUT_SECONDS": 10.0,  # each network call (SMTP, SMS gateway, webhook)
    "NOTIFY_MAX_ATTEMPTS": 8,
    "NOTIFY_RETRY_BASE_SECONDS": 30.0,  # the first retry's wait; doubled each time up to the cap
    "NOTIFY_RETRY_CAP_SECONDS": 3600.0,
    "NOTIFY_LEASE_SECONDS": 300.0,  # a claimed message is another worker's again after this
    "NOTIFY_BATCH": 20,
    "NOTIFY_KEEP_DAYS": 30.0,  # sent and failed messages (and their delivery log) are kept this long
}


def setting(name: str) -> Any:
    """The named setting: the app's config, the environment, the default, converted to the default's type."""
    default = DEFAULTS[name]
    value: Any = None
    if has_app_context():
        value = current_app.config.get(name)
    if value is None:
        value = os.environ.get(name)
    if value is None:
        return default
    return type(default)(value)


def mail_on() -> bool:
    return bool(setting("SMTP_URL"))


def sms_on() -> bool:
    return bool(setting("SMS_GATEWAY_URL"))


def link(path: str) -> str:
    """An address of the desk readers can follow: absolute when PUBLIC_URL is set."""
    return setting("PUBLIC_URL").rstrip("/") + path
