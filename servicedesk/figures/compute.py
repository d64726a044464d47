"""Every figure of API.md ("Service figures") for a period and a breakdown, counted by the database.

How each set is read (cancelled incidents and duplicates are left out of every one):

- reported: created in the period. escalated: of those, tier > 1 now (tiers only rise). breached: of those,
  past resolve-by unresolved (judged at the pause when paused) or resolved after it, or past respond-by
  without a first response, or responded after it. complaining_subscribers: distinct accounts (the
  reporting user where no account was given) of the complaints among them.
- resolved_faults / resolved_installs: category fault / request with resolved_at in the period (a rejected
  or reopened fix clears resolved_at, so only standing fixes count), in time when resolved_at <= resolve_by.
- responded: first response (responded_at: first assignment by a person or start of work) in the period,
  in time when responded_at <= respond_by.
- closed: closed in the period. repeat_reports: of those, the ones a later report of the same subscriber and
  service names as its repeat (Incident.repeat_of, set when the report came) within 30 days of the closing.
  kb_reused: the linked solution's first approval came before its (last) link to the incident.
- Ratings come from the verification that let the incident close (its latest accepted one,
  Verification.rating: the subscriber's own or the call-back's). The second call-back of the audit
  (CallbackAudit.rating) samples closures to check that fixes held; it is a quality check of the desk, not
  the subscriber's rating of the service, and is not counted here. rated / participation (参评率) use real
  ratings only; satisfied is 4-5 stars. satisfaction is satisfied / rated, unless the operator's rule
  unrated_as counts unrated closures (closures verified as "unreachable" carry no rating, so they are among
  them) as that many stars: then it is (satisfied + unrated if unrated_as >= 4) / closed.
- unreachable: closures whose verification is "unreachable" (recorded by a lead after the call-back attempts).
- paying_subscribers: the count stored for the period's last month (for day/week/month rows, the row's last
  month), the row's zone's or service's where stored, else the desk's (all zones, all services; or the sum of
  the zones' rows, else of the services' rows, when no desk-wide row is stored).

Breakdowns: station and group of the incident's maintenance group, its zone, its assignee (agent), service,
category, area; day, week (ISO) and month in the desk's time zone, each set bucketed by its own moment
(reports by creation, fixes by resolution, …). Rows without a station, group, zone or agent have key "-".

Each set is one grouped query over an index range of its moment (created_at, resolved_at, responded_at,
closed_at); time buckets are counted in 15-minute slots of UTC by the database and folded into the desk's
days in Python, which keeps the SQL the same on SQLite and PostgreSQL and any time-zone rule exact.
"""

from __future__ import annotations

import os
import typing
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from kb.models import ArticleRevision, Review
from kb.orm import UTCDateTime, utcnow
from kb.vocabulary import SERVICES, service_label
from servicedesk.figures import settings
from servicedesk.figures.definitions import (
    COUNTS,
    DESK_LABEL,
    FIGURES,
    NONE_KEY,
    NONE_LABEL,
    RATES,
    TIME_BREAKDOWNS,
    FiguresError,
    Row,
    check_figure,
    current_locale,
    translate,
)
from servicedesk.figures.subscribers import paying_lookup
from servicedesk.formerrors import N_
from servicedesk.incidents.models import Incident, IncidentEvent, Verification
from servicedesk.incidents.sla_sql import sla_condition
from servicedesk.incidents.workflow import Area, Category, IncidentStatus
from servicedesk.org.models import MaintenanceGroup, ServiceStation, Zone
from servicedesk.users.models import User
from servicedesk.web import AREA_LABELS, CATEGORY_LABELS

SLOT = timedelta(minutes=15)  # every real time-zone offset and shift is a multiple of 15 minutes
REPEAT_DAYS = 30
UNREACHABLE = "unreachable"  # VerificationMethod.UNREACHABLE where the enum has it
LEFT_OUT = (IncidentStatus.CANCELLED.value, IncidentStatus.DUPLICATE.value)


def desk_timezone() -> ZoneInfo:
    """SERVICEDESK_TIMEZONE: the app's setting, else the environment's, else Asia/Shanghai."""
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return ZoneInfo(str(name or os.environ.get("SERVICEDESK_TIMEZONE") or "Asia/Shanghai"))


