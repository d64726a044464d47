"""Conversation pages: the reply/note form (with files) on the desk's incident page, the reply form on the
portal's my-incident page, and the download of a message's files. Routes join the incidents and portal
blueprints; the timeline renders from the template global conversation_for (templates/conversation/_thread.html).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import MultipleFileField, RadioField, TextAreaField
from wtforms.validators import DataRequired, Length

from kb.actors import is_staff
from kb.attachments import ALLOWED, MAX_BYTES
from kb.errors import DomainError
from servicedesk import db
from servicedesk.attachments import MULTIPART_OVERHEAD, current_store
from servicedesk.auth.setup import STAFF, current, roles_required
from servicedesk.conversation import services as conv
from servicedesk.conversation.files import attachment_response, find_attachment
from servicedesk.conversation.models import INTERNAL, PUBLIC
from servicedesk.formerrors import attach_domain_error, domain_message
from servicedesk.incidents import views as incident_views
from servicedesk.incidents.models import Incident
from servicedesk.incidents.services import get_incident
from servicedesk.portal import views as portal_views
from servicedesk.portal.blueprint import bp as portal_bp

BODY_REQUIRED = _l("Write a message first.")
BODY_TOO_LONG = _l("A message holds at most %(max)d characters.", max=conv.MAX_BODY)
FILE_TYPES = ", ".join(sorted(ext.lstrip(".") for ext in ALLOWED))
# Why a file was refused (the services' reasons for the field "file"), said in full.
FILE_REASONS: dict[str, Any] = {
    "too large": _l("The file is larger than %(mb)d MB.", mb=MAX_BYTES // (1024 * 1024)),
    "empty": _l("The file is empty."),
    "no file name": _l("The file needs a name."),
    "type not allowed": _l("Files of this type are not accepted; allowed: %(types)s.", types=FILE_TYPES),
    "content does not match the file type": _l("The file's content is not what its name says."),
    "too many": _l("Attach at most %(num)d files at once.", num=conv.MAX_FILES_PER_FORM),
}
# The desk's form may carry its files: its route takes them, every other route the app's limit.
DESK_FORM_MAX_BYTES = conv.MAX_FILES_PER_FORM * MAX_BYTES + 4 * conv.MAX_BODY + MULTIPART_OVERHEAD


def _allow_files() -> None:
    if request.endpoint == "incidents.desk_message":
        request.max_content_length = DESK_FORM_MAX_BYTES


# First of all hooks, like the other upload routes': the limit must be set before anything reads the form.
incident_views.bp.record_once(lambda state: state.app.before_request_funcs.setdefault(None, []).insert(0, _allow_files))


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[DataRequired(BODY_REQUIRED), Length(max=conv.MAX_BODY,
                                                                                          message=BODY_TOO_LONG)])
    files = MultipleFileField(_l("Files (site photos, screenshots, test readings)"))
    kind = RadioField(_l("Who sees it"), choices=[(PUBLIC, _l("Public reply (the reporter sees it)")),
                                                  (INTERNAL, _l("Internal note (staff only)"))], default=PUBLIC)


class PortalReplyForm(FlaskForm):
    body = TextAreaField(_l("Your reply"), validators=[DataRequired(BODY_REQUIRED), Length(max=conv.MAX_BODY,
                                                                                             message=BODY_TOO_LONG)])


class SolutionStepsForm(FlaskForm):
    pass


@incident_views.bp.app_template_global("conversation_for")
def conversation_for(incident: Incident, events: Any = ()) -> dict[str, Any]:
    """The timeline the current user may see (messages merged with the events the page passes, newest first)
    and the forms (a refused one keeps what was typed)."""
    user = current()
    messages = conv.list_messages(db.session(), incident, user) if user else []
    staff = is_staff(user)
    form = g.get("conversation_form") or (ReplyForm(formdata=None) if staff else PortalReplyForm(formdata=None))
    return {"timeline": conv.timeline(incident, messages, events), "form": form, "staff": staff,
            "steps_form": SolutionStepsForm(formdata=None), "open": incident.status not in conv.FINISHED,
            "file_types": FILE_TYPES, "max_files": conv.MAX_FILES_PER_FORM,
            "max_mb": MAX_BYTES // (1024 * 1024)}


def _uploads() -> list[tuple[str, bytes]]:
    """The files sent with the form (a file input left empty sends a part without a name: not a file)."""
    return [(f.filename or "", f.read()) for f in request.files.getlist("files") if f.filename]


def _place_error(form: ReplyForm, exc: DomainError) -> None:
    reason = exc.fields.get("file")
    if reason is None:
        attach_domain_error(form, exc, summary=True)
        return
    text = str(FILE_REASONS.get(reason, domain_message(exc)))
    name = exc.params.get("filename")
    form.files.errors = [*form.files.errors, f"{name}: {text}" if name else text]


@incident_views.bp.post("/desk/incidents/<int:incident_id>/messages")
@roles_required(*STAFF)
def desk_message(incident_id: int) -> Any:
    user = current()
    assert user is not None
    s = db.session()
    incident = get_incident(s, user, incident_id, for_update=True)  # two at once take turns: both land
    form = ReplyForm()
    status = 400
    if form.validate_on_submit():
        try:
            conv.add_message_with_files(s, current_store(), incident, user, form.kind.data, form.body.data,
                                        _uploads())
            s.commit()
            flash(_("Your message was added."), "success")
            return redirect(url_for("incidents.detail", incident_id=incident.id) + "#conversation")
        except DomainError as exc:
            s.rollback()
            status = exc.status
            _place_error(form, exc)
            incident = get_incident(s, user, incident_id)
    if any(f.filename for f in request.files.getlist("files")):
        form.files.description = _("Choose the files again: a browser does not keep them when the page returns.")
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


@portal_bp.get("/incidents/<int:incident_id>/messages/<int:message_id>/files/<int:attachment_id>")
@login_required
def message_file(incident_id: int, message_id: int, attachment_id: int) -> Response:
    """A message's file, checked on every download: staff, or the incident's reporter for the files of
    public replies (an internal note's files are staff's only); 404 for anyone else."""
    user = current()
    assert user is not None
    s = db.session()
    incident = get_incident(s, user, incident_id)
    message = conv.get_message(s, incident, user, message_id)
    return attachment_response(find_attachment(message, attachment_id))
