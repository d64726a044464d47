"""The incident page's appointment card and its actions (servicedesk.incidents.booking)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from servicedesk import db
from servicedesk.auth.setup import STAFF, roles_required
from servicedesk.incidents import booking
from servicedesk.incidents.action_views import _act
from servicedesk.incidents.models import Incident
from servicedesk.incidents.views import EVENT_LABELS, FIELD_LABELS, aware, bp, me

EVENT_LABELS.update({
    "appointment": _l("Appointment agreed"),
    "reschedule": _l("Appointment moved"),
    "cancel_appointment": _l("Appointment cancelled"),
})
FIELD_LABELS.setdefault("appointment", _l("Window"))


@bp.app_template_global("appointment_panel")
def appointment_panel(incident: Incident) -> dict[str, Any]:
    """The card's facts: the window in force, every earlier one, and the two promises judged."""
    s = db.session()
    windows = booking.history(s, incident)
    return {"current": windows[0] if windows and windows[0].ended_at is None else None, "windows": windows,
            "judged": booking.judge(s, incident), "minutes": booking.within_minutes(),
            "open": incident.status.value in ("new", "assigned", "in_progress", "pending")}


@bp.post("/desk/incidents/<int:incident_id>/appointment")
@roles_required(*STAFF)
def book_appointment(incident_id: int) -> Response:
    def run(incident: Incident, form: Any) -> str:
        moved = booking.current(db.session(), incident) is not None
        booking.book(db.session(), incident, me(), {
            "starts_at": aware(form.starts_at.data), "ends_at": aware(form.ends_at.data),
            "agreed_with": form.agreed_with.data, "engineer": form.engineer.data, "reason": form.reason.data,
            "note": form.note.data})
        return _("Appointment moved; the subscriber is told the new window.") if moved else \
            _("Appointment agreed; the subscriber is told the window and the engineer's phone.")
    return _act(incident_id, "appointment_form", run)


@bp.post("/desk/incidents/<int:incident_id>/appointment/cancel")
@roles_required(*STAFF)
def cancel_appointment(incident_id: int) -> Response:
    def run(incident: Incident, form: Any) -> str:
        booking.cancel(db.session(), incident, me(), form.reason.data)
        return _("Appointment cancelled.")
    return _act(incident_id, "appointment_cancel_form", run)


@bp.app_template_filter("window")
def window_filter(value: Any) -> str:
    """A window as the reader reads it: start date and time – end time (the end's date too when it differs);
    takes an appointment or a history row's "start/end" text."""
    from datetime import datetime

    from flask_babel import format_datetime, format_time

    if isinstance(value, str):
        try:
            starts, ends = (datetime.fromisoformat(part) for part in value.split("/", 1))
        except ValueError:
            return value
    else:
        starts, ends = value.starts_at, value.ends_at
    same_day = format_datetime(starts, "yyyy-MM-dd") == format_datetime(ends, "yyyy-MM-dd")
    until = format_time(ends, "short") if same_day else format_datetime(ends, "short")
    return f"{format_datetime(starts, 'short')} – {until}"