def _bounds(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The period as [first instant, instant after the last) in UTC; end inclusive."""
    return (datetime.combine(start, time.min, tz).astimezone(UTC),
            datetime.combine(end + timedelta(days=1), time.min, tz).astimezone(UTC))


def _epoch(value: Any, dialect: str) -> Any:
    """Seconds, as a number that grows with time (SQLite: from julianday)."""
    if dialect == "sqlite":
        return func.julianday(value) * 86400.0
    return func.extract("epoch", value)


def _slot(anchor: Any, origin: datetime, dialect: str) -> Any:
    """The 15-minute slot (0, 1, …) of anchor counted from origin."""
    seconds = _epoch(anchor, dialect) - _epoch(literal(origin, UTCDateTime()), dialect)
    if dialect == "sqlite":  # integer division of integers; the millisecond guards a float just under a slot
        return cast(seconds + 0.001, Integer) / int(SLOT.total_seconds())
    return cast(func.floor(seconds / SLOT.total_seconds()), Integer)


# -- the sets --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Set:
    anchor: Any  # the moment that puts an incident in the period
    where: tuple[ColumnElement[bool], ...] = ()


def _kept() -> ColumnElement[bool]:
    return and_(Incident.status.not_in(LEFT_OUT), Incident.duplicate_of_id.is_(None))


def _latest_accepted(column: Any) -> Any:
    """column of the incident's latest accepted verification (the one its closing rests on)."""
    v = aliased(Verification)
    return (select(column(v)).where(v.incident_id == Incident.id, v.accepted.is_(True))
            .order_by(v.id.desc()).limit(1).correlate(Incident).scalar_subquery())


def _rating() -> Any:
    return _latest_accepted(lambda v: v.rating)


def _method() -> Any:
    return _latest_accepted(lambda v: v.method)


def _reused() -> ColumnElement[bool]:
    """The incident's solution was approved before it was (last) linked: a solution found, not written."""
    approved = (select(func.min(Review.decided_at)).join(ArticleRevision, ArticleRevision.id == Review.revision_id)
                .where(ArticleRevision.article_id == Incident.solution_id, Review.decision == "approve")
                .correlate(Incident).scalar_subquery())
    linked = (select(func.max(IncidentEvent.at))
              .where(IncidentEvent.incident_id == Incident.id, IncidentEvent.action == "link_solution")
              .correlate(Incident).scalar_subquery())
    return and_(Incident.solution_id.is_not(None), approved <= func.coalesce(linked, Incident.created_at))


def _repeated(dialect: str) -> ColumnElement[bool]:
    later = aliased(Incident)
    window = REPEAT_DAYS * 86400.0
    # The window is said in epoch arithmetic, which no index serves: the planner then takes the repeat_of_id
    # index (sparse in real data, but all NULL in a generated one, where it would prefer another index).
    reported = _epoch(later.created_at, dialect)
    closed = _epoch(Incident.closed_at, dialect)
    return exists(select(later.id).where(
        later.repeat_of_id == Incident.id, later.status.not_in(LEFT_OUT),
        func.coalesce(later.duplicate_of_id, 0) == 0, reported >= closed, reported <= closed + window,
    ).correlate(Incident))


def _breached(now: datetime, dialect: str) -> ColumnElement[bool]:
    at = literal(now, UTCDateTime())
    late_response = or_(
        Incident.responded_at > Incident.respond_by,
        and_(Incident.responded_at.is_(None),
             Incident.respond_by < func.coalesce(Incident.resolved_at, Incident.closed_at, Incident.paused_at, at)),
    )
    return or_(sla_condition("breached", now, dialect), late_response)


def _account() -> Any:
    return case((Incident.customer_account != "", Incident.customer_account),
                else_=literal("user:", String) + cast(Incident.reporter_id, String))


FAULT, REQUEST, COMPLAINT = Category.FAULT.value, Category.REQUEST.value, Category.COMPLAINT.value


def _figure_set(figure: str, now: datetime, dialect: str) -> _Set:
    """The incidents a count figure counts (for a rate: its denominator's), as an anchor and conditions."""
    created, resolved, responded, closed = (Incident.created_at, Incident.resolved_at, Incident.responded_at,
                                            Incident.closed_at)
    is_closed = Incident.status == IncidentStatus.CLOSED.value
    sets: dict[str, _Set] = {
        "reported": _Set(created),
        "escalated": _Set(created, (Incident.tier > 1,)),
        "breached": _Set(created, (_breached(now, dialect),)),
        "complaining_subscribers": _Set(created, (Incident.category == COMPLAINT,)),
        "resolved_faults": _Set(resolved, (Incident.category == FAULT,)),
        "faults_in_time": _Set(resolved, (Incident.category == FAULT, Incident.resolved_at <= Incident.resolve_by)),
        "resolved_installs": _Set(resolved, (Incident.category == REQUEST,)),
        "installs_in_time": _Set(resolved, (Incident.category == REQUEST,
                                            Incident.resolved_at <= Incident.resolve_by)),
        "responded": _Set(responded),
        "responded_in_time": _Set(responded, (Incident.responded_at <= Incident.respond_by,)),
        "closed": _Set(closed, (is_closed,)),
        "repeat_reports": _Set(closed, (is_closed, _repeated(dialect))),
        "kb_reused": _Set(closed, (is_closed, _reused())),
        "rated": _Set(closed, (is_closed, _rating().is_not(None))),
        "satisfied": _Set(closed, (is_closed, _rating() >= 4)),
        "unreachable": _Set(closed, (is_closed, _method() == UNREACHABLE)),
    }
    if figure in RATES:  # a rate: its denominator's incidents (万投比: the complaints, over no incidents)
        num, den = RATES[figure]
        figure = num if den == "paying_subscribers" else den
    if figure == "paying_subscribers" or figure not in sets:
        raise FiguresError(N_("No incidents stand behind this figure."), code="bad_figure", field="figure")
    return sets[figure]


# -- breakdown keys --------------------------------------------------------------------------------------

def _key_column(by: str | None, anchor: Any, origin: datetime, dialect: str) -> Any:
    if by is None:
        return None
    if by in TIME_BREAKDOWNS:
        return _slot(anchor, origin, dialect)
    return {
        "station": MaintenanceGroup.station_id, "group": Incident.group_id, "zone": Incident.zone_id,
        "agent": Incident.assignee_id, "service": Incident.service, "category": Incident.category,
        "area": Incident.area,
    }[by]


def _bucket(day: date, by: str) -> str:
    if by == "day":
        return day.isoformat()
    if by == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day:%Y-%m}"


