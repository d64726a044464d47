"""Staff incident pages: the queue, taking a report, and the incident page with one POST per action.

Views translate, services decide: each action parses its form, calls one service, commits once and
redirects; a refusal re-renders the incident page with the reason and the user's text kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from kb import services as kb_services
from kb.errors import DomainError, NotFound, ValidationError
from kb.orm import utcnow
from kb.search.service import search_articles, suggest_for_incident
from servicedesk import db
from servicedesk.auth.setup import STAFF, current, roles_required
from servicedesk.formerrors import attach_domain_error, domain_message
from servicedesk.incidents import queries, services
from servicedesk.incidents.forms import ACTION_FORMS, NewIncidentForm, QueueFilterForm
from servicedesk.incidents.models import Incident
from servicedesk.incidents.sla import sla_state
from servicedesk.incidents.workflow import allowed_actions
from servicedesk.search import current_index
from servicedesk.users.models import User

bp = Blueprint("incidents", __name__)
log = logging.getLogger(__name__)

TAB_LABELS: dict[str, Any] = {
    "mine": _l("Mine"),
    "unassigned": _l("Unassigned"),
    "open": _l("All open"),
    "awaiting": _l("Awaiting verification"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
    "all": _l("Everything"),
}
EVENT_LABELS: dict[str, Any] = {
    "create": _l("Reported"),
    "assign": _l("Assigned"),
    "start": _l("Work started"),
    "pend": _l("Put on hold"),
    "resume": _l("Resumed"),
    "escalate": _l("Handed over (escalated)"),
    "link_solution": _l("Solution linked"),
    "resolve": _l("Resolved"),
    "verify": _l("Fix verified"),
    "reject_fix": _l("Fix rejected"),
    "close": _l("Closed"),
    "reopen": _l("Reopened"),
    "route": _l("Routed to the zone's manager"),
    "repeat": _l("Reported again within 30 days"),
}
PER_PAGE = 25
# Solutions an agent may link from the page search: approved ones and colleagues' work in progress.
LINKABLE_STATUSES = "approved,in_review,draft"


def _me() -> User:
    user = current()
    assert user is not None  # roles_required let only logged-in staff through
    return user


def _load(incident_id: int) -> Incident:
    return services.get_incident(db.session(), current(), incident_id)


def _sla_of(incident: Incident) -> str:
    return sla_state(now=utcnow(), created_at=incident.created_at, resolve_by=incident.resolve_by,
                     resolved_at=incident.resolved_at, paused_at=incident.paused_at)


@bp.get("/desk/incidents")
@roles_required(*STAFF)
def queue() -> Any:
    form = QueueFilterForm(formdata=request.args)
    form.validate()
    tab = request.args.get("tab", queries.DEFAULT_TAB)
    tab = tab if tab in queries.TABS else queries.DEFAULT_TAB
    sort = form.sort.data if form.sort.data in queries.SORTS else "newest"
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    result = queries.queue_page(db.session(), _me().id, tab=tab, filters=form.values(), sort=sort,
                                page=page, per_page=PER_PAGE)
    return render_template("incidents/queue.html", form=form, tab=tab, tabs=TAB_LABELS, result=result,
                           sla=_sla_of), 400 if form.errors else 200


@bp.route("/desk/incidents/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new() -> Any:
    form = NewIncidentForm()
    if not form.validate_on_submit():
        return render_template("incidents/new.html", form=form), 400 if form.is_submitted() else 200
    s = db.session()
    reporter = queries.active_user_by_username(s, form.reporter.data) if form.reporter.data else None
    try:
        if form.reporter.data and reporter is None:
            raise ValidationError("No such user.", fields={"reporter": "no such user"})
        incident = services.create_incident(s, _me(), form.incident_data(), reporter=reporter,
                                            policy=current_app.extensions["sla_policy"])
    except DomainError as exc:
        db.session.rollback()
        attach_domain_error(form, exc)
        flash(domain_message(exc), "error")
        return render_template("incidents/new.html", form=form), exc.status
    db.session.commit()
    flash(_("Incident %(number)s recorded.", number=incident.number), "success")
    return redirect(url_for(".detail", incident_id=incident.id))


def _kb_search(text: str) -> tuple[list[Any], str | None]:
    """Solutions matching what the agent typed into the page's search box."""
    if not text.strip():
        return [], None
    try:
        result = search_articles(current_index(), current(), text, filters={"type": "solution"},
                                 status=LINKABLE_STATUSES, per_page=10)
    except DomainError as exc:
        return [], domain_message(exc)
    except Exception:
        log.exception("knowledge search failed on the incident page")
        return [], _("The knowledge search is not available right now; link by article number instead.")
    return result.items, None


def _suggestions(incident: Incident) -> list[Any] | None:
    """Approved solutions for the incident's text; None when the index cannot answer.

    The index follows the database and can be rebuilt, so a failing index must not take the
    incident page (and with it resolving and closing) down.
    """
    try:
        return suggest_for_incident(current_index(), current(), incident.title, incident.description).items
    except Exception:
        log.exception("suggestions failed for incident %s", incident.id)
        return None


def _detail_page(incident: Incident, status: int = 200, **given: FlaskForm) -> Any:
    """The incident page; forms passed in (a refused or invalid action) keep what the user typed."""
    staff = queries.active_staff(db.session())
    forms: dict[str, Any] = {}
    defaults = {"assign_form": {"assignee": str(incident.assignee_id or "")}}
    for name, (cls, prefix) in ACTION_FORMS.items():
        form = given.get(name) or cls(prefix=prefix, formdata=None, data=defaults.get(name))
        if hasattr(form, "set_staff"):
            form.set_staff(staff)
        forms[name] = form
    kbq = request.args.get("kbq", "")
    kb_hits, kb_error = _kb_search(kbq)
    return render_template(
        "incidents/detail.html", incident=incident, **forms,
        actions=set(allowed_actions(incident.status)), blockers=services.close_blockers(incident),
        suggestions=_suggestions(incident),
        kbq=kbq, kb_hits=kb_hits, kb_error=kb_error, event_labels=EVENT_LABELS, sla_state=_sla_of(incident),
    ), status


