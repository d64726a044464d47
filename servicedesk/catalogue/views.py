"""The service catalogue page (administrators): the services, a form to add one, and each one's form."""

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


class ServiceForm(FlaskForm):
    label_zh = StringField(_l("Name in Chinese"), validators=[DataRequired(_l("Give the Chinese name.")),
                                                             Length(max=catalogue.LABEL_MAX)])
    label_en = StringField(_l("Name in English"), validators=[DataRequired(_l("Give the English name.")),
                                                             Length(max=catalogue.LABEL_MAX)])
    default_category = SelectField(_l("Default SLA category"), default="fault")
    sort = IntegerField(_l("Order in lists"), validators=[Optional(), NumberRange(0, 10_000)])
    active = BooleanField(_l("Offered for new reports"), default=True)
    version = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_category.choices = [(c, CATEGORY_LABELS.get(c, c)) for c in catalogue.CATEGORIES]

    def data_for(self) -> dict[str, Any]:
        return {"label_zh": self.label_zh.data, "label_en": self.label_en.data,
                "default_category": self.default_category.data, "sort": self.sort.data, "active": self.active.data}


class NewServiceForm(ServiceForm):
    code = StringField(_l("Code"), validators=[DataRequired(_l("Give the code.")), Length(max=40)],
                       description=_l("Letters a-z, digits and _, e.g. smart_home. Kept for ever: incidents and "
                                      "articles name it."))


def _me() -> Any:
    user = current()
    assert user is not None
    return user


def _page(new: NewServiceForm | None = None, edits: dict[str, ServiceForm] | None = None,
          status: int = 200) -> tuple[str, int]:
    rows = catalogue.services(db.session())
    forms = {r.code: ServiceForm(formdata=None, obj=r, prefix=f"s-{r.code}", version=str(r.version)) for r in rows}
    forms.update(edits or {})
    return render_template("catalogue/index.html", rows=rows, forms=forms, new=new or NewServiceForm(formdata=None),
                           category_labels=CATEGORY_LABELS), status


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


@bp.post("/admin/catalogue/<code>")
@roles_required(Role.ADMIN)
def update(code: str) -> Any:
    s = db.session()
    service: CatalogueService = catalogue.get_service(s, code)
    form = ServiceForm(prefix=f"s-{service.code}")
    if not form.validate_on_submit():
        return _page(edits={service.code: form}, status=400)
    try:
        version = int(form.version.data) if (form.version.data or "").isdigit() else None
        catalogue.update_service(s, _me(), service, form.data_for(), version)
        s.commit()
    except DomainError as exc:
        s.rollback()
        attach_domain_error(form, exc)
        flash(domain_message(exc), "error")
        return _page(edits={code: form}, status=exc.status)
    except Exception as exc:
        from servicedesk.incidents.services import concurrent_change

        if concurrent_change(exc) is None:
            raise
        s.rollback()
        flash(_("Someone else changed this service at the same moment; nothing of yours was saved. Check it "
                "and send again."), "error")
        return _page(edits={code: form}, status=409)
    flash(_("Service %(code)s saved.", code=service.code), "success")
    return redirect(url_for(".index") + f"#svc-{service.code}")
