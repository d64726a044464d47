"""The self-service portal: search first, report a fault, follow it, and confirm or reject the fix.

Reporting lives in reporting.py, reading (the visit's trail, "did this solve your problem?") in
reading.py; all three add routes to the one blueprint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from kb.errors import Conflict, ValidationError
from kb.models import Article, ArticleRevision
from kb.permissions import is_public
from kb.workflow import ArticleStatus, Visibility
from servicedesk import db
from servicedesk.attachments import current_store
from servicedesk.auth.setup import current
from servicedesk.conversation.services import fold_steps
from servicedesk.formerrors import domain_message
from servicedesk.incidents.models import Incident
from servicedesk.incidents.services import REOPEN_WINDOW_DAYS, get_incident, reopen_incident, verify_incident
from servicedesk.incidents.workflow import IncidentStatus
from servicedesk.org import queries as org_queries
from servicedesk.org.news import read_news
from servicedesk.org.sla_policies import policy_in_force
from servicedesk.portal import reading, reporting
from servicedesk.portal.blueprint import bp
from servicedesk.portal.forms import RATING_TAG_LABELS, ConfirmFixForm, RejectFixForm, ReopenForm
from servicedesk.portal.messages import place_error
from servicedesk.portal.photos import get_photo, photos_for
from servicedesk.portal.services import confirm_fix, report_for, tags_for
from servicedesk.portal.visibility import EVENT_LABELS, note_for_subscriber, subscriber_sees
from servicedesk.users.models import User

__all__ = ["bp", "reading", "reporting"]


PORTAL_SERVICES = ("broadband", "iptv", "cable_tv", "satellite_tv", "leased_line")
POPULAR_PER_SERVICE = 5
PER_PAGE = 20

# What the services say when a portal link leads nowhere; listed so the catalog carries them, since the
# error pages translate a message by its exact text.
NOT_FOUND_MESSAGES = (_l("No such incident."), _l("No such article."))
# The four steps a subscriber sees, and the step each status stands at (closed: all four done).
STEPS = (_l("Reported"), _l("Being fixed"), _l("Fixed"), _l("Closed"))
STEP_OF = {IncidentStatus.NEW: 0, IncidentStatus.ASSIGNED: 1, IncidentStatus.IN_PROGRESS: 1,
           IncidentStatus.PENDING: 1, IncidentStatus.RESOLVED: 2, IncidentStatus.CLOSED: 4}


class Popular(NamedTuple):
    id: int
    title: str


def popular_articles(s: Session, services: tuple[str, ...], per_service: int) -> dict[str, list[Popular]]:
    """The most-read approved public articles of each service."""
    stmt = (select(Article.id, ArticleRevision.title, ArticleRevision.services)
            .join(ArticleRevision, Article.live_revision_id == ArticleRevision.id)
            .where(Article.status == ArticleStatus.APPROVED, ArticleRevision.visibility == Visibility.PUBLIC)
            .order_by(Article.view_count.desc(), Article.id.desc())
            .execution_options(yield_per=200))
    popular: dict[str, list[Popular]] = {code: [] for code in services}
    wanted = len(services) * per_service
    for row in s.execute(stmt):
        for code in row.services or ():
            if code in popular and len(popular[code]) < per_service:
                popular[code].append(Popular(row.id, row.title))
                wanted -= 1
        if not wanted:
            break  # every service has its share: read no further
    return popular


def respond_minutes(incident: Incident) -> int:
    return max(1, round((incident.respond_by - incident.created_at) / timedelta(minutes=1)))


@bp.get("/")
def home() -> str:
    popular = popular_articles(db.session(), PORTAL_SERVICES, POPULAR_PER_SERVICE)
    return render_template("portal/home.html", popular=popular,
                           respond_minutes=policy_in_force(db.session()).respond_minutes)


@bp.get("/my/incidents")
@login_required
def my_incidents() -> str:
    user = current()
    assert user is not None
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    mine = Incident.reporter_id == user.id
    total = db.session.scalar(select(func.count()).select_from(Incident).where(mine)) or 0
    incidents = db.session.scalars(select(Incident).where(mine).order_by(Incident.created_at.desc(), Incident.id.desc())
                                   .offset((page - 1) * PER_PAGE).limit(PER_PAGE)).all()
    s = db.session()
    return render_template("portal/my_incidents.html", incidents=incidents, page=page, per_page=PER_PAGE,
                           total=total, unread=org_queries.unread_count(s, user.id),
                           news=org_queries.incidents_with_unread(s, user.id, [i.id for i in incidents]))


@bp.route("/my/incidents/<int:incident_id>", methods=["GET", "POST"])
@login_required
def my_incident(incident_id: int) -> Any:
    user = current()
    assert user is not None
    incident = get_incident(db.session(), user, incident_id)
    if incident.reporter_id != user.id:
        if user.is_staff:
            return redirect(url_for("incidents.detail", incident_id=incident.id))
        abort(404)
    forms = {"confirm": ConfirmFixForm(prefix="confirm"), "reject": RejectFixForm(prefix="reject"),
             "reopen": ReopenForm(prefix="reopen")}
    if request.method == "POST":
        done = _verdict(incident, user, forms)
        if done is not None:
            return done
    s = db.session()
    if request.method == "GET":
        read_news(user, incident.id)
    return render_template("portal/my_incident.html", incident=incident, forms=forms, timeline=_timeline(incident),
                           steps=STEPS, step=STEP_OF[incident.status], respond_minutes=respond_minutes(incident),
                           solution_public=incident.solution is not None and is_public(incident.solution),
                           details=report_for(s, incident.id), photos=photos_for(s, incident.id),
                           tags=tags_for(s, [v.id for v in incident.verifications]), tag_labels=RATING_TAG_LABELS)


@bp.get("/my/incidents/<int:incident_id>/photos/<int:photo_id>")
@login_required
def photo(incident_id: int, photo_id: int) -> Response:
    """A photo sent with a report, for the reporter and for staff only."""
    found = get_photo(db.session(), current(), incident_id, photo_id)
    path = current_store().path(found.blob.sha256)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=found.blob.content_type, download_name=found.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _verdict(incident: Incident, user: User, forms: dict[str, Any]) -> Response | None:
    """Records the subscriber's verdict (confirm, reject, reopen); None re-renders the page with the errors."""
    s = db.session()
    confirm, reject, reopen = forms["confirm"], forms["reject"], forms["reopen"]
    try:
        if confirm.submit.data and confirm.validate():
            confirm_fix(s, incident, user, rating=confirm.rating.data, tags=list(confirm.tags.data or []),
                        comment=confirm.comment.data or "")
            message = ""  # the page thanks them in place of the question: one thank-you, not two
        elif reject.submit.data and reject.validate():
            verify_incident(s, incident, user, accepted=False, comment=reject.reason.data)
            message = _("We are sorry it is not fixed yet. The engineers have your incident back and will contact you.")
        elif reopen.submit.data and reopen.validate():
            reopen_incident(s, incident, user, reopen.reason.data,
                            window_days=current_app.config.get("REOPEN_WINDOW_DAYS", REOPEN_WINDOW_DAYS))
            message = _("The incident has been reopened. The engineers will contact you.")
        else:
            return None
    except ValidationError as exc:
        db.session.rollback()
        place_error(next(f for f in forms.values() if f.submit.data), exc)
        return None
    except Conflict as exc:
        db.session.rollback()
        flash(domain_message(exc), "error")
        return redirect(url_for("portal.my_incident", incident_id=incident.id))
    db.session.commit()
    if message:
        flash(message, "success")
    return redirect(url_for("portal.my_incident", incident_id=incident.id))


@dataclass(frozen=True)
class PortalEvent:
    """A history event as the subscriber sees it: what happened, and whether they did it (staff stay unnamed)."""

    at: datetime
    action: str
    label: Any
    note: str
    by_reporter: bool


def _timeline(incident: Incident) -> list[PortalEvent]:
    entries = []
    for event in fold_steps(incident.events):  # an assignment is one step, not two
        if not subscriber_sees(event):
            continue  # taken off someone's desk, or the desk's own bookkeeping: nothing to follow
        entries.append(PortalEvent(at=event.at, action=event.action, label=EVENT_LABELS[event.action],
                                   note=note_for_subscriber(event), by_reporter=event.actor_id == incident.reporter_id))
    return entries
