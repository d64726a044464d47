"""Logging in and out, the language switch, and the user's own profile (password, API tokens, language)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext, refresh
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from kb.errors import DomainError
from servicedesk import db
from servicedesk.auth import sessions
from servicedesk.auth.forms import (
    PASSWORD_HINT,
    EndOneSessionForm,
    EndSessionsForm,
    LanguageForm,
    LocaleForm,
    LoginForm,
    PasswordForm,
    RegisterForm,
    RevokeTokenForm,
    TokenForm,
    apply_domain_error,
)
from servicedesk.auth.setup import bind_to_session, current, current_session_hash, start_login_session
from servicedesk.i18n import LANG_COOKIE
from servicedesk.portal.messages import place_error
from servicedesk.portal.registration import register_subscriber
from servicedesk.users.models import User
from servicedesk.users.passwords import verify_password
from servicedesk.users.services import (
    REGISTRATION,
    TooManyAttempts,
    attempt_guard,
    change_password,
    check_login,
    end_sessions,
    issue_token,
    refuse_while_locked,
    revoke_token,
    set_locale,
)
from servicedesk.web import safe_next

bp = Blueprint("auth", __name__)

LANG_COOKIE_AGE = 365 * 24 * 3600


@bp.app_context_processor
def _password_policy() -> dict[str, Any]:
    return {"password_hint": PASSWORD_HINT}


def home_for(user: User) -> str:
    """Where a user lands after logging in: staff at the queue, subscribers at their incidents."""
    return url_for("incidents.queue") if user.is_staff else url_for("portal.my_incidents")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), home_for(current_user)))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = check_login(db.session(), form.username.data or "", form.password.data or "")
        except TooManyAttempts as exc:
            form.form_errors.append(locked_message(exc))
            return locked(render_template("auth/login.html", form=form), exc)
        if user is not None:
            login_user(user, remember=bool(form.remember.data))
            start_login_session(user)
            db.session.commit()
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            return redirect(safe_next(form.next.data, home_for(user)))
        form.password.errors = [_("Wrong username or password, or the account is locked.")]
    return render_template("auth/login.html", form=form)


def locked_message(exc: TooManyAttempts) -> str:
    """How long to wait after too many failures, in whole minutes."""
    minutes = max(1, -(-exc.retry_after // 60))
    return ngettext("Too many failed attempts. For your security, try again in %(num)d minute.",
                    "Too many failed attempts. For your security, try again in %(num)d minutes.", minutes)


def locked(page: str, exc: TooManyAttempts) -> Response:
    """The page, answered 429 with the wait in Retry-After."""
    response = make_response(page, 429)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _undisclosed(exc: DomainError) -> bool:
    """Refusals of a registration that must read alike, so that the form never tells whether a username is
    taken: a taken name, and a phone that does not match the account's record. (That an account already has
    a login is said plainly: only someone who knows its account number and phone gets that far.)"""
    return exc.code == "username_taken" or "does not match the account" in exc.fields.values()


def _undisclosed_refusal(form: RegisterForm) -> None:
    """The same sentence above the form, and the same three fields marked, whichever of them was the cause."""
    form.form_errors.append(_(
        "We could not create an account with these details. Check that the account number and "
        "the mobile phone are the ones on your bill, and try another username. If it still does "
        "not work, call the service hotline."))
    form.account.errors = [_("Check the account number on your bill.")]
    form.phone.errors = [_("Check the mobile phone number you gave us.")]
    form.username.errors = [_("Or choose another username.")]


@bp.route("/register", methods=["GET", "POST"])
def register() -> Any:
    """Subscribers create their own login with their account number (staff accounts come from an admin)."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), home_for(current_user)))
    form = RegisterForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        guard = attempt_guard()
        try:
            refuse_while_locked(guard, REGISTRATION, "")
            user = register_subscriber(db.session(), username=form.username.data or "",
                                       password=form.password.data or "", display_name=form.display_name.data or "",
                                       phone=form.phone.data or "", account=form.account.data or "")
        except TooManyAttempts as exc:
            form.form_errors.append(locked_message(exc))
            return locked(render_template("auth/register.html", form=form), exc)
        except DomainError as exc:
            db.session.rollback()
            if _undisclosed(exc):
                if exc.code != "username_taken":
                    verify_password(None, form.password.data or "")  # a taken name costs a hash too
                guard.failed(REGISTRATION, "")
                _undisclosed_refusal(form)
            else:
                place_error(form, exc)
        else:
            login_user(user)
            start_login_session(user)
            db.session.commit()
            flash(_("Welcome, %(name)s. Your account is ready.", name=user.name), "success")
            return redirect(safe_next(form.next.data, url_for("portal.my_incidents")))
    return render_template("auth/register.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    """Ends this session and every other session and remember cookie of the user."""
    user = current()
    logout_user()
    session.pop("sid", None)
    if user is not None:
        end_sessions(db.session(), user)  # this session's record with all the others
        db.session.commit()
    flash(_("You have logged out."), "info")
    return redirect(url_for("portal.home"))


@bp.post("/lang")
def set_language() -> Response:
    form = LanguageForm()
    response = redirect(safe_next(form.next.data, url_for("portal.home")))
    if not form.validate():
        return response
    lang = form.lang.data or ""
    response.set_cookie(LANG_COOKIE, lang, max_age=LANG_COOKIE_AGE, httponly=True, samesite="Lax",
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    user = current()
    if user is not None:
        set_locale(db.session(), user, lang)
        db.session.commit()
    return response


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> Any:
    user = current()
    assert user is not None
    forms = {
        "password": PasswordForm(user, prefix="pw"),
        "token": TokenForm(prefix="tok"),
        "locale": LocaleForm(prefix="loc", data={"locale": user.locale or ""}),
    }
    new_token = None
    if request.method == "POST":
        outcome = _profile_action(user, forms)
        if isinstance(outcome, Response):
            return outcome
        new_token = outcome
    page = render_template("auth/profile.html", user=user, forms=forms, new_token=new_token,
                           end_form=EndSessionsForm(prefix="es", formdata=None),
                           sessions=sessions.list_sessions(db.session(), user),
                           this_session=current_session_hash(), end_one_form=EndOneSessionForm(formdata=None),
                           tokens=sorted(user.tokens, key=lambda t: t.created_at, reverse=True),
                           revoke_form=RevokeTokenForm(prefix="rv", formdata=None))
    response = make_response(page)
    if new_token:
        response.headers["Cache-Control"] = "no-store"  # the secret must not linger in a cache
    retry_after = getattr(forms["password"], "retry_after", 0)
    if retry_after:
        response.status_code = 429
        response.headers["Retry-After"] = str(retry_after)
    return response


def _keep_this_session(user: User) -> None:
    """After the user's sessions were ended on purpose, this one goes on (under the new session version),
    with its own record when that was kept, else with a new one."""
    login_user(user, remember=current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies)
    key = session.get("sid")
    record = sessions.session_for_key(db.session(), key) if isinstance(key, str) and key else None
    if record is None or record.ended_at is not None or record.user_id != user.id:
        start_login_session(user)
    else:
        bind_to_session(user)


def _profile_action(user: User, forms: dict[str, Any]) -> Response | str | None:
    """Runs the one action the profile page posted: a redirect, a new token's secret, or None to re-render."""
    s = db.session()
    pw, tok, loc = forms["password"], forms["token"], forms["locale"]
    revoke = RevokeTokenForm(prefix="rv")
    end = EndSessionsForm(prefix="es")
    if pw.submit.data:
        if not pw.validate():
            return None
        try:
            change_password(s, user, pw.current_password.data or "", pw.new_password.data or "")
        except TooManyAttempts as exc:
            pw.form_errors.append(locked_message(exc))
            pw.retry_after = exc.retry_after
            return None
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(pw, exc)
            return None
        db.session.commit()
        _keep_this_session(user)
        message = _("Your password has been changed. You are still logged in here; everywhere else you "
                    "have been logged out.")
    elif end.submit.data:
        if not end.validate():
            return None
        end_sessions(s, user, except_key_hash=current_session_hash())
        db.session.commit()
        _keep_this_session(user)
        message = _("You have been logged out everywhere else. Your API tokens still work; revoke any you "
                    "do not use.")
    elif tok.submit.data:
        if not tok.validate():
            return None
        secret = issue_token(s, user, tok.name.data or "")
        db.session.commit()
        forms["token"] = TokenForm(prefix="tok", formdata=None)
        return secret
    elif revoke.submit.data:
        token_id = str(revoke.token_id.data or "")
        try:
            revoke_token(s, user, int(token_id) if revoke.validate() and token_id.isdigit() else 0)
        except DomainError:  # not one of the user's tokens, or already gone
            flash(_("This token does not exist any more."), "error")
            return redirect(url_for("auth.profile"))
        message = _("The token has been revoked; it no longer works.")
    elif loc.submit.data:
        if not loc.validate():
            return None
        set_locale(s, user, loc.locale.data or "")
        refresh()  # say the confirmation in the language just chosen
        message = _("Language saved.")
    else:
        return None
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("auth.profile"))


@bp.post("/profile/sessions/<int:session_id>/end")
@login_required
def end_one_session(session_id: int) -> Response:
    """Ends one of the user's sessions (another's: 404); ending this browser's own logs it out."""
    user = current()
    assert user is not None
    if not EndOneSessionForm().validate():
        flash(_("The page had expired; try again."), "error")
        return redirect(url_for("auth.profile"))
    try:
        record = sessions.end_session(db.session(), user, session_id)
    except DomainError:
        abort(404)
    db.session.commit()
    if record.key_hash == current_session_hash():
        logout_user()
        session.pop("sid", None)
        flash(_("You have logged out."), "info")
        return redirect(url_for("auth.login"))
    flash(_("That session has ended; that browser is logged out."), "success")
    return redirect(url_for("auth.profile"))