def _time_keys(start: date, end: date, by: str) -> list[str]:
    keys: list[str] = []
    day = start
    while day <= end:
        key = _bucket(day, by)
        if not keys or keys[-1] != key:
            keys.append(key)
        day += timedelta(days=1)
    return keys


@dataclass
class _Names:
    """Keys and labels of the non-time breakdown values found."""

    keys: dict[Any, str]
    labels: dict[str, str]
    order: list[str]


def _names(s: Session, by: str, raw: Iterable[Any]) -> _Names:
    ids = sorted({r for r in raw if r is not None}, key=str)
    keys: dict[Any, str] = {None: NONE_KEY}
    labels: dict[str, str] = {NONE_KEY: translate(NONE_LABEL)}
    if by == "station" and ids:
        for i, name in s.execute(select(ServiceStation.id, ServiceStation.name).where(ServiceStation.id.in_(ids))):
            keys[i], labels[str(i)] = str(i), name
    elif by == "group" and ids:
        for i, name, station in s.execute(
                select(MaintenanceGroup.id, MaintenanceGroup.name, ServiceStation.name)
                .join(ServiceStation, ServiceStation.id == MaintenanceGroup.station_id)
                .where(MaintenanceGroup.id.in_(ids))):
            keys[i], labels[str(i)] = str(i), f"{station} · {name}"
    elif by == "zone" and ids:
        for i, code, name in s.execute(select(Zone.id, Zone.code, Zone.name).where(Zone.id.in_(ids))):
            keys[i], labels[code] = code, name
    elif by == "agent" and ids:
        for i, username, name in s.execute(select(User.id, User.username, User.display_name)
                                           .where(User.id.in_(ids))):
            keys[i], labels[username] = username, name or username
    elif by in ("service", "category", "area"):
        locale = current_locale()
        for value in ids:
            code = getattr(value, "value", value)
            keys[value] = code
            if by == "service":
                labels[code] = service_label(code, locale)
            else:
                table = CATEGORY_LABELS if by == "category" else AREA_LABELS
                labels[code] = translate(table[code]) if code in table else code
    canonical = {"service": list(SERVICES), "category": [c.value for c in Category], "area": [a.value for a in Area]}
    found = [k for r, k in keys.items() if r is not None]
    if by in canonical:
        order = [c for c in canonical[by] if c in found] + sorted(set(found) - set(canonical[by]))
    else:
        order = sorted(found, key=lambda k: (labels.get(k, k), k))
    return _Names(keys, labels, order)


# -- counting --------------------------------------------------------------------------------------------

