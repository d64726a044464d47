"""The incident list's filters and orders as SQL; the SLA state is computed by the database, not per row.

The SLA conditions mirror servicedesk.incidents.sla.sla_state, so an incident found with
sla_state=at_risk shows "at_risk" in its own `sla.state`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, request
from sqlalchemy import ColumnElement, Select, and_, false, func, literal, not_, or_, select
from sqlalchemy.orm import Session

from kb.actors import is_staff
from kb.errors import ValidationError
from kb.orm import UTCDateTime, utcnow
from kb.vocabulary import SERVICES
from servicedesk.api.common import choice_arg, like_pattern, page_args
from servicedesk.incidents.models import Incident
from servicedesk.incidents.sla import AT_RISK_SHARE
from servicedesk.incidents.workflow import OPEN_STATES, Area, Category, IncidentStatus
from servicedesk.org.models import Subscriber, Zone
from servicedesk.users.models import User

SLA_STATES = ("on_track", "at_risk", "breached", "paused")
SORTS = ("newest", "oldest", "resolve_by")
_PHONE = re.compile(r"^\+?[\d\s-]{3,}$")


def _epoch(value: Any, dialect: str) -> Any:
    """A number that grows linearly with time (days on SQLite, seconds on PostgreSQL)."""
    if dialect == "sqlite":
        return func.julianday(value)
    return func.extract("epoch", value)


def sla_condition(state: str, now: datetime, dialect: str) -> ColumnElement[bool]:
    """Incidents whose SLA is in this state at now (on_track, at_risk, breached or paused)."""
    inc = Incident
    is_open = inc.status.in_([st.value for st in OPEN_STATES])
    done = not_(is_open)
    # A paused incident's clock stopped at paused_at: it is judged at that moment.
    clock = func.coalesce(inc.paused_at, literal(now, UTCDateTime()))
    running = and_(is_open, inc.resolve_by >= clock)  # open and not yet past due
    # resolve_by - now <= share * (resolve_by - created_at), rearranged so it holds for any linear time scale.
    late = ((1 - AT_RISK_SHARE) * _epoch(inc.resolve_by, dialect) + AT_RISK_SHARE * _epoch(inc.created_at, dialect)
            <= _epoch(literal(now, UTCDateTime()), dialect))
    at_risk_window = and_(inc.resolve_by > inc.created_at, late)
    if state == "breached":
        return or_(and_(is_open, inc.resolve_by < clock), and_(done, inc.resolved_at > inc.resolve_by))
    if state == "paused":
        return and_(running, inc.paused_at.is_not(None))
    if state == "at_risk":
        return and_(running, inc.paused_at.is_(None), at_risk_window)
    if state == "on_track":
        return or_(and_(done, inc.resolved_at <= inc.resolve_by),
                   and_(running, inc.paused_at.is_(None), not_(at_risk_window)))
    return false()


def _date_arg(name: str, errors: dict[str, str], *, end: bool) -> datetime | None:
    """created_from / created_to: a day in the desk's time zone (created_to includes the whole day),
    or an ISO date-time (with an offset, else in the desk's time zone)."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    tz = ZoneInfo(str(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC"))
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            start = datetime.combine(day, time.min, tzinfo=tz)
            return start + timedelta(days=1) if end else start
        value = datetime.fromisoformat(raw)
    except (ValueError, OverflowError):
        errors[name] = "an ISO date (2024-05-01) or date-time (2024-05-01T08:00:00+08:00)"
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


def incident_list_query(s: Session, me: User) -> tuple[Select[Any], int, int]:
    """The statement for GET /incidents from the query string, with (page, per_page); bad values are one 400."""
    errors: dict[str, str] = {}
    page, per_page = page_args(errors)
    statuses = choice_arg("status", [st.value for st in IncidentStatus], errors)
    areas = choice_arg("area", [a.value for a in Area], errors)
    categories = choice_arg("category", [c.value for c in Category], errors)
    services = choice_arg("service", SERVICES, errors)
    tiers = choice_arg("tier", ["1", "2", "3", "4"], errors)
    sla_states = choice_arg("sla_state", SLA_STATES, errors)
    verified = choice_arg("verified", ["true", "false"], errors)
    sort = choice_arg("sort", SORTS, errors)
    if len(sort) > 1:
        errors["sort"] = "one of: " + ", ".join(SORTS)
    created_from = _date_arg("created_from", errors, end=False)
    created_to = _date_arg("created_to", errors, end=True)
    if created_from and created_to and created_from >= created_to:
        errors["created_to"] = "later than created_from"
    codes = list(dict.fromkeys(v.strip() for v in request.args.get("zone", "").split(",") if v.strip()))
    zone_ids = [int(z) for z in s.scalars(select(Zone.id).where(Zone.code.in_(codes)))] if codes else []
    if len(zone_ids) < len(codes):
        known = set(s.scalars(select(Zone.code).where(Zone.code.in_(codes))))
        errors["zone"] = "unknown zone: " + ", ".join(c for c in codes if c not in known)
    if errors:
        raise ValidationError("Bad filter or paging values.", fields=errors)

    inc = Incident
    stmt = select(inc)
    if not is_staff(me):
        stmt = stmt.where(inc.reporter_id == me.id)
    if statuses:
        stmt = stmt.where(inc.status.in_(statuses))
    if areas:
        stmt = stmt.where(inc.area.in_(areas))
    if categories:
        stmt = stmt.where(inc.category.in_(categories))
    if services:
        stmt = stmt.where(inc.service.in_(services))
    if tiers:
        stmt = stmt.where(inc.tier.in_([int(t) for t in tiers]))
    if zone_ids:
        stmt = stmt.where(inc.zone_id.in_(zone_ids))
    if len(verified) == 1:
        stmt = stmt.where(inc.verified.is_(verified[0] == "true"))
    if sla_states:
        now = utcnow()
        dialect = s.get_bind().dialect.name
        stmt = stmt.where(or_(*[sla_condition(state, now, dialect) for state in sla_states]))
    if created_from is not None:
        stmt = stmt.where(inc.created_at >= created_from)
    if created_to is not None:
        stmt = stmt.where(inc.created_at < created_to)
    assignee = request.args.get("assignee", "").strip()
    if assignee == "none":
        stmt = stmt.where(inc.assignee_id.is_(None))
    elif assignee == "me":
        stmt = stmt.where(inc.assignee_id == me.id)
    elif assignee:
        stmt = stmt.where(inc.assignee_id == select(User.id).where(User.username == assignee).scalar_subquery())
    q = request.args.get("q", "").strip()[:200]
    if q:
        pattern = like_pattern(q)
        matches = [inc.title.ilike(pattern, escape="\\"), inc.number.ilike(pattern, escape="\\"),
                   inc.customer_account.ilike(pattern, escape="\\")]
        if _PHONE.match(q):
            # Phone numbers are matched as typed and as bare digits (138 1234 5678 = 13812345678).
            patterns = {pattern, like_pattern(re.sub(r"[\s-]", "", q))}
            matches.append(inc.subscriber_id.in_(select(Subscriber.id).where(
                or_(*[Subscriber.phone.like(p, escape="\\") for p in patterns]))))
        stmt = stmt.where(or_(*matches))
    order = sort[0] if sort else "newest"
    if order == "oldest":
        stmt = stmt.order_by(inc.created_at.asc(), inc.id.asc())
    elif order == "resolve_by":
        stmt = stmt.order_by(inc.resolve_by.asc(), inc.id.asc())
    else:
        stmt = stmt.order_by(inc.created_at.desc(), inc.id.desc())
    return stmt, page, per_page
