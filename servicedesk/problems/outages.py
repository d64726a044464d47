"""Outage notices: the portal tells the subscribers of the zones before they report, and a report made during
the outage for one of its services and zones joins the outage's problem at once (one problem, not forty
incidents). When the problem resolves, every incident it gathered is resolved and its reporter asked to
confirm (the usual "resolved" message), so those who reported are told."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kb.errors import Conflict, NotFound, ValidationError
from kb.orm import utcnow
from kb.vocabulary import SERVICES
from servicedesk.incidents.models import Incident
from servicedesk.incidents.services import TITLE_MAX, _record, _require_staff
from servicedesk.org.models import Zone
from servicedesk.problems.models import Outage, Problem, ProblemStatus
from servicedesk.problems.services import text_field
from servicedesk.users.models import User

MESSAGE_MAX = 2_000


def _when(value: object, name: str, errors: dict[str, str], *, required: bool) -> datetime | None:
    if value in (None, ""):
        if required:
            errors[name] = "required"
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            errors[name] = "an ISO date-time with its offset"
            return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        errors[name] = "a date-time with its offset"
        return None
    return value


def _codes(s: Session, values: object, name: str, known: Iterable[str], errors: dict[str, str]) -> list[str]:
    if not isinstance(values, list | tuple) or not values or not all(isinstance(v, str) for v in values):
        errors[name] = "a non-empty list of codes"
        return []
    unknown = sorted(set(values) - set(known))
    if unknown:
        errors[name] = f"unknown: {unknown[0]}"
    return list(dict.fromkeys(values))


def create_outage(s: Session, actor: User, data: Mapping[str, Any]) -> Outage:
    _require_staff(actor, "announce outages")
    errors: dict[str, str] = {}
    title = text_field(data, "title", TITLE_MAX, errors)
    message = text_field(data, "message", MESSAGE_MAX, errors, required=False)
    services = _codes(s, data.get("services"), "services", SERVICES, errors)
    given = data.get("zones")
    wanted = [z for z in given if isinstance(z, str)] if isinstance(given, list | tuple) else []
    known_zones = set(s.scalars(select(Zone.code).where(Zone.code.in_(wanted))))
    zones = _codes(s, data.get("zones"), "zones", known_zones, errors)
    starts = _when(data.get("starts_at"), "starts_at", errors, required=True)
    ends = _when(data.get("ends_at"), "ends_at", errors, required=False)
    if starts is not None and ends is not None and ends <= starts:
        errors["ends_at"] = "after the start"
    problem = None
    if data.get("problem_id") not in (None, ""):
        problem = s.get(Problem, int(data["problem_id"])) if str(data["problem_id"]).isdigit() else None
        if problem is None:
            errors["problem_id"] = "no such problem"
        elif problem.status in (ProblemStatus.RESOLVED, ProblemStatus.CLOSED):
            errors["problem_id"] = "already resolved"
    if errors:
        first = next(iter(errors))
        raise ValidationError(f"Please correct the outage notice ({first}: {errors[first]}).", fields=errors)
    outage = Outage(title=title, message=message, services=services, zones=zones, starts_at=starts, ends_at=ends,
                    problem=problem, created_by_id=actor.id)
    s.add(outage)
    s.flush()
    return outage


def end_outage(s: Session, outage: Outage, actor: User, *, cancel: bool = False) -> Outage:
    """Declares the outage over (or withdraws a mistaken notice: cancel); 409 outage_ended when it already is."""
    _require_staff(actor, "end outages")
    if outage.ended_at is not None:
        raise Conflict("This outage notice has already ended.", code="outage_ended")
    outage.ended_at = utcnow()
    if cancel:
        outage.cancelled_at = outage.ended_at
    s.flush()
    return outage


def update_outage(s: Session, outage: Outage, actor: User, data: Mapping[str, Any]) -> Outage:
    """A new expected end ("ends_at", after the start), and/or "action": "end" or "cancel"."""
    _require_staff(actor, "update outages")
    if outage.ended_at is not None:
        raise Conflict("This outage notice has already ended.", code="outage_ended")
    errors: dict[str, str] = {}
    action = data.get("action")
    if action not in (None, "", "end", "cancel"):
        errors["action"] = "end or cancel"
    if "ends_at" in data and data["ends_at"] is not None:
        ends = _when(data["ends_at"], "ends_at", errors, required=True)
        if ends is not None and ends <= outage.starts_at:
            errors["ends_at"] = "after the start"
        elif ends is not None:
            outage.ends_at = ends
    if errors:
        first = next(iter(errors))
        raise ValidationError(f"Please correct the outage notice ({first}: {errors[first]}).", fields=errors)
    if action in ("end", "cancel"):
        end_outage(s, outage, actor, cancel=action == "cancel")
    s.flush()
    return outage


def list_outages(s: Session, *, state: str = "active", limit: int = 100) -> list[Outage]:
    """The notices in force ("active"), those not yet started ("upcoming"), or all of them newest first."""
    if state == "active":
        return active(s)[:limit]
    query = select(Outage)
    if state == "upcoming":
        query = query.where(Outage.ended_at.is_(None), Outage.starts_at > utcnow())
    elif state == "ended":
        query = query.where(Outage.ended_at.is_not(None))
    return list(s.scalars(query.order_by(Outage.starts_at.desc(), Outage.id.desc()).limit(limit)))


def get_outage(s: Session, outage_id: int, *, for_update: bool = False) -> Outage:
    outage = s.get(Outage, outage_id, with_for_update=for_update or None)
    if outage is None:
        raise NotFound("No such outage notice.")
    return outage


def active(s: Session, *, at: datetime | None = None, zone: str | None = None,
           service: str | None = None) -> list[Outage]:
    """The notices in force at `at` (now): started, not ended, not past their expected end; those of a zone
    and a service when given."""
    at = at or utcnow()
    rows = s.scalars(select(Outage).where(Outage.ended_at.is_(None), Outage.starts_at <= at,
                                          or_(Outage.ends_at.is_(None), Outage.ends_at > at))
                     .order_by(Outage.starts_at.desc(), Outage.id.desc())).all()
    return [o for o in rows if (zone is None or zone in o.zones) and (service is None or service in o.services)]


def join_outage(s: Session, incident: Incident, actor: User) -> Outage | None:
    """What a new report sets off in problem management (create_incident calls it once, in its transaction).

    A report made during an outage for one of its services in one of its zones joins the outage's problem at
    once (recorded in its history as join_problem); when the outage has no problem, no problem is made: the
    report is only tagged with the outage (known_outage in its history). Returns the outage, or None.
    A report that joins nothing may make its zone's and service's reports a cluster: the group leader is
    told (servicedesk.problems.candidates.note_report)."""
    from servicedesk.problems.candidates import note_report

    if incident.zone is None:
        return None
    for outage in active(s, zone=incident.zone.code, service=incident.service):
        if outage.problem is not None and outage.problem.status not in (ProblemStatus.RESOLVED, ProblemStatus.CLOSED):
            incident.problem_id = outage.problem.id
            _record(s, incident, actor, "join_problem", field="problem", new=outage.problem.number,
                    note=outage.title)
        else:
            _record(s, incident, actor, "known_outage", field="outage", new=str(outage.id), note=outage.title)
        return outage
    note_report(s, incident)
    return None


def outage_data(o: Outage) -> dict[str, Any]:
    return {"id": o.id, "title": o.title, "message": o.message, "services": o.services, "zones": o.zones,
            "starts_at": o.starts_at.isoformat(), "ends_at": o.ends_at.isoformat() if o.ends_at else None,
            "ended_at": o.ended_at.isoformat() if o.ended_at else None,
            "cancelled_at": o.cancelled_at.isoformat() if o.cancelled_at else None, "problem_id": o.problem_id,
            "created_at": o.created_at.isoformat()}
