"""The incident page's actions: one POST each, one service, one commit, then back to the page.

Every action form carries the version of the incident the agent saw and the row is locked while it
changes, so two agents acting at once end with one consistent result and the slower one is told,
with the page's current state and their own input kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from kb import services as kb_services
from kb.errors import DomainError, NotFound, ValidationError
from servicedesk import db
from servicedesk.auth.setup import STAFF, roles_required
from servicedesk.formerrors import attach_domain_error, domain_message
from servicedesk.incidents import fieldwork, lifecycle, services
from servicedesk.incidents.forms import ACTION_FORMS, FieldWorkForm
from servicedesk.incidents.models import Incident
from servicedesk.incidents.views import aware, bp, detail_page, load, me, prepare
from servicedesk.org.models import MaintenanceGroup
from servicedesk.users.models import User


def _stale_message(incident: Incident) -> str:
    return _("Someone else changed this incident while you were working on it; nothing of yours was saved. "
             "Here is its current state (version %(version)s) with your input kept: check it and send again.",
             version=incident.version)


def _act(incident_id: int, form_name: str, run: Callable[[Incident, Any], str | Response],
         page: Callable[..., Any] = detail_page) -> Any:
    """One action: valid form → version check → service → commit → redirect, else the page again."""
    s = db.session()
    incident = load(incident_id, for_update=True)
    cls, prefix = ACTION_FORMS[form_name]
    form = prepare(cls(prefix=prefix))
    if not form.validate_on_submit():
        flash(_("Nothing was changed: please correct the fields marked below."), "error")
        return page(incident, 400, **{form_name: form})
    try:
        services.check_version(incident, form.version.data)
        outcome = run(incident, form)
        s.commit()
    except DomainError as exc:
        s.rollback()
        if exc.code == "stale_version":
            flash(_stale_message(incident), "error")
            form.version.data = str(incident.version)
        else:
            attach_domain_error(form, exc)
            flash(domain_message(exc, incident.status), "error")
        return page(incident, exc.status, **{form_name: form})
    except Exception as exc:
        conflict = services.concurrent_change(exc)
        if conflict is None:
            raise
        s.rollback()
        incident = load(incident_id)
        flash(_stale_message(incident), "error")
        form.version.data = str(incident.version)
        return page(incident, conflict.status, **{form_name: form})
    if isinstance(outcome, Response):
        return outcome
    flash(outcome, "success")
    return redirect(url_for(".detail", incident_id=incident.id))


def _staff_member(value: str | None) -> User | None:
    return db.session.get(User, int(value)) if value else None


@bp.post("/desk/incidents/<int:incident_id>/assign")
@roles_required(*STAFF)
def assign(incident_id: int) -> Response:
    def run(incident: Incident, form: Any) -> str:
        services.assign_incident(db.session(), incident, me(), _staff_member(form.assignee.data))
        return _("Assignment saved.")
    return _act(incident_id, "assign_form", run)


@bp.post("/desk/incidents/<int:incident_id>/start")
@roles_required(*STAFF)
def start(incident_id: int) -> Response:
    def run(incident: Incident, _form: Any) -> str:
        services.start_work(db.session(), incident, me())
        return _("Work started.")
    return _act(incident_id, "start_form", run)


@bp.post("/desk/incidents/<int:incident_id>/pend")
@roles_required(*STAFF)
def pend(incident_id: int) -> Response:
    def run(incident: Incident, form: Any) -> str:
        services.pend_incident(db.session(), incident, me(), form.reason.data)
        return _("The incident is on hold.")
    return _act(incident_id, "pend_form", run)


@bp.post("/desk/incidents/<int:incident_id>/resume")
@roles_required(*STAFF)
def resume(incident_id: int) -> Response:
    def run(incident: Incident, _form: Any) -> str:
        services.resume_incident(db.session(), incident, me())
        return _("Work resumed.")
    return _act(incident_id, "resume_form", run)


@bp.post("/desk/incidents/<int:incident_id>/escalate")
@roles_required(*STAFF)
def escalate(incident_id: int) -> Response:
    def run(incident: Incident, form: Any) -> str:
        group = db.session.get(MaintenanceGroup, int(form.group.data)) if form.group.data else None
        services.escalate_incident(db.session(), incident, me(), tier=form.tier.data, reason=form.reason.data,
                                   assignee=_staff_member(form.assignee.data), group=group)
        return _("Handed over to L%(tier)s.", tier=form.tier.data)
    return _act(incident_id, "escalate_form", run)


@bp.post("/desk/incidents/<int:incident_id>/solution")
@roles_required(*STAFF)
def link_solution(incident_id: int) -> Response:
    def run(incident: Incident, form: Any) -> str:
        try:
            article = kb_services.get_article(db.session(), me(), form.article_id.data)
        except NotFound:
            raise ValidationError("No such article.", fields={"article_id": "no such article"}) from None
        services.link_solution(db.session(), incident, me(), article)
        return _("Solution “%(title)s” linked.", title=article.title)
    return _act(incident_id, "link_form", run)


@bp.post("/desk/incidents/<int:incident_id>/resolve")
@roles_required(*STAFF)
def resolve(incident_id: int) -> Response:
    def run(incident: Incident, form: Any) -> str:
        services.resolve_incident(db.session(), incident, me(), form.note.data)
        return _("Resolved. Now the subscriber verifies the fix (or you record a call-back).")
    return _act(incident_id, "resolve_form", run)


@bp.post("/desk/incidents/<int:incident_id>/callback")
@roles_required(*STAFF)
def callback(incident_id: int) -> Response:
    def run(incident: Incident, form: Any) -> str:
        accepted = form.accepted.data == "yes"
        services.verify_incident(db.session(), incident, me(), accepted=accepted, rating=form.rating.data,
                                 comment=form.comment.data or "", method="callback",
                                 called_at=aware(form.called_at.data))
        return _("Call-back recorded: fix accepted.") if accepted else \
            _("Call-back recorded: fix rejected; the incident is back in work.")
    return _act(incident_id, "callback_form", run)


@bp.post("/desk/incidents/<int:incident_id>/close")
@roles_required(*STAFF)
def close(incident_id: int) -> Response:
    def run(incident: Incident, _form: Any) -> str:
        children = len(services.duplicates_of(db.session(), incident))
        services.close_incident(db.session(), incident, me())
        if children:
            return _("Incident closed, and %(num)d duplicates with it.", num=children)
        return _("Incident closed.")
    return _act(incident_id, "close_form", run)


def _window() -> int:
    return int(current_app.config.get("REOPEN_WINDOW_DAYS", services.REOPEN_WINDOW_DAYS))


@bp.post("/desk/incidents/<int:incident_id>/reopen")
@roles_required(*STAFF)
def reopen(incident_id: int) -> Response:
    def run(incident: Incident, form: Any) -> str:
        services.reopen_incident(db.session(), incident, me(), form.reason.data, window_days=_window())
        return _("Incident reopened.")
    return _act(incident_id, "reopen_form", run)


@bp.post("/desk/incidents/<int:incident_id>/follow-up")
@roles_required(*STAFF)
def follow_up(incident_id: int) -> Response:
    def run(incident: Incident, form: Any) -> Response:
        new = lifecycle.follow_up_incident(db.session(), incident, me(), form.reason.data,
                                           policy=current_app.extensions["sla_policy"])
        db.session.flush()
        flash(_("New incident %(number)s opened and linked to %(old)s.", number=new.number, old=incident.number),
              "success")
        return redirect(url_for(".detail", incident_id=new.id))
    return _act(incident_id, "follow_up_form", run)


@bp.post("/desk/incidents/<int:incident_id>/cancel")
@roles_required(*STAFF)
def cancel(incident_id: int) -> Response:
    def run(incident: Incident, form: Any) -> str:
        lifecycle.cancel_incident(db.session(), incident, me(), form.reason.data)
        return _("Incident cancelled.")
    return _act(incident_id, "cancel_form", run)


@bp.post("/desk/incidents/<int:incident_id>/duplicate")
@roles_required(*STAFF)
def duplicate(incident_id: int) -> Response:
    def run(incident: Incident, form: Any) -> str:
        parent = lifecycle.incident_by_number(db.session(), form.parent.data)
        lifecycle.mark_duplicate(db.session(), incident, me(), parent, form.reason.data or "")
        return _("Merged into %(number)s: this incident closes when that one closes.",
                 number=incident.duplicate_of.number if incident.duplicate_of else "")
    return _act(incident_id, "duplicate_form", run)


@bp.post("/desk/incidents/<int:incident_id>/report-type")
@roles_required(*STAFF)
def reclassify(incident_id: int) -> Response:
    def run(incident: Incident, form: Any) -> str:
        services.reclassify_incident(db.session(), incident, me(), form.report_type.data)
        return _("Report type changed.")

    return _act(incident_id, "reclassify_form", run)


@bp.post("/desk/incidents/<int:incident_id>/field-work")
@roles_required(*STAFF)
def field_work(incident_id: int) -> Response:
    def run(incident: Incident, form: Any) -> str:
        # Only the fields the page showed are saved; a leased-line field it did not show stays as it was.
        sent = {name for name in (*FieldWorkForm.TIMES, *FieldWorkForm.TEXTS, *FieldWorkForm.LINE)
                if f"{form._prefix}{name}" in request.form}
        data: dict[str, Any] = {name: form[name].data or "" for name in sent if name not in FieldWorkForm.TIMES}
        data.update({name: aware(form[name].data) for name in sent if name in FieldWorkForm.TIMES})
        fieldwork.record_field_work(db.session(), incident, me(), data)
        return _("Field-work record saved.")
    return _act(incident_id, "field_work_form", run)


# The appointment card's and the call-back attempts page's actions register their routes on import.
import servicedesk.incidents.booking_views  # noqa: E402
import servicedesk.incidents.callback_views  # noqa: E402
import servicedesk.incidents.field_views  # noqa: E402,F401
