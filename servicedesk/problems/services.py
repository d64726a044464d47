"""Problems: record one, gather its incidents, give it its solution, resolve it.

Resolving a problem needs its solution approved (409 solution_not_approved); it then links that solution to
every open incident of the problem and resolves each through the incident services, so each has its own
history. No incident is closed here: each still closes only through close_incident, after its reporter's
verification. An incident belongs to at most one problem (409 already_in_problem).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kb.errors import Conflict, NotFound, ValidationError
from kb.models import Article
from kb.orm import utcnow
from kb.validation import clean_text
from kb.vocabulary import SERVICES
from kb.workflow import ArticleStatus, ArticleType
from servicedesk.incidents import services as incident_services
from servicedesk.incidents.models import Incident
from servicedesk.incidents.services import NOTE_MAX, TITLE_MAX, _record, _require_staff
from servicedesk.incidents.workflow import OPEN_STATES
from servicedesk.org.models import Zone
from servicedesk.problems.models import Problem, ProblemEvent, ProblemStatus
from servicedesk.users.models import User

TEXT_MAX = 10_000
MAX_LINK = 200
MAX_ZONES = 50


def _event(problem: Problem, actor: User | None, action: str, note: str = "") -> None:
    problem.events.append(ProblemEvent(actor_id=actor.id if actor else None, at=utcnow(), action=action, note=note))
    problem.updated_at = utcnow()


def text_field(data: Mapping[str, Any], name: str, max_len: int, errors: dict[str, str], *,
               required: bool = True) -> str:
    """data[name] as clean text; a problem with it goes into errors (so a form names every field at once)."""
    try:
        return clean_text(data.get(name) or "", name, max_len=max_len, required=required)
    except ValidationError as exc:
        errors.update(exc.fields)
        return ""


def get_problem(s: Session, problem_id: int, *, for_update: bool = False) -> Problem:
    problem = s.get(Problem, problem_id, with_for_update=for_update or None)
    if problem is None:
        raise NotFound("No such problem.")
    return problem


def create_problem(s: Session, actor: User, data: Mapping[str, Any]) -> Problem:
    _require_staff(actor, "record problems")
    errors: dict[str, str] = {}
    title = text_field(data, "title", TITLE_MAX, errors)
    description = text_field(data, "description", TEXT_MAX, errors, required=False)
    service = data.get("service")
    if service not in SERVICES:
        errors["service"] = "unknown service"
    zones = _zones(s, data, errors)
    if errors:
        first = next(iter(errors))
        raise ValidationError(f"Please correct the problem ({first}: {errors[first]}).", fields=errors)
    problem = Problem(title=title, description=description, service=str(service), zones=zones, created_by_id=actor.id,
                      status=ProblemStatus.OPEN)
    s.add(problem)
    s.flush()
    problem.number = f"PRB{utcnow():%Y%m%d}-{problem.id:05d}"
    _event(problem, actor, "create")
    s.flush()
    return problem


def _zones(s: Session, data: Mapping[str, Any], errors: dict[str, str]) -> list[Zone]:
    """The zones named by "zones" (a list of codes, or codes separated by spaces or commas) and "zone" (one)."""
    given = data.get("zones") or []
    codes = given.replace(",", " ").split() if isinstance(given, str) else [str(c) for c in given]
    if data.get("zone"):
        codes.append(str(data["zone"]))
    codes = list(dict.fromkeys(c.strip() for c in codes if c.strip()))
    if len(codes) > MAX_ZONES:
        errors["zones"] = f"at most {MAX_ZONES} zones"
        return []
    found = {z.code: z for z in s.scalars(select(Zone).where(Zone.code.in_(codes)))} if codes else {}
    unknown = [c for c in codes if c not in found]
    if unknown:
        errors["zones" if data.get("zones") else "zone"] = f"unknown zone {unknown[0][:40]}"
    return sorted(found.values(), key=lambda z: z.code)


def update_problem(s: Session, problem: Problem, actor: User, data: Mapping[str, Any]) -> Problem:
    """Root cause, workaround, and the step to known error (its workaround then is required)."""
    _require_staff(actor, "edit problems")
    _require_unresolved(problem)
    for name in ("root_cause", "workaround"):
        if name in data and data[name] is not None:
            setattr(problem, name, clean_text(data[name], name, max_len=TEXT_MAX, required=False))
    if data.get("status") == ProblemStatus.KNOWN_ERROR.value and problem.status == ProblemStatus.OPEN:
        if not problem.workaround:
            raise ValidationError("A known error needs its workaround.", fields={"workaround": "required"})
        problem.status = ProblemStatus.KNOWN_ERROR
        _event(problem, actor, "known_error")
    elif data.get("status") not in (None, "", problem.status.value):
        raise ValidationError("Only an open problem becomes a known error here; resolve it with its solution.",
                              fields={"status": "not allowed"})
    _event(problem, actor, "update")
    s.flush()
    return problem


def _require_unresolved(problem: Problem) -> None:
    if problem.status in (ProblemStatus.RESOLVED, ProblemStatus.CLOSED):
        raise Conflict("This problem is already resolved.", code="problem_resolved")


def add_incidents(s: Session, problem: Problem, actor: User, incident_ids: Iterable[object]) -> list[Incident]:
    """Gathers the incidents into the problem, all or none (each belongs to at most one problem)."""
    _require_staff(actor, "gather incidents into problems")
    _require_unresolved(problem)
    ids = sorted({int(i) for i in incident_ids if isinstance(i, int) or (isinstance(i, str) and i.isdigit())})
    outside = [i for i in ids if not 0 < i < 2**31]  # no incident has such an id (and no database takes it)
    if outside:
        raise ValidationError(f"No such incident: {outside[0]}.", fields={"incident_ids": f"unknown {outside[0]}"})
    if not ids or len(ids) > MAX_LINK:
        raise ValidationError(f"Give 1 to {MAX_LINK} incident ids.", fields={"incident_ids": "1 to 200 ids"})
    incidents = list(s.scalars(select(Incident).where(Incident.id.in_(ids)).order_by(Incident.id)
                               .with_for_update().execution_options(populate_existing=True)))
    missing = sorted(set(ids) - {i.id for i in incidents})
    if missing:
        raise ValidationError(f"No such incident: {missing[0]}.", fields={"incident_ids": f"unknown {missing[0]}"})
    for incident in incidents:
        if incident.problem_id not in (None, problem.id):
            other = s.get(Problem, incident.problem_id)
            raise Conflict(f"Incident {incident.number} already belongs to problem {other.number if other else ''}.",
                           code="already_in_problem")
    for incident in incidents:
        if incident.problem_id != problem.id:
            incident.problem_id = problem.id
            _record(s, incident, actor, "join_problem", field="problem", new=problem.number)
    _event(problem, actor, "add_incidents", ", ".join(i.number or str(i.id) for i in incidents))
    _spread(s, problem, actor, incidents)
    s.flush()
    return incidents


def _spread(s: Session, problem: Problem, actor: User, incidents: Iterable[Incident]) -> None:
    """A problem with zones strikes wherever its incidents are: their zones join its own (one event)."""
    if not problem.zones:
        return  # no zone: anywhere already
    have = {z.id for z in problem.zones}
    new = {i.zone_id for i in incidents if i.zone_id is not None} - have
    if not new:
        return
    added = sorted(s.scalars(select(Zone).where(Zone.id.in_(new))), key=lambda z: z.code)
    problem.zones = sorted([*problem.zones, *added], key=lambda z: z.code)
    _event(problem, actor, "zones", ", ".join(z.code for z in added))


def set_solution(s: Session, problem: Problem, actor: User, article: Article | None) -> Problem:
    """The one solution article that fixes the problem (it may still be in review; resolving needs it approved)."""
    _require_staff(actor, "set problem solutions")
    _require_unresolved(problem)
    if article is None:
        raise NotFound("No such article.")
    if article.type != ArticleType.SOLUTION:
        raise ValidationError("Only a solution article can fix a problem.", fields={"article_id": "not a solution"})
    if article.status == ArticleStatus.RETIRED:
        raise Conflict("This solution is retired and can no longer be linked.", code="article_retired")
    problem.solution = article
    _event(problem, actor, "set_solution", str(article.id))
    s.flush()
    return problem


def incidents_of(s: Session, problem: Problem) -> list[Incident]:
    return list(s.scalars(select(Incident).where(Incident.problem_id == problem.id).order_by(Incident.id)))


def resolve_problem(s: Session, problem: Problem, actor: User, note: object) -> list[Incident]:
    """Links the approved solution to every open incident of the problem and resolves each (its own history).
    Returns the incidents it resolved; none of them is closed (the close gate waits for each reporter)."""
    _require_staff(actor, "resolve problems")
    _require_unresolved(problem)
    text = clean_text(note, "note", max_len=NOTE_MAX)
    solution = problem.solution
    if solution is None or not solution.is_approved:
        raise Conflict("The problem's solution has not been approved by a technical lead.",
                       code="solution_not_approved")
    resolved = []
    for incident in s.scalars(select(Incident).where(Incident.problem_id == problem.id,
                                                     Incident.status.in_([st.value for st in OPEN_STATES]))
                              .order_by(Incident.id).with_for_update()
                              .execution_options(populate_existing=True)):
        incident_services.link_solution(s, incident, actor, solution)
        incident_services.resolve_incident(s, incident, actor, f"{problem.number}: {text}")
        resolved.append(incident)
    problem.status, problem.resolved_at = ProblemStatus.RESOLVED, utcnow()
    _event(problem, actor, "resolve", text)
    s.flush()
    _announce(s, problem, resolved)
    return resolved


def _announce(s: Session, problem: Problem, resolved: list[Incident]) -> None:
    from servicedesk.notify.services import emit_webhooks  # the notify package imports the incident models

    emit_webhooks(s, "problem.resolved", {"problem": problem_data(s, problem),
                                          "incident_ids": [i.id for i in resolved]})


def problem_data(s: Session, problem: Problem) -> dict[str, Any]:
    return {"id": problem.id, "number": problem.number, "title": problem.title, "service": problem.service,
            "zone": problem.zones[0].code if problem.zones else None, "zones": [z.code for z in problem.zones],
            "status": problem.status.value,
            "root_cause": problem.root_cause, "workaround": problem.workaround, "solution_id": problem.solution_id,
            "incident_ids": list(s.scalars(select(Incident.id).where(Incident.problem_id == problem.id)
                                           .order_by(Incident.id))),
            "created_at": problem.created_at.isoformat(), "updated_at": problem.updated_at.isoformat(),
            "resolved_at": problem.resolved_at.isoformat() if problem.resolved_at else None}


def list_problems(s: Session, *, status: str | None = None, service: str | None = None, zone: str | None = None,
                  limit: int = 50, offset: int = 0) -> tuple[list[Problem], int]:
    """Problems newest first, of a status, a service and a zone (its code) when given."""
    query = select(Problem)
    if status:
        query = query.where(Problem.status == status)
    if service:
        query = query.where(Problem.service == service)
    if zone:
        query = query.where(Problem.zones.any(Zone.code == zone))
    total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(s.scalars(query.order_by(Problem.id.desc()).limit(limit).offset(offset)))
    return rows, int(total)


def open_from_cluster(s: Session, actor: User, zone_id: int, service: str, title: str) -> Problem:
    """The candidates page's one step: a problem for the zone and service with the cluster's incidents
    gathered. 409 no_cluster when the cluster is gone (gathered by someone else, or past its window)."""
    from servicedesk.problems.candidates import cluster_of

    _require_staff(actor, "record problems")
    zone = s.get(Zone, zone_id) if 0 < zone_id < 2**31 else None
    if zone is None or service not in SERVICES:
        raise NotFound("No such zone or service.")
    incidents = cluster_of(s, zone.id, service)
    if not incidents:
        raise Conflict("These reports are no longer a cluster (already gathered, or older than the window).",
                       code="no_cluster")
    problem = create_problem(s, actor, {"title": title, "service": service, "zone": zone.code,
                                        "description": ", ".join(i.number or str(i.id) for i in incidents)})
    add_incidents(s, problem, actor, [i.id for i in incidents])
    return problem


def known_errors_for(s: Session, incident: Incident, *, limit: int = 3) -> list[Problem]:
    """The known errors whose workaround an agent may offer on this open incident: those of its service in its
    zone (or with no zone: anywhere), newest first. The incident's own problem included."""
    if incident.status not in OPEN_STATES:
        return []
    anywhere = ~Problem.zones.any()
    zone = anywhere if incident.zone_id is None else or_(anywhere, Problem.zones.any(Zone.id == incident.zone_id))
    return list(s.scalars(select(Problem).where(Problem.status == ProblemStatus.KNOWN_ERROR,
                                                Problem.service == incident.service, zone)
                          .order_by(Problem.id.desc()).limit(limit)))
