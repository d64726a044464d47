"""Pages: each user's mail and SMS choices; for admins, the channels, backlog, failures, webhooks and templates."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from kb.actors import Role
from kb.errors import Conflict, DomainError
from servicedesk import db
from servicedesk.auth.setup import current, roles_required
from servicedesk.formerrors import attach_domain_error
from servicedesk.notify import registry
from servicedesk.notify.blueprint import bp
from servicedesk.notify.forms import PostForm, TemplateForm, WebhookForm
from servicedesk.notify.messages import DEFAULTS, LOCALES, STAFF_EVENTS, SUBSCRIBER_EVENTS, template_for
from servicedesk.notify.models import Channel, ChannelChoice, DeliveryAttempt, OutboxMessage, Webhook
from servicedesk.notify.services import wants
from servicedesk.notify.settings import setting
from servicedesk.notify.status import channels, last_failures
from servicedesk.notify.worker import backlog
from servicedesk.users.models import User

EVENT_LABELS = {
    "incident.appointment": _l("Appointment for a visit"),
    "incident.created": _l("Incident received"), "incident.assigned": _l("Incident assigned to me"),
    "incident.resolved": _l("Incident resolved (please confirm)"), "incident.closed": _l("Incident closed"),
    "incident.reopened": _l("Incident reopened"), "incident.chased": _l("Subscriber called again (chase)"),
    "incident.reply": _l("New reply on an incident"),
    "sla.breached": _l("SLA breached (group leader)"),
    "sla.response_missed": _l("No response in time (group leader)"), "sla.at_risk": _l("SLA at risk (group leader)"),
    "article.submitted": _l("Article submitted for review"),
    "article.approved": _l("My article approved"), "article.rejected": _l("My article rejected"),
}


def _me() -> User:
    user = current()
    if user is None:
        abort(401)
    return user


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences() -> Any:
    me = _me()
    events = STAFF_EVENTS if me.is_staff else SUBSCRIBER_EVENTS
    form = PostForm()
    if form.validate_on_submit():
        enabled = {(e, ch) for e in events for ch in (Channel.MAIL, Channel.SMS)
                   if request.form.get(f"{e}:{ch.value}") == "on"}
        # Events this role never receives keep their current choice.
        others = {(c.event, c.channel) for c in db.session.scalars(select(ChannelChoice).where(
            ChannelChoice.user_id == me.id, ChannelChoice.enabled.is_(True))) if c.event not in events}
        try:
            registry.set_choices(db.session(), me, enabled | others)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            raise Conflict(_("Your choices were saved from another window at the same moment; check them and "
                             "save again."), code="preferences_changed") from None
        flash(_("Your notification choices are saved."), "success")
        return redirect(url_for("notify.preferences"))
    rows = [(e, str(EVENT_LABELS[e]), wants(db.session(), me, e, Channel.MAIL), wants(db.session(), me, e, Channel.SMS))
            for e in events]
    return render_template("notify/preferences.html", form=form, rows=rows, me=me)


@bp.get("/admin")
@roles_required(Role.ADMIN)
def admin() -> str:
    return _admin_page(WebhookForm())


def _admin_page(form: WebhookForm, status: int = 200) -> Any:
    hooks = db.session.scalars(select(Webhook).order_by(Webhook.id)).all()
    return render_template("notify/admin.html", channels=channels(), backlog=backlog(db.session()),
                           failures=last_failures(db.session()), hooks=hooks, form=form, delete_form=PostForm(),
                           events=list(DEFAULTS), labels=EVENT_LABELS, locales=LOCALES), status


@bp.post("/admin/webhooks")
@roles_required(Role.ADMIN)
def create_webhook() -> Any:
    form = WebhookForm()
    if not form.validate_on_submit():
        return _admin_page(form, 400)
    try:
        registry.create_webhook(db.session(), _me(), {"url": form.url.data, "events": form.events.data or [],
                                                      "secret": form.secret.data},
                                own=[request.host_url, setting("PUBLIC_URL")])
    except DomainError as exc:
        db.session.rollback()
        attach_domain_error(form, exc, summary=True)
        return _admin_page(form, exc.status)
    db.session.commit()
    flash(_("The webhook is registered."), "success")
    return redirect(url_for("notify.admin"))


@bp.post("/admin/webhooks/<int:webhook_id>/delete")
@roles_required(Role.ADMIN)
def delete_webhook(webhook_id: int) -> Response:
    if not PostForm().validate_on_submit():
        abort(400)
    try:
        registry.delete_webhook(db.session(), _me(), webhook_id)
    except DomainError:
        abort(404)
    db.session.commit()
    flash(_("The webhook is deleted."), "success")
    return redirect(url_for("notify.admin"))


@bp.get("/admin/webhooks/<int:webhook_id>")
@roles_required(Role.ADMIN)
def webhook_log(webhook_id: int) -> str:
    hook = db.session.get(Webhook, webhook_id) if 0 < webhook_id < 2**31 else None
    if hook is None:
        abort(404)
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.webhook_id == hook.id)
                              .order_by(OutboxMessage.id.desc()).limit(100)).all()
    attempts: dict[int, list[DeliveryAttempt]] = {}
    if rows:
        for a in db.session.scalars(select(DeliveryAttempt).where(
                DeliveryAttempt.message_id.in_([r.id for r in rows])).order_by(DeliveryAttempt.id)):
            attempts.setdefault(a.message_id, []).append(a)
    return render_template("notify/webhook.html", hook=hook, rows=rows, attempts=attempts)


@bp.route("/admin/templates/<event>/<locale>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_template(event: str, locale: str) -> Any:
    if event not in DEFAULTS or locale not in LOCALES:
        abort(404)
    form = TemplateForm()
    if request.method == "GET":
        form.subject.data, form.body.data = template_for(db.session(), event, locale)
    elif request.form.get("reset") and PostForm().validate_on_submit():
        registry.reset_template(db.session(), _me(), event, locale)
        db.session.commit()
        flash(_("The shipped wording is back."), "success")
        return redirect(url_for("notify.edit_template", event=event, locale=locale))
    elif form.validate_on_submit():
        try:
            registry.save_template(db.session(), _me(), event, locale, form.subject.data or "", form.body.data or "")
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            attach_domain_error(form, exc, summary=True)
            return _template_page(form, event, locale, exc.status)
        except IntegrityError:
            db.session.rollback()
            flash(_("Someone saved this message at the same moment; check it and save again."), "error")
            return _template_page(form, event, locale, 409)
        flash(_("The message is saved."), "success")
        return redirect(url_for("notify.edit_template", event=event, locale=locale))
    else:
        return _template_page(form, event, locale, 400)
    return _template_page(form, event, locale)


def _template_page(form: TemplateForm, event: str, locale: str, status: int = 200) -> Any:
    return render_template("notify/template.html", form=form, event=event, locale=locale,
                           label=str(EVENT_LABELS[event]), placeholders=sorted(registry.PLACEHOLDERS)), status
