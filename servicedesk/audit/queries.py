"""Reading the audit log: one set of filters, parsed and applied the same way for the page and the API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import Select, or_, select

from servicedesk.audit.models import AuditEvent

FILTERS = ("actor", "action", "object_type", "object_id", "since", "until")


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    since: datetime | None = None
    until: datetime | None = None


def _when(raw: str, zone: tzinfo, *, end: bool) -> datetime | None:
    """A date (the desk's day; until includes the whole day) or an ISO 8601 time; None when unreadable."""
    try:
        if len(raw) == 10:
            start = datetime.combine(date.fromisoformat(raw), time(), tzinfo=zone)
            value = start + timedelta(days=1) if end else start
        else:
            value = datetime.fromisoformat(raw)
            value = value if value.tzinfo is not None else value.replace(tzinfo=zone)
        value.astimezone(UTC)  # stored times are UTC: the calendar's first and last days may not convert
    except (ValueError, OverflowError):
        return None
    return value


def parse_filter(args: Mapping[str, Any], zone: tzinfo) -> tuple[AuditFilter, dict[str, str]]:
    """The filters from query arguments (blank means no filter) and the bad ones, {name: what is expected}."""
    raw = {name: str(args.get(name) or "").strip() for name in FILTERS}
    errors: dict[str, str] = {}
    for name, limit in (("actor", 64), ("action", 64), ("object_type", 40), ("object_id", 64)):
        if len(raw[name]) > limit:
            errors[name] = f"at most {limit} characters"
    since = _when(raw["since"], zone, end=False) if raw["since"] else None
    until = _when(raw["until"], zone, end=True) if raw["until"] else None
    for name, value in (("since", since), ("until", until)):
        if raw[name] and value is None:
            errors[name] = "a date (YYYY-MM-DD) or an ISO 8601 time"
    if since is not None and until is not None and since >= until:
        errors["until"] = "after since"
    if errors:
        return AuditFilter(), errors
    return AuditFilter(raw["actor"], raw["action"], raw["object_type"], raw["object_id"], since, until), errors


def select_events(f: AuditFilter) -> Select[Any]:
    """The events matching the filter, newest first. An action names one ("user.created") or a family
    ("user" or "user." is every user.* event); the actor is a username as it was when they acted."""
    stmt = select(AuditEvent)
    if f.actor:
        stmt = stmt.where(AuditEvent.actor_name == f.actor)
    if f.action:
        family = f.action.rstrip(".")
        stmt = stmt.where(or_(AuditEvent.action == family,
                              AuditEvent.action.startswith(family + ".", autoescape=True)))
    if f.object_type:
        stmt = stmt.where(AuditEvent.object_type == f.object_type)
    if f.object_id:
        stmt = stmt.where(AuditEvent.object_id == f.object_id)
    if f.since is not None:
        stmt = stmt.where(AuditEvent.at >= f.since)
    if f.until is not None:
        stmt = stmt.where(AuditEvent.at < f.until)
    return stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def event_out(event: AuditEvent) -> dict[str, Any]:
    """An event as the API shows it."""
    return {"id": event.id, "at": event.at.isoformat(), "actor": event.actor_name or None,
            "actor_id": event.actor_id, "via": event.via, "action": event.action,
            "object_type": event.object_type, "object_id": event.object_id, "object_label": event.object_label,
            "changes": event.changes}
