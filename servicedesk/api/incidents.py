"""Incidents: report, follow, work, link the one solution, verify and close."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from kb import services as kb
from kb.actors import is_staff
from kb.errors import NotFound, ValidationError
from kb.search.service import suggest_for_incident
from servicedesk.api import bp
from servicedesk.api import serializers as ser
from servicedesk.api.common import (
    bool_value,
    choice_arg,
    commit,
    id_exists,
    int_value,
    json_body,
    like_pattern,
    name_value,
    page_args,
    paginate,
    session,
    user,
    user_by_name,
)
from servicedesk.incidents import services as svc
from servicedesk.incidents.models import Incident
from servicedesk.incidents.workflow import Area, Category, IncidentStatus
from servicedesk.search import current_index
from servicedesk.users.models import User

Reply = tuple[dict[str, Any], int]
CREATE_FIELDS = ("title", "description", "service", "category", "area", "customer_account", "channel",
                 "priority", "reporter")


def load_incident(incident_id: int) -> Incident:
    """The incident if it exists and the caller may see it; otherwise 404."""
    if not id_exists(incident_id):
        raise NotFound("No such incident.")
    return svc.get_incident(session(), user(), incident_id)


def incident_json(i: Incident) -> dict[str, Any]:
    return ser.incident(i, user())


@bp.get("/incidents")
def list_incidents() -> dict[str, Any]:
    me = user()
    errors: dict[str, str] = {}
    page, per_page = page_args(errors)
    statuses = choice_arg("status", [s.value for s in IncidentStatus], errors)
    areas = choice_arg("area", [a.value for a in Area], errors)
    categories = choice_arg("category", [c.value for c in Category], errors)
    services = [v.strip() for v in request.args.get("service", "").split(",") if v.strip()]
    if errors:
        raise ValidationError("Bad filter or paging values.", fields=errors)
    stmt = select(Incident).order_by(Incident.created_at.desc(), Incident.id.desc())
    if not is_staff(me):
        stmt = stmt.where(Incident.reporter_id == me.id)
    if statuses:
        stmt = stmt.where(Incident.status.in_([IncidentStatus(s) for s in statuses]))
    if areas:
        stmt = stmt.where(Incident.area.in_([Area(a) for a in areas]))
    if categories:
        stmt = stmt.where(Incident.category.in_([Category(c) for c in categories]))
    if services:
        stmt = stmt.where(Incident.service.in_(services))
    assignee = request.args.get("assignee", "").strip()
    if assignee == "none":
        stmt = stmt.where(Incident.assignee_id.is_(None))
    elif assignee == "me":
        stmt = stmt.where(Incident.assignee_id == me.id)
    elif assignee:
        stmt = stmt.where(Incident.assignee_id == select(User.id).where(User.username == assignee).scalar_subquery())
    q = request.args.get("q", "").strip()
    if q:
        pattern = like_pattern(q[:200])
        stmt = stmt.where(or_(Incident.title.ilike(pattern, escape="\\"),
                              Incident.number.ilike(pattern, escape="\\"),
                              Incident.customer_account.ilike(pattern, escape="\\")))
    return paginate(session(), stmt, page, per_page, ser.incident_summary,
                    options=[selectinload(Incident.assignee), selectinload(Incident.reporter)])


@bp.post("/incidents")
def create_incident() -> Reply:
    me = user()
    data = json_body(allowed=CREATE_FIELDS)
    reporter = user_by_name(session(), name_value(data, "reporter", required=False), "reporter")
    policy = current_app.extensions["sla_policy"]
    i = svc.create_incident(session(), me, data, reporter=reporter, policy=policy)
    commit()
    return incident_json(i), 201


@bp.get("/incidents/<int:incident_id>")
def get_incident(incident_id: int) -> dict[str, Any]:
    return incident_json(load_incident(incident_id))


@bp.get("/incidents/<int:incident_id>/suggestions")
def incident_suggestions(incident_id: int) -> dict[str, Any]:
    i = load_incident(incident_id)
    result = suggest_for_incident(current_index(), user(), i.title, i.description)
    return {"items": [ser.hit(h) for h in result.items], "total": len(result.items)}


@bp.put("/incidents/<int:incident_id>/solution")
def link_solution(incident_id: int) -> dict[str, Any]:
    data = json_body(allowed=("article_id",))
    article_id = int_value(data, "article_id")
    i = load_incident(incident_id)
    try:
        article = kb.get_article(session(), user(), article_id) if article_id and id_exists(article_id) else None
    except NotFound:
        article = None
    if article is None:
        raise NotFound("No such article.", fields={"article_id": "no such article"})
    svc.link_solution(session(), i, user(), article)
    commit()
    return incident_json(i)


@bp.post("/incidents/<int:incident_id>/assign")
def assign_incident(incident_id: int) -> dict[str, Any]:
    data = json_body(allowed=("assignee",))
    if "assignee" not in data:
        raise ValidationError("Name the assignee (a username, or null to unassign).",
                              fields={"assignee": "required"})
    assignee = user_by_name(session(), name_value(data, "assignee", required=False), "assignee")
    i = load_incident(incident_id)
    svc.assign_incident(session(), i, user(), assignee)
    commit()
    return incident_json(i)


@bp.post("/incidents/<int:incident_id>/start")
def start_incident(incident_id: int) -> dict[str, Any]:
    json_body(allowed=())
    i = load_incident(incident_id)
    svc.start_work(session(), i, user())
    commit()
    return incident_json(i)


@bp.post("/incidents/<int:incident_id>/pend")
def pend_incident(incident_id: int) -> dict[str, Any]:
    data = json_body(allowed=("reason",))
    i = load_incident(incident_id)
    svc.pend_incident(session(), i, user(), data.get("reason"))
    commit()
    return incident_json(i)


@bp.post("/incidents/<int:incident_id>/resume")
def resume_incident(incident_id: int) -> dict[str, Any]:
    json_body(allowed=())
    i = load_incident(incident_id)
    svc.resume_incident(session(), i, user())
    commit()
    return incident_json(i)


@bp.post("/incidents/<int:incident_id>/escalate")
def escalate_incident(incident_id: int) -> dict[str, Any]:
    data = json_body(allowed=("tier", "reason", "assignee"))
    tier = int_value(data, "tier")
    assignee = user_by_name(session(), name_value(data, "assignee", required=False), "assignee")
    i = load_incident(incident_id)
    svc.escalate_incident(session(), i, user(), tier=tier, reason=data.get("reason"), assignee=assignee)
    commit()
    return incident_json(i)


@bp.post("/incidents/<int:incident_id>/resolve")
def resolve_incident(incident_id: int) -> dict[str, Any]:
    data = json_body(allowed=("note",))
    i = load_incident(incident_id)
    svc.resolve_incident(session(), i, user(), data.get("note"))
    commit()
    return incident_json(i)


@bp.post("/incidents/<int:incident_id>/verify")
def verify_incident(incident_id: int) -> dict[str, Any]:
    data = json_body(allowed=("accepted", "rating", "comment", "method"))
    accepted = bool_value(data, "accepted")
    rating = int_value(data, "rating", required=False)
    i = load_incident(incident_id)
    svc.verify_incident(session(), i, user(), accepted=accepted, rating=rating, comment=data.get("comment", ""),
                        method=data.get("method"))
    commit()
    return incident_json(i)


@bp.post("/incidents/<int:incident_id>/close")
def close_incident(incident_id: int) -> dict[str, Any]:
    json_body(allowed=())
    i = load_incident(incident_id)
    svc.close_incident(session(), i, user())
    commit()
    return incident_json(i)


@bp.post("/incidents/<int:incident_id>/reopen")
def reopen_incident(incident_id: int) -> dict[str, Any]:
    data = json_body(allowed=("reason",))
    i = load_incident(incident_id)
    window = int(current_app.config.get("REOPEN_WINDOW_DAYS", svc.REOPEN_WINDOW_DAYS))
    svc.reopen_incident(session(), i, user(), data.get("reason"), window_days=window)
    commit()
    return incident_json(i)
