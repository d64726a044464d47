"""Read-only queries behind the staff pages: the queue with its tabs and filters, and small look-ups.

Everything here is set-based SQL: the page of rows and its total come from the database, never from
looping over every incident in Python. Two habits keep the queue fast at a million incidents:

- counts are capped (a tab says "99+", a list "more than 500", a title search matching many incidents,
  which checks each row's words as it counts, "more than 100"): counting stops once the answer is "many";
- a tab that spans several states reads each state's slice of an index in order and merges them
  (UNION ALL of small ordered LIMITs), instead of sorting every open incident for one page;
- the search box is served by indexes too: numbers, accounts and phones by prefix, the words of titles
  by the word index (servicedesk.incidents.terms), so a search covers every incident, however old.

Nothing here changes data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, joinedload, selectinload

from kb.actors import Role
from kb.orm import UTCDateTime, utcnow
from servicedesk.incidents.models import Incident
from servicedesk.incidents.sla_sql import sla_condition, unanswered
from servicedesk.incidents.terms import SearchMatch, title_condition
from servicedesk.incidents.workflow import OPEN_STATES, IncidentStatus
from servicedesk.org.models import MaintenanceGroup, ServiceStation, Subscriber, Zone
from servicedesk.users.models import User

TABS = ("mine", "team", "unassigned", "response_overdue", "at_risk", "breached", "awaiting", "open", "resolved",
        "closed", "all")
COUNTED_TABS = ("mine", "team", "unassigned", "response_overdue", "at_risk", "breached", "awaiting")
SORTS = ("newest", "oldest", "resolve_by", "tier", "chases")
DEFAULT_TAB = "open"
TOTAL_CAP = 500
SEARCH_CAP = 100  # a total of title matches checked row by row stops here: each row counted costs a probe per word
TAB_CAP = 100

_OPEN = sorted(s.value for s in OPEN_STATES)
_ALL = sorted(s.value for s in IncidentStatus)
_TAB_STATUSES: dict[str, list[str] | None] = {
    "mine": [*_OPEN, IncidentStatus.RESOLVED.value],
    "team": _OPEN, "unassigned": _OPEN, "response_overdue": _OPEN, "at_risk": _OPEN, "breached": _OPEN, "open": _OPEN,
    "awaiting": [IncidentStatus.RESOLVED.value], "resolved": [IncidentStatus.RESOLVED.value],
    "closed": [IncidentStatus.CLOSED.value], "all": None,
}
# Searches that can use an index: incident numbers, accounts, phone numbers (letters, digits, dashes).
_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,39}$")
_PHONE = re.compile(r"^\+?[\d\s-]{3,}$")
# Numbers (INC…), accounts (letters then 4+ digits) and phone numbers never stand in a title.
_NO_TITLE = re.compile(r"^(INC\d|[A-Za-z]{1,6}\d{4,}|\+?\d{6,})", re.IGNORECASE)
# The most urgent first. Unanswered incidents by respond-by (the longest overdue first): an order read straight
# off ix_incidents_unanswered, not offered as a sort of its own (it is the reporting order, give or take the
# respond target).
TAB_SORT = {"at_risk": "resolve_by", "breached": "resolve_by", "response_overdue": "respond_by"}


@dataclass(frozen=True)
class QueueFilters:
    """The queue's filters, already checked by the form or the API (None: not filtered; a tuple: any of them)."""

    status: str | None = None
    service: str | tuple[str, ...] | None = None
    report_type: str | tuple[str, ...] | None = None  # the catalogue's type code (within the service)
    category: str | tuple[str, ...] | None = None
    area: str | tuple[str, ...] | None = None
    zone_id: int | tuple[int, ...] | None = None
    tier: int | tuple[int, ...] | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    sla: str | tuple[str, ...] | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    q: str = ""
    reporter_id: int | None = None  # a subscriber's own incidents
    verified: bool | None = None


