"""/api/v1/problems: problem management (servicedesk.problems), as API.md "Problems and outages" says."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from flask import request
from pydantic import Field
from sqlalchemy import select

from kb.errors import NotFound, ValidationError
from kb.models import Article
from kb.vocabulary import SERVICES
from servicedesk.api import bp
from servicedesk.api import schemas as sch
from servicedesk.api.common import commit, id_exists, page_args, session, user
from servicedesk.api.contract import READ, WRITE, Input, Output, body, operation
from servicedesk.incidents.services import NOTE_MAX, TITLE_MAX, _require_staff
from servicedesk.org.models import Zone
from servicedesk.problems import candidates, outages
from servicedesk.problems import services as problems
from servicedesk.problems.models import Problem as ProblemRow
from servicedesk.problems.models import ProblemStatus


class ProblemInput(Input):
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str | None = Field(None, max_length=problems.TEXT_MAX)
    service: str = Field(description="A service code (broadband, iptv, cable_tv, …)")
    zone: str | None = Field(None, max_length=40, description="A zone code (or several in zones)")
    zones: list[str] | None = Field(None, max_length=problems.MAX_ZONES,
                                    description="Zone codes where it strikes; the zones of incidents gathered later "
                                                "join them")


class ProblemPatch(Input):
    root_cause: str | None = Field(None, max_length=problems.TEXT_MAX)
    workaround: str | None = Field(None, max_length=problems.TEXT_MAX)
    status: ProblemStatus | None = Field(None, description="known_error (from open; needs a workaround)")


class IncidentIds(Input):
    incident_ids: list[int] = Field(min_length=1, max_length=problems.MAX_LINK)


class SolutionInput(Input):
    article_id: int = Field(ge=1)


class ResolveInput(Input):
    note: str = Field(min_length=1, max_length=NOTE_MAX)


class ProblemOut(Output):
    id: int
    number: str | None
    title: str
    service: str
    zone: str | None = Field(description="The first of its zones")
    zones: list[str]
    status: ProblemStatus
    root_cause: str
    workaround: str
    solution_id: int | None
    incident_ids: list[int]
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None


class ProblemQuery(sch.Paged):
    status: ProblemStatus | None = None
    service: str | None = Field(None, description="A service code")
    zone: str | None = Field(None, max_length=40, description="A zone code")


class ProblemPage(sch.Page):
    items: list[ProblemOut]


class Resolved(Output):
    problem: ProblemOut
    resolved_incident_ids: list[int] = Field(description="The open incidents linked to the solution and resolved; "
                                                          "each still closes through the close gate")


def _load(problem_id: int, *, for_update: bool = False) -> ProblemRow:
    _require_staff(user(), "work with problems")
    if not id_exists(problem_id):
        raise NotFound("No such problem.")
    return problems.get_problem(session(), problem_id, for_update=for_update)


@bp.post("/problems")
@operation("create_problem", tag="problems", summary="Record a problem (staff)", body=ProblemInput,
           responses={201: ProblemOut}, errors=WRITE)
def create_problem() -> tuple[dict[str, Any], int]:
    data = body(ProblemInput)
    problem = problems.create_problem(session(), user(), data.model_dump())
    commit()
    return problems.problem_data(session(), problem), 201


@bp.get("/problems")
@operation("list_problems", tag="problems", summary="Problems, newest first (staff)", query=ProblemQuery,
           responses={200: ProblemPage}, errors=(401, 403))
def list_problems() -> dict[str, Any]:
    _require_staff(user(), "read problems")
    errors: dict[str, str] = {}
    page, per_page = page_args(errors)
    status = request.args.get("status") or None
    if status is not None and status not in {st.value for st in ProblemStatus}:
        errors["status"] = "unknown status"
    service = request.args.get("service") or None
    if service is not None and service not in SERVICES:
        errors["service"] = "unknown service"
    zone = request.args.get("zone") or None
    if zone is not None and len(zone) > 40:
        errors["zone"] = "too long"
    if errors:
        raise ValidationError("Bad query values.", fields=errors)
    rows, total = problems.list_problems(session(), status=status, service=service, zone=zone, limit=per_page,
                                         offset=(page - 1) * per_page)
    return {"items": [problems.problem_data(session(), p) for p in rows], "total": total, "page": page,
            "per_page": per_page}


@bp.get("/problems/<int:problem_id>")
@operation("get_problem", tag="problems", summary="One problem with its incidents (staff)",
           responses={200: ProblemOut}, errors=READ)
def get_problem(problem_id: int) -> dict[str, Any]:
    return problems.problem_data(session(), _load(problem_id))


@bp.patch("/problems/<int:problem_id>")
@operation("update_problem", tag="problems", summary="Root cause, workaround, known error (staff)",
           body=ProblemPatch, responses={200: ProblemOut}, errors=WRITE)
def update_problem(problem_id: int) -> dict[str, Any]:
    data = body(ProblemPatch)
    problem = _load(problem_id, for_update=True)
    problems.update_problem(session(), problem, user(), data.model_dump(mode="json"))
    commit()
    return problems.problem_data(session(), problem)


@bp.post("/problems/<int:problem_id>/incidents")
@operation("add_problem_incidents", tag="problems", summary="Gather incidents into the problem (staff)",
           body=IncidentIds, responses={200: ProblemOut}, errors=WRITE,
           description="All or none; an incident belongs to at most one problem (409 already_in_problem).")
def add_problem_incidents(problem_id: int) -> dict[str, Any]:
    data = body(IncidentIds)
    problem = _load(problem_id, for_update=True)
    problems.add_incidents(session(), problem, user(), data.incident_ids)
    commit()
    return problems.problem_data(session(), problem)


@bp.put("/problems/<int:problem_id>/solution")
@operation("set_problem_solution", tag="problems", summary="The solution article that fixes it (staff)",
           body=SolutionInput, responses={200: ProblemOut}, errors=WRITE)
def set_problem_solution(problem_id: int) -> dict[str, Any]:
    data = body(SolutionInput)
    problem = _load(problem_id, for_update=True)
    problems.set_solution(session(), problem, user(), session().get(Article, data.article_id))
    commit()
    return problems.problem_data(session(), problem)


@bp.post("/problems/<int:problem_id>/resolve")
@operation("resolve_problem", tag="problems", summary="Resolve the problem and its open incidents (staff)",
           body=ResolveInput, responses={200: Resolved}, errors=WRITE,
           description="Needs the solution approved (409 solution_not_approved); links it to every open incident "
                       "of the problem and resolves each. Each incident still closes only through the close gate, "
                       "its reporter's verification included.")
def resolve_problem(problem_id: int) -> dict[str, Any]:
    data = body(ResolveInput)
    problem = _load(problem_id, for_update=True)
    resolved = problems.resolve_problem(session(), problem, user(), data.note)
    commit()
    return {"problem": problems.problem_data(session(), problem), "resolved_incident_ids": [i.id for i in resolved]}


class OutageInput(Input):
    title: str = Field(min_length=1, max_length=200)
    message: str | None = Field(None, max_length=outages.MESSAGE_MAX)
    services: list[str] = Field(min_length=1, max_length=20, description="Service codes")
    zones: list[str] = Field(min_length=1, max_length=200, description="Zone codes")
    starts_at: datetime = Field(description="With its offset")
    ends_at: datetime | None = Field(None, description="Expected end, after the start")
    problem_id: int | None = Field(None, ge=1, description="The problem behind it: reports during the outage "
                                                            "for its services and zones join it")


class EndOutageInput(Input):
    note: str | None = Field(None, max_length=NOTE_MAX, description="Optional; the body may be left out")


class OutageOut(Output):
    id: int
    title: str
    message: str
    services: list[str]
    zones: list[str]
    starts_at: datetime
    ends_at: datetime | None
    ended_at: datetime | None
    cancelled_at: datetime | None
    problem_id: int | None
    created_at: datetime


class OutageList(Output):
    items: list[OutageOut] = Field(description="The notices asked for (by default those in force), newest first")


class OutageQuery(sch.Query):
    state: Literal["active", "upcoming", "ended", "all"] = Field(
        "active", description="active: in force now (the default); upcoming: announced, not started; ended; all")


class OutagePatch(Input):
    ends_at: datetime | None = Field(None, description="A new expected end, after the start")
    action: Literal["end", "cancel"] | None = Field(
        None, description="end: the outage is over; cancel: the notice is withdrawn (it was a mistake)")


class CandidateOut(Output):
    zone: str
    zone_name: str
    service: str
    count: int
    first_at: datetime
    last_at: datetime
    incident_ids: list[int]


class CandidateList(Output):
    items: list[CandidateOut] = Field(description="Clusters of open reports no problem gathers, biggest first")
    count: int = Field(description="PROBLEM_CLUSTER_COUNT: reports that make a cluster")
    minutes: int = Field(description="PROBLEM_CLUSTER_MINUTES: within this many minutes")


class CandidateInput(Input):
    zone: str = Field(min_length=1, max_length=40, description="The cluster's zone code")
    service: str = Field(min_length=1, max_length=40)
    title: str = Field(min_length=1, max_length=TITLE_MAX)


@bp.post("/outages")
@operation("create_outage", tag="problems", summary="Announce an outage (staff)", body=OutageInput,
           responses={201: OutageOut}, errors=WRITE,
           description="The portal shows it to subscribers of those zones; a report made during the outage for one "
                       "of its services and zones joins its problem.")
def create_outage() -> tuple[dict[str, Any], int]:
    data = body(OutageInput)
    outage = outages.create_outage(session(), user(), data.model_dump())
    commit()
    return outages.outage_data(outage), 201


@bp.get("/outages")
@operation("list_outages", tag="problems", summary="Outage notices, by default those in force (staff)",
           query=OutageQuery, responses={200: OutageList}, errors=(400, 401, 403))
def list_outages() -> dict[str, Any]:
    _require_staff(user(), "read outages")
    state = request.args.get("state") or "active"
    if state not in ("active", "upcoming", "ended", "all"):
        raise ValidationError("Bad query values.", fields={"state": "active, upcoming, ended or all"})
    return {"items": [outages.outage_data(o) for o in outages.list_outages(session(), state=state)]}


@bp.patch("/outages/<int:outage_id>")
@operation("update_outage", tag="problems", summary="Move the expected end, end or cancel a notice (staff)",
           body=OutagePatch, responses={200: OutageOut}, errors=WRITE,
           description="409 outage_ended when the notice has already ended; 400 when the end is not after the start.")
def update_outage(outage_id: int) -> dict[str, Any]:
    data = body(OutagePatch)
    _require_staff(user(), "update outages")
    if not id_exists(outage_id):
        raise NotFound("No such outage notice.")
    outage = outages.get_outage(session(), outage_id, for_update=True)
    outages.update_outage(session(), outage, user(), data.model_dump(exclude_unset=True))
    commit()
    return outages.outage_data(outage)


@bp.get("/problems/candidates")
@operation("list_problem_candidates", tag="problems", summary="Clusters of reports that suggest a problem (staff)",
           responses={200: CandidateList}, errors=(401, 403))
def list_problem_candidates() -> dict[str, Any]:
    _require_staff(user(), "read problems")
    rules = candidates.settings()
    return {"items": [{"zone": c.zone.code, "zone_name": c.zone.name, "service": c.service, "count": c.count,
                       "first_at": c.first_at.isoformat(), "last_at": c.last_at.isoformat(),
                       "incident_ids": [i.id for i in c.incidents]}
                      for c in candidates.candidates(session(), rules=rules)],
            "count": rules.count, "minutes": rules.minutes}


@bp.post("/problems/candidates")
@operation("open_problem_from_candidate", tag="problems", summary="Open a problem with a cluster's incidents (staff)",
           body=CandidateInput, responses={201: ProblemOut}, errors=WRITE,
           description="409 no_cluster when the reports are no longer a cluster; 409 already_in_problem when one of "
                       "them was gathered meanwhile.")
def open_problem_from_candidate() -> tuple[dict[str, Any], int]:
    data = body(CandidateInput)
    _require_staff(user(), "record problems")
    zone = session().scalar(select(Zone).where(Zone.code == data.zone))
    if zone is None:
        raise NotFound("No such zone.", fields={"zone": "unknown zone"})
    problem = problems.open_from_cluster(session(), user(), zone.id, data.service, data.title)
    commit()
    return problems.problem_data(session(), problem), 201


@bp.get("/outages/<int:outage_id>")
@operation("get_outage", tag="problems", summary="One outage notice (staff)", responses={200: OutageOut},
           errors=READ)
def get_outage(outage_id: int) -> dict[str, Any]:
    _require_staff(user(), "read outages")
    if not id_exists(outage_id):
        raise NotFound("No such outage notice.")
    return outages.outage_data(outages.get_outage(session(), outage_id))


@bp.post("/outages/<int:outage_id>/end")
@operation("end_outage", tag="problems", summary="Declare the outage over (staff)", body=EndOutageInput,
           responses={200: OutageOut}, errors=WRITE, description="409 outage_ended when it already has.")
def end_outage(outage_id: int) -> dict[str, Any]:
    _require_staff(user(), "end outages")
    if not id_exists(outage_id):
        raise NotFound("No such outage notice.")
    outage = outages.end_outage(session(), outages.get_outage(session(), outage_id), user())
    commit()
    return outages.outage_data(outage)
