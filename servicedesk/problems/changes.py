"""Changes (ITIL change management): CHG… records of planned work on services in zones within a window.

requested → approved → scheduled → in_progress → completed / failed / rolled_back. Approval is by a technical
lead or an administrator and never by the change's requester (409 own_change); approving a cut-over (割接: the
service is interrupted) publishes its outage notice for the window at once, in the same transaction, so the
portal tells the subscribers of its zones. After the work, a post-implementation review. Incidents the change
caused are linked to it (an incident to at most one change: 409 already_linked_change). The calendar warns of
windows that overlap on the same service and zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.actors import Role
from kb.errors import Conflict, Forbidden, NotFound, ValidationError
from kb.models import Article
from kb.orm import utcnow
from kb.validation import clean_text
from kb.vocabulary import SERVICES
from kb.workflow import ArticleType
from servicedesk.incidents.models import Incident
from servicedesk.incidents.services import NOTE_MAX, TITLE_MAX, _require_staff
from servicedesk.org.models import Zone
from servicedesk.problems import outages
from servicedesk.problems.models import (
    Change,
    ChangeEvent,
    ChangeIncident,
    ChangeKind,
    ChangeRisk,
    ChangeStatus,
)
from servicedesk.problems.services import TEXT_MAX, text_field
from servicedesk.users.models import User

MAX_WINDOW_DAYS = 14
MAX_LINK = 200
ENDED = frozenset({ChangeStatus.COMPLETED, ChangeStatus.FAILED, ChangeStatus.ROLLED_BACK})
# action -> {from: to}
TRANSITIONS: dict[str, dict[ChangeStatus, ChangeStatus]] = {
    "approve": {ChangeStatus.REQUESTED: ChangeStatus.APPROVED},
    "schedule": {ChangeStatus.APPROVED: ChangeStatus.SCHEDULED},
    "start": {ChangeStatus.SCHEDULED: ChangeStatus.IN_PROGRESS},
    "completed": {ChangeStatus.IN_PROGRESS: ChangeStatus.COMPLETED},
    "failed": {ChangeStatus.IN_PROGRESS: ChangeStatus.FAILED},
    "rolled_back": {ChangeStatus.IN_PROGRESS: ChangeStatus.ROLLED_BACK},
}
OUTCOMES = ("completed", "failed", "rolled_back")


def _event(change: Change, actor: User | None, action: str, note: str = "") -> None:
    change.events.append(ChangeEvent(actor_id=actor.id if actor else None, at=utcnow(), action=action, note=note))
    change.updated_at = utcnow()


def _move(change: Change, action: str) -> None:
    target = TRANSITIONS[action].get(change.status)
    if target is None:
        raise Conflict(f"This change is {change.status.value}; it cannot be {action.replace('_', ' ')} now.",
                       code="invalid_transition")
    change.status = target


def get_change(s: Session, change_id: int, *, for_update: bool = False) -> Change:
    change = s.get(Change, change_id, with_for_update=for_update or None) if 0 < change_id < 2**31 else None
    if change is None:
        raise NotFound("No such change.")
    return change


def _choice(value: object, cls: Any, default: Any, name: str, errors: dict[str, str]) -> Any:
    if value in (None, ""):
        return default
    try:
        return cls(value)
    except ValueError:
        errors[name] = "one of: " + ", ".join(m.value for m in cls)
        return default


def _window(data: Mapping[str, Any], errors: dict[str, str]) -> tuple[datetime | None, datetime | None]:
    starts = outages._when(data.get("planned_start"), "planned_start", errors, required=True)
    ends = outages._when(data.get("planned_end"), "planned_end", errors, required=True)
    if starts is not None and ends is not None:
        if ends <= starts:
            errors["planned_end"] = "after the start"
        elif (ends - starts).days >= MAX_WINDOW_DAYS:
            errors["planned_end"] = f"within {MAX_WINDOW_DAYS} days of the start"
    return starts, ends


def _artefacts(s: Session, values: object, errors: dict[str, str]) -> list[int]:
    if values in (None, ""):
        return []
    if not isinstance(values, list | tuple) or not all(isinstance(v, int) and 0 < v < 2**31 for v in values):
        errors["artefact_ids"] = "a list of article ids"
        return []
    ids = list(dict.fromkeys(values))
    found = dict(s.execute(select(Article.id, Article.type).where(Article.id.in_(ids))).all())
    bad = [i for i in ids if found.get(i) != ArticleType.CHANGE]
    if bad:
        errors["artefact_ids"] = f"not a change artefact: {bad[0]}"
    return ids


def _implementer(s: Session, username: object, errors: dict[str, str]) -> User | None:
    if username in (None, ""):
        return None
    found = s.scalar(select(User).where(User.username == str(username)))
    if found is None or not found.is_staff or not found.active:
        errors["implementer"] = "not staff"
        return None
    return found


def freezes() -> list[tuple[datetime, datetime]]:
    """The frozen periods (CHANGE_FREEZES: "start/end" ISO date-times with their offset, comma-separated; e.g.
    the Spring Festival), in which only emergency changes may be planned. Malformed entries are ignored."""
    raw: Any = current_app.config.get("CHANGE_FREEZES", "") if has_app_context() else ""
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    found = []
    for item in items:
        try:
            start, end = (datetime.fromisoformat(p.strip()) for p in str(item).split("/"))
        except ValueError:
            continue
        if start.tzinfo is not None and end.tzinfo is not None and end > start:
            found.append((start, end))
    return found


def _check_freeze(kind: ChangeKind, starts: datetime, ends: datetime) -> None:
    if kind == ChangeKind.EMERGENCY:
        return
    for start, end in freezes():
        if starts < end and start < ends:
            raise Conflict(f"The window falls in a change freeze ({start.isoformat()} – {end.isoformat()}); "
                           "only emergency changes may be planned then.", code="frozen_period")


def create_change(s: Session, actor: User, data: Mapping[str, Any]) -> Change:
    """Records a requested change; every bad field is named at once (400)."""
    _require_staff(actor, "request changes")
    errors: dict[str, str] = {}
    title = text_field(data, "title", TITLE_MAX, errors)
    description = text_field(data, "description", TEXT_MAX, errors, required=False)
    kind = _choice(data.get("kind"), ChangeKind, ChangeKind.NORMAL, "kind", errors)
    risk = _choice(data.get("risk"), ChangeRisk, ChangeRisk.MEDIUM, "risk", errors)
    services = outages._codes(s, data.get("services"), "services", SERVICES, errors)
    given = data.get("zones")
    wanted = [z for z in given if isinstance(z, str)] if isinstance(given, list | tuple) else []
    zones = outages._codes(s, given, "zones", set(s.scalars(select(Zone.code).where(Zone.code.in_(wanted)))),
                           errors)
    starts, ends = _window(data, errors)
    artefacts = _artefacts(s, data.get("artefact_ids"), errors)
    implementer = _implementer(s, data.get("implementer"), errors)
    if errors:
        first = next(iter(errors))
        raise ValidationError(f"Please correct the change ({first}: {errors[first]}).", fields=errors)
    assert starts is not None and ends is not None
    _check_freeze(kind, starts, ends)
    change = Change(title=title, description=description, kind=kind, risk=risk, cutover=bool(data.get("cutover")),
                    services=services, zones=zones, artefact_ids=artefacts, planned_start=starts, planned_end=ends,
                    status=ChangeStatus.REQUESTED, requested_by_id=actor.id, implementer=implementer)
    s.add(change)
    s.flush()
    change.number = f"CHG{utcnow():%Y%m%d}-{change.id:05d}"
    _event(change, actor, "request")
    s.flush()
    return change


def approve_change(s: Session, change: Change, actor: User, note: object = "") -> Change:
    """A lead or an administrator approves, never the requester (409 own_change). An approved cut-over gets its
    outage notice for the window, in the same transaction."""
    if actor.role not in (Role.LEAD, Role.ADMIN):
        raise Forbidden("Only a technical lead or an administrator approves changes.")
    if change.requested_by_id == actor.id:
        raise Conflict("Nobody approves their own change; ask another lead or an administrator.", code="own_change")
    text = clean_text(note or "", "note", max_len=NOTE_MAX, required=False)
    _move(change, "approve")
    change.approved_by_id, change.approved_at = actor.id, utcnow()
    _event(change, actor, "approve", text)
    if change.cutover and change.outage_id is None:
        notice = outages.create_outage(s, actor, {
            "title": f"{change.number} {change.title}"[:200], "message": change.description[:outages.MESSAGE_MAX],
            "services": change.services, "zones": change.zones, "starts_at": change.planned_start,
            "ends_at": change.planned_end})
        change.outage = notice
        _event(change, actor, "outage", notice.title)
    s.flush()
    return change


def schedule_change(s: Session, change: Change, actor: User, data: Mapping[str, Any] | None = None) -> Change:
    """Approved → scheduled; needs its implementer (given here or before). The window may move (the cut-over's
    notice moves with it)."""
    _require_staff(actor, "schedule changes")
    data = data or {}
    errors: dict[str, str] = {}
    implementer = _implementer(s, data.get("implementer"), errors)
    starts = ends = None
    if data.get("planned_start") or data.get("planned_end"):
        starts, ends = _window({"planned_start": data.get("planned_start") or change.planned_start,
                                "planned_end": data.get("planned_end") or change.planned_end}, errors)
    if implementer is None and change.implementer_id is None and "implementer" not in errors:
        errors["implementer"] = "required"
    if errors:
        first = next(iter(errors))
        raise ValidationError(f"Please correct the schedule ({first}: {errors[first]}).", fields=errors)
    if starts is not None and ends is not None:
        _check_freeze(change.kind, starts, ends)
    _move(change, "schedule")
    if implementer is not None:
        change.implementer = implementer
    if starts is not None and ends is not None:
        change.planned_start, change.planned_end = starts, ends
        if change.outage is not None and change.outage.ended_at is None:
            change.outage.starts_at, change.outage.ends_at = starts, ends
    _event(change, actor, "schedule", change.implementer.name if change.implementer else "")
    s.flush()
    return change


def start_change(s: Session, change: Change, actor: User, note: object = "") -> Change:
    _require_staff(actor, "start changes")
    text = clean_text(note or "", "note", max_len=NOTE_MAX, required=False)
    _move(change, "start")
    _event(change, actor, "start", text)
    s.flush()
    return change


def finish_change(s: Session, change: Change, actor: User, outcome: object, note: object) -> Change:
    """In progress → completed, failed or rolled back, with what happened. A cut-over's notice ends with it."""
    _require_staff(actor, "finish changes")
    if outcome not in OUTCOMES:
        raise ValidationError("The outcome is completed, failed or rolled_back.",
                              fields={"outcome": "completed, failed or rolled_back"})
    text = clean_text(note, "note", max_len=NOTE_MAX)
    _move(change, str(outcome))
    _event(change, actor, str(outcome), text)
    if change.outage is not None and change.outage.ended_at is None:
        change.outage.ended_at = utcnow()
    s.flush()
    return change


