"""Service-level targets as data: policy rules (stored in the sla_policies table, the operators' figures as
defaults) and the calendars their clocks run in, 7×24 or business hours in the desk's time zone."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo

from servicedesk.incidents.workflow import Area, Category

ANY = "any"
DESK_TIMEZONE = "Asia/Shanghai"
MAX_MINUTES = 366 * 24 * 60  # a target longer than a year is a typing error


class SlaCalendar(StrEnum):
    ALWAYS = "24x7"
    BUSINESS = "business"


class SlaFlagKind(StrEnum):
    """The warnings the SLA check raises once per incident, besides the resolve-by breach."""

    RESPONSE_MISSED = "response_missed"  # nobody responded (assigned, started, …) by respond_by
    AT_RISK = "at_risk"  # the resolve window entered its last 20 %


@dataclass(frozen=True)
class SlaRule:
    """One policy row: the targets for a category, area and service level (each may be ANY)."""

    category: str
    area: str
    service_level: str
    respond_minutes: int
    resolve_minutes: int
    calendar: SlaCalendar = SlaCalendar.ALWAYS

    def matches(self, category: str, area: str, service_level: str) -> bool:
        return all(mine in (ANY, given) for mine, given in
                   ((self.category, category), (self.area, area), (self.service_level, service_level)))

    @property
    def specificity(self) -> tuple[int, bool, bool, bool]:
        """More named fields win; between equals the service level counts first, then category, then area."""
        named = (self.service_level != ANY, self.category != ANY, self.area != ANY)
        return sum(named), *named


def _rules() -> tuple[SlaRule, ...]:
    # From the operators' practice: acknowledge in 30 min; faults resolved in 4 h urban / 8 h township,
    # complaints 2 h / 5 h, new-service installs (requests) 24 h / 48 h; enterprise customers (leased
    # lines) get a response within 5 min, 7×24, on the same resolve targets.
    hours = {("fault", "urban"): 4, ("fault", "township"): 8, ("complaint", "urban"): 2,
             ("complaint", "township"): 5, ("request", "urban"): 24, ("request", "township"): 48,
             ("consultation", "urban"): 24, ("consultation", "township"): 48}
    rules = [SlaRule(ANY, ANY, ANY, 30, 24 * 60)]
    for (category, area), h in hours.items():
        rules.append(SlaRule(category, area, ANY, 30, h * 60))
        rules.append(SlaRule(category, area, "enterprise", 5, h * 60))
    return tuple(rules)


DEFAULT_RULES = _rules()


@dataclass(frozen=True)
class BusinessHours:
    """The desk's working week: working days (Monday = 1) from opens to closes in its time zone, minus
    holidays. Arithmetic walks day by day, so a target of N working minutes skips nights and weekends."""

    timezone: str = DESK_TIMEZONE
    days: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    opens: time = time(8, 30)
    closes: time = time(17, 30)
    holidays: frozenset[date] = frozenset()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        if day.isoweekday() not in self.days or day in self.holidays:
            return None
        return datetime.combine(day, self.opens, self.tz), datetime.combine(day, self.closes, self.tz)

    def _days_from(self, moment: datetime) -> Iterable[tuple[datetime, datetime]]:
        day = moment.astimezone(self.tz).date()
        for offset in range(3 * 366):  # a calendar with no working day at all must not spin forever
            window = self._window(day + timedelta(days=offset))
            if window is not None:
                yield window
        raise ValueError("The business calendar has no working time within three years.")

    def add(self, start: datetime, minutes: float) -> datetime:
        """The moment `minutes` working minutes after start (start itself if it is 0)."""
        left = timedelta(minutes=minutes)
        if left <= timedelta(0):
            return start
        for opens, closes in self._days_from(start):
            begin = max(start, opens)
            if begin >= closes:
                continue
            if begin + left <= closes:
                return (begin + left).astimezone(start.tzinfo)
            left -= closes - begin
        raise AssertionError("unreachable")  # pragma: no cover

    def minutes_between(self, start: datetime, end: datetime) -> float:
        """Working minutes from start to end (0 when end is not after start)."""
        total = timedelta(0)
        if end <= start:
            return 0.0
        for opens, closes in self._days_from(start):
            if opens >= end:
                break
            total += max(timedelta(0), min(closes, end) - max(opens, start))
        return total / timedelta(minutes=1)

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> BusinessHours:
        """SLA_BUSINESS_DAYS ("1-5" or "1,2,3,4,5,6"), SLA_BUSINESS_HOURS ("08:30-17:30"), SLA_HOLIDAYS
        (ISO dates, comma-separated) and the desk's time zone; a bad value stops the start with its name."""
        tz = str(config.get("BABEL_DEFAULT_TIMEZONE") or DESK_TIMEZONE)
        ZoneInfo(tz)
        days = _parse_days(str(config.get("SLA_BUSINESS_DAYS") or "1-5"))
        hours = str(config.get("SLA_BUSINESS_HOURS") or "08:30-17:30")
        try:
            opens, closes = (time.fromisoformat(part.strip()) for part in hours.split("-"))
        except ValueError as exc:
            raise ValueError(f"SLA_BUSINESS_HOURS: {hours!r} is not like 08:30-17:30") from exc
        if opens >= closes:
            raise ValueError(f"SLA_BUSINESS_HOURS: {hours!r} closes before it opens")
        raw = str(config.get("SLA_HOLIDAYS") or "")
        try:
            holidays = frozenset(date.fromisoformat(d.strip()) for d in raw.split(",") if d.strip())
        except ValueError as exc:
            raise ValueError(f"SLA_HOLIDAYS: {raw!r} is not a comma-separated list of ISO dates") from exc
        return cls(timezone=tz, days=days, opens=opens, closes=closes, holidays=holidays)


