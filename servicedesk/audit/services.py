"""Recording audit events in the transaction of the change they describe, and reading them back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import Enum
from typing import Any

from flask import has_request_context, request
from sqlalchemy.orm import Session

from servicedesk.audit.models import AuditEvent

# Never written to an event, whatever a caller passes: secrets and their hashes.
SECRET_FIELDS = frozenset({"password", "password_hash", "token", "token_hash", "secret", "session_version"})


def current_via() -> str:
    """Where a change comes from, decided here only: the API (/api/...), a web page, or the command line."""
    if not has_request_context():
        return "cli"
    return "api" if request.path.startswith("/api/") else "web"


def current_actor() -> Any:
    if not has_request_context():
        return None
    from flask_login import current_user  # only with a request: the CLI names its actor or none
    return current_user if getattr(current_user, "is_authenticated", False) else None


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    return str(value)


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The named attributes of an object as JSON-ready values (enums by value, times as ISO 8601)."""
    return {name: _plain(getattr(obj, name)) for name in fields if name not in SECRET_FIELDS}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields whose value changed; secrets never appear."""
    out: dict[str, list[Any]] = {}
    for name in (*before, *(k for k in after if k not in before)):
        if name in SECRET_FIELDS:
            continue
        old, new = _plain(before.get(name)), _plain(after.get(name))
        if old != new:
            out[name] = [old, new]
    return out


def created(after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The changes of a new object: every given field from nothing."""
    return diff({}, after)


def record_change(s: Session, actor: Any, action: str, *, object_type: str, object_id: object = "",
                  object_label: object = "", changes: Mapping[str, list[Any]] | None = None,
                  flush: bool = True) -> AuditEvent:
    """Adds one audit event to the session, so it commits (or rolls back) with the change it describes.
    actor None means the logged-in user of the current request, if any; secrets are dropped from changes."""
    if actor is None:
        actor = current_actor()
    clean = {k: [_plain(v) for v in pair] for k, pair in (changes or {}).items() if k not in SECRET_FIELDS}
    event = AuditEvent(actor_id=getattr(actor, "id", None), actor_name=str(getattr(actor, "username", "") or "")[:64],
                       via=current_via(), action=action, object_type=object_type,
                       object_id="" if object_id is None else str(object_id)[:64],
                       object_label=str(object_label or "")[:200], changes=clean)
    s.add(event)
    if flush:  # not from inside a flush (before_flush hooks): that flush writes it
        s.flush()
    return event