def review_change(s: Session, change: Change, actor: User, review: object) -> Change:
    """The post-implementation review, once the work has ended (completed, failed or rolled back)."""
    _require_staff(actor, "review changes")
    if change.status not in ENDED:
        raise Conflict("A change is reviewed after its work has ended.", code="change_not_ended")
    change.review = clean_text(review, "review", max_len=TEXT_MAX)
    change.reviewed_at = utcnow()
    _event(change, actor, "review")
    s.flush()
    return change


def link_incidents(s: Session, change: Change, actor: User, incident_ids: Iterable[object]) -> list[Incident]:
    """Marks incidents as caused by the change, all or none (an incident to at most one change)."""
    _require_staff(actor, "link incidents to changes")
    ids = sorted({i for i in incident_ids if isinstance(i, int) and 0 < i < 2**31})
    if not ids or len(ids) > MAX_LINK:
        raise ValidationError(f"Give 1 to {MAX_LINK} incident ids.", fields={"incident_ids": "1 to 200 ids"})
    incidents = list(s.scalars(select(Incident).where(Incident.id.in_(ids)).order_by(Incident.id)
                               .with_for_update().execution_options(populate_existing=True)))
    missing = sorted(set(ids) - {i.id for i in incidents})
    if missing:
        raise ValidationError(f"No such incident: {missing[0]}.", fields={"incident_ids": f"unknown {missing[0]}"})
    linked = dict(s.execute(select(ChangeIncident.incident_id, ChangeIncident.change_id)
                            .where(ChangeIncident.incident_id.in_(ids))).all())
    for incident in incidents:
        other = linked.get(incident.id)
        if other is not None and other != change.id:
            number = s.scalar(select(Change.number).where(Change.id == other))
            raise Conflict(f"Incident {incident.number} is already linked to change {number}.",
                           code="already_linked_change")
    fresh = [i for i in incidents if i.id not in linked]
    for incident in fresh:
        s.add(ChangeIncident(incident_id=incident.id, change_id=change.id, linked_by_id=actor.id))
    if fresh:
        _event(change, actor, "link_incidents", ", ".join(i.number or str(i.id) for i in fresh))
    s.flush()
    return incidents


