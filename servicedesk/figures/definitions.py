"""The names the figures go by, the row they come in, and the reading of a request's period.

Everything a page, an export or the API shows is named here once: FIGURES in API.md's order, RATES with
their numerator and denominator, the breakdowns. Messages are English literals marked for the catalog; a
FiguresError's str() is the message in the current language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import current_app, has_app_context, has_request_context
from flask_babel import force_locale, get_locale, gettext

from kb.errors import ValidationError
from servicedesk.formerrors import N_

BREAKDOWNS: tuple[str, ...] = ("station", "group", "zone", "agent", "service", "report_type", "category", "area",
                               "day", "week", "month")
TIME_BREAKDOWNS = frozenset({"day", "week", "month"})

# API.md's figures in its order; resolved_installs (the denominator of 装移机及时率) and kb_reused (the
# numerator of kb_reuse) are the counts behind two of its rates, unreachable the closures verified as
# "subscriber unreachable", shown apart.
FIGURES: tuple[str, ...] = (
    "reported",
    "resolved_faults", "faults_in_time", "repair_timeliness",
    "resolved_installs", "installs_in_time", "install_timeliness",
    "responded", "responded_in_time", "response_timeliness",
    "closed", "repeat_reports", "repeat_rate",
    "complaining_subscribers", "paying_subscribers", "complaints_per_10k",
    "escalated", "escalation_rate", "first_line_resolution",
    "kb_reused", "kb_reuse",
    "rated", "participation", "satisfied", "satisfaction", "unreachable",
    "breached", "caused_by_changes",
)

# rate -> (numerator figure, denominator figure). satisfaction's denominator is `rated` unless the operator
# counts unrated closures (FigureRule unrated_as), then `closed`; first_line_resolution is 1 - escalation_rate.
RATES: dict[str, tuple[str, str]] = {
    "repair_timeliness": ("faults_in_time", "resolved_faults"),
    "install_timeliness": ("installs_in_time", "resolved_installs"),
    "response_timeliness": ("responded_in_time", "responded"),
    "repeat_rate": ("repeat_reports", "closed"),
    "complaints_per_10k": ("complaining_subscribers", "paying_subscribers"),
    "escalation_rate": ("escalated", "reported"),
    "first_line_resolution": ("escalated", "reported"),
    "kb_reuse": ("kb_reused", "closed"),
    "participation": ("rated", "closed"),
    "satisfaction": ("satisfied", "rated"),
}
# Rates shown as percentages (all but 万投比, a number per 10,000 subscribers).
PERCENT_RATES = frozenset(RATES) - {"complaints_per_10k"}
COUNTS: tuple[str, ...] = tuple(f for f in FIGURES if f not in RATES)

MAX_DAYS = 3 * 366 + 1  # a period longer than three years is a typo, not a question
EARLIEST = date(2000, 1, 1)
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

FIGURE_LABELS: dict[str, str] = {
    "reported": N_("Reported"),
    "resolved_faults": N_("Faults resolved"),
    "faults_in_time": N_("Faults resolved in time"),
    "repair_timeliness": N_("Repair timeliness (故障修复及时率)"),
    "resolved_installs": N_("Installs completed"),
    "installs_in_time": N_("Installs completed in time"),
    "install_timeliness": N_("Install timeliness (装移机及时率)"),
    "responded": N_("First responses"),
    "responded_in_time": N_("First responses in time"),
    "response_timeliness": N_("Response timeliness"),
    "closed": N_("Closed"),
    "repeat_reports": N_("Reported again within 30 days"),
    "repeat_rate": N_("Repeat-report rate (障碍重复申告率)"),
    "complaining_subscribers": N_("Complaining subscribers"),
    "paying_subscribers": N_("Paying subscribers"),
    "complaints_per_10k": N_("Complaints per 10,000 subscribers (万投比)"),
    "escalated": N_("Escalated"),
    "escalation_rate": N_("Escalation rate (转交率)"),
    "first_line_resolution": N_("First-line resolution rate"),
    "kb_reused": N_("Closed with an approved solution"),
    "kb_reuse": N_("KB reuse"),
    "rated": N_("Rated"),
    "participation": N_("Participation (参评率)"),
    "satisfied": N_("Satisfied (4-5 stars)"),
    "satisfaction": N_("Satisfaction"),
    "unreachable": N_("Closed, subscriber unreachable"),
    "breached": N_("SLA breached"),
    "caused_by_changes": N_("Caused by changes"),
}
BREAKDOWN_LABELS: dict[str, str] = {
    "station": N_("Service station"), "group": N_("Maintenance group"), "zone": N_("Zone"), "agent": N_("Agent"),
    "service": N_("Service"), "report_type": N_("Report type"), "category": N_("Category"), "area": N_("Area"),
    "day": N_("Day"), "week": N_("Week"), "month": N_("Month"),
}
DESK_LABEL = N_("Whole desk")
NONE_KEY = "-"  # the row of incidents without a station, group, zone or agent
NONE_LABEL = N_("(none)")


def translate(message: Any, **params: Any) -> str:
    """message (a text or a lazy one) in the current request's language; outside a request (CLI, scripts) in
    the desk's default one."""
    def run() -> str:
        return gettext(message, **params) if isinstance(message, str) else str(message)

    if has_request_context():
        return run()
    if has_app_context():
        with force_locale(str(current_app.config.get("BABEL_DEFAULT_LOCALE") or "zh_CN")):
            return run()
    text = str(message)
    return text % params if params else text


