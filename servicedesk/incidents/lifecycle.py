"""The endings besides closing: cancel, merge as a duplicate, follow up an old closure; and bulk assign.

Services flush; callers commit. A refusal raises before anything is written, or (bulk assign) the
caller rolls back, so nothing half-done is ever committed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kb.errors import Conflict, DomainError, ValidationError
from kb.orm import utcnow
from kb.validation import clean_text
from servicedesk.incidents.models import Incident
from servicedesk.incidents.services import (
    NOTE_MAX,
    _move,
    _record,
    _require_staff,
    _set_status,
    _unpause,
    assign_incident,
    create_incident,
    duplicates_of,
)
from servicedesk.incidents.sla import DEFAULT_POLICY, SlaPolicy
from servicedesk.incidents.workflow import OPEN_STATES, IncidentStatus
from servicedesk.users.models import User

BULK_MAX = 100


def cancel_incident(s: Session, incident: Incident, actor: User, reason: object) -> Incident:
    """Cancels an open incident with a reason (withdrawn, reported in error); duplicates merged into it
    go back to work, since nothing will close them now."""
    _require_staff(actor, "cancel incidents")
    target = _move(incident, "cancel")
    text = clean_text(reason, "reason", max_len=NOTE_MAX)
    incident.cancel_reason = text
    _set_status(s, incident, actor, "cancel", target, note=text)
    for child in duplicates_of(s, incident):
        _release(s, child, actor, f"{incident.number} was cancelled")
    s.flush()
    return incident


def _release(s: Session, child: Incident, actor: User, note: str) -> None:
    target = _move(child, "release_duplicate")
    _record(s, child, actor, "release_duplicate", field="duplicate_of", old=child.duplicate_of.number
            if child.duplicate_of else None, new=None, note=note)
    child.duplicate_of = None
    _unpause(s, child)
    _set_status(s, child, actor, "release_duplicate", target, note=note)


def _root(parent: Incident) -> Incident:
    """The incident duplicates finally merge into (a duplicate's own parent, and so on)."""
    seen = {parent.id}
    while parent.status == IncidentStatus.DUPLICATE and parent.duplicate_of is not None:
        parent = parent.duplicate_of
        if parent.id in seen:  # a loop cannot be stored, but never spin on one
            break
        seen.add(parent.id)
    return parent


def mark_duplicate(s: Session, incident: Incident, actor: User, parent: Incident | None,
                   reason: object = "") -> Incident:
    """Merges an open incident into a parent (open or resolved); it closes through the parent's solution
    when the parent closes. Its own duplicates move to the parent with it."""
    _require_staff(actor, "merge incidents")
    target = _move(incident, "mark_duplicate")
    if parent is None:
        raise ValidationError("No incident has this number.", fields={"parent": "no such incident"})
    parent = _root(parent)
    if parent.id == incident.id:
        raise ValidationError("An incident cannot be a duplicate of itself.", fields={"parent": "itself"})
    if parent.status not in (*OPEN_STATES, IncidentStatus.RESOLVED):
        raise Conflict(f"{parent.number} is already {parent.status.value}; merge into an open incident, or "
                       "report again and let the repeat link find it.", code="parent_ended",
                       fields={"parent": "not open"})
    text = clean_text(reason, "reason", max_len=NOTE_MAX, required=False)
    incident.duplicate_of = parent
    # The SLA clock stands still while the duplicate waits on its parent.
    incident.paused_at = utcnow()
    _record(s, incident, actor, "mark_duplicate", field="duplicate_of", new=parent.number, note=text)
    _set_status(s, incident, actor, "mark_duplicate", target)
    moved = s.execute(update(Incident).where(Incident.duplicate_of_id == incident.id,
                                             Incident.status == IncidentStatus.DUPLICATE)
                      .values(duplicate_of_id=parent.id, version=Incident.version + 1)
                      .execution_options(synchronize_session="fetch"))
    _record(s, parent, actor, "merge", field="duplicates", new=incident.number,
            note=f"+{moved.rowcount}" if moved.rowcount else "")  # type: ignore[attr-defined]
    s.flush()
    return incident


def follow_up_incident(s: Session, old: Incident, actor: User, reason: object, *,
                       policy: SlaPolicy = DEFAULT_POLICY) -> Incident:
    """A new incident linked to a closed one (the way back once the reopen window has passed):
    same subscriber, service and zone, the reason as its description, its own SLA."""
    _require_staff(actor, "open follow-up incidents")
    _move(old, "follow_up")
    text = clean_text(reason, "reason", max_len=NOTE_MAX)
    data = {"title": old.title, "description": text, "service": old.service, "category": old.category.value,
            "area": old.area.value, "customer_account": old.customer_account, "channel": old.channel.value,
            "priority": old.priority.value, "zone": old.zone.code if old.zone else ""}
    new = create_incident(s, actor, data, reporter=old.reporter, policy=policy)
    if new.repeat_of_id != old.id:
        new.repeat_of = old
        _record(s, new, actor, "follow_up", field="repeat_of", new=old.number, note=text)
    _record(s, old, actor, "follow_up", field="follow_up", new=new.number, note=text)
    s.flush()
    return new


def bulk_apply(s: Session, actor: User, incidents: Sequence[Incident], move: Callable[[Incident], object],
               verb: str = "changed") -> None:
    """One move on every incident or none: the refusals are raised together (naming each refused incident) and
    the caller rolls back. The move is the same service call as on one incident, with the same checks."""
    _require_staff(actor, "work on incidents")
    if not incidents:
        raise ValidationError("Choose at least one incident.", fields={"ids": "none chosen"})
    if len(incidents) > BULK_MAX:
        raise ValidationError(f"At most {BULK_MAX} incidents at once.", fields={"ids": f"at most {BULK_MAX}"})
    refused: list[tuple[Incident, DomainError]] = []
    for incident in incidents:
        try:
            move(incident)
        except DomainError as exc:
            refused.append((incident, exc))
    if refused:
        first = refused[0][1]
        names = ", ".join(i.number or str(i.id) for i, _ in refused)
        raise type(first)(f"Nothing was {verb}: refused for {names} ({first.message})", code=first.code,
                          fields={**first.fields, "ids": names})


def bulk_assign(s: Session, actor: User, incidents: Sequence[Incident], assignee: User | None) -> None:
    """Assigns every incident or none."""
    bulk_apply(s, actor, incidents, lambda i: assign_incident(s, i, actor, assignee), "assigned")


def incidents_by_ids(s: Session, ids: Sequence[int]) -> list[Incident]:
    """The incidents with these ids, in the order given; a missing one is a ValidationError naming it."""
    found = {i.id: i for i in s.scalars(select(Incident).where(Incident.id.in_(ids)))}
    missing = [str(v) for v in ids if v not in found]
    if missing:
        raise ValidationError("Unknown incident id(s): " + ", ".join(missing),
                              fields={"ids": "no such incident: " + ", ".join(missing)})
    return [found[v] for v in ids]


def incident_by_number(s: Session, number: object) -> Incident | None:
    """The incident with this number (INC…), or with this id when a bare number is given."""
    if not isinstance(number, str) or not number.strip():
        return None
    text = number.strip().upper()
    if text.isdigit() and len(text) < 10:
        return s.get(Incident, int(text))
    return s.scalar(select(Incident).where(Incident.number == text))
