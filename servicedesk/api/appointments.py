"""/api/v1/incidents/<id>/appointment: the visit window agreed with the subscriber (servicedesk.incidents.booking)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from servicedesk.api import bp
from servicedesk.api.common import commit, session, user
from servicedesk.api.contract import READ, WRITE, Input, Output, body, operation
from servicedesk.api.incidents import load_incident
from servicedesk.incidents import booking
from servicedesk.incidents.models import Appointment, Incident
from servicedesk.incidents.services import NOTE_MAX, _require_staff


class AppointmentInput(Input):
    starts_at: datetime = Field(description="Start of the window, with its offset; not in the past")
    ends_at: datetime = Field(description=f"End of the window: after the start, at most {booking.MAX_WINDOW_HOURS} h")
    agreed_with: str | None = Field(None, max_length=booking.AGREED_MAX, description="Who agreed on the phone")
    engineer: str | None = Field(None, max_length=64, description="Username of the engineer (default: the assignee)")
    reason: str | None = Field(None, max_length=NOTE_MAX, description="Required when a window is already agreed")
    note: str | None = Field(None, max_length=NOTE_MAX)


class CancelInput(Input):
    reason: str = Field(min_length=1, max_length=NOTE_MAX, description="Why the appointment is cancelled")


class AppointmentOut(Output):
    id: int
    starts_at: datetime
    ends_at: datetime
    agreed_with: str
    engineer: str = Field(description="Username")
    engineer_name: str
    engineer_phone: str
    note: str
    reason: str = Field(description="Why this window replaced the one before ('' for the first)")
    made_by: str
    made_at: datetime
    ended_at: datetime | None = Field(description="Moved or cancelled at; null while in force")
    cancel_reason: str


class AppointmentState(Output):
    current: AppointmentOut | None
    history: list[AppointmentOut] = Field(description="Every window, newest first")
    agreed_in_time: bool | None = Field(description="The first window was agreed within APPOINTMENT_WITHIN_MINUTES "
                                                    "of dispatch (null: not yet judged)")
    arrived_in_window: bool | None = Field(description="The field work's arrival fell inside the window then in "
                                                       "force (null: not arrived yet)")


def appointment_json(a: Appointment) -> dict[str, Any]:
    return {"id": a.id, "starts_at": a.starts_at.isoformat(), "ends_at": a.ends_at.isoformat(),
            "agreed_with": a.agreed_with, "engineer": a.engineer.username, "engineer_name": a.engineer.name,
            "engineer_phone": a.engineer.phone or "", "note": a.note, "reason": a.reason,
            "made_by": a.made_by.username, "made_at": a.made_at.isoformat(),
            "ended_at": a.ended_at.isoformat() if a.ended_at else None, "cancel_reason": a.cancel_reason}


def state_json(i: Incident) -> dict[str, Any]:
    windows = booking.history(session(), i)
    judged = booking.judge(session(), i)
    return {"current": appointment_json(windows[0]) if windows and windows[0].ended_at is None else None,
            "history": [appointment_json(w) for w in windows], "agreed_in_time": judged.agreed_in_time,
            "arrived_in_window": judged.arrived_in_window}


@bp.get("/incidents/<int:incident_id>/appointment")
@operation("get_appointment", tag="incidents", summary="An incident's appointment and its history (staff)",
           responses={200: AppointmentState}, errors=READ)
def get_appointment(incident_id: int) -> dict[str, Any]:
    _require_staff(user(), "read appointments")
    return state_json(load_incident(incident_id))


@bp.put("/incidents/<int:incident_id>/appointment")
@operation("book_appointment", tag="incidents", summary="Agree or move the visit window (staff)",
           body=AppointmentInput, responses={200: AppointmentState}, errors=WRITE,
           description="The subscriber is told the window and the engineer's name and phone "
                       "(event incident.appointment). Moving a window needs a reason. Only while the incident is "
                       "open (409 incident_not_open); two at once: one wins, the other 409 concurrent_change.")
def book_appointment(incident_id: int) -> dict[str, Any]:
    data = body(AppointmentInput)
    _require_staff(user(), "make appointments")
    i = load_incident(incident_id, for_update=True)
    booking.book(session(), i, user(), data.model_dump())
    commit()
    return state_json(i)


@bp.delete("/incidents/<int:incident_id>/appointment")
@operation("cancel_appointment", tag="incidents", summary="Cancel the visit window in force (staff)",
           body=CancelInput, responses={200: AppointmentState}, errors=WRITE,
           description="409 no_appointment when none is in force.")
def cancel_appointment(incident_id: int) -> dict[str, Any]:
    data = body(CancelInput)
    _require_staff(user(), "cancel appointments")
    i = load_incident(incident_id, for_update=True)
    booking.cancel(session(), i, user(), data.reason)
    commit()
    return state_json(i)