def _parse_days(text: str) -> frozenset[int]:
    days: set[int] = set()
    try:
        for part in text.split(","):
            first, _, last = part.strip().partition("-")
            days.update(range(int(first), int(last or first) + 1))
    except ValueError as exc:
        raise ValueError(f"SLA_BUSINESS_DAYS: {text!r} is not like 1-5 or 1,2,3,4,5,6") from exc
    if not days or not days <= set(range(1, 8)):
        raise ValueError(f"SLA_BUSINESS_DAYS: {text!r} must name days 1 (Monday) to 7 (Sunday)")
    return frozenset(days)


class Due(NamedTuple):
    respond_by: datetime
    resolve_by: datetime
    calendar: SlaCalendar


@dataclass(frozen=True)
class SlaPolicy:
    """The rules in force and the desk's business hours; `rules` are the stored rows once loaded."""

    rules: tuple[SlaRule, ...] = DEFAULT_RULES
    business: BusinessHours = field(default_factory=BusinessHours)

    def match(self, category: str, area: str, service_level: str) -> SlaRule:
        """The most specific rule for these values; the built-in defaults when no stored rule matches."""
        for rules in (self.rules, DEFAULT_RULES):
            fitting = [r for r in rules if r.matches(category, area, service_level)]
            if fitting:
                return max(fitting, key=lambda r: r.specificity)
        return DEFAULT_RULES[0]

    def due_times(self, *, created_at: datetime, category: Category, area: Area,
                  service: str, service_level: str = "normal") -> Due:
        """(respond_by, resolve_by, calendar) for an incident opened at created_at. Leased lines are
        enterprise products: they take the enterprise targets whatever the subscriber record says."""
        level = "enterprise" if service == "leased_line" else service_level
        rule = self.match(category.value, area.value, level)
        return Due(self.add(rule.calendar, created_at, rule.respond_minutes),
                   self.add(rule.calendar, created_at, rule.resolve_minutes), rule.calendar)

    def add(self, calendar: SlaCalendar, start: datetime, minutes: float) -> datetime:
        if calendar == SlaCalendar.BUSINESS:
            return self.business.add(start, minutes)
        return start + timedelta(minutes=minutes)

    def after_pause(self, calendar: SlaCalendar, due: datetime, paused_at: datetime, resumed_at: datetime) -> datetime:
        """A due time moved on by the time the clock stood still; in business hours only the working
        minutes of the pause count, so a pause over a night or a weekend costs nothing."""
        if calendar == SlaCalendar.BUSINESS:
            return self.business.add(due, self.business.minutes_between(paused_at, resumed_at))
        return due + (resumed_at - paused_at)

    def local_day(self, moment: datetime) -> date:
        """The calendar day in the desk's time zone (incident numbers carry it)."""
        return moment.astimezone(self.business.tz).date()

    @property
    def respond_minutes(self) -> int:
        """What a subscriber reporting an ordinary fault is promised."""
        return self.match("fault", "urban", "normal").respond_minutes

    def with_rules(self, rules: tuple[SlaRule, ...]) -> SlaPolicy:
        return replace(self, rules=rules)

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> SlaPolicy:
        return cls(business=BusinessHours.from_config(config))


DEFAULT_POLICY = SlaPolicy()


def is_breached(*, now: datetime, resolve_by: datetime, resolved_at: datetime | None) -> bool:
    return (resolved_at or now) > resolve_by


def response_overdue(*, now: datetime, respond_by: datetime, responded_at: datetime | None,
                     paused_at: datetime | None = None) -> bool:
    """Nobody has responded yet and respond-by has passed (a paused clock is judged when it stopped)."""
    return responded_at is None and (paused_at or now) > respond_by


# The last 20% of the resolve window. It is measured in wall-clock time from created_at to resolve_by,
# for business-hours incidents too (whose resolve_by already lies in working time): so the SQL filters
# (servicedesk.api.incident_filters.sla_condition) can judge it from two columns. "Breached" is exact in
# both calendars; "at risk" for a business-hours incident may start during the night before its last day,
# a little earlier than 20% of its working minutes would.
AT_RISK_SHARE = 0.2


def sla_state(*, now: datetime, created_at: datetime, resolve_by: datetime, resolved_at: datetime | None,
              paused_at: datetime | None = None) -> str:
    """on_track, at_risk (last 20% of the window), breached, or paused (the clock stands still)."""
    if paused_at is not None and resolved_at is None:
        # The clock stopped when the incident was paused: judge it at that moment, not now.
        return "breached" if paused_at > resolve_by else "paused"
    if is_breached(now=now, resolve_by=resolve_by, resolved_at=resolved_at):
        return "breached"
    if resolved_at is not None:
        return "on_track"
    if paused_at is not None:
        return "paused"
    window = (resolve_by - created_at).total_seconds()
    left = (resolve_by - now).total_seconds()
    return "at_risk" if window > 0 and left <= window * AT_RISK_SHARE else "on_track"
