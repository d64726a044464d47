"""Staff pages of problem management: the list with a new-problem form, and a problem's page with its incidents,
root cause, workaround, solution and the resolve step. Views translate; servicedesk.problems.services decides."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from kb.errors import DomainError, ValidationError
from kb.models import Article, ArticleRevision
from kb.vocabulary import SERVICES
from kb.workflow import ArticleStatus, ArticleType
from servicedesk import db
from servicedesk.auth.setup import STAFF, roles_required
from servicedesk.formerrors import attach_domain_error, domain_message
from servicedesk.incidents.forms import service_choices
from servicedesk.incidents.models import Incident
from servicedesk.incidents.views import me
from servicedesk.problems import services as problems
from servicedesk.problems.models import Problem, ProblemStatus

bp = Blueprint("problems", __name__)

STATUS_LABELS = {"open": _l("Open"), "known_error": _l("Known error"), "resolved": _l("Resolved"),
                 "closed": _l("Closed")}
EVENT_LABELS = {"create": _l("Problem recorded"), "update": _l("Root cause or workaround changed"),
                "known_error": _l("Marked as a known error"), "add_incidents": _l("Incidents gathered"),
                "set_solution": _l("Solution set"), "zones": _l("Zones added"),
                "resolve": _l("Resolved with its incidents")}


class ProblemForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Write a short title.")), Length(max=200)])
    service = SelectField(_l("Service"), validators=[DataRequired(_l("Choose the service."))])
    zones = StringField(_l("Zone codes"), validators=[Optional(), Length(max=500)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=problems.TEXT_MAX)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.service.choices = service_choices(_l("Choose…"), offered=True)


class AnalysisForm(FlaskForm):
    root_cause = TextAreaField(_l("Root cause"), validators=[Optional(), Length(max=problems.TEXT_MAX)])
    workaround = TextAreaField(_l("Workaround"), validators=[Optional(), Length(max=problems.TEXT_MAX)])
    status = SelectField(_l("Status"), choices=[("", _l("Leave as it is")),
                                                ("known_error", _l("Known error: the workaround is known"))],
                         validators=[Optional()])


class IncidentsForm(FlaskForm):
    numbers = StringField(_l("Incident numbers"), validators=[DataRequired(_l("Give at least one incident number."))],
                          description=_l("Separated by spaces or commas, e.g. INC20261205-000031"))


class SolutionForm(FlaskForm):
    article_id = SelectField(_l("Solution"), validators=[DataRequired(_l("Choose the solution."))])


class ResolveForm(FlaskForm):
    note = TextAreaField(_l("What was done"), validators=[DataRequired(_l("Say what fixed it.")), Length(max=5000)])


def _solutions() -> list[tuple[str, str]]:
    rows = db.session().execute(
        select(Article.id, ArticleRevision.title, Article.status).join(
            ArticleRevision, ArticleRevision.id == Article.live_revision_id, isouter=True)
        .where(Article.type == ArticleType.SOLUTION, Article.status != ArticleStatus.RETIRED)
        .order_by(Article.id.desc()).limit(300)).all()
    return [("", str(_l("Choose…")))] + [
        (str(i), f"#{i} {title or ''}{'' if status == ArticleStatus.APPROVED else ' · ' + _('not approved yet')}")
        for i, title, status in rows]


def _page(problem: Problem, status: int = 200, **given: FlaskForm) -> Any:
    s = db.session()
    solution_form = given.get("solution_form") or SolutionForm(formdata=None)
    solution_form.article_id.choices = _solutions()
    return render_template(
        "problems/detail.html", problem=problem, incidents=problems.incidents_of(s, problem),
        status_labels=STATUS_LABELS, event_labels=EVENT_LABELS,
        analysis_form=given.get("analysis_form") or AnalysisForm(formdata=None, data={
            "root_cause": problem.root_cause, "workaround": problem.workaround}),
        incidents_form=given.get("incidents_form") or IncidentsForm(formdata=None),
        solution_form=solution_form, resolve_form=given.get("resolve_form") or ResolveForm(formdata=None),
        resolved=problem.status in (ProblemStatus.RESOLVED, ProblemStatus.CLOSED)), status


@bp.get("/desk/problems")
@roles_required(*STAFF)
def problem_list(form: ProblemForm | None = None, status: int = 200) -> Any:
    wanted = request.args.get("status") or None
    service = request.args.get("service") or None
    zone = (request.args.get("zone") or "").strip()[:40] or None
    rows, total = problems.list_problems(db.session(), status=wanted if wanted in STATUS_LABELS else None,
                                         service=service if service in SERVICES else None, zone=zone, limit=100)
    return render_template("problems/list.html", problems=rows, total=total, form=form or ProblemForm(formdata=None),
                           status_labels=STATUS_LABELS, wanted=wanted, service=service, zone=zone,
                           services=service_choices(_l("Any service"))), status


@bp.post("/desk/problems")
@roles_required(*STAFF)
def create() -> Any:
    form = ProblemForm()
    if not form.validate_on_submit():
        return problem_list(form, 400)
    try:
        problem = problems.create_problem(db.session(), me(), {
            "title": form.title.data, "service": form.service.data, "zones": form.zones.data or "",
            "description": form.description.data})
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        attach_domain_error(form, exc)
        return problem_list(form, exc.status)
    flash(_("Problem %(number)s recorded.", number=problem.number), "success")
    return redirect(url_for(".detail", problem_id=problem.id))


@bp.get("/desk/problems/candidates")
@roles_required(*STAFF)
def candidate_list(status: int = 200) -> Any:
    """Clusters of reports (one service, one zone, PROBLEM_CLUSTER_COUNT within PROBLEM_CLUSTER_MINUTES) that
    no problem gathers yet; the leader's notice links here."""
    from servicedesk.problems import candidates

    rules = candidates.settings()
    return render_template("problems/candidates.html", candidates=candidates.candidates(db.session(), rules=rules),
                           weak=candidates.weak_solutions(db.session()), rules=rules,
                           form=FlaskForm(formdata=None)), status


