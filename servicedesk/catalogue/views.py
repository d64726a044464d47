"""The service catalogue pages (administrators): the services, a form to add one, and each one's form; and
per service, its report types the same way."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from kb.actors import Role
from kb.errors import DomainError
from servicedesk import db
from servicedesk.auth.setup import current, roles_required
from servicedesk.catalogue import services as catalogue
from servicedesk.catalogue.models import CatalogueService
from servicedesk.formerrors import attach_domain_error, domain_message
from servicedesk.web import CATEGORY_LABELS

bp = Blueprint("catalogue", __name__)


class _RowForm(FlaskForm):
    """What a service and a report type share: names, an SLA category, an order, an active flag."""

    CATEGORY = "default_category"
    label_zh = StringField(_l("Name in Chinese"), validators=[DataRequired(_l("Give the Chinese name.")),
                                                             Length(max=catalogue.LABEL_MAX)])
    label_en = StringField(_l("Name in English"), validators=[DataRequired(_l("Give the English name.")),
                                                             Length(max=catalogue.LABEL_MAX)])
    sort = IntegerField(_l("Order in lists"), validators=[Optional(), NumberRange(0, 10_000)])
    active = BooleanField(_l("Offered for new reports"), default=True)
    version = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self[self.CATEGORY].choices = [(c, CATEGORY_LABELS.get(c, c)) for c in catalogue.CATEGORIES]

    def data_for(self) -> dict[str, Any]:
        return {"label_zh": self.label_zh.data, "label_en": self.label_en.data,
                self.CATEGORY: self[self.CATEGORY].data, "sort": self.sort.data, "active": self.active.data}


class ServiceForm(_RowForm):
    default_category = SelectField(_l("Default SLA category"), default="fault")


class NewServiceForm(ServiceForm):
    code = StringField(_l("Code"), validators=[DataRequired(_l("Give the code.")), Length(max=40)],
                       description=_l("Letters a-z, digits and _, e.g. smart_home. Kept for ever: incidents and "
                                      "articles name it."))


class ReportTypeForm(_RowForm):
    CATEGORY = "sla_category"
    sla_category = SelectField(_l("Counts as (SLA category)"), default="fault")


class NewReportTypeForm(ReportTypeForm):
    code = StringField(_l("Code"), validators=[DataRequired(_l("Give the code.")), Length(max=40)],
                       description=_l("Letters a-z, digits and _, e.g. router_offline. Kept for ever within the "
                                      "service: incidents name it."))


def _me() -> Any:
    user = current()
    assert user is not None
    return user


def _page(new: NewServiceForm | None = None, edits: dict[str, ServiceForm] | None = None,
          status: int = 200) -> tuple[str, int]:
    rows = catalogue.services(db.session())
    forms = {r.code: ServiceForm(formdata=None, obj=r, prefix=f"s-{r.code}", version=str(r.version)) for r in rows}
    forms.update(edits or {})
    counts: dict[str, int] = {}
    for row in catalogue.report_types(db.session()):
        counts[row.service] = counts.get(row.service, 0) + (1 if row.active else 0)
    return render_template("catalogue/index.html", rows=rows, forms=forms, new=new or NewServiceForm(formdata=None),
                           category_labels=CATEGORY_LABELS, type_counts=counts), status


@bp.get("/admin/catalogue")
@roles_required(Role.ADMIN)
def index() -> Any:
    return _page()


@bp.post("/admin/catalogue")
@roles_required(Role.ADMIN)
def create() -> Any:
    form = NewServiceForm()
    if not form.validate_on_submit():
        return _page(new=form, status=400)
    s = db.session()
    try:
        service = catalogue.create_service(s, _me(), {"code": form.code.data, **form.data_for()})
        s.commit()
    except DomainError as exc:
        s.rollback()
        attach_domain_error(form, exc)
        flash(domain_message(exc), "error")
        return _page(new=form, status=exc.status)
    flash(_("Service %(label)s (%(code)s) added.", label=service.label_zh, code=service.code), "success")
    return redirect(url_for(".index"))


def _save(form: _RowForm, change: Any, page: Any, key: str) -> Any:
    """Sends a row's edit form to its service function; the page again with the error beside the field, or
    a 409 with nothing saved when someone else changed the row at the same moment."""
    s = db.session()
    if not form.validate_on_submit():
        return page(edits={key: form}, status=400)
    try:
        version = int(form.version.data) if (form.version.data or "").isdigit() else None
        change(version)
        s.commit()
    except DomainError as exc:
        s.rollback()
        attach_domain_error(form, exc)
        flash(domain_message(exc), "error")
        return page(edits={key: form}, status=exc.status)
    except Exception as exc:
        from servicedesk.incidents.services import concurrent_change

        if concurrent_change(exc) is None:
            raise
        s.rollback()
        flash(_("Someone else changed this at the same moment; nothing of yours was saved. Check it and send "
                "again."), "error")
        return page(edits={key: form}, status=409)
    return None


@bp.post("/admin/catalogue/<code>")
@roles_required(Role.ADMIN)
def update(code: str) -> Any:
    service: CatalogueService = catalogue.get_service(db.session(), code)
    form = ServiceForm(prefix=f"s-{service.code}")
    failed = _save(form, lambda version: catalogue.update_service(db.session(), _me(), service, form.data_for(),
                                                                  version), _page, service.code)
    if failed is not None:
        return failed
    flash(_("Service %(code)s saved.", code=service.code), "success")
    return redirect(url_for(".index") + f"#svc-{service.code}")


def _types_page(service: CatalogueService, new: NewReportTypeForm | None = None,
                edits: dict[str, ReportTypeForm] | None = None, status: int = 200) -> tuple[str, int]:
    rows = catalogue.report_types(db.session(), service.code)
    forms = {r.code: ReportTypeForm(formdata=None, obj=r, prefix=f"t-{r.code}", version=str(r.version))
             for r in rows}
    forms.update(edits or {})
    return render_template("catalogue/types.html", service=service, rows=rows, forms=forms,
                           new=new or NewReportTypeForm(formdata=None), category_labels=CATEGORY_LABELS), status


@bp.get("/admin/catalogue/<code>/types")
@roles_required(Role.ADMIN)
def types(code: str) -> Any:
    return _types_page(catalogue.get_service(db.session(), code))


@bp.post("/admin/catalogue/<code>/types")
@roles_required(Role.ADMIN)
def create_type(code: str) -> Any:
    s = db.session()
    service = catalogue.get_service(s, code)
    form = NewReportTypeForm()
    if not form.validate_on_submit():
        return _types_page(service, new=form, status=400)
    try:
        row = catalogue.create_report_type(s, _me(), service, {"code": form.code.data, **form.data_for()})
        s.commit()
    except DomainError as exc:
        s.rollback()
        attach_domain_error(form, exc)
        flash(domain_message(exc), "error")
        return _types_page(service, new=form, status=exc.status)
    flash(_("Report type %(label)s (%(code)s) added.", label=row.label_zh, code=row.code), "success")
    return redirect(url_for(".types", code=service.code))


@bp.post("/admin/catalogue/<code>/types/<type_code>")
@roles_required(Role.ADMIN)
def update_type(code: str, type_code: str) -> Any:
    s = db.session()
    service = catalogue.get_service(s, code)
    row = catalogue.get_report_type(s, service.code, type_code)
    form = ReportTypeForm(prefix=f"t-{row.code}")

    def page(edits: dict[str, ReportTypeForm], status: int) -> tuple[str, int]:
        return _types_page(service, edits=edits, status=status)

    failed = _save(form, lambda version: catalogue.update_report_type(s, _me(), row, form.data_for(), version),
                   page, row.code)
    if failed is not None:
        return failed
    flash(_("Report type %(code)s saved.", code=row.code), "success")
    return redirect(url_for(".types", code=service.code) + f"#type-{row.code}")
