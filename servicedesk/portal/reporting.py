"""Reporting a fault from the portal: one incident per form, whatever the network or the session does.

The form carries a one-time token (a double click or the back button finds the first incident), and
checks its own CSRF token, so a form left open too long, or a session that ended meanwhile, shows the
text again instead of an error page.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import login_user
from flask_wtf.csrf import validate_csrf
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms.validators import ValidationError as CSRFInvalid

from kb.errors import DomainError
from kb.models import Article
from kb.permissions import can_read_article
from kb.vocabulary import SERVICES
from servicedesk import db
from servicedesk.attachments import current_store
from servicedesk.auth.forms import LoginForm
from servicedesk.auth.setup import current, start_login_session
from servicedesk.catalogue.choices import chosen_type
from servicedesk.extensions import csrf, login_manager
from servicedesk.incidents.models import Incident
from servicedesk.incidents.services import DESCRIPTION_MAX, TITLE_MAX
from servicedesk.org.models import Zone
from servicedesk.portal import trail
from servicedesk.portal.blueprint import bp
from servicedesk.portal.forms import ReportForm
from servicedesk.portal.messages import place_error
from servicedesk.portal.photos import PHOTO_MAX_BYTES, Photo
from servicedesk.portal.services import SAME_REPORT_WINDOW, new_report_token, report_defaults, report_fault
from servicedesk.problems import outages
from servicedesk.users.models import User
from servicedesk.users.services import authenticate

# A report may carry a photo: its route takes the photo's size plus the form's text, every other route the app's.
REPORT_MAX_BYTES = PHOTO_MAX_BYTES + 4 * DESCRIPTION_MAX + 64 * 1024


def _allow_photo() -> None:
    if request.endpoint == "portal.report":
        request.max_content_length = REPORT_MAX_BYTES


# First of all hooks, like the attachment routes': the limit must be set before anything reads the form.
bp.record_once(lambda state: state.app.before_request_funcs.setdefault(None, []).insert(0, _allow_photo))


def zone_choices(s: Session) -> list[tuple[str, str]]:
    return [(code, name) for code, name in s.execute(select(Zone.code, Zone.name).order_by(Zone.name, Zone.code))]


@bp.route("/report", methods=["GET", "POST"])
def report() -> Any:
    user = current()
    zones = zone_choices(db.session())
    if request.method != "POST":
        if user is None:
            return login_manager.unauthorized()
        return _report_page(ReportForm(zones=zones, data=_prefill(user)))
    form = ReportForm(zones=zones)
    relogin = _relogin(form)
    user = current()
    if user is None:
        return _report_page(form, relogin)  # logged out meanwhile: the text stays on the page
    if not form.validate_on_submit():
        if "csrf_token" in form and form.csrf_token.errors:
            form.csrf_token.errors = []
            form.form_errors.append(_("This form was open too long, so it was not sent. Everything you typed is "
                                      "still here: check it and send it again. If you chose a photo, choose it "
                                      "again."))
        return _report_page(form)
    return _send(form, user)


csrf.exempt(report)  # the form checks its own token, so that an expired one shows the text again


def _csrf_ok(form: ReportForm) -> bool:
    if not form.meta.csrf:
        return True
    try:
        validate_csrf(form.csrf_token.data)
    except CSRFInvalid:
        return False
    return True


def _relogin(form: ReportForm) -> LoginForm:
    """Logs the user in from the report page's own login fields, shown when the session ended mid-form."""
    relogin = LoginForm(prefix="login", meta={"csrf": False})
    if current() is not None or not (relogin.username.data or relogin.password.data):
        return relogin
    if not _csrf_ok(form):
        relogin.password.errors = [_("The page had expired; log in again.")]
        return relogin
    user = authenticate(db.session(), relogin.username.data or "", relogin.password.data or "")
    if user is None:
        relogin.password.errors = [_("Wrong username or password, or the account is locked.")]
    else:
        login_user(user)
        start_login_session(user)
        db.session.commit()
    return relogin


def _prefill(user: User) -> dict[str, Any]:
    """The user's account, phone and address; the service of the article they came from; what they searched."""
    s = db.session()
    data: dict[str, Any] = {**report_defaults(s, user), "token": new_report_token()}
    query = trail.last_query()
    if query:
        data["title"] = query[:TITLE_MAX]
    article_id = request.args.get("article", type=int)
    article = s.get(Article, article_id) if article_id and 0 < article_id < 2**31 else None
    if article is not None and can_read_article(user, article):
        data["service"] = next((code for code in article.current.services or () if code in SERVICES), "")
    return data


def _report_page(form: ReportForm, relogin: LoginForm | None = None) -> Response:
    s = db.session()
    viewed = [a for a in (s.get(Article, i) for i in trail.viewed())
              if a is not None and can_read_article(current(), a)]
    just_reported = trail.recent_report(SAME_REPORT_WINDOW.total_seconds()) if request.method != "POST" else None
    return make_response(render_template("portal/report.html", form=form, relogin=relogin, viewed=viewed,
                                         just_reported=just_reported,
                                         photo_max_mb=PHOTO_MAX_BYTES // (1024 * 1024)))


def _send(form: ReportForm, user: User) -> Response:
    upload = form.photo.data
    photo = Photo(upload.filename or "", upload.read()) if upload and getattr(upload, "filename", "") else None
    data = {name: form[name].data for name in ("service", "customer_account", "area", "title", "description",
                                               "contact_phone", "address", "zone")}
    data["report_type"] = chosen_type(form.report_type.data, form.service.data)
    try:
        incident, created = report_fault(
            db.session(), user, data, token=form.token.data or new_report_token(), store=current_store(),
            photo=photo, viewed=trail.viewed(), search_query=trail.last_query(),
            policy=current_app.extensions["sla_policy"])
    except DomainError as exc:
        db.session.rollback()
        place_error(form, exc)
        return _report_page(form)
    db.session.commit()
    if created:
        trail.forget_reading()
        trail.note_report(incident.id, incident.number or "")
        flash(_("Thank you. Your report has been received as incident %(number)s.", number=incident.number),
              "success")
        _tell_known_outage(incident)
    else:
        flash(_("This report had already been received as incident %(number)s; it was not sent twice.",
                number=incident.number), "info")
    return redirect(url_for("portal.my_incident", incident_id=incident.id))


def _tell_known_outage(incident: Incident) -> None:
    """A report during a known outage of its service and zone: say so, with the expected end."""
    zone = incident.zone.code if incident.zone is not None else None
    found = outages.active(db.session(), zone=zone, service=incident.service) if zone else []
    if found:
        outage = found[0]
        if outage.ends_at is not None:
            flash(_("This is a known outage (%(title)s): we expect the service back by %(time)s. Your report is "
                    "joined to it; you will be told when it is fixed.", title=outage.title,
                    time=format_datetime(outage.ends_at, "short")), "info")
        else:
            flash(_("This is a known outage (%(title)s): the engineers are on it. Your report is joined to it; you "
                    "will be told when it is fixed.", title=outage.title), "info")
