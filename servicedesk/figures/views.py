"""The figure pages for technical leads and administrators: the dashboard (headline figures against their
targets, trend, breakdown, rankings), the incidents behind any number, the knowledge figures, the exports and
the printable monthly report. Targets are edited by administrators.

Views translate, services decide: every number comes from servicedesk.figures.compute (the same function the
API and the exports read) or servicedesk.figures.knowledge. Bad input (reversed or absurd dates, an unknown
breakdown or figure, a month in the wrong form) re-renders the page with the error beside the field, status 400.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale, get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from kb.actors import Role
from kb.errors import DomainError
from kb.vocabulary import report_type_label, service_label
from servicedesk import db
from servicedesk.auth.setup import current, roles_required
from servicedesk.figures import (
    RATES,
    FiguresError,
    charts,
    compute,
    export_csv,
    export_xlsx,
    incidents_behind,
    parse_period,
)
from servicedesk.figures import set_target as save_target
from servicedesk.figures import targets as read_targets
from servicedesk.figures.compute import compute_many, period_bounds
from servicedesk.figures.definitions import NONE_KEY
from servicedesk.figures.knowledge import knowledge_figures
from servicedesk.formerrors import domain_message
from servicedesk.incidents.appointments import count_promises
from servicedesk.incidents.booking import within_minutes
from servicedesk.incidents.models import Incident
from servicedesk.web import AREA_LABELS, CATEGORY_LABELS, STATUS_LABELS, label

bp = Blueprint("figures_pages", __name__)

VIEWERS = (Role.LEAD, Role.ADMIN)
PER_PAGE = 25
MAX_DAYS = 366 * 3  # a longer period is more likely a typing error than a question
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
DEFAULT_BY = "group"
DEFAULT_SHOW = "repair_timeliness"
DEFAULT_RANK = "satisfaction"
TREND_FIGURES = ("repair_timeliness", "response_timeliness", "satisfaction", "escalation_rate")
ERRORS: dict[str, Any] = {
    "date": _l("Enter a day as YYYY-MM-DD."),
    "reversed": _l("The end comes before the start."),
    "too_long": _l("Choose a period of at most three years."),
    "by": _l("Choose one of the listed breakdowns."),
    "figure": _l("Choose one of the listed figures."),
    "month": _l("Enter a month as YYYY-MM, for example 2026-03."),
    "target": _l("Enter a number."),
}


@dataclass(frozen=True)
class Shown:
    """A row of figures with the label people read (services and categories in their language)."""

    key: str | None
    label: str
    values: dict[str, int | float | None]


def desk_zone() -> ZoneInfo:
    return ZoneInfo(str(get_timezone() or current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC"))


def today() -> date:
    return datetime.now(desk_zone()).date()


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The desk's days start..end (inclusive) as a half-open span of aware datetimes."""
    zone = desk_zone()
    return datetime.combine(start, time.min, tzinfo=zone), datetime.combine(end + timedelta(days=1), time.min,
                                                                             tzinfo=zone)


