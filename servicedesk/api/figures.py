"""/api/v1/reports/figures (+ .csv, .xlsx), /reports/targets and /subscriber-counts/<YYYY-MM>: the service
figures of servicedesk.figures, the targets they are held against, and the paying-subscriber base."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Response, request

from kb.actors import Role, is_staff
from kb.errors import Forbidden
from servicedesk.api import bp
from servicedesk.api import figures_schemas as sch
from servicedesk.api.attachments import content_disposition
from servicedesk.api.common import commit, require, session, user
from servicedesk.api.contract import WRITE, body, operation
from servicedesk.figures import (
    compute,
    desk_timezone,
    export_csv,
    export_xlsx,
    parse_month,
    parse_period,
    set_target,
    set_unrated_as,
    targets,
    unrated_as,
)
from servicedesk.figures.compute import period_bounds
from servicedesk.figures.exports import CSV_TYPE, XLSX_TYPE
from servicedesk.figures.models import SubscriberMonth
from servicedesk.figures.subscribers import month_counts, replace_month
from servicedesk.incidents.appointments import count_promises
from servicedesk.incidents.booking import within_minutes
from servicedesk.users.models import User

FILE = {"description": "The same rows as a file", "headers": {"Content-Disposition": {"schema": {"type": "string"}}}}


def _staff() -> User:
    me = user()
    require(is_staff(me), "Only service-desk staff read the figures.")
    return me


def _rows() -> tuple[date, date, str | None, list[Any]]:
    _staff()
    today = datetime.now(desk_timezone()).date()
    start, end, by = parse_period(request.args, today=today)
    return start, end, by, compute(session(), start, end, by)


def _filename(start: date, end: date, by: str | None, ext: str) -> str:
    return f"figures-{start.isoformat()}-{end.isoformat()}{'-' + by if by else ''}.{ext}"


@bp.get("/reports/figures")
@operation("get_figures", tag="figures", summary="Service figures for a period, by a breakdown (staff)",
           description="The first row (key null) is the whole desk; with `by` one row follows per value. Bad "
                       "dates, a reversed or absurd period (code bad_period) or an unknown breakdown "
                       "(bad_breakdown) are 400 naming the parameter.",
           query=sch.FiguresQuery, responses={200: sch.FiguresReport}, errors=(401, 403))
def get_figures() -> dict[str, Any]:
    start, end, by, rows = _rows()
    return {"from": start.isoformat(), "to": end.isoformat(), "by": by, "rows": [r.as_dict() for r in rows]}


@bp.get("/reports/figures.csv")
@operation("export_figures_csv", tag="figures", summary="The figures as CSV (staff)", query=sch.FiguresQuery,
           responses={200: {**FILE, "content": {"text/csv": {"schema": {"type": "string"}}}}}, errors=(401, 403))
def export_figures_csv() -> Response:
    start, end, by, rows = _rows()
    response = Response(export_csv(rows), content_type=CSV_TYPE)
    response.headers["Content-Disposition"] = content_disposition(_filename(start, end, by, "csv"), False)
    return response


@bp.get("/reports/figures.xlsx")
@operation("export_figures_xlsx", tag="figures", summary="The figures as an Excel workbook (staff)",
           query=sch.FiguresQuery, errors=(401, 403), responses={200: {**FILE, "content": {XLSX_TYPE: {
               "schema": {"type": "string", "format": "binary"}}}}})
def export_figures_xlsx() -> Response:
    start, end, by, rows = _rows()
    title = f"{start.isoformat()}..{end.isoformat()}"
    response = Response(export_xlsx(rows, title), content_type=XLSX_TYPE)
    response.headers["Content-Disposition"] = content_disposition(_filename(start, end, by, "xlsx"), False)
    return response


def _targets_out() -> dict[str, Any]:
    s = session()
    return {"targets": targets(s), "unrated_as": unrated_as(s)}


@bp.get("/reports/appointments")
@operation("get_appointment_figures", tag="figures", summary="The two appointment promises over a period (staff)",
           description="The incidents first dispatched in the period: a visit agreed within APPOINTMENT_WITHIN_"
                       "MINUTES of dispatch (预约及时率) and the engineer's arrival inside the agreed window "
                       "(履约准时率), for the desk and each engineer (most dispatched first). Bad dates or a "
                       "reversed period are 400 naming the parameter.",
           query=sch.PeriodQuery, responses={200: sch.AppointmentFigures}, errors=(401, 403))
def get_appointment_figures() -> dict[str, Any]:
    _staff()
    today = datetime.now(desk_timezone()).date()
    start, end, _by = parse_period({k: v for k, v in request.args.items() if k != "by"}, today=today)
    counts = count_promises(session(), *period_bounds(start, end))
    return {"from": start.isoformat(), "to": end.isoformat(), "within_minutes": within_minutes(),
            "dispatched": counts.dispatched, "agreed_in_time": counts.agreed_in_time.as_dict(),
            "arrived_in_window": counts.arrived_in_window.as_dict(),
            "engineers": [{"username": e.username or None, "name": e.name, "dispatched": e.dispatched,
                           "agreed_in_time": e.agreed_in_time.as_dict(),
                           "arrived_in_window": e.arrived_in_window.as_dict()} for e in counts.engineers]}


@bp.get("/reports/targets")
@operation("get_figure_targets", tag="figures", summary="The figures' targets and counting rules (staff)",
           responses={200: sch.Targets}, errors=(401, 403))
def get_figure_targets() -> dict[str, Any]:
    _staff()
    return _targets_out()


@bp.put("/reports/targets")
@operation("put_figure_targets", tag="figures", summary="Set targets and the unrated-closure rule (admin)",
           description="Only the rates named in `targets` change; `unrated_as` is changed when present (null: "
                       "unrated closures are left out of satisfaction).",
           body=sch.TargetsInput, responses={200: sch.Targets}, errors=WRITE)
def put_figure_targets() -> dict[str, Any]:
    me = user()
    if me.role != Role.ADMIN:
        raise Forbidden("Only a manager (administrator) sets the figures' targets and rules.", code="admin_only")
    data = body(sch.TargetsInput)
    s = session()
    for figure, value in data.targets.items():
        set_target(s, me, figure, value)
    if "unrated_as" in data.model_fields_set:
        set_unrated_as(s, me, data.unrated_as)
    commit()
    return _targets_out()


def _counts_out(month: str) -> dict[str, Any]:
    s = session()
    row = s.get(SubscriberMonth, month)
    return {"month": month, "updated_at": row.updated_at.isoformat() if row else None,
            "counts": [{"zone": c.zone.code if c.zone else None, "service": c.service, "paying": c.paying}
                       for c in month_counts(s, month)]}


@bp.get("/subscriber-counts/<month>")
@operation("get_subscriber_counts", tag="figures", summary="Paying subscribers of a month (staff)",
           description="`month` is YYYY-MM (bad_month otherwise). A month never stored has no counts.",
           responses={200: sch.SubscriberCounts}, errors=(401, 403))
def get_subscriber_counts(month: str) -> dict[str, Any]:
    _staff()
    return _counts_out(parse_month(month))


@bp.put("/subscriber-counts/<month>")
@operation("put_subscriber_counts", tag="figures", summary="Replace a month's paying-subscriber counts (admin)",
           description="All counts of the month are replaced in one transaction; null zone or service means all "
                       "zones / all services. Two writers of one month take turns: the later one's counts stand.",
           body=sch.SubscriberCountsInput, responses={200: sch.SubscriberCounts}, errors=WRITE)
def put_subscriber_counts(month: str) -> dict[str, Any]:
    me = user()
    text = parse_month(month)
    data = body(sch.SubscriberCountsInput)
    replace_month(session(), me, text, [c.model_dump() for c in data.counts])
    commit()
    return _counts_out(text)