@bp.post("/desk/problems/candidates")
@roles_required(*STAFF)
def open_candidate() -> Any:
    from kb.vocabulary import service_label
    from servicedesk.org.models import Zone

    form = FlaskForm()
    zone_id, service = request.form.get("zone_id", ""), request.form.get("service", "")
    if not form.validate_on_submit() or not zone_id.isdigit():
        flash(_("The form has expired; please try again."), "error")
        return candidate_list(400)
    s = db.session()
    zone = s.get(Zone, int(zone_id)) if len(zone_id) < 10 else None
    title = _("%(service)s outage in %(zone)s", service=service_label(service, str(get_locale())),
              zone=zone.name if zone else "")
    try:
        problem = problems.open_from_cluster(s, me(), int(zone_id) if zone else 0, service, title)
        s.commit()
    except DomainError as exc:
        s.rollback()
        flash(domain_message(exc), "error")
        return candidate_list(exc.status)
    flash(_("Problem %(number)s recorded with its incidents.", number=problem.number), "success")
    return redirect(url_for(".detail", problem_id=problem.id))


@bp.app_template_global("known_error_hints")
def known_error_hints(incident: Incident) -> list[Problem]:
    """For the staff incident page (templates/problems/_known_error_hint.html): the known errors of the
    incident's service and zone whose workaround the agent may offer."""
    return problems.known_errors_for(db.session(), incident)


@bp.app_template_global("problem_links")
def problem_links(incident: Incident) -> dict[str, Any]:
    """For the staff incident page (templates/problems/_incident_links.html): the problem the incident belongs
    to and the change that caused it, if any."""
    from servicedesk.problems import changes

    s = db.session()
    return {"problem": s.get(Problem, incident.problem_id) if incident.problem_id else None,
            "change": changes.change_of(s, incident.id)}


