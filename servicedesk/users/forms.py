"""Forms of the user administration pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from servicedesk.auth.forms import new_password_field, repeat_password_field
from servicedesk.users.services import USERNAME_RE
from servicedesk.web import ROLE_LABELS

ROLE_CHOICES = list(ROLE_LABELS.items())


class EditUserForm(FlaskForm):
    display_name = StringField(_l("Display name"), validators=[Length(max=100)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    active = BooleanField(_l("Active (may log in)"))
    submit = SubmitField(_l("Save"))


class NewUserForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(message=_l("Enter a username.")),
                    Regexp(USERNAME_RE, message=_l("2 to 64 letters, digits or . _ - @ (no spaces)."))],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )
    display_name = StringField(_l("Display name"), validators=[Length(max=100)])
    email = StringField(
        _l("E-mail"),
        validators=[Optional(), Length(max=200),
                    Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("This does not look like an e-mail address."))],
        render_kw={"type": "email", "autocomplete": "off"},
    )
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)], render_kw={"type": "tel"})
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="user")
    password = new_password_field(_l("Initial password"))
    confirm = repeat_password_field(_l("Repeat the password"), "password")
    submit = SubmitField(_l("Create user"))


class ResetPasswordForm(FlaskForm):
    new_password = new_password_field(_l("New password"))
    submit = SubmitField(_l("Set password"))
