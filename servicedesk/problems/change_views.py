"""Staff pages of change management, on the problems blueprint: the change calendar (week or month, warning of
windows that overlap on the same service and zone), the request form, and a change's page with its steps.
Views translate; servicedesk.problems.changes decides."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from kb.actors import Role
from kb.errors import DomainError, ValidationError
from servicedesk import db
from servicedesk.auth.setup import STAFF, roles_required
from servicedesk.formerrors import attach_domain_error
from servicedesk.incidents.models import Incident
from servicedesk.incidents.views import aware, desk_zone, me
from servicedesk.problems import changes
from servicedesk.problems.models import Change, ChangeStatus
from servicedesk.problems.views import bp, record_action

KIND_LABELS = {"standard": _l("Standard"), "normal": _l("Normal"), "emergency": _l("Emergency")}
RISK_LABELS = {"low": _l("Low risk"), "medium": _l("Medium risk"), "high": _l("High risk")}
STATUS_LABELS = {"requested": _l("Requested"), "approved": _l("Approved"), "scheduled": _l("Scheduled"),
                 "in_progress": _l("In progress"), "completed": _l("Completed"), "failed": _l("Failed"),
                 "rolled_back": _l("Rolled back")}
EVENT_LABELS = {"request": _l("Change requested"), "approve": _l("Approved"),
                "outage": _l("Outage notice published for the window"), "schedule": _l("Scheduled"),
                "start": _l("Work started"), "completed": _l("Completed"), "failed": _l("Failed"),
                "rolled_back": _l("Rolled back"), "review": _l("Post-implementation review written"),
                "link_incidents": _l("Incidents linked as caused by it")}
APPROVERS = (Role.LEAD, Role.ADMIN)


class ChangeForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Write a short title.")), Length(max=200)])
    description = TextAreaField(_l("What will be done"), validators=[Optional(), Length(max=10_000)])
    kind = SelectField(_l("Kind"), choices=list(KIND_LABELS.items()), default="normal")
    risk = SelectField(_l("Risk"), choices=list(RISK_LABELS.items()), default="medium")
    cutover = BooleanField(_l("Cut-over: the service is interrupted (the outage notice is published on approval)"))
    services = StringField(_l("Services"), validators=[DataRequired(_l("Give at least one service."))],
                           description=_l("Service codes separated by spaces, e.g. broadband cable_tv"))
    zones = StringField(_l("Zones"), validators=[DataRequired(_l("Give at least one zone."))],
                        description=_l("Zone codes separated by spaces, e.g. QS-01 QS-02"))
    planned_start = DateTimeLocalField(_l("Window starts"), validators=[DataRequired(_l("Give the start."))])
    planned_end = DateTimeLocalField(_l("Window ends"), validators=[DataRequired(_l("Give the end."))])
    implementer = StringField(_l("Implementer (username)"), validators=[Optional(), Length(max=64)])
    artefact_ids = StringField(_l("Change artefacts"), validators=[Optional(), Length(max=200)],
                               description=_l("Knowledge-base article numbers of the change request and its plans, "
                                              "separated by spaces"))


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])


class ScheduleForm(FlaskForm):
    implementer = StringField(_l("Implementer (username)"), validators=[Optional(), Length(max=64)])


class FinishForm(FlaskForm):
    outcome = SelectField(_l("Outcome"), choices=[("completed", _l("Completed")), ("failed", _l("Failed")),
                                                  ("rolled_back", _l("Rolled back"))])
    note = TextAreaField(_l("What happened"), validators=[DataRequired(_l("Say what happened.")), Length(max=5000)])


class ReviewForm(FlaskForm):
    review = TextAreaField(_l("Post-implementation review"),
                           validators=[DataRequired(_l("Write the review.")), Length(max=10_000)])


class IncidentsForm(FlaskForm):
    numbers = StringField(_l("Incident numbers"), validators=[DataRequired(_l("Give at least one incident number."))],
                          description=_l("Separated by spaces or commas, e.g. INC20261205-000031"))


def _day(value: str | None) -> date:
    try:
        day = date.fromisoformat(value) if value else datetime.now(desk_zone()).date()
        if not 2000 <= day.year <= 2100:  # a calendar page a year 1 or 9999 away cannot be drawn (nor wanted)
            raise ValueError(value)
        return day
    except ValueError:
        return datetime.now(desk_zone()).date()


@bp.get("/desk/changes")
@roles_required(*STAFF)
def change_calendar() -> Any:
    """The week (from its Monday) or the month around `start`, each day with the windows that touch it."""
    view = "month" if request.args.get("view") == "month" else "week"
    day = _day(request.args.get("start"))
    if view == "week":
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=7)
        previous, following = first - timedelta(days=7), last
    else:
        month = day.replace(day=1)
        following = (month + timedelta(days=32)).replace(day=1)
        previous = (month - timedelta(days=1)).replace(day=1)
        first = month - timedelta(days=month.weekday())
        last = following + timedelta(days=(7 - following.weekday()) % 7)
    zone = desk_zone()
    start, end = (datetime.combine(first, time(), zone), datetime.combine(last, time(), zone))
    found = changes.in_window(db.session(), start, end)
    overlaps = changes.overlaps(found)
    flagged = {c.id for o in overlaps for c in (o.first, o.second)}
    days = []
    for n in range((last - first).days):
        d = first + timedelta(days=n)
        lo, hi = datetime.combine(d, time(), zone), datetime.combine(d + timedelta(days=1), time(), zone)
        days.append((d, [c for c in found if c.planned_start < hi and c.planned_end > lo]))
    weeks = [days[i:i + 7] for i in range(0, len(days), 7)]
    return render_template("problems/changes.html", view=view, weeks=weeks, changes=found, overlaps=overlaps,
                           flagged=flagged, previous=previous, following=following, day=day,
                           status_labels=STATUS_LABELS, kind_labels=KIND_LABELS, risk_labels=RISK_LABELS)


def _form_page(form: ChangeForm, status: int = 200) -> Any:
    return render_template("problems/change_new.html", form=form), status


@bp.get("/desk/changes/new")
@roles_required(*STAFF)
def new_change() -> Any:
    return _form_page(ChangeForm(formdata=None))


@bp.post("/desk/changes/new")
@roles_required(*STAFF)
def create_change() -> Any:
    form = ChangeForm()
    if not form.validate_on_submit():
        return _form_page(form, 400)
    artefacts = [int(n) for n in re.findall(r"\d+", form.artefact_ids.data or "") if len(n) < 10]
    try:
        change = changes.create_change(db.session(), me(), {
            "title": form.title.data, "description": form.description.data, "kind": form.kind.data,
            "risk": form.risk.data, "cutover": form.cutover.data, "services": (form.services.data or "").split(),
            "zones": (form.zones.data or "").split(), "planned_start": aware(form.planned_start.data),
            "planned_end": aware(form.planned_end.data), "implementer": form.implementer.data,
            "artefact_ids": artefacts})
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        attach_domain_error(form, exc)
        return _form_page(form, exc.status)
    flash(_("Change %(number)s requested.", number=change.number), "success")
    return redirect(url_for(".change_detail", change_id=change.id))


def _detail(change: Change, status: int = 200, **given: FlaskForm) -> Any:
    s = db.session()
    return render_template(
        "problems/change_detail.html", change=change, incidents=changes.incidents_of(s, change),
        overlapping=changes.overlapping(s, change), status_labels=STATUS_LABELS, kind_labels=KIND_LABELS,
        risk_labels=RISK_LABELS, event_labels=EVENT_LABELS,
        may_approve=me().role in APPROVERS and me().id != change.requested_by_id,
        note_form=given.get("note_form") or NoteForm(formdata=None),
        schedule_form=given.get("schedule_form") or ScheduleForm(formdata=None, data={
            "implementer": change.implementer.username if change.implementer else ""}),
        finish_form=given.get("finish_form") or FinishForm(formdata=None),
        review_form=given.get("review_form") or ReviewForm(formdata=None, data={"review": change.review}),
        incidents_form=given.get("incidents_form") or IncidentsForm(formdata=None),
        ChangeStatus=ChangeStatus, ended=change.status in changes.ENDED), status


@bp.get("/desk/changes/<int:change_id>")
@roles_required(*STAFF)
def change_detail(change_id: int) -> Any:
    return _detail(changes.get_change(db.session(), change_id))


def _act(change_id: int, form: FlaskForm, name: str, run: Callable[[Change, Any], Any], done: str) -> Any:
    return record_action(lambda lock: changes.get_change(db.session(), change_id, for_update=lock), _detail, form,
                         name, run, done, url_for(".change_detail", change_id=change_id))


@bp.post("/desk/changes/<int:change_id>/approve")
@roles_required(*STAFF)
def approve_change(change_id: int) -> Any:
    if me().role not in APPROVERS:
        abort(403)
    return _act(change_id, NoteForm(), "note_form",
                lambda c, f: changes.approve_change(db.session(), c, me(), f.note.data), _("Change approved."))


@bp.post("/desk/changes/<int:change_id>/schedule")
@roles_required(*STAFF)
def schedule_change(change_id: int) -> Any:
    return _act(change_id, ScheduleForm(), "schedule_form", lambda c, f: changes.schedule_change(
        db.session(), c, me(), {"implementer": f.implementer.data}), _("Change scheduled."))


@bp.post("/desk/changes/<int:change_id>/start")
@roles_required(*STAFF)
def start_change(change_id: int) -> Any:
    return _act(change_id, NoteForm(), "note_form", lambda c, f: changes.start_change(db.session(), c, me()),
                _("Work started."))


@bp.post("/desk/changes/<int:change_id>/finish")
@roles_required(*STAFF)
def finish_change(change_id: int) -> Any:
    return _act(change_id, FinishForm(), "finish_form", lambda c, f: changes.finish_change(
        db.session(), c, me(), f.outcome.data, f.note.data), _("Outcome recorded."))


@bp.post("/desk/changes/<int:change_id>/review")
@roles_required(*STAFF)
def review_change(change_id: int) -> Any:
    return _act(change_id, ReviewForm(), "review_form", lambda c, f: changes.review_change(
        db.session(), c, me(), f.review.data), _("Review saved."))


@bp.post("/desk/changes/<int:change_id>/incidents")
@roles_required(*STAFF)
def link_change_incidents(change_id: int) -> Any:
    def run(change: Change, form: IncidentsForm) -> None:
        numbers = [n for n in re.split(r"[\s,，;；]+", form.numbers.data or "") if n]
        found = dict(db.session().execute(select(Incident.number, Incident.id)
                                          .where(Incident.number.in_(numbers))).all())
        missing = [n for n in numbers if n not in found]
        if missing:
            raise ValidationError(f"No such incident: {missing[0]}.", fields={"numbers": f"unknown {missing[0]}"})
        changes.link_incidents(db.session(), change, me(), list(found.values()))
    return _act(change_id, IncidentsForm(), "incidents_form", run, _("Incidents linked to the change."))

