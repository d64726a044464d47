"""Appointments (预约): the time window agreed with the subscriber for the engineer's visit.

The operators promise to agree a window within 30 minutes of dispatch and to arrive inside it (履约准时率).
Booking a window, rescheduling it (with a reason) and cancelling it (with a reason) are steps in the
incident's history; the subscriber is told the window and the engineer's name and phone (event
incident.appointment, through the outbox, in the same transaction). Every window stays on record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.errors import Conflict, ValidationError
from kb.orm import utcnow
from kb.validation import clean_text
from servicedesk.incidents.models import Appointment, Incident, IncidentEvent
from servicedesk.incidents.services import NOTE_MAX, _record, _require_staff
from servicedesk.incidents.workflow import OPEN_STATES
from servicedesk.users.models import User

MAX_WINDOW_HOURS = 12
PAST_GRACE_MINUTES = 15  # a window agreed on the phone may start a few minutes ago
AHEAD_DAYS = 60
AGREED_MAX = 100
APPOINTMENT_WITHIN_MINUTES = 30


def within_minutes() -> int:
    """How soon after dispatch an appointment must be agreed (APPOINTMENT_WITHIN_MINUTES, default 30)."""
    value = current_app.config.get("APPOINTMENT_WITHIN_MINUTES") if has_app_context() else None
    return int(value or APPOINTMENT_WITHIN_MINUTES)


def history(s: Session, incident: Incident) -> list[Appointment]:
    """Every window of the incident, newest first."""
    return list(s.scalars(select(Appointment).where(Appointment.incident_id == incident.id)
                          .order_by(Appointment.made_at.desc(), Appointment.id.desc())))


def current(s: Session, incident: Incident) -> Appointment | None:
    """The window in force: the latest one neither rescheduled nor cancelled."""
    found = history(s, incident)
    return found[0] if found and found[0].ended_at is None else None


def _aware(value: object, name: str, errors: dict[str, str]) -> datetime | None:
    if isinstance(value, str) and value.strip():
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            errors[name] = "an ISO date-time with its offset"
            return None
    if not isinstance(value, datetime):
        errors[name] = "required"
        return None
    if value.tzinfo is None:
        errors[name] = "a date-time with its offset"
        return None
    return value


def _window(data: Mapping[str, Any]) -> tuple[datetime, datetime]:
    errors: dict[str, str] = {}
    starts, ends = _aware(data.get("starts_at"), "starts_at", errors), _aware(data.get("ends_at"), "ends_at", errors)
    message = "Give the start and the end of the window, with their offset."
    if starts is not None and ends is not None:
        now = utcnow()
        if ends <= starts:
            errors["ends_at"], message = "after the start", "The window must end after it starts."
        elif ends - starts > timedelta(hours=MAX_WINDOW_HOURS):
            errors["ends_at"], message = f"at most {MAX_WINDOW_HOURS} hours", "A window is at most 12 hours long."
        elif starts < now - timedelta(minutes=PAST_GRACE_MINUTES):
            errors["starts_at"], message = "not in the past", "The window cannot start in the past."
        elif starts > now + timedelta(days=AHEAD_DAYS):
            errors["starts_at"], message = f"within {AHEAD_DAYS} days", "The window must start within 60 days."
    if errors or starts is None or ends is None:
        raise ValidationError(message, fields=errors)
    return starts, ends


def _engineer(s: Session, incident: Incident, actor: User, value: object) -> User:
    if value in (None, ""):
        return incident.assignee or actor
    found = s.get(User, int(value)) if isinstance(value, int) or (isinstance(value, str) and value.isdigit()) \
        else s.scalar(select(User).where(User.username == str(value)))
    if found is None or not found.is_staff or not found.active:
        raise ValidationError("The engineer must be an active staff member.", fields={"engineer": "not staff"})
    return found


def _require_open(incident: Incident) -> None:
    if incident.status not in OPEN_STATES:
        raise Conflict("An appointment is made while the incident is open (not resolved, closed or cancelled).",
                       code="incident_not_open")


def book(s: Session, incident: Incident, actor: User, data: Mapping[str, Any]) -> Appointment:
    """Agrees a window (or moves the one in force: then a reason is required) and tells the subscriber."""
    _require_staff(actor, "make appointments")
    _require_open(incident)
    starts, ends = _window(data)
    engineer = _engineer(s, incident, actor, data.get("engineer"))
    agreed = clean_text(data.get("agreed_with") or "", "agreed_with", max_len=AGREED_MAX, required=False,
                        single_line=True)
    note = clean_text(data.get("note") or "", "note", max_len=NOTE_MAX, required=False)
    before = current(s, incident)
    reason = clean_text(data.get("reason") or "", "reason", max_len=NOTE_MAX, required=False)
    if before is not None and not reason:
        raise ValidationError("Say why the appointment moves.", fields={"reason": "required"})
    now = utcnow()
    if before is not None:
        before.ended_at = now
    appointment = Appointment(incident_id=incident.id, starts_at=starts, ends_at=ends, agreed_with=agreed,
                              engineer=engineer, note=note, reason=reason if before is not None else "",
                              made_by=actor, made_at=now)
    s.add(appointment)
    _record(s, incident, actor, "reschedule" if before is not None else "appointment", field="appointment",
            old=_span(before.starts_at, before.ends_at) if before is not None else None, new=_span(starts, ends),
            note=reason if before is not None else "")
    s.flush()
    _tell(s, incident, appointment)
    return appointment


def cancel(s: Session, incident: Incident, actor: User, reason: object) -> Appointment:
    """Ends the window in force; a reason is required (the subscriber cancelled, the fault cleared…)."""
    _require_staff(actor, "cancel appointments")
    text = clean_text(reason, "reason", max_len=NOTE_MAX, required=False)
    if not text:
        raise ValidationError("Say why the appointment is cancelled.", fields={"reason": "required"})
    before = current(s, incident)
    if before is None:
        raise Conflict("There is no appointment to cancel.", code="no_appointment")
    before.ended_at, before.cancel_reason = utcnow(), text
    _record(s, incident, actor, "cancel_appointment", field="appointment", old=_span(before.starts_at, before.ends_at),
            note=text)
    s.flush()
    return before


def _span(starts: datetime, ends: datetime) -> str:
    return f"{starts.isoformat()}/{ends.isoformat()}"


def _tell(s: Session, incident: Incident, appointment: Appointment) -> None:
    from servicedesk.notify.hooks import tell_reporter  # the notify package imports the incident models
    from servicedesk.notify.services import local_time

    engineer = appointment.engineer
    tell_reporter(s, incident, "incident.appointment", {
        "window": f"{local_time(appointment.starts_at)}–{local_time(appointment.ends_at)[-5:]}",
        "starts_at": local_time(appointment.starts_at), "ends_at": local_time(appointment.ends_at),
        "engineer": engineer.name, "engineer_phone": engineer.phone or ""})


# -- judged ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Judged:
    """The two promises: agreed within N minutes of dispatch, and arrived inside the window (None: not yet)."""

    agreed_in_time: bool | None
    arrived_in_window: bool | None


def dispatched_at(s: Session, incident: Incident) -> datetime | None:
    """When the incident was first given to a person (its first assignment), else its first response."""
    first = s.scalar(select(IncidentEvent.at).where(IncidentEvent.incident_id == incident.id,
                                                    IncidentEvent.field == "assignee", IncidentEvent.new.is_not(None))
                     .order_by(IncidentEvent.at, IncidentEvent.id).limit(1))
    return first or incident.responded_at


def judge(s: Session, incident: Incident) -> Judged:
    arrived = incident.field_work.arrived_at if incident.field_work is not None else None
    return verdict(history(s, incident), dispatched_at(s, incident), arrived, utcnow(), within_minutes())


def verdict(windows: Sequence[Appointment], dispatched: datetime | None, arrived: datetime | None, now: datetime,
            within: int) -> Judged:
    """The two promises from an incident's windows (newest first), its dispatch and the engineer's arrival."""
    first = windows[-1] if windows else None
    agreed: bool | None = None
    if first is not None and dispatched is not None:
        agreed = first.made_at - dispatched <= timedelta(minutes=within)
    elif first is None and dispatched is not None and now - dispatched > timedelta(minutes=within):
        agreed = False  # nothing agreed, and the half hour is gone
    in_window: bool | None = None
    if arrived is not None:
        # The window in force at arrival (a window cancelled or moved after the arrival still counts).
        standing = [w for w in windows if w.made_at <= arrived and (w.ended_at is None or w.ended_at > arrived)]
        in_window = bool(standing) and standing[0].starts_at <= arrived <= standing[0].ends_at
    return Judged(agreed, in_window)