_GROUPS: dict[str, tuple[str, ...]] = {
    "created": ("reported", "escalated", "breached"),
    "resolved": ("resolved_faults", "faults_in_time", "resolved_installs", "installs_in_time"),
    "responded": ("responded", "responded_in_time"),
    "closed": ("closed", "repeat_reports", "kb_reused", "rated", "satisfied", "unreachable"),
}


def _anchor_of(group: str) -> Any:
    return {"created": Incident.created_at, "resolved": Incident.resolved_at, "responded": Incident.responded_at,
            "closed": Incident.closed_at}[group]


def _flags(group: str, now: datetime, dialect: str) -> dict[str, ColumnElement[bool]]:
    """Per figure of the group, the condition beyond the group's own (as a 0/1 column of the inner query)."""
    if group == "created":
        return {"escalated": Incident.tier > 1, "breached": _breached(now, dialect)}
    if group == "resolved":
        in_time = Incident.resolved_at <= Incident.resolve_by
        return {"resolved_faults": Incident.category == FAULT,
                "faults_in_time": and_(Incident.category == FAULT, in_time),
                "resolved_installs": Incident.category == REQUEST,
                "installs_in_time": and_(Incident.category == REQUEST, in_time)}
    if group == "responded":
        return {"responded_in_time": Incident.responded_at <= Incident.respond_by}
    return {"repeat_reports": _repeated(dialect), "kb_reused": _reused()}


def _count_group(s: Session, group: str, lo: datetime, hi: datetime, by: str | None, now: datetime,
                 dialect: str) -> dict[Any, dict[str, int]]:
    """raw key -> counts of the group's figures, one grouped query over the anchor's index range."""
    anchor = _anchor_of(group)
    key = _key_column(by, anchor, lo, dialect)
    where = [anchor >= literal(lo, UTCDateTime()), anchor < literal(hi, UTCDateTime()), _kept()]
    if group == "resolved":
        where.append(Incident.category.in_([FAULT, REQUEST]))
    if group == "closed":
        where.append(Incident.status == IncidentStatus.CLOSED.value)
    columns: list[Any] = [(key if key is not None else literal(0)).label("k")]
    for name, cond in _flags(group, now, dialect).items():
        columns.append(case((cond, 1), else_=0).label(name))
    if group == "closed":
        columns += [_rating().label("rating"), _method().label("method")]
    inner = select(*columns).select_from(Incident)
    if by == "station":
        inner = inner.outerjoin(MaintenanceGroup, MaintenanceGroup.id == Incident.group_id)
    sub = inner.where(*where).subquery()
    # The group's first figure is its plain count, except for fixes: faults and installs are both flags.
    aggregates: list[Any] = [] if group == "resolved" else [func.count().label(_GROUPS[group][0])]
    for name in _flags(group, now, dialect):
        aggregates.append(func.coalesce(func.sum(sub.c[name]), 0).label(name))
    if group == "closed":
        aggregates += [func.count(sub.c.rating).label("rated"),
                       func.count().filter(sub.c.rating >= 4).label("satisfied"),
                       func.count().filter(sub.c.method == UNREACHABLE).label("unreachable")]
    stmt = select(sub.c.k, *aggregates).group_by(sub.c.k)
    out: dict[Any, dict[str, int]] = {}
    for row in s.execute(stmt):
        values = row._mapping
        out[values["k"] if by is not None else None] = {name: int(values[name] or 0) for name in _GROUPS[group]}
    return out


def _complainers(s: Session, lo: datetime, hi: datetime, by: str | None, dialect: str) -> dict[Any, set[str]]:
    key = _key_column(by, Incident.created_at, lo, dialect)
    account = _account()
    stmt = select((key if key is not None else literal(0)).label("k"), account.label("a")).select_from(Incident)
    if by == "station":
        stmt = stmt.outerjoin(MaintenanceGroup, MaintenanceGroup.id == Incident.group_id)
    stmt = stmt.where(Incident.created_at >= literal(lo, UTCDateTime()),
                      Incident.created_at < literal(hi, UTCDateTime()),
                      _kept(), Incident.category == COMPLAINT).group_by("k", "a")
    out: dict[Any, set[str]] = defaultdict(set)
    for k, a in s.execute(stmt):
        out[k if by is not None else None].add(a)
    return out


def _ratio(num: int | float | None, den: int | float | None) -> float | None:
    if num is None or not den:
        return None
    return num / den


