"""Forms of the self-service portal: reporting a fault and judging its fix."""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from kb.vocabulary import SERVICES, service_label
from servicedesk.incidents.services import DESCRIPTION_MAX, NOTE_MAX, TITLE_MAX
from servicedesk.web import AREA_LABELS


class ReportForm(FlaskForm):
    service = SelectField(_l("Service"),
                          validators=[DataRequired(message=_l("Choose the service that has the fault."))])
    customer_account = StringField(
        _l("Customer account"), validators=[Optional(), Length(max=40)],
        render_kw={"autocomplete": "off", "spellcheck": "false", "inputmode": "text"},
    )
    area = RadioField(_l("Where are you?"), choices=[(k, v) for k, v in AREA_LABELS.items()], default="urban",
                      validators=[InputRequired(message=_l("Choose urban or township."))])
    title = StringField(
        _l("What is wrong?"),
        validators=[DataRequired(message=_l("Describe the problem in a few words.")), Length(max=TITLE_MAX)],
    )
    description = TextAreaField(_l("Details"), validators=[Optional(), Length(max=DESCRIPTION_MAX)])
    submit = SubmitField(_l("Send report"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        locale = str(get_locale())
        self.service.choices = [("", _l("Choose a service")),
                                *((code, service_label(code, locale)) for code in SERVICES)]


STARS = [(n, str(n)) for n in range(1, 6)]


class ConfirmFixForm(FlaskForm):
    rating = RadioField(
        _l("How satisfied are you with the repair?"), choices=STARS, coerce=int, validate_choice=False,
        validators=[InputRequired(message=_l("Choose 1 to 5 stars.")), NumberRange(min=1, max=5)],
    )
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=NOTE_MAX)])
    submit = SubmitField(_l("Yes, it works again"))


class RejectFixForm(FlaskForm):
    reason = TextAreaField(
        _l("What is still wrong?"),
        validators=[DataRequired(message=_l("Tell us what is still wrong, so the engineer knows where to look.")),
                    Length(max=NOTE_MAX)],
    )
    submit = SubmitField(_l("No, it is not fixed"))


class ReopenForm(FlaskForm):
    reason = TextAreaField(
        _l("What happened?"),
        validators=[DataRequired(message=_l("Tell us what happened.")), Length(max=NOTE_MAX)],
    )
    submit = SubmitField(_l("Reopen the incident"))