@dataclass
class QueuePage:
    items: list[Incident]
    total: int
    page: int
    per_page: int
    has_next: bool
    tab_counts: dict[str, int] = field(default_factory=dict)
    cap: int = TOTAL_CAP  # counting stopped past this many: total is then a lower bound

    @property
    def capped(self) -> bool:
        return self.total > self.cap

    @property
    def pages(self) -> int | None:
        if self.capped:
            return None
        return max(1, -(-self.total // self.per_page))


def team_group_ids(s: Session, user_id: int) -> list[int]:
    """The maintenance groups the user leads, and those holding a zone the user manages."""
    led = select(MaintenanceGroup.id).where(MaintenanceGroup.leader_id == user_id)
    managed = select(Zone.group_id).where(Zone.manager_id == user_id)
    return sorted({int(g) for g in s.scalars(led.union(managed))})


def _status_in(statuses: Sequence[str]) -> ColumnElement[bool]:
    return Incident.status == statuses[0] if len(statuses) == 1 else Incident.status.in_(statuses)


def _tab_rest(tab: str, user_id: int, team: list[int], now: datetime, dialect: str) -> list[ColumnElement[bool]]:
    """What a tab asks besides its states."""
    at = literal(now, UTCDateTime())
    if tab == "mine":
        return [Incident.assignee_id == user_id]
    if tab == "team":
        return [Incident.group_id.in_(team)] if team else [Incident.id.is_(None)]
    if tab == "unassigned":
        return [Incident.assignee_id.is_(None)]
    if tab == "response_overdue":
        # Nobody responded by respond-by: read from the small ix_incidents_unanswered slice, state by state.
        return [unanswered(dialect), Incident.respond_by < at, Incident.paused_at.is_(None)]
    if tab == "at_risk":
        # resolve_by >= now is implied by at_risk; said plainly it lets the (status, resolve_by) index work.
        return [Incident.resolve_by >= at, sla_condition("at_risk", now, dialect)]
    if tab == "breached":
        # sla_condition("breached") for open incidents only: past due now, or (paused) when paused. Said
        # this way every column it reads is in the (status, resolve_by, id, paused_at) index.
        return [Incident.resolve_by < at, Incident.resolve_by < func.coalesce(Incident.paused_at, at)]
    if tab == "awaiting":
        return [Incident.verified.is_(False)]
    return []


def _prefix(column: Any, start: str) -> ColumnElement[bool]:
    """column starts with start, as an index range (the LIKE keeps it exact under any collation)."""
    upper = start[:-1] + chr(ord(start[-1]) + 1)
    escaped = start.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return and_(column >= start, column < upper, column.like(escaped + "%", escape="\\"))


def _identifier_ids(s: Session, q: str) -> list[int] | None:
    """Incidents whose number, account or subscriber phone starts with q, looked up by index; None when
    q cannot be one of those. At most TOTAL_CAP + 1 of them: a prefix that matches more is too short."""
    terms: list[ColumnElement[bool]] = []
    if _IDENTIFIER.match(q):
        for start in dict.fromkeys((q, q.upper())):
            terms.append(_prefix(Incident.number, start))
            terms.append(_prefix(Incident.customer_account, start))
    if _PHONE.match(q):
        digits = re.sub(r"[\s-]", "", q)
        if len(digits) >= 3:
            phones = select(Subscriber.id).where(_prefix(Subscriber.phone, digits)).limit(TOTAL_CAP + 1)
            terms.append(Incident.subscriber_id.in_(phones.scalar_subquery()))
    if not terms:
        return None
    # Each term is looked up on its own index (an OR of them would make the planner scan).
    ids: set[int] = set()
    for term in terms:
        ids.update(int(i) for i in s.scalars(select(Incident.id).where(term).limit(TOTAL_CAP + 1)))
    return sorted(ids)


def text_condition(s: Session, q: str) -> SearchMatch:
    """The search box: an incident number, subscriber account or phone (by index), else every word of the
    title (by the word index)."""
    ids = _identifier_ids(s, q)
    if ids:
        return SearchMatch(Incident.id.in_(ids), len(ids))
    if ids is not None and _NO_TITLE.match(q):
        return SearchMatch(false())  # an incident number or account that does not exist: no title has it either
    return title_condition(s, q)


def _filter_conditions(s: Session, f: QueueFilters, now: datetime,
                       dialect: str) -> tuple[list[ColumnElement[bool]], SearchMatch | None]:
    """The filters as conditions, the search box's last; and the search box's match, if any."""
    conds: list[ColumnElement[bool]] = []
    for name in ("status", "service", "report_type", "category", "area", "zone_id", "tier", "reporter_id"):
        value = getattr(f, name)
        if isinstance(value, tuple):
            conds.append(getattr(Incident, name).in_(value))
        elif value not in (None, ""):
            conds.append(getattr(Incident, name) == value)
    if f.unassigned:
        conds.append(Incident.assignee_id.is_(None))
    elif f.assignee_id is not None:
        conds.append(Incident.assignee_id == f.assignee_id)
    if f.verified is not None:
        conds.append(Incident.verified.is_(f.verified))
    if f.sla:
        states = (f.sla,) if isinstance(f.sla, str) else f.sla
        conds.append(or_(*[sla_condition(state, now, dialect) for state in states]))
    if f.created_from is not None:
        conds.append(Incident.created_at >= f.created_from)
    if f.created_to is not None:
        conds.append(Incident.created_at < f.created_to)
    match = text_condition(s, f.q.strip()[:100]) if f.q.strip() else None
    if match is not None:
        conds.append(match.condition)
    return conds, match


def _order_key(sort: str) -> tuple[Any, bool]:
    """(column, descending) of a sort."""
    if sort == "oldest":
        return Incident.created_at, False
    if sort == "resolve_by":
        return Incident.resolve_by, False
    if sort == "respond_by":
        return Incident.respond_by, False
    if sort == "tier":  # the highest tier first
        return Incident.tier, True
    if sort == "chases":  # the most chased first
        return Incident.chase_count, True
    return Incident.created_at, True


def _page_stmt(statuses: list[str] | None, conds: list[Any], sort: str, limit: int, offset: int) -> Select[Any]:
    """The ids of one page, in order; several states are read as ordered slices and merged."""
    col, desc = _order_key(sort)
    order = [col.desc(), Incident.id.desc()] if desc else [col.asc(), Incident.id.asc()]
    if statuses is None or len(statuses) == 1:
        where = [*conds] if statuses is None else [_status_in(statuses), *conds]
        return select(Incident.id).where(*where).order_by(*order).limit(limit).offset(offset)
    branches = [
        select(Incident.id.label("id"), col.label("key"))
        .where(Incident.status == st, *conds).order_by(*order).limit(limit + offset).subquery()
        for st in statuses
    ]
    merged = union_all(*[select(b.c.id, b.c.key) for b in branches]).subquery()
    outer = [merged.c.key.desc(), merged.c.id.desc()] if desc else [merged.c.key.asc(), merged.c.id.asc()]
    return select(merged.c.id).order_by(*outer).limit(limit).offset(offset)


def _page_ids(s: Session, statuses: list[str] | None, conds: list[Any], sort: str, limit: int,
              offset: int) -> list[int]:
    return [int(i) for i in s.scalars(_page_stmt(statuses, conds, sort, limit, offset))]


def _capped_count(where: list[Any], cap: int) -> Any:
    """How many rows match, counting no further than cap + 1 (so "more than cap" is cheap), as a scalar
    subquery: the page's counts travel to the database together, in one statement."""
    sub = select(Incident.id).where(*where).limit(cap + 1).subquery()
    return select(func.count()).select_from(sub).scalar_subquery()


def queue_page(s: Session, user_id: int, *, tab: str = DEFAULT_TAB, filters: QueueFilters | None = None,
               sort: str | None = None, page: int = 1, per_page: int = 25, now: datetime | None = None,
               with_counts: bool = True, statuses: Sequence[str] | None = None) -> QueuePage:
    """One page of the staff queue for tab and filters, its (capped) total, and the work tabs' counts
    (the size of each work queue, whatever the filters: they narrow the list, not the workload).
    statuses, when given, replace the tab's states (the API's status=a,b), each read as its own ordered slice."""
    f = filters or QueueFilters()
    now = now or utcnow()
    sort = sort or TAB_SORT.get(tab, "newest")
    dialect = s.get_bind().dialect.name
    team = team_group_ids(s, user_id) if tab == "team" or with_counts else []
    conds, match = _filter_conditions(s, f, now, dialect)
    statuses = list(statuses) if statuses else _TAB_STATUSES.get(tab, _OPEN)
    if statuses is None and (f.assignee_id is not None or f.unassigned or f.zone_id is not None
                             or sort in ("tier", "chases")):
        # Every state's slice of the (assignee or zone, status, created_at) index, or the (status, tier or
        # chases) one, merged: no sort of someone's whole history, or of every incident, for one page.
        statuses = _ALL
    tab_conds = _tab_rest(tab, user_id, team, now, dialect)
    where = [*tab_conds, *conds] if statuses is None else [_status_in(statuses), *tab_conds, *conds]
    offset = (page - 1) * per_page
    ids = _page_ids(s, statuses, [*tab_conds, *conds], sort, per_page + 1, offset)
    has_next = len(ids) > per_page
    ids = ids[:per_page]
    total = 0
    counted: dict[str, Any] = {}
    cap = SEARCH_CAP if match is not None and match.probed else TOTAL_CAP
    if page > 1 and not has_next and ids:
        total = offset + len(ids)  # the last page: the total is known without counting
    elif match is not None and len(where) == 1 and where[0] is match.condition and match.at_least > cap:
        total = cap + 1  # the search alone, and it already counted more matches than the cap
    else:
        counted["_total"] = _capped_count(where, cap)
    if with_counts:
        for t in COUNTED_TABS:
            st = _TAB_STATUSES[t]
            assert st is not None
            counted[t] = _capped_count([_status_in(st), *_tab_rest(t, user_id, team, now, dialect)], TAB_CAP - 1)
    counts: dict[str, int] = {}
    if counted:
        row = s.execute(select(*[q.label(name) for name, q in counted.items()])).one()._mapping
        counts = {name: int(row[name] or 0) for name in counted if name != "_total"}
        if "_total" in counted:
            total = int(row["_total"] or 0)
    rows = {i.id: i for i in s.scalars(
        select(Incident).where(Incident.id.in_(ids))
        .options(joinedload(Incident.reporter), joinedload(Incident.assignee),
                 joinedload(Incident.subscriber), joinedload(Incident.zone))
    )} if ids else {}
    return QueuePage(items=[rows[i] for i in ids if i in rows], total=total, page=page, per_page=per_page,
                     has_next=has_next, tab_counts=counts, cap=cap)


@dataclass(frozen=True)
class TierFigures:
    """Escalation rate (转交率) and its complement, the first-line resolution rate, for a period."""

    incidents: int
    escalated: int

    @property
    def escalation_rate(self) -> float | None:
        return self.escalated / self.incidents if self.incidents else None

    @property
    def first_line_rate(self) -> float | None:
        return 1 - self.escalated / self.incidents if self.incidents else None


def tier_figures(s: Session, start: datetime, end: datetime) -> TierFigures:
    """Of the incidents reported in [start, end) (cancelled and duplicates left out), how many were
    handed beyond L1. Tiers only ever rise, so the tier an incident holds says whether it was."""
    row = s.execute(
        select(func.count(), func.count().filter(Incident.tier > 1))
        .where(Incident.created_at >= start, Incident.created_at < end,
               Incident.status.not_in([IncidentStatus.CANCELLED.value, IncidentStatus.DUPLICATE.value]))
    ).one()
    return TierFigures(incidents=int(row[0] or 0), escalated=int(row[1] or 0))


# Who the desk's pickers offer: the people who work incidents. Administrators run the desk and are left out
# (an admin can still take an incident themselves); escalation goes to the tiers above first line.
DESK_ROLES = (Role.AGENT, Role.SPECIALIST, Role.LEAD)
ESCALATION_ROLES = (Role.SPECIALIST, Role.LEAD)


def staff_choices(s: Session, roles: Sequence[Role] = DESK_ROLES) -> list[tuple[str, str]]:
    """(id, "name (username)") of every active staff member of those roles, by name: the pickers of the desk
    pages, read as plain columns (hundreds of staff, on every page)."""
    rows = s.execute(select(User.id, User.display_name, User.username)
                     .where(User.active.is_(True), User.role.in_([r.value for r in roles]))
                     .order_by(User.display_name, User.username))
    return [(str(i), f"{name or username} ({username})") for i, name, username in rows]


def display_names(s: Session, usernames: Sequence[str | None]) -> dict[str, str]:
    """username -> display name (or the username, when the user has none) of those that exist, in one query:
    the history keeps usernames, which stay the same when a name changes; the page shows names."""
    wanted = sorted({u for u in usernames if u})
    if not wanted:
        return {}
    rows = s.execute(select(User.username, User.display_name).where(User.username.in_(wanted)))
    return {username: name or username for username, name in rows}


def active_staff(s: Session, roles: Sequence[Role] = DESK_ROLES) -> list[User]:
    """Active staff members of those roles, by name: the group-leader and zone-manager pickers."""
    stmt = (select(User).where(User.active.is_(True), User.role.in_([r.value for r in roles]))
            .order_by(User.display_name, User.username))
    return list(s.scalars(stmt))


def group_choices(s: Session) -> list[tuple[str, str]]:
    """(id, "station · group") of every maintenance group, for the escalation target picker."""
    rows = s.execute(select(MaintenanceGroup.id, ServiceStation.name, MaintenanceGroup.name)
                     .join(ServiceStation, ServiceStation.id == MaintenanceGroup.station_id)
                     .order_by(ServiceStation.name, MaintenanceGroup.name))
    return [(str(i), f"{station} · {name}") for i, station, name in rows]


def all_groups(s: Session) -> list[MaintenanceGroup]:
    """Maintenance groups with their station, by station and name, for the escalation target picker."""
    return list(s.scalars(select(MaintenanceGroup).options(selectinload(MaintenanceGroup.station))
                          .order_by(MaintenanceGroup.station_id, MaintenanceGroup.name)))


def active_user_by_username(s: Session, username: str) -> User | None:
    """The active user with this username (exact, case-sensitive), if any."""
    return s.scalar(select(User).where(User.username == username.strip(), User.active.is_(True)))


def incidents_for_article(s: Session, article_id: int, *, limit: int = 50) -> tuple[list[Incident], int]:
    """The newest incidents whose solution is this article, and how many there are in all."""
    total = s.scalar(select(func.count()).select_from(Incident).where(Incident.solution_id == article_id)) or 0
    stmt = (select(Incident).where(Incident.solution_id == article_id)
            .order_by(Incident.created_at.desc(), Incident.id.desc()).limit(limit))
    return list(s.scalars(stmt)), int(total)


def related_incidents(s: Session, incident: Incident) -> dict[str, list[Incident]]:
    """For the incident page: its duplicates, and the incidents that repeat or follow it up."""
    duplicates = list(s.scalars(select(Incident).where(Incident.duplicate_of_id == incident.id)
                                .order_by(Incident.id).limit(100)))
    later = list(s.scalars(select(Incident).where(Incident.repeat_of_id == incident.id)
                           .order_by(Incident.id).limit(100)))
    return {"duplicates": duplicates, "later": later}


