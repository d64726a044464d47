"""The SLA policy pages of the organisation section (administrators): list, add, edit, delete.

Views translate, services decide: servicedesk.org.sla_policies holds every rule.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.dates import get_day_names
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from kb.actors import Role
from kb.errors import DomainError
from servicedesk import db
from servicedesk.auth.setup import roles_required
from servicedesk.formerrors import attach_domain_error
from servicedesk.incidents.sla import DEFAULT_POLICY, SlaPolicy
from servicedesk.org import sla_policies
from servicedesk.org.forms import ANY_LABEL, CALENDAR_LABELS, LEVEL_LABELS, SlaPolicyForm
from servicedesk.org.models import SlaPolicyRule
from servicedesk.org.views import _me, bp
from servicedesk.web import AREA_LABELS, CATEGORY_LABELS

LABELS = {"category": CATEGORY_LABELS, "area": AREA_LABELS, "service_level": LEVEL_LABELS,
          "calendar": CALENDAR_LABELS}


def _label(kind: str, value: str) -> Any:
    return LABELS[kind].get(str(value), ANY_LABEL)


def _list_page(form: SlaPolicyForm | None = None, status: int = 200) -> Any:
    policy = current_app.extensions.get("sla_policy")
    business = (policy if isinstance(policy, SlaPolicy) else DEFAULT_POLICY).business
    names = get_day_names("abbreviated", locale=get_locale())  # 0 = Monday
    days = ", ".join(str(names[d - 1]) for d in sorted(business.days))
    return render_template("org/sla.html", rows=sla_policies.list_sla_policies(db.session()),
                           form=form or SlaPolicyForm(formdata=None), label=_label, business=business,
                           days=days), status


@bp.get("/desk/org/sla")
@roles_required(Role.ADMIN)
def sla_policies_page() -> Any:
    return _list_page()


@bp.post("/desk/org/sla")
@roles_required(Role.ADMIN)
def create_sla_policy() -> Any:
    form = SlaPolicyForm()
    if not form.validate_on_submit():
        return _list_page(form, 400)
    try:
        sla_policies.create_sla_policy(db.session(), _me(), form.policy_data())
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        attach_domain_error(form, exc)
        return _list_page(form, exc.status)
    flash(_("SLA policy saved. New incidents are timed by it."), "success")
    return redirect(url_for(".sla_policies_page"))


def _edit_page(form: SlaPolicyForm, rule: SlaPolicyRule, status: int = 200) -> Any:
    what = " · ".join(str(_label(k, getattr(rule, k))) for k in ("category", "area", "service_level"))
    return render_template("org/edit.html", form=form, what=f"{_('SLA policy')}: {what}", kind="sla",
                           rule=rule, back=url_for(".sla_policies_page"), delete_form=FlaskForm()), status


@bp.route("/desk/org/sla/<int:rule_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_sla_policy(rule_id: int) -> Any:
    s = db.session()
    rule = s.get(SlaPolicyRule, rule_id) or abort(404)
    data = {"category": rule.category, "area": rule.area, "service_level": rule.service_level,
            "respond_minutes": rule.respond_minutes, "resolve_hours": Decimal(rule.resolve_minutes) / 60,
            "calendar": rule.calendar.value}
    form = SlaPolicyForm(data=data if request.method == "GET" else None)
    if not form.validate_on_submit():
        return _edit_page(form, rule, 400 if form.is_submitted() else 200)
    try:
        sla_policies.update_sla_policy(s, _me(), rule, form.policy_data())
        s.commit()
    except DomainError as exc:
        s.rollback()
        attach_domain_error(form, exc)
        return _edit_page(form, s.get(SlaPolicyRule, rule_id) or abort(404), exc.status)
    flash(_("SLA policy saved. New incidents are timed by it."), "success")
    return redirect(url_for(".sla_policies_page"))


@bp.post("/desk/org/sla/<int:rule_id>/delete")
@roles_required(Role.ADMIN)
def delete_sla_policy(rule_id: int) -> Response:
    s = db.session()
    rule = s.get(SlaPolicyRule, rule_id) or abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    sla_policies.delete_sla_policy(s, _me(), rule)
    s.commit()
    flash(_("SLA policy deleted."), "success")
    return redirect(url_for(".sla_policies_page"))