def current_locale() -> str:
    if has_request_context():
        return str(get_locale() or "zh_CN")
    return str(current_app.config.get("BABEL_DEFAULT_LOCALE") or "zh_CN") if has_app_context() else "zh_CN"


def figure_label(name: str) -> str:
    """The figure's name for people, in the current language."""
    return translate(FIGURE_LABELS.get(name, name))


@dataclass(frozen=True)
class Row:
    """One line of figures: the whole desk (key None) or one value of a breakdown."""

    key: str | None
    label: str
    values: dict[str, int | float | None]

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, **self.values}


class FiguresError(ValidationError, ValueError):
    """A period, breakdown, month or figure the figures cannot be asked for; code and field say which.
    A ValidationError, so the pages and the API answer it with 400 naming the field."""

    def __init__(self, message: str, *, code: str, field: str, **params: Any) -> None:
        self.english = message % params if params else message
        super().__init__(self.english, code=code, fields={field: self.english})
        self.field = field
        self._template = message
        self._params = params

    def __str__(self) -> str:
        return translate(self._template, **self._params)


def _day(args: Mapping[str, str], name: str) -> date | None:
    raw = str(args.get(name) or "").strip()
    if not raw:
        return None
    try:
        if not _DAY.match(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise FiguresError(N_("'%(name)s' is a date written YYYY-MM-DD."), code="bad_period", field=name,
                           name=name) from None


def parse_period(args: Mapping[str, str], *, today: date | None = None) -> tuple[date, date, str | None]:
    """(from, to, by) of a request's arguments; from defaults to the first of this month, to to today; `to`
    is inclusive. Refuses malformed dates, a reversed or absurd range (before 2000, over three years, or
    starting in the future) and an unknown breakdown."""
    today = today or date.today()
    end = _day(args, "to")
    start = _day(args, "from")
    if start is None:
        start = (end or today).replace(day=1)
    if end is None:
        end = max(start, today) if start.year == today.year and start.month == today.month else \
            _month_end(start)
    if end < start:
        raise FiguresError(N_("The end of the period comes before its start."), code="bad_period", field="to")
    if start < EARLIEST:
        raise FiguresError(N_("The period starts before the year 2000."), code="bad_period", field="from")
    if start > today + timedelta(days=1):
        raise FiguresError(N_("The period starts in the future."), code="bad_period", field="from")
    if (end - start).days + 1 > MAX_DAYS:
        raise FiguresError(N_("A period is at most three years long."), code="bad_period", field="to")
    by = str(args.get("by") or "").strip() or None
    if by is not None and by not in BREAKDOWNS:
        raise FiguresError(N_("Break the figures down by one of: %(choices)s."), code="bad_breakdown", field="by",
                           choices=", ".join(BREAKDOWNS))
    return start, end, by


def _month_end(day: date) -> date:
    nxt = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return nxt - timedelta(days=1)


def parse_month(value: object, field: str = "month") -> str:
    """'YYYY-MM' (from 2000 on), or a FiguresError naming field."""
    text = value.strip() if isinstance(value, str) else ""
    found = _MONTH.match(text)
    if not found or int(found.group(1)) < EARLIEST.year:
        raise FiguresError(N_("A month is written YYYY-MM, e.g. 2026-03."), code="bad_month", field=field)
    return text


def month_bounds(month: str) -> tuple[date, date]:
    first = date(int(month[:4]), int(month[5:]), 1)
    return first, _month_end(first)


def check_figure(figure: object, field: str = "figure") -> str:
    if not isinstance(figure, str) or figure not in FIGURES:
        raise FiguresError(N_("No figure is called that."), code="bad_figure", field=field)
    return figure