def _rates(values: dict[str, Any], unrated_as: int | None) -> None:
    v = values
    v["repair_timeliness"] = _ratio(v["faults_in_time"], v["resolved_faults"])
    v["install_timeliness"] = _ratio(v["installs_in_time"], v["resolved_installs"])
    v["response_timeliness"] = _ratio(v["responded_in_time"], v["responded"])
    v["repeat_rate"] = _ratio(v["repeat_reports"], v["closed"])
    paying = v["paying_subscribers"]
    v["complaints_per_10k"] = (v["complaining_subscribers"] / paying * 10_000) if paying else None
    v["escalation_rate"] = _ratio(v["escalated"], v["reported"])
    v["first_line_resolution"] = None if v["escalation_rate"] is None else 1 - v["escalation_rate"]
    v["kb_reuse"] = _ratio(v["kb_reused"], v["closed"])
    v["participation"] = _ratio(v["rated"], v["closed"])
    if unrated_as is None:
        v["satisfaction"] = _ratio(v["satisfied"], v["rated"])
    else:
        unrated = v["closed"] - v["rated"]
        v["satisfaction"] = _ratio(v["satisfied"] + (unrated if unrated_as >= 4 else 0), v["closed"])


def compute(s: Session, start: date, end: date, by: str | None = None, *, tz: ZoneInfo | None = None,
            now: datetime | None = None) -> list[Row]:
    """The figures of the period [start, end] (the desk's days, end inclusive): the whole desk first, then
    one row per value of the breakdown (every day, week or month of the period; the other breakdowns'
    values that have something to count). Rates are None where there is nothing to divide by."""
    if by is not None and by not in (*TIME_BREAKDOWNS, "station", "group", "zone", "agent", "service", "category",
                                     "area"):
        raise FiguresError(N_("Unknown breakdown."), code="bad_breakdown", field="by")
    tz = tz or desk_timezone()
    now = now or utcnow()
    dialect = s.get_bind().dialect.name
    lo, hi = _bounds(start, end, tz)
    raw: dict[str, dict[Any, dict[str, int]]] = {g: _count_group(s, g, lo, hi, by, now, dialect) for g in _GROUPS}
    complainers = _complainers(s, lo, hi, by, dialect)

    # Fold the raw keys into the rows' keys.
    def fold(raw_key: Any) -> str | None:
        if by is None:
            return None
        if by in TIME_BREAKDOWNS:
            return _bucket((lo + SLOT * int(raw_key)).astimezone(tz).date(), by)
        return names.keys.get(raw_key, str(getattr(raw_key, "value", raw_key)))

    names = _Names({}, {}, [])
    if by is not None and by not in TIME_BREAKDOWNS:
        found = {k for counts in raw.values() for k in counts} | set(complainers)
        names = _names(s, by, found)
    rows: dict[str | None, dict[str, Any]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    accounts: dict[str | None, set[str]] = defaultdict(set)
    desk = rows[None]
    desk_accounts = accounts[None]
    for counts_by_key in raw.values():
        for raw_key, counts in counts_by_key.items():
            key = fold(raw_key)
            for name, n in counts.items():
                if key is not None:
                    rows[key][name] += n
                desk[name] += n
    for raw_key, found_accounts in complainers.items():
        key = fold(raw_key)
        if key is not None:
            accounts[key] |= found_accounts
        desk_accounts |= found_accounts

    if by in TIME_BREAKDOWNS:
        order = _time_keys(start, end, by)
        labels = {k: k for k in order}
    elif by is not None:
        order = names.order + ([NONE_KEY] if NONE_KEY in rows and NONE_KEY not in names.order else [])
        labels = names.labels
    else:
        order, labels = [], {}
    unrated_as = settings.unrated_as(s)
    paying = _Paying(s, start, end, by)
    out: list[Row] = []
    for key in [None, *order]:
        values = dict(rows[key])
        values["complaining_subscribers"] = len(accounts[key])
        values["paying_subscribers"] = paying.count(key)
        _rates(values, unrated_as)
        label = translate(DESK_LABEL) if key is None else labels.get(key, key)
        out.append(Row(key=key, label=label, values={name: values[name] for name in FIGURES}))
    return out


class _Paying:
    """The paying-subscriber count of each row (see the module's note)."""

    def __init__(self, s: Session, start: date, end: date, by: str | None) -> None:
        self.by = by
        self.start, self.end = start, end
        self.last_month = f"{end:%Y-%m}"
        months = {self.last_month}
        if by in TIME_BREAKDOWNS:
            months |= {self._month_of(k) for k in _time_keys(start, end, by)}
        self.table = paying_lookup(s, sorted(months))
        self.zone_ids: dict[str, int] = {}
        if by == "zone":
            self.zone_ids = {code: i for i, code in s.execute(select(Zone.id, Zone.code))}

    def _month_of(self, key: str) -> str:
        if self.by == "month":
            return key
        if self.by == "day":
            return key[:7]
        year, week = int(key[:4]), int(key[6:])
        last = min(date.fromisocalendar(year, week, 7), self.end)
        return f"{last:%Y-%m}"

    def desk(self, month: str) -> int | None:
        t = self.table
        if (month, None, None) in t:
            return t[(month, None, None)]
        zones = [n for (m, z, sv), n in t.items() if m == month and z is not None and sv is None]
        if zones:
            return sum(zones)
        services = [n for (m, z, sv), n in t.items() if m == month and z is None and sv is not None]
        return sum(services) if services else None

    def count(self, key: str | None) -> int | None:
        month = self.last_month
        if key is None:
            return self.desk(month)
        if self.by in TIME_BREAKDOWNS:
            return self.desk(self._month_of(key))
        if self.by == "zone" and key in self.zone_ids:
            found = self.table.get((month, self.zone_ids[key], None))
            return found if found is not None else self.desk(month)
        if self.by == "service":
            found = self.table.get((month, None, key))
            return found if found is not None else self.desk(month)
        return self.desk(month)


# -- drill-down ------------------------------------------------------------------------------------------

def _key_condition(s: Session, by: str, key: str, anchor: Any, start: date, end: date,
                   tz: ZoneInfo) -> ColumnElement[bool]:
    bad = FiguresError(N_("No row of this breakdown has that key."), code="bad_key", field="key")
    if by in TIME_BREAKDOWNS:
        day = next((d for d in _days(start, end) if _bucket(d, by) == key), None)
        if day is None:
            raise bad
        days = [d for d in _days(start, end) if _bucket(d, by) == key]
        lo, hi = _bounds(days[0], days[-1], tz)
        return and_(anchor >= literal(lo, UTCDateTime()), anchor < literal(hi, UTCDateTime()))
    column = {"station": None, "group": Incident.group_id, "zone": Incident.zone_id, "agent": Incident.assignee_id,
              "service": Incident.service, "category": Incident.category, "area": Incident.area}[by]
    if key == NONE_KEY and by in ("station", "group", "zone", "agent"):
        return Incident.group_id.is_(None) if by == "station" else column.is_(None)  # type: ignore[union-attr]
    if by == "station":
        if not key.isdigit():
            raise bad
        return Incident.group_id.in_(select(MaintenanceGroup.id).where(MaintenanceGroup.station_id == int(key)))
    if by == "group":
        if not key.isdigit():
            raise bad
        return Incident.group_id == int(key)
    if by == "zone":
        return Incident.zone_id.in_(select(Zone.id).where(Zone.code == key))
    if by == "agent":
        return Incident.assignee_id.in_(select(User.id).where(User.username == key))
    allowed = {"service": list(SERVICES), "category": [c.value for c in Category], "area": [a.value for a in Area]}
    if key not in allowed[by]:
        raise bad
    return typing.cast(ColumnElement[bool], column == key)


def _days(start: date, end: date) -> Iterable[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def incidents_behind(s: Session, start: date, end: date, figure: str, *, by: str | None = None,
                     key: str | None = None, tz: ZoneInfo | None = None,
                     now: datetime | None = None) -> Select[Any]:
    """The incidents a figure counts in the period (for a rate, those of its denominator), within one row of
    a breakdown when by and key are given; newest first. 万投比's subscriber count has none behind it."""
    check_figure(figure)
    tz = tz or desk_timezone()
    dialect = s.get_bind().dialect.name
    chosen = _figure_set(figure, now or utcnow(), dialect)
    lo, hi = _bounds(start, end, tz)
    where = [chosen.anchor >= literal(lo, UTCDateTime()), chosen.anchor < literal(hi, UTCDateTime()), _kept(),
             *chosen.where]
    if by is not None or key is not None:
        if by is None or by not in (*TIME_BREAKDOWNS, "station", "group", "zone", "agent", "service", "category",
                                    "area"):
            raise FiguresError(N_("Unknown breakdown."), code="bad_breakdown", field="by")
        if not key:
            raise FiguresError(N_("No row of this breakdown has that key."), code="bad_key", field="key")
        where.append(_key_condition(s, by, key, chosen.anchor, start, end, tz))
    return select(Incident).where(*where).order_by(Incident.created_at.desc(), Incident.id.desc())

