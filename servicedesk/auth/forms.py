"""Forms of the login, language and profile pages."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, HiddenField, PasswordField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, StopValidation

from kb.errors import DomainError
from servicedesk.formerrors import attach_domain_error
from servicedesk.users import passwords
from servicedesk.users.models import User
from servicedesk.users.passwords import MIN_BESIDE_USERNAME, MIN_DISTINCT, MIN_PASSWORD

# Each language is named in itself, so anyone can find their own.
LANGUAGE_CHOICES = [("zh_CN", "中文"), ("en", "English")]

# The password policy's reasons, said beside the field in the reader's language.
POLICY_MESSAGES: dict[str, Any] = {
    passwords.TOO_SHORT: _l("The password needs at least %(min)d characters.", min=MIN_PASSWORD),
    passwords.TOO_LONG: _l("The password may have at most %(max)d characters.", max=passwords.MAX_PASSWORD),
    passwords.TOO_COMMON: _l("This password is one of the most common passwords; choose one that is harder "
                             "to guess."),
    passwords.LIKE_USERNAME: _l("The password is too close to the username: add at least %(num)d characters "
                                "of your own besides it.", num=MIN_BESIDE_USERNAME),
    passwords.TOO_REPETITIVE: _l("The password needs at least %(num)d different characters.", num=MIN_DISTINCT),
}


def policy_message(exc: DomainError) -> str | None:
    """The sentence, in the reader's language, of a password-policy refusal; None for other refusals."""
    for reason in exc.fields.values():
        if reason in POLICY_MESSAGES:
            return str(POLICY_MESSAGES[reason])
    return None


# The policy in one line, under every field that chooses a password.
PASSWORD_HINT = _l("At least %(min)d characters; not a common password, not your username with a little added.",
                   min=MIN_PASSWORD)


class PasswordPolicy:
    """The service's password policy (users.passwords), checked on the form so its reason stands beside the
    field; the username is the form's `username` field or the `user` the form is for."""

    def __call__(self, form: FlaskForm, field: Field) -> None:
        username_field = getattr(form, "username", None)
        user = getattr(form, "user", None)
        username = (username_field.data if username_field is not None else getattr(user, "username", "")) or ""
        problem = passwords.password_problem(field.data or "", str(username))
        if problem is not None:
            raise StopValidation(str(POLICY_MESSAGES[problem]))


def new_password_field(label: Any) -> PasswordField:
    """A field for choosing a password, checked as the service will check it."""
    return PasswordField(label, render_kw={"autocomplete": "new-password"}, validators=[
        DataRequired(message=_l("Enter a new password.")),
        PasswordPolicy(),
    ])


def repeat_password_field(label: Any, of: str) -> PasswordField:
    """The same password typed again, which must match the field named `of`."""
    return PasswordField(label, render_kw={"autocomplete": "new-password"}, validators=[
        DataRequired(message=_l("Repeat the password.")),
        EqualTo(of, message=_l("The two passwords do not match.")),
    ])


def apply_domain_error(form: FlaskForm, exc: DomainError) -> None:
    """A service's refusal beside its fields, with its sentence above the form (a password-policy refusal
    beside the password field, in the reader's language)."""
    policy = policy_message(exc)
    if policy is not None:
        name = next(iter(exc.fields))
        field = next((form._fields[n] for n in (name, "new_password", "password") if n in form._fields), None)
        if field is not None:
            field.errors = [*field.errors, policy]
            return
    attach_domain_error(form, exc, summary=True)


class LoginForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(message=_l("Enter your username.")), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(message=_l("Enter your password.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class LanguageForm(FlaskForm):
    """The language switch in the page header."""

    lang = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    next = HiddenField()


class LocaleForm(FlaskForm):
    """The language preference on the profile page; empty means: follow the browser."""

    locale = RadioField(_l("Show the desk in"), choices=[*LANGUAGE_CHOICES, ("", _l("Same as my browser"))])
    submit = SubmitField(_l("Save language"))


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(message=_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = new_password_field(_l("New password"))
    confirm = repeat_password_field(_l("Repeat the new password"), "new_password")
    submit = SubmitField(_l("Change password"))

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user


class TokenForm(FlaskForm):
    name = StringField(
        _l("What is the token for?"),
        validators=[DataRequired(message=_l("Give the token a name you will recognise.")), Length(max=100)],
    )
    submit = SubmitField(_l("Create token"))


class EndSessionsForm(FlaskForm):
    """Logs the user out on every other browser and device (this one stays logged in)."""

    submit = SubmitField(_l("Log out everywhere else"))


class EndOneSessionForm(FlaskForm):
    """Ends one session of the user's list (the session is in the address)."""

    submit = SubmitField(_l("End"))


class RevokeTokenForm(FlaskForm):
    token_id = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Revoke"))


class RegisterForm(FlaskForm):
    """A subscriber creates their own login with the account number on their bill."""

    account = StringField(
        _l("Subscriber account number"),
        validators=[DataRequired(message=_l("Enter the account number from your bill or contract.")),
                    Length(max=40)],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"},
    )
    phone = StringField(
        _l("Mobile phone"),
        validators=[DataRequired(message=_l("Enter your phone number.")), Length(max=40)],
        render_kw={"type": "tel", "autocomplete": "tel", "inputmode": "tel"},
    )
    display_name = StringField(_l("Your name"), validators=[Length(max=100)], render_kw={"autocomplete": "name"})
    username = StringField(
        _l("Username"),
        validators=[DataRequired(message=_l("Choose a username.")), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = new_password_field(_l("Password"))
    confirm = repeat_password_field(_l("Repeat the password"), "password")
    next = HiddenField()
    submit = SubmitField(_l("Create my account"))
