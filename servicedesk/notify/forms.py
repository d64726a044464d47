"""The notification pages' forms (CSRF comes with FlaskForm)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from servicedesk.notify.messages import WEBHOOK_EVENTS


class PostForm(FlaskForm):
    """A button that only needs the CSRF token (delete, reset, save the check boxes)."""


class WebhookForm(FlaskForm):
    url = StringField(_l("URL"), validators=[DataRequired(), Length(max=500)])
    events = SelectMultipleField(_l("Events"), choices=[(e, e) for e in WEBHOOK_EVENTS],
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    secret = PasswordField(_l("Shared secret"), validators=[DataRequired(), Length(max=200)])


class TemplateForm(FlaskForm):
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=300)])
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=2000)])
