"""The second call-back audit (draw a random sample of closed incidents, record each call) and the
desk's figures for a period (escalation rate, first-line resolution rate, audit outcomes)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from kb.errors import DomainError
from servicedesk import db
from servicedesk.auth.setup import STAFF, roles_required
from servicedesk.figures import compute as compute_figures
from servicedesk.formerrors import attach_domain_error, domain_message
from servicedesk.incidents import audits, queries
from servicedesk.incidents.forms import AUDIT_OUTCOMES, AuditRecordForm, AuditSampleForm
from servicedesk.incidents.models import CallbackAudit
from servicedesk.incidents.views import aware, bp, desk_zone, me
from servicedesk.org.models import mask_phone


def _page(sample_form: AuditSampleForm | None = None, record_forms: dict[int, AuditRecordForm] | None = None,
          status: int = 200) -> Any:
    summary = audits.audit_summary(db.session())
    forms = record_forms or {}
    for audit in summary.pending:
        forms.setdefault(audit.id, AuditRecordForm(prefix=f"a{audit.id}", formdata=None))
    return render_template("incidents/audits.html", summary=summary, forms=forms,
                           sample_form=sample_form or AuditSampleForm(formdata=None),
                           can_sample=audits.can_sample(me()), outcomes=dict(AUDIT_OUTCOMES),
                           mask_phone=mask_phone), status


@bp.get("/desk/audits")
@roles_required(*STAFF)
def audit_list() -> Any:
    return _page()


@bp.post("/desk/audits/sample")
@roles_required(*STAFF)
def audit_sample() -> Any:
    form = AuditSampleForm()
    if not form.validate_on_submit():
        return _page(sample_form=form, status=400)
    try:
        drawn = audits.sample_for_audit(db.session(), me(), size=form.size.data, days=form.days.data)
    except DomainError as exc:
        db.session.rollback()
        attach_domain_error(form, exc, summary=True)
        return _page(sample_form=form, status=exc.status)
    db.session.commit()
    if drawn:
        flash(_("%(num)d closed incidents drawn for a second call-back.", num=len(drawn)), "success")
    else:
        flash(_("No closed incident is left to draw in that period."), "info")
    return redirect(url_for(".audit_list"))


@bp.post("/desk/audits/<int:audit_id>")
@roles_required(*STAFF)
def audit_record(audit_id: int) -> Any:
    s = db.session()
    audit = s.get(CallbackAudit, audit_id, with_for_update=True)
    if audit is None:
        abort(404)
    form = AuditRecordForm(prefix=f"a{audit.id}")
    if not form.validate_on_submit():
        flash(_("Nothing was recorded: please correct the fields marked below."), "error")
        return _page(record_forms={audit.id: form}, status=400)
    try:
        audits.record_audit(s, audit, me(), outcome=form.outcome.data, rating=form.rating.data,
                            comment=form.comment.data or "", called_at=aware(form.called_at.data))
        s.commit()
    except DomainError as exc:
        s.rollback()
        attach_domain_error(form, exc)
        flash(domain_message(exc), "error")
        return _page(record_forms={audit.id: form}, status=exc.status)
    flash(_("Audit call-back for %(number)s recorded.", number=audit.incident.number), "success")
    return redirect(url_for(".audit_list"))


def _day(name: str, default: date) -> date:
    try:
        return date.fromisoformat(request.args.get(name, "").strip())
    except ValueError:
        return default


@bp.get("/desk/figures")
@roles_required(*STAFF)
def figures() -> Any:
    """Escalation and first-line resolution rates for a period of reports (default: the last 30 days)."""
    today = datetime.now(desk_zone()).date()
    start = _day("from", today - timedelta(days=29))
    end = _day("to", today)
    error = _("The end comes before the start.") if end < start else None
    if error:
        start, end = end, start
    desk = compute_figures(db.session(), start, end, tz=desk_zone())[0].values  # the one source of the figures
    tiers = queries.TierFigures(incidents=int(desk["reported"] or 0), escalated=int(desk["escalated"] or 0))
    summary = audits.audit_summary(db.session(), recent=0)
    return render_template("incidents/figures.html", tiers=tiers, start=start, end=end, error=error,
                           audit=summary), 400 if error else 200
