"""Incidents: report, follow, work, link the one solution, verify and close."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kb import services as kb
from kb.actors import is_staff
from kb.errors import Conflict, DomainError, Forbidden, NotFound, ValidationError
from kb.search.service import suggest_for_incident
from servicedesk.api import bp
from servicedesk.api import schemas as sch
from servicedesk.api import serializers as ser
from servicedesk.api.common import (
    MAX_ID,
    bool_value,
    commit,
    id_exists,
    int_value,
    json_body,
    name_value,
    session,
    user,
    user_by_name,
)
from servicedesk.api.contract import READ, WRITE, operation
from servicedesk.api.incident_list import list_page, read_list_request
from servicedesk.api.schemas import BULK_MAX
from servicedesk.incidents import services as svc
from servicedesk.incidents.models import Incident
from servicedesk.incidents.queries import SEARCH_CAP, TOTAL_CAP
from servicedesk.incidents.terms import ID_CAP
from servicedesk.org.models import MaintenanceGroup
from servicedesk.search import current_index
from servicedesk.users.models import User

Reply = tuple[dict[str, Any], int]
LIST_OPTIONS = (selectinload(Incident.assignee), selectinload(Incident.reporter), selectinload(Incident.zone),
                selectinload(Incident.group), selectinload(Incident.subscriber), selectinload(Incident.repeat_of))


def load_incident(incident_id: int, *, for_update: bool = False) -> Incident:
    """The incident if it exists and the caller may see it; otherwise 404. for_update: see svc.get_incident."""
    if not id_exists(incident_id):
        raise NotFound("No such incident.")
    return svc.get_incident(session(), user(), incident_id, for_update=for_update)


def incident_json(i: Incident) -> dict[str, Any]:
    return ser.incident(i, user())


def load_for_change(incident_id: int, data: dict[str, Any]) -> Incident:
    """The incident to act on; when the body names the "version" the caller saw, it must still be current."""
    version = int_value(data, "version", required=False)
    i = load_incident(incident_id, for_update=True)  # two callers at once take turns; the second sees the first
    if version is not None and version != i.version:
        raise Conflict(f"The incident changed since you read it (version {version}, now {i.version}); "
                       "reload it and try again.", code="stale_version",
                       fields={"version": f"now {i.version}"})
    return i


@bp.get("/incidents")
@operation("list_incidents", tag="incidents", summary="List incidents (subscribers: their own)",
           query=sch.IncidentQuery, responses={200: sch.IncidentPage}, errors=(401,),
           description=f"Counting stops after {TOTAL_CAP:,} matches ({SEARCH_CAP:,} for words of the title that "
                       f"more than {ID_CAP:,} incidents hold): `total` is then a lower bound and `total_exact` is "
                       "false. Walk the pages until one comes back short.")
def list_incidents() -> dict[str, Any]:
    me = user()
    return list_page(session(), me, read_list_request(session(), me), ser.incident_summary)


@bp.post("/incidents")
@operation("create_incident", tag="incidents", summary="Report an incident", body=sch.IncidentInput,
           responses={201: sch.Incident}, errors=READ,
           description="Subscribers report for themselves; staff may name the reporter (404 if unknown).")
def create_incident() -> Reply:
    me = user()
    data = json_body()
    reporter = user_by_name(session(), name_value(data, "reporter", required=False), "reporter")
    policy = current_app.extensions["sla_policy"]
    i = svc.create_incident(session(), me, data, reporter=reporter, policy=policy)
    commit()
    return incident_json(i), 201


@bp.get("/incidents/<int:incident_id>")
@operation("get_incident", tag="incidents", summary="Read an incident with its SLA, history and close blockers",
           responses={200: sch.Incident}, errors=(401, 404))
def get_incident(incident_id: int) -> dict[str, Any]:
    return incident_json(load_incident(incident_id))


@bp.get("/incidents/<int:incident_id>/suggestions")
@operation("suggest_solutions", tag="incidents", summary="Approved solutions ranked for the incident's text",
           responses={200: sch.SearchHitList}, errors=(401, 404))
def incident_suggestions(incident_id: int) -> dict[str, Any]:
    i = load_incident(incident_id)
    result = suggest_for_incident(current_index(), user(), i.title, i.description)
    return {"items": [ser.hit(h) for h in result.items], "total": len(result.items)}


@bp.put("/incidents/<int:incident_id>/solution")
@operation("link_solution", tag="incidents", summary="Link (or relink) the incident's one solution",
           body=sch.SolutionInput, responses={200: sch.Incident}, errors=WRITE)
def link_solution(incident_id: int) -> dict[str, Any]:
    data = json_body()
    article_id = int_value(data, "article_id")
    i = load_for_change(incident_id, data)
    try:
        article = kb.get_article(session(), user(), article_id) if article_id and id_exists(article_id) else None
    except NotFound:
        article = None
    if article is None:
        raise NotFound("No such article.", fields={"article_id": "no such article"})
    svc.link_solution(session(), i, user(), article)
    commit()
    return incident_json(i)


def _assignee(data: dict[str, Any]) -> User | None:
    if "assignee" not in data:
        raise ValidationError("Name the assignee (a username, or null to unassign).",
                              fields={"assignee": "required"})
    return user_by_name(session(), name_value(data, "assignee", required=False), "assignee")


@bp.post("/incidents/<int:incident_id>/assign")
@operation("assign_incident", tag="incidents", summary="Assign to a staff member, or unassign",
           body=sch.AssignInput, responses={200: sch.Incident}, errors=WRITE)
def assign_incident(incident_id: int) -> dict[str, Any]:
    data = json_body()
    assignee = _assignee(data)
    i = load_for_change(incident_id, data)
    svc.assign_incident(session(), i, user(), assignee)
    commit()
    return incident_json(i)


@bp.post("/incidents/<int:incident_id>/start")
@operation("start_incident", tag="incidents", summary="Start work (takes it if unassigned)",
           body=sch.VersionInput, responses={200: sch.Incident}, errors=WRITE)
def start_incident(incident_id: int) -> dict[str, Any]:
    i = load_for_change(incident_id, json_body())
    svc.start_work(session(), i, user())
    commit()
    return incident_json(i)


@bp.post("/incidents/<int:incident_id>/pend")
@operation("pend_incident", tag="incidents", summary="Put on hold with a reason", body=sch.ReasonInput,
           responses={200: sch.Incident}, errors=WRITE)
def pend_incident(incident_id: int) -> dict[str, Any]:
    data = json_body()
    i = load_for_change(incident_id, data)
    svc.pend_incident(session(), i, user(), data.get("reason"))
    commit()
    return incident_json(i)


@bp.put("/incidents/<int:incident_id>/report-type")
@operation("reclassify_incident", tag="incidents", summary="Correct the report type (staff)",
           body=sch.IncidentReportTypeInput, responses={200: sch.Incident}, errors=WRITE,
           description="The SLA category and targets stay as set at the report. 409 invalid_transition on an "
                       "ended incident; 400 naming report_type for a type the service does not offer.")
def reclassify_incident(incident_id: int) -> dict[str, Any]:
    data = json_body()
    i = load_for_change(incident_id, data)
    svc.reclassify_incident(session(), i, user(), data.get("report_type"))
    commit()
    return incident_json(i)


@bp.post("/incidents/<int:incident_id>/resume")
@operation("resume_incident", tag="incidents", summary="Resume work on a pending incident",
           body=sch.VersionInput, responses={200: sch.Incident}, errors=WRITE)
def resume_incident(incident_id: int) -> dict[str, Any]:
    i = load_for_change(incident_id, json_body())
    svc.resume_incident(session(), i, user())
    commit()
    return incident_json(i)


@bp.post("/incidents/<int:incident_id>/escalate")
@operation("escalate_incident", tag="incidents", summary="Escalate to a higher tier (转交)",
           body=sch.EscalateInput, responses={200: sch.Incident}, errors=WRITE)
def escalate_incident(incident_id: int) -> dict[str, Any]:
    data = json_body()
    tier = int_value(data, "tier")
    assignee = user_by_name(session(), name_value(data, "assignee", required=False), "assignee")
    group_id = int_value(data, "group", required=False)
    group = session().get(MaintenanceGroup, group_id) if group_id is not None and id_exists(group_id) else None
    if group_id is not None and group is None:
        raise NotFound("No such maintenance group.", fields={"group": "no such group"})
    i = load_for_change(incident_id, data)
    svc.escalate_incident(session(), i, user(), tier=tier, reason=data.get("reason"), assignee=assignee,
                          group=group)
    commit()
    return incident_json(i)


@bp.post("/incidents/<int:incident_id>/resolve")
@operation("resolve_incident", tag="incidents", summary="Mark the fix done", body=sch.ResolveInput,
           responses={200: sch.Incident}, errors=WRITE)
def resolve_incident(incident_id: int) -> dict[str, Any]:
    data = json_body()
    i = load_for_change(incident_id, data)
    svc.resolve_incident(session(), i, user(), data.get("note"))
    commit()
    return incident_json(i)


@bp.post("/incidents/<int:incident_id>/verify")
@operation("verify_incident", tag="incidents", summary="Record the reporter's verdict on the fix",
           body=sch.VerifyInput, responses={200: sch.Incident}, errors=WRITE,
           description="By the reporter, or by staff with method 'callback' to record a call-back (回访).")
def verify_incident(incident_id: int) -> dict[str, Any]:
    data = json_body()
    accepted = bool_value(data, "accepted")
    rating = int_value(data, "rating", required=False)
    i = load_for_change(incident_id, data)
    svc.verify_incident(session(), i, user(), accepted=accepted, rating=rating, comment=data.get("comment", ""),
                        method=data.get("method"))
    commit()
    return incident_json(i)


@bp.post("/incidents/<int:incident_id>/close")
@operation("close_incident", tag="incidents", summary="Close the incident", body=sch.VersionInput,
           responses={200: sch.Incident}, errors=WRITE,
           description="409 with code no_solution, solution_not_approved or not_verified, checked in that order.")
def close_incident(incident_id: int) -> dict[str, Any]:
    i = load_for_change(incident_id, json_body())
    svc.close_incident(session(), i, user())
    commit()
    return incident_json(i)


@bp.post("/incidents/<int:incident_id>/reopen")
@operation("reopen_incident", tag="incidents", summary="Reopen a resolved or recently closed incident",
           body=sch.ReasonInput, responses={200: sch.Incident}, errors=WRITE)
def reopen_incident(incident_id: int) -> dict[str, Any]:
    data = json_body()
    i = load_for_change(incident_id, data)
    window = int(current_app.config.get("REOPEN_WINDOW_DAYS", svc.REOPEN_WINDOW_DAYS))
    svc.reopen_incident(session(), i, user(), data.get("reason"), window_days=window)
    commit()
    return incident_json(i)


def _bulk_ids(data: dict[str, Any]) -> list[int]:
    ids = data.get("ids")
    if not isinstance(ids, list) or not ids:
        raise ValidationError("'ids' is a list of incident ids.", fields={"ids": "a non-empty list of ids"})
    if len(ids) > BULK_MAX:
        raise ValidationError(f"At most {BULK_MAX} incidents at once.", fields={"ids": f"at most {BULK_MAX}"})
    bad = [str(v) for v in ids if not isinstance(v, int) or isinstance(v, bool)]
    if bad:
        raise ValidationError("Incident ids are whole numbers.", fields={"ids": "not ids: " + ", ".join(bad[:10])})
    repeated = sorted({v for v in ids if ids.count(v) > 1})
    if repeated:
        raise ValidationError("An incident is named twice.",
                              fields={"ids": "repeated: " + ", ".join(map(str, repeated))})
    return [int(v) for v in ids]


@bp.post("/incidents/bulk-assign")
@operation("bulk_assign_incidents", tag="incidents", summary="Assign up to 100 incidents at once (staff)",
           body=sch.BulkAssignInput, responses={200: sch.IncidentSummaryList}, errors=WRITE,
           description="All or nothing: an unknown id (400) or a refused move (409, e.g. a closed incident) names "
                       "the incidents in `fields` as ids.<id>, and nothing changes.")
def bulk_assign() -> dict[str, Any]:
    """All or nothing: one unknown id or one refused move and no incident changes."""
    me = user()
    if not is_staff(me):
        raise Forbidden("Only service-desk staff assign incidents.")
    data = json_body()
    ids = _bulk_ids(data)
    assignee = _assignee(data)
    valid = [v for v in ids if 0 < v <= MAX_ID]
    found = {i.id: i for i in session().scalars(select(Incident).where(Incident.id.in_(valid))
                                                .options(*LIST_OPTIONS))}
    missing = [str(v) for v in ids if v not in found]
    if missing:
        raise ValidationError("Unknown incident id(s): " + ", ".join(missing) + "; nothing was assigned.",
                              fields={"ids": "no such incident: " + ", ".join(missing)})
    refused: dict[str, DomainError] = {}
    for incident_id in ids:
        try:
            svc.assign_incident(session(), found[incident_id], me, assignee)
        except DomainError as exc:
            refused[f"ids.{incident_id}"] = exc
    if refused:
        kinds = {(exc.status, exc.code) for exc in refused.values()}
        status, code = kinds.pop() if len(kinds) == 1 else (409, "bulk_refused")
        names = ", ".join(found[int(k[4:])].number or k[4:] for k in refused)
        fields = {name: reason for exc in refused.values() for name, reason in exc.fields.items()}
        fields.update({k: exc.message for k, exc in refused.items()})
        error = DomainError(f"Nothing was assigned: refused for {names}.", code=code, fields=fields)
        error.status = status
        raise error
    commit()
    items = [ser.incident_summary(found[v]) for v in ids]
    return {"items": items, "total": len(items)}