@bp.get("/desk/problems/<int:problem_id>")
@roles_required(*STAFF)
def detail(problem_id: int) -> Any:
    return _page(problems.get_problem(db.session(), problem_id))


def record_action(load: Callable[[bool], Any], page: Callable[..., Any], form: FlaskForm, name: str,
                  run: Callable[[Any, Any], Any], done: str, back: str) -> Any:
    """One action on a record's page (a problem, a change): valid form → service → commit → back to the page;
    else the page again with the form kept (400, or the refusal's status with its message)."""
    s = db.session()
    record = load(True)
    if not form.validate_on_submit():
        return page(record, 400, **{name: form})
    try:
        run(record, form)
        s.commit()
    except DomainError as exc:
        s.rollback()
        attach_domain_error(form, exc)
        flash(domain_message(exc), "error")
        return page(load(False), exc.status, **{name: form})
    flash(done, "success")
    return redirect(back)


def _act(problem_id: int, form: FlaskForm, name: str, run: Any, done: str) -> Any:
    if name == "solution_form":
        form.article_id.choices = _solutions()
    return record_action(lambda lock: problems.get_problem(db.session(), problem_id, for_update=lock), _page, form,
                         name, run, done, url_for(".detail", problem_id=problem_id))


@bp.post("/desk/problems/<int:problem_id>/analysis")
@roles_required(*STAFF)
def analysis(problem_id: int) -> Any:
    return _act(problem_id, AnalysisForm(), "analysis_form", lambda p, f: problems.update_problem(
        db.session(), p, me(), {"root_cause": f.root_cause.data, "workaround": f.workaround.data,
                                     "status": f.status.data}), _("Saved."))


@bp.post("/desk/problems/<int:problem_id>/incidents")
@roles_required(*STAFF)
def add_incidents(problem_id: int) -> Any:
    def run(problem: Problem, form: IncidentsForm) -> None:
        numbers = [n for n in re.split(r"[\s,，;；]+", form.numbers.data or "") if n]
        found = dict(db.session().execute(select(Incident.number, Incident.id)
                                          .where(Incident.number.in_(numbers))).all())
        missing = [n for n in numbers if n not in found]
        if missing:
            raise ValidationError(f"No such incident: {missing[0]}.", fields={"numbers": f"unknown {missing[0]}"})
        problems.add_incidents(db.session(), problem, me(), found.values())
    return _act(problem_id, IncidentsForm(), "incidents_form", run, _("Incidents gathered into the problem."))


@bp.post("/desk/problems/<int:problem_id>/solution")
@roles_required(*STAFF)
def set_solution(problem_id: int) -> Any:
    return _act(problem_id, SolutionForm(), "solution_form", lambda p, f: problems.set_solution(
        db.session(), p, me(), db.session().get(Article, int(f.article_id.data))), _("Solution set."))


@bp.post("/desk/problems/<int:problem_id>/resolve")
@roles_required(*STAFF)
def resolve(problem_id: int) -> Any:
    return _act(problem_id, ResolveForm(), "resolve_form", lambda p, f: problems.resolve_problem(
        db.session(), p, me(), f.note.data), _(
        "Problem resolved: its open incidents have the solution and wait for their reporters' confirmation."))


@bp.app_template_global("outage_notices")
def outage_notices() -> list[Any]:
    """The outage notices in force that concern the visitor: those of the zones of a signed-in subscriber's
    records, else (a visitor, or no zone on record) every notice in force, which names its zones."""
    from flask_login import current_user

    from servicedesk.org.models import Subscriber, Zone
    from servicedesk.problems import outages

    s = db.session()
    found = outages.active(s)
    if not found or not current_user.is_authenticated:
        return found
    zones = set(s.scalars(select(Zone.code).join(Subscriber, Subscriber.zone_id == Zone.id)
                          .where(Subscriber.user_id == current_user.id)))
    return [o for o in found if set(o.zones) & zones] if zones else found