def month_span(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return first, nxt - timedelta(days=1)


def _day(raw: str, name: str, errors: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        errors[name] = str(ERRORS["date"])
        return None


@dataclass
class Period:
    start: date
    end: date
    errors: dict[str, str]
    raw: dict[str, str]


def read_period(args: Mapping[str, str]) -> Period:
    """from/to (or period=this_month|last_month) as days, this month by default; errors name their field."""
    now = today()
    start, end = month_span(now)
    end = min(end, now)  # this month so far: the days to come hold nothing yet
    if args.get("period") == "last_month":
        start, end = month_span(start - timedelta(days=1))
    errors: dict[str, str] = {}
    raw = {"from": args.get("from") or start.isoformat(), "to": args.get("to") or end.isoformat()}
    if args.get("period") not in ("this_month", "last_month"):
        start = _day(raw["from"], "from", errors) or start
        end = _day(raw["to"], "to", errors) or end
    else:
        raw = {"from": start.isoformat(), "to": end.isoformat()}
    if not errors and end < start:
        errors["to"] = str(ERRORS["reversed"])
    elif not errors and (end - start).days > MAX_DAYS:
        errors["from"] = str(ERRORS["too_long"])
    if not errors:
        try:  # the figures module's own reading is the last word
            start, end, _by = parse_period({"from": start.isoformat(), "to": end.isoformat()}, today=now)
        except FiguresError as exc:
            errors[_field_of(exc, "from")] = str(exc)
    return Period(start, end, errors, raw)


def _field_of(exc: Exception, default: str) -> str:
    field = getattr(exc, "field", None) or next(iter(getattr(exc, "fields", {}) or {}), None)
    return str(field) if field else default


def choice(args: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str, errors: dict[str, str],
           message: str = "figure") -> str:
    value = args.get(name) or default
    if value not in allowed:
        errors[name] = str(ERRORS[message])
        return default
    return value


def relabel(by: str | None, rows: list[Any]) -> list[Shown]:
    """The rows with labels in the reader's language where the key is a code (service, category, area)."""
    locale = str(get_locale())
    shown = []
    for row in rows:
        text = row.label
        if row.key is None:
            text = _("Whole desk")
        elif row.key == NONE_KEY:
            text = _("(none)")
        elif by == "service":
            text = service_label(row.key, locale)
        elif by == "report_type":
            service, _dot, code = row.key.partition(".")
            text = f"{service_label(service, locale)} · {report_type_label(service, code, locale)}"
        elif by == "category":
            text = label(CATEGORY_LABELS, row.key)
        elif by == "area":
            text = label(AREA_LABELS, row.key)
        shown.append(Shown(row.key, str(text), dict(row.values)))
    return shown


def figures_for(start: date, end: date, by: str | None) -> list[Shown]:
    return relabel(by, compute(db.session(), start, end, by))


def figures_by(start: date, end: date, *bys: str | None) -> dict[str | None, list[Shown]]:
    """Several breakdowns of one period from one reading of its incidents (compute_many)."""
    return {by: relabel(by, rows) for by, rows in compute_many(db.session(), start, end, bys).items()}


def trend_step(start: date, end: date) -> str:
    days = (end - start).days + 1
    return "day" if days <= 45 else "week" if days <= 190 else "month"


def period_links(now: date) -> dict[str, dict[str, str]]:
    this_start, _month_end = month_span(now)
    last_start, last_end = month_span(this_start - timedelta(days=1))
    return {"this_month": {"from": this_start.isoformat(), "to": now.isoformat()},
            "last_month": {"from": last_start.isoformat(), "to": last_end.isoformat()}}


def _targets() -> dict[str, float]:
    return dict(read_targets(db.session()))


# ----------------------------------------------------------------------------------------------- dashboard

@bp.get("/desk/dashboard")
@roles_required(*VIEWERS)
def dashboard() -> Any:
    """Headline figures against targets, the trend, one breakdown as a table and a chart, and two rankings."""
    args = request.args
    period = read_period(args)
    errors = dict(period.errors)
    by = choice(args, "by", charts.TABLE_BREAKDOWNS, DEFAULT_BY, errors, "by")
    show = choice(args, "show", charts.TABLE_FIGURES, DEFAULT_SHOW, errors)
    rank = choice(args, "rank", charts.RANK_FIGURES, DEFAULT_RANK, errors)
    step = choice(args, "trend", charts.TREND_STEPS, trend_step(period.start, period.end), errors, "by")
    context: dict[str, Any] = {"period": period, "errors": errors, "by": by, "show": show, "rank": rank,
                               "step": step, "links": period_links(today()), "charts": charts,
                               "by_choices": [(b, charts.BREAKDOWN_LABELS[b]) for b in charts.TABLE_BREAKDOWNS],
                               "show_choices": [(f, charts.short_label(f)) for f in charts.TABLE_FIGURES],
                               "rank_choices": [(f, charts.short_label(f)) for f in charts.RANK_FIGURES],
                               "trend_figures": TREND_FIGURES,
                               "is_admin": getattr(current(), "role", None) == Role.ADMIN}
    if errors:
        return render_template("figures/dashboard.html", **context), 400
    start, end = period.start, period.end
    targets = _targets()
    shown = figures_by(start, end, by, step, "group", "agent")
    rows, trend, groups, agents = shown[by], shown[step], shown["group"], shown["agent"]
    context.update(
        desk=rows[0], rows=rows, trend=trend, targets=targets, groups=charts.sort_rows(groups, rank),
        agents=charts.sort_rows(agents, rank),
        trend_chart=charts.trend_option(trend, TREND_FIGURES, title=_("Trend")),
        breakdown_chart=charts.breakdown_option(rows, show, target=targets.get(show),
                                                title=charts.figure_label(show)),
        breakdown_height=charts.chart_height(rows),
        query={"from": start.isoformat(), "to": end.isoformat()},
        promises=count_promises(db.session(), *period_bounds(start, end)),
        within_minutes=within_minutes(),
    )
    return render_template("figures/dashboard.html", **context)


def _export_rows() -> tuple[Period, str | None, dict[str, str]]:
    period = read_period(request.args)
    errors = dict(period.errors)
    by = request.args.get("by") or None
    if by is not None and by not in charts.BREAKDOWN_LABELS:
        errors["by"] = str(ERRORS["by"])
        by = None
    return period, by, errors


def _export_name(period: Period, by: str | None, ext: str) -> str:
    return f"figures-{period.start.isoformat()}-{period.end.isoformat()}{'-' + by if by else ''}.{ext}"


def _refused(errors: dict[str, str]) -> Response:
    text = "\n".join(f"{name}: {message}" for name, message in errors.items())
    return Response(text + "\n", status=400, mimetype="text/plain")


@bp.get("/desk/dashboard.csv")
@roles_required(*VIEWERS)
def dashboard_csv() -> Response:
    """The figures view (same from/to/by) as CSV."""
    period, by, errors = _export_rows()
    if errors:
        return _refused(errors)
    body = export_csv(compute(db.session(), period.start, period.end, by))
    return _download(body, "text/csv", _export_name(period, by, "csv"))


@bp.get("/desk/dashboard.xlsx")
@roles_required(*VIEWERS)
def dashboard_xlsx() -> Response:
    """The figures view (same from/to/by) as an Excel workbook."""
    period, by, errors = _export_rows()
    if errors:
        return _refused(errors)
    title = _("Service figures %(start)s to %(end)s", start=period.start.isoformat(), end=period.end.isoformat())
    body = export_xlsx(compute(db.session(), period.start, period.end, by), title)
    return _download(body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     _export_name(period, by, "xlsx"))


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --------------------------------------------------------------------------------------------- drill-down

@dataclass
class DrillDown:
    period: Period
    figure: str
    by: str | None
    key: str | None
    errors: dict[str, str]


def read_drill_down() -> DrillDown:
    args = request.args
    period = read_period(args)
    errors = dict(period.errors)
    figure = choice(args, "figure", tuple(sorted(charts.COUNT_FIGURES)), "reported", errors)
    by = args.get("by") or None
    if by is not None and by not in charts.BREAKDOWN_LABELS:
        errors["by"] = str(ERRORS["by"])
        by = None
    key = (args.get("key") or None) if by else None
    return DrillDown(period, figure, by, key, errors)


def _behind(dd: DrillDown) -> Any:
    return incidents_behind(db.session(), dd.period.start, dd.period.end, dd.figure, by=dd.by, key=dd.key)


def _behind_or_error(dd: DrillDown) -> Any:
    try:
        return _behind(dd)
    except FiguresError as exc:
        dd.errors[_field_of(exc, "figure")] = str(exc)
        return None


@bp.get("/desk/dashboard/incidents")
@roles_required(*VIEWERS)
def drill_down() -> Any:
    """The incidents behind one number of the dashboard, a page at a time, newest first."""
    dd = read_drill_down()
    stmt = None if dd.errors else _behind_or_error(dd)
    context: dict[str, Any] = {"dd": dd, "charts": charts, "incidents": [], "total": 0, "page": 1,
                               "per_page": PER_PAGE, "status_label": lambda v: label(STATUS_LABELS, v)}
    if stmt is None:
        return render_template("figures/incidents.html", **context), 400
    s = db.session()
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 100_000))
    total = int(s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)
    incidents = list(s.scalars(
        stmt.order_by(None).order_by(Incident.created_at.desc(), Incident.id.desc())
        .options(joinedload(Incident.assignee)).limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    context.update(incidents=incidents, total=total, page=page,
                   query={"from": dd.period.start.isoformat(), "to": dd.period.end.isoformat(),
                          "figure": dd.figure, "by": dd.by, "key": dd.key, "label": request.args.get("label")})
    return render_template("figures/incidents.html", **context)


CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text if text.startswith(CSV_FORMULA) else text


@bp.get("/desk/dashboard/incidents.csv")
@roles_required(*VIEWERS)
def drill_down_csv() -> Response:
    """Every incident behind the number, as CSV (UTF-8 with a BOM, so Excel reads the Chinese)."""
    dd = read_drill_down()
    stmt = None if dd.errors else _behind_or_error(dd)
    if stmt is None:
        return _refused(dd.errors)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["number", "title", "status", "service", "category", "area", "tier", "assignee", "created_at",
                     "respond_by", "responded_at", "resolve_by", "resolved_at", "closed_at"])
    rows = db.session().scalars(stmt.order_by(None).order_by(Incident.created_at, Incident.id)
                                .options(joinedload(Incident.assignee)).execution_options(yield_per=500))
    for i in rows:
        writer.writerow([_cell(v) for v in (
            i.number, i.title, i.status.value, i.service, i.category.value, i.area.value, i.tier,
            i.assignee.username if i.assignee else "", i.created_at, i.respond_by, i.responded_at, i.resolve_by,
            i.resolved_at, i.closed_at)])
    name = f"incidents-{dd.figure}-{dd.period.start.isoformat()}-{dd.period.end.isoformat()}.csv"
    return _download(("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv", name)


# ------------------------------------------------------------------------------------------------ targets

TARGETED = tuple(f for f, _parts in charts.HEADLINE if f in RATES)


def _target_input(figure: str, raw: str, errors: dict[str, str]) -> float | None:
    """A typed target in the figure's own unit (percent for rates); blank is no change."""
    text = raw.strip().rstrip("%").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        errors[figure] = str(ERRORS["target"])
        return None
    if value != value or value in (float("inf"), float("-inf")):
        errors[figure] = str(ERRORS["target"])
        return None
    if charts.is_percent(figure):
        if not 0 <= value <= 100:
            errors[figure] = _("Enter a percentage from 0 to 100.")
            return None
        return round(value / 100, 6)
    if not 0 <= value <= 10_000:
        errors[figure] = _("Enter a number from 0 to 10,000.")
        return None
    return value


@bp.route("/desk/dashboard/targets", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def targets_page() -> Any:
    """The target of each headline figure (administrators): bad values re-render beside their field."""
    s = db.session()
    errors: dict[str, str] = {}
    typed: dict[str, str] = {}
    if request.method == "POST":
        wanted: dict[str, float] = {}
        for figure in TARGETED:
            typed[figure] = request.form.get(figure, "")
            value = _target_input(figure, typed[figure], errors)
            if value is not None:
                wanted[figure] = value
        if not errors:
            user = current()
            assert user is not None
            for figure, value in wanted.items():
                try:
                    save_target(s, user, figure, value)
                except DomainError as exc:
                    errors[figure] = str(exc) if isinstance(exc, FiguresError) else domain_message(exc)
            if errors:
                s.rollback()
            else:
                s.commit()
                flash(_("Targets saved."), "success")
                return redirect(url_for(".targets_page"))
    current_targets = _targets()
    for figure in TARGETED:
        if figure not in typed:
            value = current_targets.get(figure)
            typed[figure] = "" if value is None else (
                f"{value * 100:g}" if charts.is_percent(figure) else f"{value:g}")
    return render_template("figures/targets.html", figures=TARGETED, typed=typed, errors=errors,
                           charts=charts), 400 if errors else 200


# -------------------------------------------------------------------------------------------- knowledge

@bp.get("/desk/dashboard/knowledge")
@roles_required(*VIEWERS)
def knowledge() -> Any:
    """KB reuse and link rate, authors, portal deflection, top articles and searches that found nothing."""
    period = read_period(request.args)
    context: dict[str, Any] = {"period": period, "errors": period.errors, "links": period_links(today()),
                               "charts": charts}
    if period.errors:
        return render_template("figures/knowledge.html", **context), 400
    start_at, end_at = day_bounds(period.start, period.end)
    context.update(desk=figures_for(period.start, period.end, None)[0],
                   kb=knowledge_figures(db.session(), start_at, end_at))
    return render_template("figures/knowledge.html", **context)


# --------------------------------------------------------------------------------------- monthly report

def read_month(raw: str | None) -> tuple[date, date] | None:
    match = MONTH.match((raw or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 1900 <= int(match.group(1)) <= 9998:
        return None
    return month_span(date(int(match.group(1)), int(match.group(2)), 1))


@bp.get("/desk/reports/monthly")
@roles_required(*VIEWERS)
def monthly() -> Any:
    """The printable monthly report (A4): headline figures against targets, by station and group, rankings,
    knowledge figures. Last month by default."""
    raw = request.args.get("month")
    last = month_span(month_span(today())[0] - timedelta(days=1))
    span = read_month(raw) if raw else last
    context: dict[str, Any] = {"month": raw or last[0].strftime("%Y-%m"), "charts": charts, "error": None}
    if span is None:
        context["error"] = str(ERRORS["month"])
        return render_template("figures/monthly.html", **context), 400
    start, end = span
    start_at, end_at = day_bounds(start, end)
    shown = figures_by(start, end, "station", "group", "agent")
    stations, groups, agents = shown["station"], shown["group"], shown["agent"]
    context.update(start=start, end=end, desk=stations[0], stations=stations, groups=groups,
                   ranked_groups=charts.sort_rows(groups, DEFAULT_RANK),
                   ranked_agents=charts.sort_rows(agents, DEFAULT_RANK)[:15],
                   targets=_targets(), kb=knowledge_figures(db.session(), start_at, end_at),
                   title_month=format_date(start, "yyyy-MM"), generated=datetime.now(desk_zone()))
    return render_template("figures/monthly.html", **context)