@bp.get("/desk/incidents/<int:incident_id>")
@roles_required(*STAFF)
def detail(incident_id: int) -> Any:
    return _detail_page(_load(incident_id))


def _act(incident_id: int, form_name: str, run: Callable[[Incident, Any], str]) -> Any:
    """One action on the incident page: valid form → service → commit → redirect, else the page again."""
    incident = _load(incident_id)
    cls, prefix = ACTION_FORMS[form_name]
    form = cls(prefix=prefix)
    if hasattr(form, "set_staff"):
        form.set_staff(queries.active_staff(db.session()))
    if not form.validate_on_submit():
        flash(_("Nothing was changed: please correct the fields marked below."), "error")
        return _detail_page(incident, 400, **{form_name: form})
    try:
        message = run(incident, form)
    except DomainError as exc:
        db.session.rollback()
        attach_domain_error(form, exc)
        flash(domain_message(exc, incident.status), "error")
        return _detail_page(incident, exc.status, **{form_name: form})
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".detail", incident_id=incident.id))


def _staff_member(value: str | None) -> User | None:
    return db.session.get(User, int(value)) if value else None


@bp.post("/desk/incidents/<int:incident_id>/assign")
@roles_required(*STAFF)
def assign(incident_id: int) -> Response:
    def run(incident: Incident, form: Any) -> str:
        services.assign_incident(db.session(), incident, _me(), _staff_member(form.assignee.data))
        return _("Assignment saved.")
    return _act(incident_id, "assign_form", run)


@bp.post("/desk/incidents/<int:incident_id>/start")
@roles_required(*STAFF)
def start(incident_id: int) -> Response:
    def run(incident: Incident, _form: Any) -> str:
        services.start_work(db.session(), incident, _me())
        return _("Work started.")
    return _act(incident_id, "start_form", run)


@bp.post("/desk/incidents/<int:incident_id>/pend")
@roles_required(*STAFF)
def pend(incident_id: int) -> Response:
    def run(incident: Incident, form: Any) -> str:
        services.pend_incident(db.session(), incident, _me(), form.reason.data)
        return _("The incident is on hold.")
    return _act(incident_id, "pend_form", run)


@bp.post("/desk/incidents/<int:incident_id>/resume")
@roles_required(*STAFF)
def resume(incident_id: int) -> Response:
    def run(incident: Incident, _form: Any) -> str:
        services.resume_incident(db.session(), incident, _me())
        return _("Work resumed.")
    return _act(incident_id, "resume_form", run)


@bp.post("/desk/incidents/<int:incident_id>/escalate")
@roles_required(*STAFF)
def escalate(incident_id: int) -> Response:
    def run(incident: Incident, form: Any) -> str:
        services.escalate_incident(db.session(), incident, _me(), tier=form.tier.data, reason=form.reason.data,
                                   assignee=_staff_member(form.assignee.data))
        return _("Handed over to L%(tier)s.", tier=form.tier.data)
    return _act(incident_id, "escalate_form", run)


@bp.post("/desk/incidents/<int:incident_id>/solution")
@roles_required(*STAFF)
def link_solution(incident_id: int) -> Response:
    def run(incident: Incident, form: Any) -> str:
        try:
            article = kb_services.get_article(db.session(), _me(), form.article_id.data)
        except NotFound:
            raise ValidationError("No such article.", fields={"article_id": "no such article"}) from None
        services.link_solution(db.session(), incident, _me(), article)
        return _("Solution “%(title)s” linked.", title=article.title)
    return _act(incident_id, "link_form", run)


@bp.post("/desk/incidents/<int:incident_id>/resolve")
@roles_required(*STAFF)
def resolve(incident_id: int) -> Response:
    def run(incident: Incident, form: Any) -> str:
        services.resolve_incident(db.session(), incident, _me(), form.note.data)
        return _("Resolved. Now the subscriber verifies the fix (or you record a call-back).")
    return _act(incident_id, "resolve_form", run)


@bp.post("/desk/incidents/<int:incident_id>/callback")
@roles_required(*STAFF)
def callback(incident_id: int) -> Response:
    def run(incident: Incident, form: Any) -> str:
        accepted = form.accepted.data == "yes"
        services.verify_incident(db.session(), incident, _me(), accepted=accepted, rating=form.rating.data,
                                 comment=form.comment.data or "", method="callback")
        return _("Call-back recorded: fix accepted.") if accepted else \
            _("Call-back recorded: fix rejected; the incident is back in work.")
    return _act(incident_id, "callback_form", run)


@bp.post("/desk/incidents/<int:incident_id>/close")
@roles_required(*STAFF)
def close(incident_id: int) -> Response:
    def run(incident: Incident, _form: Any) -> str:
        services.close_incident(db.session(), incident, _me())
        return _("Incident closed.")
    return _act(incident_id, "close_form", run)


@bp.post("/desk/incidents/<int:incident_id>/reopen")
@roles_required(*STAFF)
def reopen(incident_id: int) -> Response:
    def run(incident: Incident, form: Any) -> str:
        services.reopen_incident(db.session(), incident, _me(), form.reason.data,
                                 window_days=current_app.config.get("REOPEN_WINDOW_DAYS", 7))
        return _("Incident reopened.")
    return _act(incident_id, "reopen_form", run)
