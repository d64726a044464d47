"""Conversation pages: the reply/note form on the desk's incident page and the reply form on the portal's
my-incident page. Routes join the incidents and portal blueprints; the thread renders from the template
global conversation_for (templates/conversation/_thread.html)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length

from kb.actors import is_staff
from kb.errors import DomainError
from servicedesk import db
from servicedesk.auth.setup import STAFF, current, roles_required
from servicedesk.conversation import services as conv
from servicedesk.conversation.models import INTERNAL, PUBLIC, IncidentMessage
from servicedesk.formerrors import attach_domain_error, domain_message
from servicedesk.incidents import views as incident_views
from servicedesk.incidents.models import Incident
from servicedesk.incidents.services import get_incident
from servicedesk.portal import views as portal_views
from servicedesk.portal.blueprint import bp as portal_bp


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=conv.MAX_BODY)])
    kind = RadioField(_l("Who sees it"), choices=[(PUBLIC, _l("Public reply (the reporter sees it)")),
                                                  (INTERNAL, _l("Internal note (staff only)"))], default=PUBLIC)


class PortalReplyForm(FlaskForm):
    body = TextAreaField(_l("Your reply"), validators=[DataRequired(), Length(max=conv.MAX_BODY)])


class SolutionStepsForm(FlaskForm):
    pass


@incident_views.bp.app_template_global("conversation_for")
def conversation_for(incident: Incident) -> dict[str, Any]:
    """The messages the current user may see and the forms (a refused one keeps what was typed)."""
    user = current()
    messages: list[IncidentMessage] = conv.list_messages(db.session(), incident, user) if user else []
    staff = is_staff(user)
    form = g.get("conversation_form") or (ReplyForm(formdata=None) if staff else PortalReplyForm(formdata=None))
    return {"messages": messages, "form": form, "staff": staff, "steps_form": SolutionStepsForm(formdata=None),
            "open": incident.status not in conv.FINISHED}


@incident_views.bp.post("/desk/incidents/<int:incident_id>/messages")
@roles_required(*STAFF)
def desk_message(incident_id: int) -> Any:
    user = current()
    assert user is not None
    s = db.session()
    incident = get_incident(s, user, incident_id, for_update=True)
    form = ReplyForm()
    status = 400
    if form.validate_on_submit():
        try:
            conv.add_message(s, incident, user, form.kind.data, form.body.data)
            s.commit()
            flash(_("Your message was added."), "success")
            return redirect(url_for("incidents.detail", incident_id=incident.id) + "#conversation")
        except DomainError as exc:
            s.rollback()
            status = exc.status
            attach_domain_error(form, exc, summary=True)
            incident = get_incident(s, user, incident_id)
    g.conversation_form = form
    return incident_views.detail_page(incident, status)


@incident_views.bp.post("/desk/incidents/<int:incident_id>/messages/solution-steps")
@roles_required(*STAFF)
def desk_solution_steps(incident_id: int) -> Any:
    user = current()
    assert user is not None
    s = db.session()
    incident = get_incident(s, user, incident_id, for_update=True)
    if not SolutionStepsForm().validate_on_submit():
        abort(400)
    try:
        conv.send_solution_steps(s, incident, user)
        s.commit()
        flash(_("The solution's steps were sent to the reporter."), "success")
    except DomainError as exc:
        s.rollback()
        flash(domain_message(exc), "error")
    return redirect(url_for("incidents.detail", incident_id=incident_id) + "#conversation")


@portal_bp.post("/my/incidents/<int:incident_id>/messages")
@login_required
def portal_message(incident_id: int) -> Any:
    user = current()
    assert user is not None
    s = db.session()
    incident = get_incident(s, user, incident_id, for_update=True)
    if incident.reporter_id != user.id:
        abort(404)
    form = PortalReplyForm()
    status = 400
    if form.validate_on_submit():
        try:
            conv.add_reply(s, incident, user, form.body.data)
            s.commit()
            flash(_("Your reply was sent."), "success")
            return redirect(url_for("portal.my_incident", incident_id=incident.id) + "#conversation")
        except DomainError as exc:
            s.rollback()
            status = exc.status
            attach_domain_error(form, exc, summary=True)
            incident = get_incident(s, user, incident_id)
    g.conversation_form = form
    page = portal_views.my_incident(incident_id)
    return page, status
