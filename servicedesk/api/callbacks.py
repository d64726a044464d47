"""/api/v1/incidents/<id>/callback-attempts: call-backs that can fail (servicedesk.incidents.callbacks).

Staff log each attempt; once the operator's rule is met a lead records the verification with
POST /incidents/<id>/verify {"accepted": true, "method": "unreachable"} (409 callback_rule_not_met before).
"""

from __future__ import annotations

from typing import Any

from servicedesk.api import bp
from servicedesk.api import callback_schemas as sch
from servicedesk.api.common import commit, session, user
from servicedesk.api.contract import READ, WRITE, body, operation
from servicedesk.api.incidents import load_incident
from servicedesk.incidents import callbacks
from servicedesk.incidents.models import CallbackAttempt, Incident
from servicedesk.incidents.services import _require_staff


def attempt_json(a: CallbackAttempt) -> dict[str, Any]:
    return {"id": a.id, "incident_id": a.incident_id, "at": a.at.isoformat(), "by": a.by.username,
            "outcome": a.outcome.value, "note": a.note, "recorded_at": a.recorded_at.isoformat()}


def rule_json(i: Incident) -> dict[str, Any]:
    progress = callbacks.rule_progress(session(), i)
    return {"attempts": progress.rule.attempts, "hours": progress.rule.hours, "failed": progress.failed,
            "met": progress.met}


@bp.get("/incidents/<int:incident_id>/callback-attempts")
@operation("list_callback_attempts", tag="incidents", summary="An incident's call-back attempts (staff)",
           responses={200: sch.CallbackAttemptList}, errors=READ,
           description="With the unreachable rule's progress: when `met`, a lead may record the verification "
                       "with method 'unreachable'.")
def list_callback_attempts(incident_id: int) -> dict[str, Any]:
    _require_staff(user(), "read call-back attempts")
    i = load_incident(incident_id)
    return {"items": [attempt_json(a) for a in callbacks.attempts_for(session(), i)], "rule": rule_json(i)}


@bp.post("/incidents/<int:incident_id>/callback-attempts")
@operation("log_callback_attempt", tag="incidents", summary="Log a call-back attempt (staff)",
           body=sch.CallbackAttemptInput, responses={201: sch.CallbackAttempt}, errors=WRITE,
           description="Only while the incident is resolved and waits for its verification (409 "
                       "not_awaiting_verification, already_verified). Two agents logging at once both land.")
def log_callback_attempt(incident_id: int) -> tuple[dict[str, Any], int]:
    data = body(sch.CallbackAttemptInput)
    _require_staff(user(), "record call-back attempts")
    i = load_incident(incident_id, for_update=True)
    attempt = callbacks.log_callback_attempt(session(), i, user(), outcome=data.outcome.value,
                                             note=data.note or "", called_at=data.called_at)
    commit()
    return attempt_json(attempt), 201
