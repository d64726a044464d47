"""GET /incidents: the query string read into the staff queue's filters, answered by the queue's own query.

One piece of SQL serves the desk pages and the API (servicedesk.incidents.queries.queue_page): numbers,
accounts and phones are looked up by index, several states are read as ordered slices and merged, and
counting stops at TOTAL_CAP. The envelope says when the total is a lower bound (`total_exact: false`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.actors import is_staff
from kb.errors import ValidationError
from kb.vocabulary import REPORT_TYPES, SERVICES
from servicedesk.api.common import choice_arg, page_args
from servicedesk.incidents.models import Incident
from servicedesk.incidents.queries import SORTS, QueueFilters, QueuePage, queue_page
from servicedesk.incidents.sla_sql import SLA_STATES
from servicedesk.incidents.workflow import Area, Category, IncidentStatus
from servicedesk.org.models import MaintenanceGroup, Zone
from servicedesk.users.models import User

Q_MAX = 200


@dataclass(frozen=True)
class ListRequest:
    """What GET /incidents asked for, checked; nobody_matches: a named assignee who does not exist."""

    filters: QueueFilters
    statuses: list[str]
    sort: str
    page: int
    per_page: int
    nobody_matches: bool = False


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


def _many(values: list[str]) -> tuple[str, ...] | None:
    return tuple(dict.fromkeys(values)) or None


def _zone_ids(s: Session, errors: dict[str, str]) -> tuple[int, ...] | None:
    codes = list(dict.fromkeys(v.strip() for v in request.args.get("zone", "").split(",") if v.strip()))
    if not codes:
        return None
    found: dict[str, int] = dict(s.execute(select(Zone.code, Zone.id).where(Zone.code.in_(codes))).all())
    if len(found) < len(codes):
        errors["zone"] = "unknown zone: " + ", ".join(c for c in codes if c not in found)
    return tuple(found[c] for c in codes if c in found)


def read_list_request(s: Session, me: User) -> ListRequest:
    """The query string of GET /incidents as queue filters; every bad value is named in one 400."""
    errors: dict[str, str] = {}
    page, per_page = page_args(errors)
    statuses = choice_arg("status", [st.value for st in IncidentStatus], errors)
    areas = choice_arg("area", [a.value for a in Area], errors)
    categories = choice_arg("category", [c.value for c in Category], errors)
    services = choice_arg("service", SERVICES, errors)
    types = choice_arg("report_type", sorted({c for found in REPORT_TYPES.values() for c in found}), errors)
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
    zone_ids = _zone_ids(s, errors)
    if errors:
        raise ValidationError("Bad filter or paging values.", fields=errors)
    assignee = request.args.get("assignee", "").strip()
    assignee_id: int | None = None
    if assignee == "me":
        assignee_id = me.id
    elif assignee and assignee != "none":
        assignee_id = s.scalar(select(User.id).where(User.username == assignee))
    filters = QueueFilters(
        service=_many(services), report_type=_many(types), category=_many(categories), area=_many(areas),
        zone_id=zone_ids,
        tier=tuple(dict.fromkeys(int(t) for t in tiers)) or None, assignee_id=assignee_id,
        unassigned=assignee == "none", sla=_many(sla_states),
        verified=verified[0] == "true" if len(set(verified)) == 1 else None,
        created_from=created_from, created_to=created_to, q=request.args.get("q", "").strip()[:Q_MAX],
        reporter_id=None if is_staff(me) else me.id)
    return ListRequest(filters=filters, statuses=list(dict.fromkeys(statuses)), sort=sort[0] if sort else "newest",
                       page=page, per_page=per_page,
                       nobody_matches=bool(assignee) and assignee not in ("me", "none") and assignee_id is None)


def list_page(s: Session, me: User, wanted: ListRequest,
              serialize: Callable[[Incident], dict[str, Any]]) -> dict[str, Any]:
    """The page of incidents the request asks for, through the queue's query (no work tab, no tab counts),
    in the list envelope: total is exact, or (total_exact false) a lower bound: counting stopped at the cap."""
    if wanted.nobody_matches:
        result = QueuePage(items=[], total=0, page=wanted.page, per_page=wanted.per_page, has_next=False)
    else:
        result = queue_page(s, me.id, tab="all", filters=wanted.filters, sort=wanted.sort, page=wanted.page,
                            per_page=wanted.per_page, with_counts=False, statuses=wanted.statuses or None)
    loaded = _load_references(s, result.items)  # held while serializing: the session keeps rows weakly
    items = [serialize(i) for i in result.items]
    del loaded
    seen = (result.page - 1) * result.per_page + len(result.items) + (1 if result.has_next else 0)
    # A total past the cap is exact only when the last page said it (the queue then does not count).
    last_page = bool(result.items) and not result.has_next
    exact = result.total is not None and (not result.capped or last_page)
    total = result.total if exact and result.total is not None else max(result.total or 0, seen)
    return {"items": items, "total": total, "total_exact": exact, "page": result.page, "per_page": result.per_page}


def _load_references(s: Session, items: list[Incident]) -> list[Any]:
    """The page's groups and earlier incidents in two queries: the rows' own lazy loads then find them loaded."""
    groups = {i.group_id for i in items if i.group_id is not None}
    earlier = {i.repeat_of_id for i in items if i.repeat_of_id is not None}
    loaded: list[Any] = []
    if groups:
        loaded += s.scalars(select(MaintenanceGroup).where(MaintenanceGroup.id.in_(groups))).all()
    if earlier:
        loaded += s.scalars(select(Incident).where(Incident.id.in_(earlier))).all()
    return loaded
