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
- caused_by_changes: of the reported, those linked to the change (CHG…) that caused them.
- paying_subscribers: the count stored for the period's last month (for day/week/month rows, the row's last
  month), the row's zone's or service's where stored, else the desk's (all zones, all services; or the sum of
  the zones' rows, else of the services' rows, when no desk-wide row is stored).

Breakdowns: station and group of the incident's maintenance group, its zone, its assignee (agent), service,
category, area; day, week (ISO) and month in the desk's time zone, each set bucketed by its own moment
(reports by creation, fixes by resolution, …). Rows without a station, group, zone or agent have key "-".

How it stays fast (issue 13: a month at 1,000,000 incidents): the period is read once, by one query over the
index ranges of the four moments (created_at, resolved_at, responded_at, closed_at; SQLite a multi-index OR,
PostgreSQL a BitmapOr of the existing indexes, so no new index and no pre-aggregated rows), each incident once
with every breakdown's columns and each set's conditions judged by the database, taken straight off the driver's
cursor. The desk and each breakdown asked are then counted from those rows in Python by C-level tallies
(compute_many: the dashboard's four breakdowns from one read). Time buckets come as 15-minute slots of UTC from
the database and are folded into the desk's days in Python, which keeps the SQL the same on SQLite and
PostgreSQL and any time-zone rule exact.
"""

from __future__ import annotations

import itertools
import operator
import os
import typing
from collections import Counter, defaultdict
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
    type_coerce,
)
from sqlalchemy.orm import Session, aliased

from kb.models import ArticleRevision, Review
from kb.orm import UTCDateTime, utcnow
from kb.vocabulary import REPORT_TYPES, SERVICES, report_type_label, service_label
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
from servicedesk.problems.models import ChangeIncident
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


def period_bounds(start: date, end: date, tz: ZoneInfo | None = None) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in the desk's time zone, as UTC moments."""
    return _bounds(start, end, tz or desk_timezone())


def _bounds(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The period as [first instant, instant after the last) in UTC; end inclusive."""
    return (datetime.combine(start, time.min, tz).astimezone(UTC),
            datetime.combine(end + timedelta(days=1), time.min, tz).astimezone(UTC))


def epoch_seconds(value: Any, dialect: str) -> Any:
    """Seconds, as a number that grows with time (SQLite: from julianday)."""
    if dialect == "sqlite":
        return func.julianday(value) * 86400.0
    return func.extract("epoch", value)


def _slot(anchor: Any, origin: datetime, dialect: str) -> Any:
    """The 15-minute slot (0, 1, …) of anchor counted from origin."""
    seconds = epoch_seconds(anchor, dialect) - epoch_seconds(literal(origin, UTCDateTime()), dialect)
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
    reported = epoch_seconds(later.created_at, dialect)
    closed = epoch_seconds(Incident.closed_at, dialect)
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


def _caused_by_change() -> ColumnElement[bool]:
    return exists().where(ChangeIncident.incident_id == Incident.id)


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
        "caused_by_changes": _Set(created, (_caused_by_change(),)),
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
    elif by == "report_type":
        locale = current_locale()
        for service, code in ids:
            if code is None:
                keys[(service, code)] = NONE_KEY
                continue
            key = f"{service}.{code}"
            keys[(service, code)] = key
            labels[key] = f"{service_label(service, locale)} · {report_type_label(service, code, locale)}"
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
    canonical = {"service": list(SERVICES), "category": [c.value for c in Category], "area": [a.value for a in Area],
                 "report_type": [f"{sv}.{c}" for sv in SERVICES for c in REPORT_TYPES.get(sv, {})]}
    found = [k for r, k in keys.items() if r is not None and k != NONE_KEY]
    if by in canonical:
        order = [c for c in canonical[by] if c in found] + sorted(set(found) - set(canonical[by]))
    else:
        order = sorted(found, key=lambda k: (labels.get(k, k), k))
    return _Names(keys, labels, order)


# -- counting --------------------------------------------------------------------------------------------
#
# One read: the incidents any set of the period holds come from one query, over the index ranges of the four
# moments (SQLite: a multi-index OR; PostgreSQL: a BitmapOr), each incident once, with the breakdown columns
# of every breakdown and each set's per-incident conditions judged by the database (0/1, the rating, the
# verification's method). Every breakdown is then counted from those rows in Python with C-level tallies
# (Counter over (key, conditions)), so one read serves the desk row and any number of breakdowns: the
# dashboard's four compute() calls share it (compute_many).

_GROUPS: dict[str, tuple[str, ...]] = {
    "created": ("reported", "escalated", "breached", "caused_by_changes"),
    "resolved": ("resolved_faults", "faults_in_time", "resolved_installs", "installs_in_time"),
    "responded": ("responded", "responded_in_time"),
    "closed": ("closed", "repeat_reports", "kb_reused", "rated", "satisfied", "unreachable"),
}
# A fetched row: the 15-minute slot of each set's moment (NULL when the incident is not in that set), the
# breakdown columns, then the sets' conditions.
_SLOT_AT = {"created": 0, "resolved": 1, "responded": 2, "closed": 3}
_KEY_AT: dict[str, int | tuple[int, int]] = {"station": 4, "group": 4, "zone": 5, "agent": 6, "service": 7,
                                              "category": 8, "area": 9, "report_type": (7, 19)}
_CONDS_AT: dict[str, tuple[int, ...]] = {
    "created": (10, 11, 18),  # escalated, breached, caused by a change (12: the complaint's account)
    "resolved": (8, 13),  # category (fault or install), in time
    "responded": (14,),  # in time
    "closed": (15, 16, 17),  # repeated, reused, verdict (-1 unreachable, else the rating or NULL)
}
_ACCOUNT_AT = 12


def _anchor_of(group: str) -> Any:
    return {"created": Incident.created_at, "resolved": Incident.resolved_at, "responded": Incident.responded_at,
            "closed": Incident.closed_at}[group]


def _statement(lo: datetime, hi: datetime, now: datetime, dialect: str) -> Select[Any]:
    """Every incident of any set of [lo, hi), once (see _SLOT_AT … for the row)."""
    def within(anchor: Any) -> ColumnElement[bool]:
        return and_(anchor >= literal(lo, UTCDateTime()), anchor < literal(hi, UTCDateTime()))

    def flag(cond: ColumnElement[bool]) -> Any:
        return case((cond, 1), else_=0)

    member = {
        "created": within(Incident.created_at),
        "resolved": and_(within(Incident.resolved_at), Incident.category.in_([FAULT, REQUEST])),
        "responded": within(Incident.responded_at),
        "closed": and_(within(Incident.closed_at), Incident.status == IncidentStatus.CLOSED.value),
    }
    closed = member["closed"]
    # Plain values (no enum or decimal conversion of each row's values): codes and numbers are all counting needs.
    columns: list[Any] = [type_coerce(case((member[g], _slot(_anchor_of(g), lo, dialect)), else_=None), Integer)
                          for g in _SLOT_AT]
    columns += [Incident.group_id, Incident.zone_id, Incident.assignee_id, Incident.service,
                type_coerce(Incident.category, String), type_coerce(Incident.area, String)]
    columns += [
        flag(Incident.tier > 1), flag(_breached(now, dialect)),
        case((Incident.category == COMPLAINT, _account()), else_=None),
        flag(Incident.resolved_at <= Incident.resolve_by),
        flag(Incident.responded_at <= Incident.respond_by),
        # The closings' subqueries run for the closings only (a CASE is evaluated lazily).
        case((closed, flag(_repeated(dialect))), else_=0), case((closed, flag(_reused())), else_=0),
        # The latest accepted verification in one look-up: an "unreachable" one carries no rating (a CHECK).
        case((closed, _latest_accepted(
            lambda v: case((type_coerce(v.method, String) == UNREACHABLE, -1), else_=v.rating))), else_=None),
        # Looked up for the period's reports only (the change link's primary key is the incident).
        case((member["created"], flag(_caused_by_change())), else_=0),
        Incident.report_type,  # 19: with the service (7), the report-type breakdown's key
    ]
    # Not a duplicate, said so that SQLite does not try the duplicate_of_id index for every incident of the OR
    # (a generated database has none: its every row matches "IS NULL"); the read took twice as long.
    kept = and_(Incident.status.not_in(LEFT_OUT), func.coalesce(Incident.duplicate_of_id, 0) == 0)
    return select(*columns).where(or_(*(within(_anchor_of(g)) for g in _SLOT_AT)), kept)


_CHUNK = 20_000  # rows taken from the cursor at a time: a three-year period is counted in bounded memory


@dataclass
class _Period:
    """The period's incidents, read once and tallied for every breakdown asked."""

    start: date
    end: date
    combos: dict[tuple[str | None, str], Counter[Any]]  # (breakdown, set) -> (raw key, conditions) -> incidents
    complainers: dict[str | None, dict[Any, set[str]]]  # breakdown -> raw key -> complaining accounts


def _read_period(s: Session, start: date, end: date, tz: ZoneInfo, now: datetime,
                 bys: list[str | None]) -> _Period:
    dialect = s.get_bind().dialect.name
    lo, hi = _bounds(start, end, tz)
    stations: dict[int, int] = dict(s.execute(select(MaintenanceGroup.id, MaintenanceGroup.station_id)).all())
    slots = int((hi - lo) / SLOT) + 1
    days = [(lo + SLOT * i).astimezone(tz).date() for i in range(slots)]
    buckets = {by: [_bucket(d, by) for d in days] for by in TIME_BREAKDOWNS if by in bys}

    def keys(by: str | None, slot_at: int, rows: list[Any]) -> Iterable[Any]:
        """Each row's raw key for the breakdown (time breakdowns: already the day, week or month)."""
        if by is None:
            return itertools.repeat(None, len(rows))
        if by in TIME_BREAKDOWNS:
            return map(buckets[by].__getitem__, map(int, map(operator.itemgetter(slot_at), rows)))
        at = _KEY_AT[by]
        found = map(operator.itemgetter(*at) if isinstance(at, tuple) else operator.itemgetter(at), rows)
        return map(stations.get, found) if by == "station" else found

    combos: dict[tuple[str | None, str], Counter[Any]] = {(by, g): Counter() for by in bys for g in _SLOT_AT}
    complainers: dict[str | None, dict[Any, set[str]]] = {by: defaultdict(set) for by in bys}
    conds = {g: operator.itemgetter(*_CONDS_AT[g]) for g in _SLOT_AT}
    account = operator.itemgetter(_ACCOUNT_AT)
    created_at = _SLOT_AT["created"]
    # Tens of thousands of rows of plain values: read straight off the driver's cursor, which skips building a
    # Row per incident (a quarter of the read's time at a million incidents), and tallied as they come (the
    # counting loops run in C: Counter over (key, conditions)).
    result = s.connection().execute(_statement(lo, hi, now, dialect))
    try:
        cursor = result.cursor
        while chunk := cursor.fetchmany(_CHUNK):
            for g, at in _SLOT_AT.items():
                rows = [r for r in chunk if r[at] is not None]
                for by in bys:
                    combos[(by, g)].update(zip(keys(by, at, rows), map(conds[g], rows), strict=True))
            complaints = [r for r in chunk if r[created_at] is not None and r[_ACCOUNT_AT] is not None]
            for by in bys:
                into = complainers[by]
                for raw, found in zip(keys(by, created_at, complaints), map(account, complaints), strict=True):
                    into[raw].add(found)
    finally:
        result.close()
    return _Period(start, end, combos, complainers)


def _value(v: Any) -> Any:
    return getattr(v, "value", v)


def _tally(period: _Period, group: str, by: str | None) -> dict[Any, dict[str, int]]:
    """raw key -> counts of the group's figures."""
    out: dict[Any, dict[str, int]] = {}
    for (raw, c), n in period.combos[(by, group)].items():  # the figures are read off the few combos
        counts = out.get(raw)
        if counts is None:
            counts = out[raw] = dict.fromkeys(_GROUPS[group], 0)
        if group == "created":
            counts["reported"] += n
            counts["escalated"] += n * c[0]
            counts["breached"] += n * c[1]
            counts["caused_by_changes"] += n * c[2]
        elif group == "resolved":
            category = _value(c[0])
            if category == FAULT:
                counts["resolved_faults"] += n
                counts["faults_in_time"] += n * c[1]
            elif category == REQUEST:
                counts["resolved_installs"] += n
                counts["installs_in_time"] += n * c[1]
        elif group == "responded":
            counts["responded"] += n
            counts["responded_in_time"] += n * c
        else:
            repeated, reused, verdict = c
            counts["closed"] += n
            counts["repeat_reports"] += n * repeated
            counts["kb_reused"] += n * reused
            if verdict == -1:
                counts["unreachable"] += n
            elif verdict is not None:
                counts["rated"] += n
                if verdict >= 4:
                    counts["satisfied"] += n
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


_KNOWN_BREAKDOWNS = (*TIME_BREAKDOWNS, "station", "group", "zone", "agent", "service", "report_type", "category",
                     "area")


def compute(s: Session, start: date, end: date, by: str | None = None, *, tz: ZoneInfo | None = None,
            now: datetime | None = None) -> list[Row]:
    """The figures of the period [start, end] (the desk's days, end inclusive): the whole desk first, then
    one row per value of the breakdown (every day, week or month of the period; the other breakdowns'
    values that have something to count). Rates are None where there is nothing to divide by."""
    return compute_many(s, start, end, [by], tz=tz, now=now)[by]


def compute_many(s: Session, start: date, end: date, bys: Iterable[str | None], *, tz: ZoneInfo | None = None,
                 now: datetime | None = None) -> dict[str | None, list[Row]]:
    """compute() for several breakdowns of one period, reading the period's incidents once (the dashboard)."""
    wanted = list(dict.fromkeys(bys))
    for by in wanted:
        if by is not None and by not in _KNOWN_BREAKDOWNS:
            raise FiguresError(N_("Unknown breakdown."), code="bad_breakdown", field="by")
    period = _read_period(s, start, end, tz or desk_timezone(), now or utcnow(), wanted)
    unrated_as = settings.unrated_as(s)
    return {by: _rows(s, period, by, unrated_as) for by in wanted}


def _rows(s: Session, period: _Period, by: str | None, unrated_as: int | None) -> list[Row]:
    start, end = period.start, period.end
    raw: dict[str, dict[Any, dict[str, int]]] = {g: _tally(period, g, by) for g in _GROUPS}
    complainers = period.complainers[by]

    # Fold the raw keys into the rows' keys.
    def fold(raw_key: Any) -> str | None:
        if by is None:
            return None
        if by in TIME_BREAKDOWNS:
            return typing.cast(str, raw_key)
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
        if self.by in ("service", "report_type"):  # a type's subscribers: its service's
            found = self.table.get((month, None, key.split(".")[0]))
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
    if by == "report_type":
        if key == NONE_KEY:
            return Incident.report_type.is_(None)
        service, _dot, code = key.partition(".")
        if code not in REPORT_TYPES.get(service, {}):
            raise bad
        return and_(Incident.service == service, Incident.report_type == code)
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
        if by is None or by not in _KNOWN_BREAKDOWNS:
            raise FiguresError(N_("Unknown breakdown."), code="bad_breakdown", field="by")
        if not key:
            raise FiguresError(N_("No row of this breakdown has that key."), code="bad_key", field="key")
        where.append(_key_condition(s, by, key, chosen.anchor, start, end, tz))
    return select(Incident).where(*where).order_by(Incident.created_at.desc(), Incident.id.desc())

