"""Call-backs that can fail, on the desk pages: the attempts page of an incident, logging an attempt, and a
lead recording the subscriber as unreachable once the operator's rule is met. Also the template helpers
the incident page and the queue use for these and for the first-response SLA.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from kb.actors import Role
from kb.errors import Conflict, DomainError
from kb.orm import utcnow
from servicedesk import db
from servicedesk.auth.setup import STAFF, current, roles_required
from servicedesk.incidents import callbacks
from servicedesk.incidents.action_views import _act
from servicedesk.incidents.forms import ACTION_FORMS
from servicedesk.incidents.models import Incident
from servicedesk.incidents.sla import response_overdue
from servicedesk.incidents.views import EVENT_LABELS, VERIFY_METHOD_LABELS, aware, bp, load, me
from servicedesk.incidents.workflow import OPEN_STATES
from servicedesk.web import safe_next

# The history's new entries and the new way of verifying, in the incident page's words.
EVENT_LABELS.update({
    "sla_response_missed": _l("No response by the respond-by time: escalated to the group leader"),
    "sla_at_risk": _l("SLA at risk: the group leader was warned"),
    "callback_unreachable": _l("Call-back attempt: subscriber not reached"),
    "callback_reached": _l("Call-back attempt: subscriber reached"),
})
VERIFY_METHOD_LABELS.setdefault("unreachable", _l("Subscriber unreachable (recorded by a lead)"))
OUTCOME_LABELS: dict[str, Any] = {"reached": _l("Reached"), "unreachable": _l("Not reached")}


def _rule_refusal(exc: DomainError, field: str) -> DomainError:
    """The call-back rules' refusals in the reader's language, placed beside the form's field."""
    texts = {
        "callback_rule_not_met": lambda: _(
            "Not yet: a subscriber counts as unreachable after %(attempts)s failed call-back attempts spread "
            "over %(hours)s hours since the fix.", attempts=callbacks.rule_in_force().attempts,
            hours=f"{callbacks.rule_in_force().hours:g}"),
        "already_verified": lambda: _("The fix is already verified; no call-back is needed."),
        "not_awaiting_verification": lambda: _("Call-backs are made once the incident is resolved and waits for "
                                               "its verification."),
    }
    if exc.code not in texts:
        return exc
    text = texts[exc.code]()
    return Conflict(text, code=exc.code, fields={field: text})


@bp.app_template_global("callback_panel")
def callback_panel(incident: Incident) -> dict[str, Any]:
    """What the call-back partial shows: the attempts, the rule's progress and who may do what."""
    s = db.session()
    user = current()
    return {
        "attempts": callbacks.attempts_for(s, incident),
        "progress": callbacks.rule_progress(s, incident),
        "awaiting": incident.status.value == "resolved" and not incident.verified,
        "can_log": callbacks.can_log_attempt(user),
        "can_unreachable": callbacks.can_record_unreachable(user),
        "outcome_labels": OUTCOME_LABELS,
    }


@bp.app_template_global("response_is_overdue")
def response_is_overdue(incident: Incident | None) -> bool:
    """The incident is open and nobody has responded by its respond-by time (the "response overdue" badge)."""
    if incident is None or incident.status not in OPEN_STATES:
        return False
    return response_overdue(now=utcnow(), respond_by=incident.respond_by, responded_at=incident.responded_at,
                            paused_at=incident.paused_at)


def callbacks_page(incident: Incident, status: int = 200, **given: FlaskForm) -> Any:
    """The incident's call-back attempts with the forms to log one and (leads) to record it unreachable;
    forms passed in (a refused or invalid action) keep what the user typed, with their errors."""
    forms: dict[str, Any] = {}
    for name in ("attempt_form", "unreachable_form"):
        cls, prefix = ACTION_FORMS[name]
        form = given.get(name) or cls(prefix=prefix, formdata=None)
        if name not in given:
            form.version.data = str(incident.version)
        forms[name] = form
    return render_template("incidents/callbacks.html", incident=incident, **forms), status


@bp.get("/desk/incidents/<int:incident_id>/callbacks")
@roles_required(*STAFF)
def callbacks_view(incident_id: int) -> Any:
    return callbacks_page(load(incident_id))


def _back(incident: Incident) -> Response:
    return redirect(safe_next(request.form.get("next"), url_for(".callbacks_view", incident_id=incident.id)))


def _refusing(run: Callable[[Incident, Any], None], field: str) -> Callable[[Incident, Any], None]:
    def wrapped(incident: Incident, form: Any) -> None:
        try:
            run(incident, form)
        except DomainError as exc:
            raise _rule_refusal(exc, field) from exc
    return wrapped


@bp.post("/desk/incidents/<int:incident_id>/callback-attempts")
@roles_required(*STAFF)
def log_callback_attempt(incident_id: int) -> Any:
    def log(incident: Incident, form: Any) -> None:
        callbacks.log_callback_attempt(db.session(), incident, me(), outcome=form.outcome.data,
                                       note=form.note.data or "", called_at=aware(form.called_at.data))

    def run(incident: Incident, form: Any) -> Response:
        _refusing(log, "outcome")(incident, form)
        flash(_("Call-back attempt recorded."), "success")
        return _back(incident)
    return _act(incident_id, "attempt_form", run, page=callbacks_page)


@bp.post("/desk/incidents/<int:incident_id>/unreachable")
@roles_required(Role.LEAD, Role.ADMIN)
def record_unreachable(incident_id: int) -> Any:
    def record(incident: Incident, form: Any) -> None:
        callbacks.record_unreachable(db.session(), incident, me(), comment=form.comment.data or "")

    def run(incident: Incident, form: Any) -> Response:
        _refusing(record, "comment")(incident, form)
        flash(_("Recorded: the subscriber could not be reached. Closing still needs an approved solution."),
              "success")
        return _back(incident)
    return _act(incident_id, "unreachable_form", run, page=callbacks_page)