def incidents_of(s: Session, change: Change) -> list[Incident]:
    return list(s.scalars(select(Incident).join(ChangeIncident, ChangeIncident.incident_id == Incident.id)
                          .where(ChangeIncident.change_id == change.id).order_by(Incident.id)))


def change_of(s: Session, incident_id: int) -> Change | None:
    """The change that caused the incident, if any (for the incident page)."""
    return s.scalar(select(Change).join(ChangeIncident, ChangeIncident.change_id == Change.id)
                    .where(ChangeIncident.incident_id == incident_id))


def caused_count(s: Session, start: datetime, end: datetime) -> int:
    """How many incidents reported in [start, end) were caused by changes (for the figures)."""
    return int(s.scalar(select(func.count()).select_from(ChangeIncident).join(
        Incident, Incident.id == ChangeIncident.incident_id).where(Incident.created_at >= start,
                                                                   Incident.created_at < end)) or 0)


@dataclass(frozen=True)
class Overlap:
    first: Change
    second: Change
    services: list[str]
    zones: list[str]


def in_window(s: Session, start: datetime, end: datetime, *, limit: int = 500) -> list[Change]:
    """The changes whose window meets [start, end), by start (the calendar)."""
    return list(s.scalars(select(Change).where(Change.planned_start < end, Change.planned_end > start)
                          .order_by(Change.planned_start, Change.id).limit(limit)))


