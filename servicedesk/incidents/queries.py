"""Read-only queries behind the staff pages: the queue with its tabs and filters, and small look-ups.

Everything here is set-based SQL: the page of rows and its total come from the database, never
from looping over every incident in Python. Nothing here changes data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, true
from sqlalchemy.orm import Session, selectinload

from kb.actors import STAFF_ROLES
from servicedesk.incidents.models import Incident
from servicedesk.incidents.workflow import OPEN_STATES, IncidentStatus
from servicedesk.users.models import User

TABS = ("mine", "unassigned", "open", "awaiting", "resolved", "closed", "all")
SORTS = ("newest", "oldest", "resolve_by")
FILTERS = ("status", "service", "category", "area", "tier", "q")
DEFAULT_TAB = "open"


@dataclass
class QueuePage:
    items: list[Incident]
    total: int
    page: int
    per_page: int
    tab_counts: dict[str, int]


def _tab_condition(tab: str, user_id: int) -> ColumnElement[bool]:
    open_states = [s.value for s in OPEN_STATES]
    if tab == "mine":
        return and_(Incident.assignee_id == user_id, Incident.status != IncidentStatus.CLOSED)
    if tab == "unassigned":
        return and_(Incident.assignee_id.is_(None), Incident.status.in_(open_states))
    if tab == "open":
        return Incident.status.in_(open_states)
    if tab == "awaiting":
        return and_(Incident.status == IncidentStatus.RESOLVED, Incident.verified.is_(False))
    if tab == "resolved":
        return Incident.status == IncidentStatus.RESOLVED
    if tab == "closed":
        return Incident.status == IncidentStatus.CLOSED
    if tab == "all":
        return true()
    return false()


def _filter_conditions(filters: Mapping[str, Any]) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    for name in ("status", "service", "category", "area"):
        value = filters.get(name)
        if value:
            conds.append(getattr(Incident, name) == value)
    if filters.get("tier"):
        conds.append(Incident.tier == int(filters["tier"]))
    text = (filters.get("q") or "").strip()
    if text:
        conds.append(or_(
            Incident.number.icontains(text, autoescape=True),
            Incident.title.icontains(text, autoescape=True),
            Incident.customer_account.icontains(text, autoescape=True),
        ))
    return conds


def _order(stmt: Select[Any], sort: str) -> Select[Any]:
    if sort == "oldest":
        return stmt.order_by(Incident.created_at.asc(), Incident.id.asc())
    if sort == "resolve_by":
        return stmt.order_by(Incident.resolve_by.asc(), Incident.id.asc())
    return stmt.order_by(Incident.created_at.desc(), Incident.id.desc())


def queue_page(s: Session, user_id: int, *, tab: str = DEFAULT_TAB, filters: Mapping[str, Any] | None = None,
               sort: str = "newest", page: int = 1, per_page: int = 25) -> QueuePage:
    """One page of the staff queue for tab and filters, its total, and how many each tab holds."""
    conds = _filter_conditions(filters or {})
    where = and_(_tab_condition(tab, user_id), *conds)
    total = s.scalar(select(func.count()).select_from(Incident).where(where)) or 0
    # One row with a count per tab, under the same filters (so the tabs say what a click shows).
    counts_stmt = select(*[
        func.count(Incident.id).filter(_tab_condition(t, user_id)).label(t) for t in TABS
    ]).select_from(Incident).where(and_(true(), *conds))
    row = s.execute(counts_stmt).one()
    tab_counts = {t: int(row._mapping[t] or 0) for t in TABS}
    stmt = (select(Incident).where(where)
            .options(selectinload(Incident.reporter), selectinload(Incident.assignee))
            .limit(per_page).offset((page - 1) * per_page))
    items = list(s.scalars(_order(stmt, sort)))
    return QueuePage(items=items, total=int(total), page=page, per_page=per_page, tab_counts=tab_counts)


def active_staff(s: Session) -> list[User]:
    """Active staff members, by name, for the assign and escalate pickers."""
    stmt = (select(User).where(User.active.is_(True), User.role.in_([r.value for r in STAFF_ROLES]))
            .order_by(User.display_name, User.username))
    return list(s.scalars(stmt))


def active_user_by_username(s: Session, username: str) -> User | None:
    """The active user with this username (exact, case-sensitive), if any."""
    return s.scalar(select(User).where(User.username == username.strip(), User.active.is_(True)))


def incidents_for_article(s: Session, article_id: int, *, limit: int = 50) -> tuple[list[Incident], int]:
    """The newest incidents whose solution is this article, and how many there are in all."""
    total = s.scalar(select(func.count()).select_from(Incident).where(Incident.solution_id == article_id)) or 0
    stmt = (select(Incident).where(Incident.solution_id == article_id)
            .order_by(Incident.created_at.desc(), Incident.id.desc()).limit(limit))
    return list(s.scalars(stmt)), int(total)
