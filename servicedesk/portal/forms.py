"""Forms of the self-service portal: reporting a fault and judging its fix."""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from kb.vocabulary import ACTIVE, service_label
from servicedesk.catalogue.choices import report_type_choices
from servicedesk.incidents.services import DESCRIPTION_MAX, NOTE_MAX, PHONE_RE, TITLE_MAX
from servicedesk.portal.models import RATING_TAGS
from servicedesk.portal.photos import IMAGE_EXTENSIONS, PHOTO_MAX_BYTES
from servicedesk.portal.services import ADDRESS_MAX
from servicedesk.web import AREA_LABELS

RATING_TAG_LABELS: dict[str, Any] = {
    "on_time": _l("On time"),
    "polite": _l("Polite"),
    "fixed_first_time": _l("Fixed the first time"),
    "explained_clearly": _l("Explained clearly"),
}


class ReportForm(FlaskForm):
    service = SelectField(_l("Service"),
                          validators=[DataRequired(message=_l("Choose the service that has the fault."))])
    report_type = SelectField(_l("Kind of problem"), default="", validators=[Optional()])
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
    photo = FileField(
        _l("Photo (optional)"),
        description=_l("A picture of the modem lights or the error on the screen helps the engineer. "
                       "JPEG, PNG, GIF or WebP, at most %(mb)d MB.", mb=PHOTO_MAX_BYTES // (1024 * 1024)),
        render_kw={"accept": ",".join(("image/*", *IMAGE_EXTENSIONS)), "data-max-bytes": str(PHOTO_MAX_BYTES)},
    )
    contact_phone = StringField(
        _l("Contact phone"),
        validators=[DataRequired(message=_l("Tell us a phone number to call you on.")), Length(max=40),
                    Regexp(PHONE_RE, message=_l("Enter a phone number we can call (digits only, e.g. 13812345678)."))],
        render_kw={"type": "tel", "autocomplete": "tel", "inputmode": "tel"},
    )
    address = StringField(
        _l("Address"),
        validators=[DataRequired(message=_l("Tell us where the fault is, so the engineer can find it.")),
                    Length(max=ADDRESS_MAX)],
        render_kw={"autocomplete": "street-address"},
    )
    zone = SelectField(_l("Zone (optional)"), validators=[Optional()], validate_choice=True)
    token = HiddenField()
    submit = SubmitField(_l("Send report"))

    def __init__(self, *args: Any, zones: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        locale = str(get_locale())
        self.service.choices = [("", _l("Choose a service")),
                                *((code, service_label(code, locale)) for code in ACTIVE)]
        self.report_type.choices = report_type_choices(_l("Something else / not sure"))
        self.zone.choices = [("", _l("I do not know")), *(zones or [])]


STARS = [(n, str(n)) for n in range(1, 6)]


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ConfirmFixForm(FlaskForm):
    rating = RadioField(
        _l("How satisfied are you with the repair?"), choices=STARS, coerce=int, validate_choice=False,
        validators=[InputRequired(message=_l("Choose 1 to 5 stars.")), NumberRange(min=1, max=5)],
    )
    tags = CheckboxesField(_l("What went well? (optional)"),
                           choices=[(tag, RATING_TAG_LABELS[tag]) for tag in RATING_TAGS])
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


class ArticleFeedbackForm(FlaskForm):
    """"Did this solve your problem?" under an article."""

    q = HiddenField()
    yes = SubmitField(_l("Yes, it is solved"))
    no = SubmitField(_l("No, I still need help"))
