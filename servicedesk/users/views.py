"""User administration for administrators: list, create, change role and access, reset a password."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from kb.actors import Role
from kb.errors import DomainError
from servicedesk import db
from servicedesk.auth.forms import apply_domain_error
from servicedesk.auth.setup import current, roles_required
from servicedesk.users.forms import EditUserForm, NewUserForm, ResetPasswordForm
from servicedesk.users.models import User
from servicedesk.users.services import create_user, set_password, update_user

bp = Blueprint("users", __name__, url_prefix="/admin/users")

PER_PAGE = 25


@bp.get("")
@roles_required(Role.ADMIN)
def list_users() -> str:
    q = request.args.get("q", "").strip()[:64]
    role = request.args.get("role", "")
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    stmt = select(User)
    if q:
        stmt = stmt.where(or_(User.username.icontains(q, autoescape=True),
                              User.display_name.icontains(q, autoescape=True)))
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.role == Role(role))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    users = db.session.scalars(stmt.order_by(User.username).offset((page - 1) * PER_PAGE).limit(PER_PAGE)).all()
    return render_template("users/list.html", users=users, q=q, role=role, page=page, per_page=PER_PAGE,
                           total=total, roles=list(Role))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user() -> Any:
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = create_user(db.session(), form.username.data or "", Role(form.role.data), form.password.data,
                               display_name=form.display_name.data or "", email=form.email.data or "",
                               phone=form.phone.data or "")
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc)
        else:
            db.session.commit()
            flash(_("User %(name)s created.", name=user.username), "success")
            return redirect(url_for("users.edit_user", user_id=user.id))
    return render_template("users/new.html", form=form)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(user_id: int) -> Any:
    actor, user = current(), db.session.get(User, user_id)
    assert actor is not None
    if user is None:
        abort(404)
    # Only the form that was sent reads the request: an unticked box in the other would read as "off".
    form = EditUserForm(prefix="edit", obj=user, formdata=request.form if "edit-submit" in request.form else None)
    reset = ResetPasswordForm(prefix="pw")
    reset.user = user  # the password policy checks the new password against this user's name
    try:
        if form.submit.data and form.validate_on_submit():
            update_user(db.session(), actor, user, role=Role(form.role.data), active=bool(form.active.data),
                        display_name=form.display_name.data or "")
            message = _("Changes saved.")
        elif reset.submit.data and reset.validate_on_submit():
            set_password(db.session(), user, reset.new_password.data or "", field="new_password")
            message = _("The password of %(name)s has been set and they have been logged out everywhere. "
                        "Tell them the new one in person, not by e-mail.", name=user.username)
        else:
            return render_template("users/edit.html", user=user, form=form, reset=reset)
    except DomainError as exc:
        db.session.rollback()
        apply_domain_error(form if form.submit.data else reset, exc)
        return render_template("users/edit.html", user=user, form=form, reset=reset)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("users.edit_user", user_id=user.id))
