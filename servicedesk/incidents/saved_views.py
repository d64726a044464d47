"""Saved queue views: a staff member names the queue as they set it (tab, filters, sort, columns) and opens it
again from the queue page. Each person sees only their own. Saving a name again replaces what it holds; two
saves of one name at the same moment end with one view of that name (the later one's query), never an error."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from kb.errors import NotFound
from servicedesk import db
from servicedesk.auth.setup import STAFF, roles_required
from servicedesk.incidents.models import QueueView
from servicedesk.incidents.views import bp, me
from servicedesk.users.models import User

MAX_VIEWS = 30
# What a saved view keeps of the queue's query string (not the page number).
KEPT = frozenset({"tab", "q", "status", "service", "report_type", "category", "area", "zone", "tier", "assignee",
                  "sla", "created_from", "created_to", "sort", "cols"})


class SaveViewForm(FlaskForm):
    name = StringField(_l("Name this view"), validators=[DataRequired(_l("Give the view a name.")), Length(max=60)])
    query = HiddenField(validators=[Length(max=2000)])


def clean_query(query: str) -> str:
    """The queue's query string, kept to what a view holds."""
    return urlencode([(k, v) for k, v in parse_qsl(query.lstrip("?"), keep_blank_values=False) if k in KEPT])[:2000]


def views_of(s: Session, user: User) -> list[QueueView]:
    return list(s.scalars(select(QueueView).where(QueueView.user_id == user.id).order_by(QueueView.name)))


def save_view(s: Session, user: User, name: str, query: str) -> QueueView:
    """Saves (or replaces) the user's view of that name; a save racing another of the same name replaces it."""
    name, query = name.strip()[:60], clean_query(query)
    existing = s.scalar(select(QueueView).where(QueueView.user_id == user.id, QueueView.name == name))
    if existing is not None:
        existing.query = query
        s.flush()
        return existing
    try:
        with s.begin_nested():
            view = QueueView(user_id=user.id, name=name, query=query)
            s.add(view)
    except IntegrityError:  # the same name saved at the same moment in another request: replace that one
        s.execute(update(QueueView).where(QueueView.user_id == user.id, QueueView.name == name)
                  .values(query=query))
        found = s.scalar(select(QueueView).where(QueueView.user_id == user.id, QueueView.name == name))
        assert found is not None
        return found
    return view


@bp.post("/desk/incidents/views")
@roles_required(*STAFF)
def save() -> Response:
    s = db.session()
    form = SaveViewForm()
    if not form.validate_on_submit():
        flash(_("The view was not saved: give it a name of at most 60 characters."), "error")
        return redirect(url_for(".queue") + "?" + clean_query(request.form.get("query", "")))
    if len(views_of(s, me())) >= MAX_VIEWS:
        flash(_("You have %(num)d saved views already; delete one first.", num=MAX_VIEWS), "error")
        return redirect(url_for(".queue") + "?" + clean_query(form.query.data or ""))
    view = save_view(s, me(), form.name.data or "", form.query.data or "")
    s.commit()
    flash(_("View “%(name)s” saved.", name=view.name), "success")
    return redirect(url_for(".queue") + "?" + view.query)


@bp.post("/desk/incidents/views/<int:view_id>/delete")
@roles_required(*STAFF)
def delete(view_id: int) -> Response:
    s = db.session()
    view = s.get(QueueView, view_id) if view_id < 2**31 else None
    if view is None or view.user_id != me().id:
        raise NotFound("No such view.")
    name = view.name
    s.delete(view)
    s.commit()
    flash(_("View “%(name)s” deleted.", name=name), "success")
    return redirect(url_for(".queue"))