@bp.app_template_global("zone_names")
def zone_names(codes: list[str]) -> str:
    from servicedesk.org.models import Zone

    names = dict(db.session().execute(select(Zone.code, Zone.name).where(Zone.code.in_(codes))).all())
    return "、".join(names.get(c, c) for c in codes)


class OutageForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Write a short title.")), Length(max=200)])
    message = TextAreaField(_l("Message to subscribers"), validators=[Optional(), Length(max=2000)])
    services = StringField(_l("Services"), validators=[DataRequired(_l("Give at least one service."))],
                           description=_l("Service codes separated by spaces, e.g. broadband cable_tv"))
    zones = StringField(_l("Zones"), validators=[DataRequired(_l("Give at least one zone."))],
                        description=_l("Zone codes separated by spaces, e.g. QS-01 QS-02"))
    starts_at = DateTimeLocalField(_l("Since"), validators=[DataRequired(_l("Give the start."))])
    ends_at = DateTimeLocalField(_l("Expected back by"), validators=[Optional()])
    problem = SelectField(_l("Problem behind it"), validators=[Optional()])


def _problem_choices() -> list[tuple[str, str]]:
    rows = db.session().execute(select(Problem.id, Problem.number, Problem.title)
                                .where(Problem.status.in_([ProblemStatus.OPEN, ProblemStatus.KNOWN_ERROR]))
                                .order_by(Problem.id.desc()).limit(100)).all()
    return [("", str(_l("None")))] + [(str(i), f"{n} {t}") for i, n, t in rows]


def _outage_page(form: OutageForm | None = None, status: int = 200) -> Any:
    from servicedesk.problems import outages

    form = form or OutageForm(formdata=None)
    form.problem.choices = _problem_choices()
    return render_template("problems/outages.html", outages=outages.active(db.session()),
                           upcoming=outages.list_outages(db.session(), state="upcoming"), form=form,
                           end_form=FlaskForm(formdata=None)), status


@bp.get("/desk/outages")
@roles_required(*STAFF)
def outage_list() -> Any:
    return _outage_page()


@bp.post("/desk/outages")
@roles_required(*STAFF)
def create_outage() -> Any:
    from servicedesk.incidents.views import aware
    from servicedesk.problems import outages

    form = OutageForm()
    form.problem.choices = _problem_choices()
    if not form.validate_on_submit():
        return _outage_page(form, 400)
    try:
        outages.create_outage(db.session(), me(), {
            "title": form.title.data, "message": form.message.data,
            "services": (form.services.data or "").split(), "zones": (form.zones.data or "").split(),
            "starts_at": aware(form.starts_at.data), "ends_at": aware(form.ends_at.data),
            "problem_id": form.problem.data or None})
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        attach_domain_error(form, exc, aliases={"problem_id": "problem"})
        return _outage_page(form, exc.status)
    flash(_("Outage notice published: the portal shows it to the subscribers of those zones."), "success")
    return redirect(url_for(".outage_list"))


@bp.post("/desk/outages/<int:outage_id>/end")
@roles_required(*STAFF)
def end_outage(outage_id: int) -> Any:
    return _end(outage_id, cancel=False)


@bp.post("/desk/outages/<int:outage_id>/cancel")
@roles_required(*STAFF)
def cancel_outage(outage_id: int) -> Any:
    return _end(outage_id, cancel=True)


def _end(outage_id: int, *, cancel: bool) -> Any:
    from servicedesk.problems import outages

    form = FlaskForm()
    if not form.validate_on_submit():
        return _outage_page(status=400)
    try:
        outages.end_outage(db.session(), outages.get_outage(db.session(), outage_id, for_update=True), me(),
                           cancel=cancel)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(domain_message(exc), "error")
        return _outage_page(status=exc.status)
    flash(_("Outage notice withdrawn.") if cancel else _("Outage notice ended."), "success")
    return redirect(url_for(".outage_list"))


from servicedesk.problems import change_views  # noqa: E402, F401  (the change pages join this blueprint)
