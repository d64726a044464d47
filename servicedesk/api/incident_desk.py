"""The desk's other moves on an incident: cancel, merge as a duplicate, follow up an old closure, the
field-work record; and the second call-back audit (draw a sample of closed incidents, record each call).

Views translate, services decide: every rule is in servicedesk.incidents (lifecycle, fieldwork, audits),
the same functions the desk pages call.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from kb.actors import is_staff
from kb.errors import Forbidden, NotFound, ValidationError
from servicedesk.api import bp
from servicedesk.api import schemas as sch
from servicedesk.api import serializers as ser
from servicedesk.api.common import choice_arg, commit, id_exists, int_value, json_body, page_args, session, user
from servicedesk.api.contract import READ, WRITE, operation
from servicedesk.api.incidents import Reply, incident_json, load_for_change, load_incident
from servicedesk.incidents import audits, fieldwork, intake, lifecycle
from servicedesk.incidents.models import CallbackAudit, FieldWork, Incident
from servicedesk.org.models import mask_phone

AUDIT_STATES = ("pending", "recorded")


@bp.post("/incidents/<int:incident_id>/cancel")
@operation("cancel_incident", tag="incidents", summary="Cancel an open incident with a reason (staff)",
           body=sch.ReasonInput, responses={200: sch.Incident}, errors=WRITE,
           description="Duplicates merged into it go back to work (in_progress), since nothing will close them now.")
def cancel_incident(incident_id: int) -> dict[str, Any]:
    data = json_body()
    i = load_for_change(incident_id, data)
    lifecycle.cancel_incident(session(), i, user(), data.get("reason"))
    commit()
    return incident_json(i)


@bp.post("/incidents/<int:incident_id>/chases")
@operation("chase_incident", tag="incidents", summary="Record a repeat call about an open incident (催修) (staff)",
           body=sch.ChaseInput, responses={201: sch.Incident}, errors=WRITE,
           description="Counted on the incident (chase_count) and in its history; its assignee (else the team's "
                       "leader) is told. Two calls recorded at once both count. 409 not_open once it is resolved "
                       "or ended.")
def chase_incident(incident_id: int) -> Reply:
    data = json_body()
    i = load_incident(incident_id, for_update=True)
    intake.chase_incident(session(), i, user(), note=data.get("note") or "", caller_phone=data.get("caller_phone"))
    commit()
    return incident_json(i), 201


def _parent(data: dict[str, Any]) -> Incident | None:
    """The incident named by "parent" (its number, or its id), if there is one; the service says what is wrong."""
    value = data.get("parent")
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, str))):
        raise ValidationError("'parent' is an incident number or id.", fields={"parent": "a number or an id"})
    if isinstance(value, int) and not id_exists(value):
        return None
    return lifecycle.incident_by_number(session(), str(value)) if value is not None else None


@bp.post("/incidents/<int:incident_id>/duplicate")
@operation("mark_duplicate", tag="incidents",
           summary="Merge an open incident into a parent as its duplicate (staff)", body=sch.DuplicateInput,
           responses={200: sch.Incident}, errors=WRITE,
           description="The duplicate's SLA clock stops; it closes through the parent's solution and verified fix "
                       "when the parent closes. A parent that is itself a duplicate is followed to its own parent; "
                       "409 parent_ended when the parent is closed or cancelled, 400 for the incident itself.")
def mark_duplicate(incident_id: int) -> dict[str, Any]:
    data = json_body()
    i = load_for_change(incident_id, data)
    lifecycle.mark_duplicate(session(), i, user(), _parent(data), data.get("reason", ""))
    commit()
    return incident_json(i)


@bp.post("/incidents/<int:incident_id>/follow-up")
@operation("follow_up_incident", tag="incidents", summary="Open a new incident linked to a closed one (staff)",
           body=sch.ReasonInput, responses={201: sch.Incident}, errors=WRITE,
           description="The way back once the reopen window has passed: same reporter, subscriber, service and "
                       "zone, the reason as its description, its own SLA; `repeat_of` names the closed incident.")
def follow_up_incident(incident_id: int) -> Reply:
    data = json_body()
    old = load_for_change(incident_id, data)
    new = lifecycle.follow_up_incident(session(), old, user(), data.get("reason"),
                                       policy=current_app.extensions["sla_policy"])
    commit()
    return incident_json(new), 201


def field_work_json(i: Incident, work: FieldWork | None) -> dict[str, Any]:
    """The record as the API shows it; an incident without one shows every field empty."""
    def value(name: str) -> Any:
        found = getattr(work, name) if work is not None else None
        if found is None:  # a text never recorded (also on a record just created with other fields) is empty
            return None if name in ("arrived_at", "completed_at", "vlan") else ""
        return ser.when(found) if isinstance(found, datetime) else found

    return {"incident_id": i.id, "version": i.version, "leased_line": i.service == fieldwork.LEASED_LINE,
            **{name: value(name) for name in fieldwork.FIELDS},
            "updated_by": ser.username(work.updated_by) if work is not None else None,
            "updated_at": ser.when(work.updated_at) if work is not None else None}


@bp.get("/incidents/<int:incident_id>/field-work")
@operation("get_field_work", tag="incidents", summary="The field-work record (staff)",
           responses={200: sch.FieldWork}, errors=READ,
           description="Every field empty (null times) when nothing was recorded yet.")
def get_field_work(incident_id: int) -> dict[str, Any]:
    i = load_incident(incident_id)
    if not is_staff(user()):
        raise Forbidden("Only service-desk staff read the field-work record.")
    return field_work_json(i, i.field_work)


@bp.patch("/incidents/<int:incident_id>/field-work")
@operation("record_field_work", tag="incidents",
           summary="Record field work (staff): the fields sent change, the others stay", body=sch.FieldWorkInput,
           body_required=False, responses={200: sch.FieldWork}, errors=WRITE,
           description="400 naming each bad field: a time in the future, before the report or without its offset; "
                       "completion before arrival; an invalid IP, MAC or VLAN (1-4094); leased-line fields on "
                       "another service. Each change enters the history.")
def record_field_work(incident_id: int) -> dict[str, Any]:
    data = json_body()
    i = load_for_change(incident_id, data)
    work = fieldwork.record_field_work(session(), i, user(), {k: v for k, v in data.items() if k != "version"})
    commit()
    return field_work_json(i, work)


# -- the second call-back audit ------------------------------------------------------------------

def audit_json(a: CallbackAudit) -> dict[str, Any]:
    i = a.incident
    sub = i.subscriber
    return {"id": a.id,
            "incident": {"id": i.id, "number": i.number, "title": i.title, "customer_account": i.customer_account,
                         "reporter": ser.username(i.reporter), "closed_at": ser.when(i.closed_at),
                         "phone": mask_phone(sub.phone) if sub is not None else None},
            "sampled_at": ser.when(a.sampled_at), "sampled_by": ser.username(a.sampled_by),
            "outcome": a.outcome.value if a.outcome is not None else None, "auditor": ser.username(a.auditor),
            "called_at": ser.when(a.called_at), "rating": a.rating, "comment": a.comment}


AUDIT_OPTIONS = (selectinload(CallbackAudit.incident).selectinload(Incident.subscriber),
                 selectinload(CallbackAudit.incident).selectinload(Incident.reporter),
                 selectinload(CallbackAudit.sampled_by), selectinload(CallbackAudit.auditor))


def _require_staff() -> None:
    if not is_staff(user()):
        raise Forbidden("Only service-desk staff make audit call-backs.")


@bp.get("/audits")
@operation("list_audits", tag="incidents",
           summary="Second call-back audits: pending (oldest first) or recorded (newest first) (staff)",
           query=sch.AuditQuery, responses={200: sch.AuditPage}, errors=(401, 403))
def list_audits() -> dict[str, Any]:
    """Pending audits oldest first (the calls to make), or recorded ones newest first."""
    _require_staff()
    errors: dict[str, str] = {}
    page, per_page = page_args(errors)
    state = choice_arg("state", AUDIT_STATES, errors)
    if len(state) > 1:
        errors["state"] = "one of: " + ", ".join(AUDIT_STATES)
    if errors:
        raise ValidationError("Bad filter or paging values.", fields=errors)
    pending = not state or state[0] == "pending"
    a = CallbackAudit
    stmt = (select(a).where(a.outcome.is_(None)).order_by(a.sampled_at, a.id) if pending
            else select(a).where(a.outcome.is_not(None)).order_by(a.called_at.desc(), a.id.desc()))
    s = session()
    total = int(s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)
    rows = s.scalars(stmt.options(*AUDIT_OPTIONS).limit(per_page).offset((page - 1) * per_page)).all()
    counts = {str(getattr(k, "value", k)): int(n) for k, n in s.execute(
        select(a.outcome, func.count()).where(a.outcome.is_not(None)).group_by(a.outcome))}
    return {"items": [audit_json(r) for r in rows], "total": total, "page": page, "per_page": per_page,
            "outcomes": counts}


@bp.post("/audits/sample")
@operation("sample_audits", tag="incidents",
           summary="Draw closed incidents at random for a second call-back (technical lead or admin)",
           body=sch.AuditSampleInput, responses={201: sch.AuditList}, errors=(401, 403),
           description="Among incidents closed in the last `days`, never one drawn before; fewer (even none) when "
                       "fewer are left.")
def sample_audits() -> Reply:
    data = json_body()
    drawn = audits.sample_for_audit(session(), user(), size=data.get("size"), days=data.get("days", 30))
    commit()
    rows = session().scalars(select(CallbackAudit).where(CallbackAudit.id.in_([d.id for d in drawn]))
                             .options(*AUDIT_OPTIONS).order_by(CallbackAudit.id)).all() if drawn else []
    return {"items": [audit_json(r) for r in rows], "total": len(rows)}, 201


def _load_audit(audit_id: int, *, for_update: bool = False) -> CallbackAudit:
    _require_staff()
    audit = session().get(CallbackAudit, audit_id, with_for_update=True if for_update else None) \
        if id_exists(audit_id) else None
    if audit is None:
        raise NotFound("No such audit.")
    return audit


@bp.get("/audits/<int:audit_id>")
@operation("get_audit", tag="incidents", summary="One audit call-back (staff)", responses={200: sch.Audit},
           errors=READ)
def get_audit(audit_id: int) -> dict[str, Any]:
    return audit_json(_load_audit(audit_id))


def _called_at(data: dict[str, Any]) -> datetime | None:
    value = data.get("called_at")
    if value is None or value == "":
        return None
    try:
        if isinstance(value, str):
            return datetime.fromisoformat(value)
    except ValueError:
        pass
    raise ValidationError("'called_at' is an ISO date-time with its offset.", fields={"called_at": "an ISO date-time"})


@bp.post("/audits/<int:audit_id>")
@operation("record_audit", tag="incidents", summary="Record what the audit call-back found (staff), once",
           body=sch.AuditRecordInput, responses={200: sch.Audit}, errors=WRITE,
           description="409 audit_recorded the second time; not_fixed needs a comment and counts against the "
                       "incident's solution as a reopen would.")
def record_audit(audit_id: int) -> dict[str, Any]:
    data = json_body()
    rating = int_value(data, "rating", required=False)
    called_at = _called_at(data)
    audit = _load_audit(audit_id, for_update=True)
    audits.record_audit(session(), audit, user(), outcome=data.get("outcome"), rating=rating,
                        comment=data.get("comment", ""), called_at=called_at)
    commit()
    return audit_json(audit)

