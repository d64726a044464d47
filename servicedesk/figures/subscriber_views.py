"""The subscriber-base admin pages: the months stored, one month's counts edited as a table, a CSV import.

Views translate, services decide (servicedesk.figures.subscribers). Administrators only; every form carries
its CSRF token. A separate blueprint from the dashboard's pages (servicedesk.figures.views), registered on
its own.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select

from kb.actors import Role
from kb.errors import DomainError
from kb.vocabulary import SERVICES
from servicedesk import db
from servicedesk.auth.setup import current, roles_required
from servicedesk.figures.definitions import FiguresError, parse_month
from servicedesk.figures.subscribers import CsvRejected, import_csv, list_months, month_counts, replace_month
from servicedesk.formerrors import domain_message
from servicedesk.org.models import Zone

bp = Blueprint("subscriber_base", __name__, url_prefix="/admin/subscriber-counts")
BLANK_ROWS = 3


class CsrfForm(FlaskForm):
    """No fields of its own: the token (the rows are read as lists from the table)."""


class ImportForm(FlaskForm):
    file = FileField(validators=[FileRequired()])


def _zones() -> list[Zone]:
    return list(db.session.scalars(select(Zone).order_by(Zone.code)))


def _index(status: int = 200, import_form: ImportForm | None = None, bad_lines: list[tuple[int, str]] | None = None,
           month_error: str | None = None) -> Any:
    return render_template("figures/subscribers.html", months=list_months(db.session()),
                           import_form=import_form or ImportForm(formdata=None), bad_lines=bad_lines or [],
                           month_error=month_error), status


@bp.get("")
@roles_required(Role.ADMIN)
def index() -> Any:
    return _index()


@bp.get("/open")
@roles_required(Role.ADMIN)
def open_month() -> Any:
    try:
        month = parse_month(request.args.get("month", ""))
    except FiguresError as exc:
        return _index(400, month_error=str(exc))
    return redirect(url_for(".edit", month=month))


def _month_page(month: str, rows: list[dict[str, Any]], errors: dict[str, str], status: int = 200) -> Any:
    return render_template("figures/subscribers_month.html", month=month, rows=rows, errors=errors,
                           zones=_zones(), services=SERVICES, form=CsrfForm()), status


@bp.get("/<month>")
@roles_required(Role.ADMIN)
def edit(month: str) -> Any:
    try:
        month = parse_month(month)
    except FiguresError as exc:
        return _index(404, month_error=str(exc))
    rows = [{"zone": c.zone.code if c.zone else "", "service": c.service or "", "paying": str(c.paying)}
            for c in month_counts(db.session(), month)]
    return _month_page(month, rows + [{"zone": "", "service": "", "paying": ""}] * BLANK_ROWS, {})


@bp.post("/<month>")
@roles_required(Role.ADMIN)
def save(month: str) -> Any:
    try:
        month = parse_month(month)
    except FiguresError as exc:
        return _index(404, month_error=str(exc))
    form = CsrfForm()
    rows = [{"zone": z, "service": sv, "paying": p} for z, sv, p in zip(
        request.form.getlist("zone"), request.form.getlist("service"), request.form.getlist("paying"), strict=False)]
    if not form.validate_on_submit():
        flash(_("The form expired or was sent from elsewhere. Go back, reload the page and send it again."), "error")
        return _month_page(month, rows, {}, 400)
    filled = [(i, r) for i, r in enumerate(rows) if str(r["paying"]).strip() or r["zone"] or r["service"]]
    try:
        replace_month(db.session(), current(), month, [r for _, r in filled])
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        # counts[i].field of the filled rows back to the table's row numbers
        errors: dict[str, str] = {}
        for key, why in exc.fields.items():
            if key.startswith("counts["):
                n = int(key[7:key.index("]")])
                if n < len(filled):
                    errors[str(filled[n][0])] = why
        flash(domain_message(exc), "error")
        return _month_page(month, rows, errors, exc.status)
    flash(_("The subscriber counts of %(month)s are saved.", month=month), "success")
    return redirect(url_for(".edit", month=month))


@bp.post("/import")
@roles_required(Role.ADMIN)
def import_file() -> Any:
    form = ImportForm()
    if not form.validate_on_submit():
        return _index(400, import_form=form)
    try:
        n = import_csv(db.session(), current(), form.file.data.read())
        db.session.commit()
    except CsvRejected as exc:
        db.session.rollback()
        flash(_("Nothing was imported: correct the lines below and send the file again."), "error")
        return _index(400, import_form=form, bad_lines=exc.lines)
    except DomainError as exc:
        db.session.rollback()
        flash(domain_message(exc), "error")
        return _index(exc.status, import_form=form)
    flash(_("%(num)d subscriber counts imported.", num=n), "success")
    return redirect(url_for(".index"))