def overlaps(changes: list[Change]) -> list[Overlap]:
    """Pairs of live changes (not failed or rolled back, not finished) whose windows overlap on the same service
    and zone."""
    live = [c for c in changes if c.status not in ENDED]
    found = []
    for n, a in enumerate(live):
        for b in live[n + 1:]:
            if a.planned_start < b.planned_end and b.planned_start < a.planned_end:
                services = sorted(set(a.services) & set(b.services))
                zones = sorted(set(a.zones) & set(b.zones))
                if services and zones:
                    found.append(Overlap(a, b, services, zones))
    return found


def overlapping(s: Session, change: Change) -> list[Change]:
    """The other live changes whose window overlaps this one's on one of its services and zones."""
    near = in_window(s, change.planned_start, change.planned_end)
    return [o.second if o.first.id == change.id else o.first for o in overlaps(near)
            if change.id in (o.first.id, o.second.id)]


def list_changes(s: Session, *, status: str | None = None, limit: int = 50,
                 offset: int = 0) -> tuple[list[Change], int]:
    query = select(Change)
    if status:
        query = query.where(Change.status == status)
    total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(s.scalars(query.order_by(Change.planned_start.desc(), Change.id.desc()).limit(limit).offset(offset)))
    return rows, int(total)


def change_data(s: Session, change: Change) -> dict[str, Any]:
    return {"id": change.id, "number": change.number, "title": change.title, "description": change.description,
            "kind": change.kind.value, "risk": change.risk.value, "cutover": change.cutover,
            "services": change.services, "zones": change.zones, "artefact_ids": change.artefact_ids,
            "planned_start": change.planned_start.isoformat(), "planned_end": change.planned_end.isoformat(),
            "status": change.status.value, "requested_by": change.requested_by.username,
            "implementer": change.implementer.username if change.implementer else None,
            "approved_by": change.approved_by.username if change.approved_by else None,
            "approved_at": change.approved_at.isoformat() if change.approved_at else None,
            "outage_id": change.outage_id, "review": change.review,
            "reviewed_at": change.reviewed_at.isoformat() if change.reviewed_at else None,
            "incident_ids": [i.id for i in incidents_of(s, change)],
            "overlaps": [c.number for c in overlapping(s, change)],
            "created_at": change.created_at.isoformat(), "updated_at": change.updated_at.isoformat()}
