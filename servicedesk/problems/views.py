"""Staff pages of problem management: the list with a new-problem form, and a problem's page with its incidents,
root cause, workaround, solution and the resolve step. Views translate; servicedesk.problems.services decides."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from kb.errors import DomainError, ValidationError
from kb.models import Article, ArticleRevision
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
                "set_solution": _l("Solution set"), "resolve": _l("Resolved with its incidents")}


class ProblemForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Write a short title.")), Length(max=200)])
    service = SelectField(_l("Service"), validators=[DataRequired(_l("Choose the service."))])
    zone = StringField(_l("Zone code"), validators=[Optional(), Length(max=40)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=problems.TEXT_MAX)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.service.choices = service_choices(_l("Choose…"))


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
    rows, total = problems.list_problems(db.session(), status=wanted if wanted in STATUS_LABELS else None,
                                         limit=100)
    return render_template("problems/list.html", problems=rows, total=total, form=form or ProblemForm(formdata=None),
                           status_labels=STATUS_LABELS, wanted=wanted), status


@bp.post("/desk/problems")
@roles_required(*STAFF)
def create() -> Any:
    form = ProblemForm()
    if not form.validate_on_submit():
        return problem_list(form, 400)
    try:
        problem = problems.create_problem(db.session(), me(), {
            "title": form.title.data, "service": form.service.data, "zone": form.zone.data,
            "description": form.description.data})
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        attach_domain_error(form, exc)
        return problem_list(form, exc.status)
    flash(_("Problem %(number)s recorded.", number=problem.number), "success")
    return redirect(url_for(".detail", problem_id=problem.id))


@bp.get("/desk/problems/<int:problem_id>")
@roles_required(*STAFF)
def detail(problem_id: int) -> Any:
    return _page(problems.get_problem(db.session(), problem_id))


def _act(problem_id: int, form: FlaskForm, name: str, run: Any, done: str) -> Any:
    s = db.session()
    problem = problems.get_problem(s, problem_id, for_update=True)
    if name == "solution_form":
        form.article_id.choices = _solutions()
    if not form.validate_on_submit():
        return _page(problem, 400, **{name: form})
    try:
        run(problem, form)
        s.commit()
    except DomainError as exc:
        s.rollback()
        attach_domain_error(form, exc)
        flash(domain_message(exc), "error")
        return _page(problems.get_problem(db.session(), problem_id), exc.status, **{name: form})
    flash(done, "success")
    return redirect(url_for(".detail", problem_id=problem_id))


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
