"""The staff incident forms.

Forms check shape (present, short enough, one of the choices); the services decide the rules.
Each action form on the incident page has its own prefix so field names never collide.
"""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.validators import ValidationError as WTFormsValidationError

from kb.vocabulary import SERVICES, service_label
from servicedesk.incidents import services
from servicedesk.incidents.workflow import Area, Category, Channel, IncidentStatus, Priority
from servicedesk.web import AREA_LABELS, CATEGORY_LABELS, CHANNEL_LABELS, PRIORITY_LABELS, STATUS_LABELS


def _choices(labels: dict[str, Any], values: list[str], blank: Any = None) -> list[tuple[str, Any]]:
    out = [(v, labels.get(v, v)) for v in values]
    return [("", blank), *out] if blank is not None else out


def service_choices(blank: Any = None) -> list[tuple[str, str]]:
    locale = str(get_locale())
    out = [(code, service_label(code, locale)) for code in SERVICES]
    return [("", str(blank)), *out] if blank is not None else out


class QueueFilterForm(FlaskForm):
    """The queue's filters: read from the query string, no CSRF (nothing changes)."""

    class Meta:
        csrf = False

    q = StringField(_l("Number, title or account"), validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Status"), validators=[Optional()])
    service = SelectField(_l("Service"), validators=[Optional()])
    category = SelectField(_l("Category"), validators=[Optional()])
    area = SelectField(_l("Area"), validators=[Optional()])
    tier = SelectField(_l("Tier"), validators=[Optional()])
    sort = SelectField(_l("Sort"), validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        anything = _l("Any")
        self.status.choices = _choices(STATUS_LABELS, [s.value for s in IncidentStatus], anything)
        self.service.choices = service_choices(anything)
        self.category.choices = _choices(CATEGORY_LABELS, [c.value for c in Category], anything)
        self.area.choices = _choices(AREA_LABELS, [a.value for a in Area], anything)
        self.tier.choices = [("", anything), *[(str(t), f"L{t}") for t in range(1, 5)]]
        self.sort.choices = [("newest", _l("Newest first")), ("oldest", _l("Oldest first")),
                             ("resolve_by", _l("Due soonest"))]

    def values(self) -> dict[str, Any]:
        """The filters that passed validation; a bad one is dropped (and shown beside its field)."""
        return {name: self[name].data for name in ("status", "service", "category", "area", "tier", "q")
                if not self[name].errors and self[name].data}


class NewIncidentForm(FlaskForm):
    reporter = StringField(
        _l("Subscriber's username"), validators=[Optional(), Length(max=64)],
        description=_l("Leave empty when the report is for no one in particular; you are then the reporter."),
    )
    customer_account = StringField(_l("Customer account"), validators=[Optional(), Length(max=40)])
    title = StringField(_l("Title"), validators=[DataRequired(_l("Write a short title.")),
                                                 Length(max=services.TITLE_MAX)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=services.DESCRIPTION_MAX)])
    service = SelectField(_l("Service"), validators=[DataRequired(_l("Choose the service."))])
    category = SelectField(_l("Category"), default=Category.FAULT.value)
    zone = StringField(_l("Zone code"), validators=[Optional(), Length(max=40)],
                       description=_l("Optional: routes the incident to the zone's community manager."))
    area = SelectField(_l("Area"), default="")
    channel = SelectField(_l("Channel"), default=Channel.HOTLINE.value)
    priority = SelectField(_l("Priority"), default=Priority.NORMAL.value)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.service.choices = service_choices(_l("Choose…"))
        self.category.choices = _choices(CATEGORY_LABELS, [c.value for c in Category])
        self.area.choices = _choices(AREA_LABELS, [a.value for a in Area],
                                     _l("From the zone or subscriber record (else urban)"))
        self.channel.choices = _choices(CHANNEL_LABELS, [c.value for c in Channel])
        self.priority.choices = _choices(PRIORITY_LABELS, [p.value for p in Priority])

    def incident_data(self) -> dict[str, Any]:
        return {name: self[name].data for name in ("title", "description", "service", "category", "area",
                                                  "customer_account", "zone", "channel", "priority")}


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""


class AssignForm(FlaskForm):
    assignee = SelectField(_l("Assign to"), validators=[Optional()])

    def set_staff(self, staff: list[Any]) -> AssignForm:
        self.assignee.choices = [("", _l("Nobody (put back in the queue)")),
                                 *[(str(u.id), f"{u.name} ({u.username})") for u in staff]]
        return self


class PendForm(FlaskForm):
    reason = TextAreaField(_l("Waiting for"), validators=[DataRequired(_l("Say what the incident waits for.")),
                                                          Length(max=services.NOTE_MAX)])


def _int_or_zero(value: Any) -> int:
    # Anything that is not a number becomes 0, so the range check below says what is wrong.
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class EscalateForm(FlaskForm):
    tier = SelectField(_l("Hand over to tier"), coerce=_int_or_zero, validate_choice=False,
                       choices=[(2, "L2"), (3, "L3"), (4, "L4")],
                       validators=[InputRequired(_l("Choose a tier.")),
                                   NumberRange(1, 4, _l("The tier is a whole number from 1 to 4."))])
    assignee = SelectField(_l("Specialist (optional)"), validators=[Optional()])
    reason = TextAreaField(_l("Reason for handing over"),
                           validators=[DataRequired(_l("Say why the incident goes to another tier.")),
                                       Length(max=services.NOTE_MAX)])

    def set_staff(self, staff: list[Any]) -> EscalateForm:
        self.assignee.choices = [("", _l("The tier's queue")),
                                 *[(str(u.id), f"{u.name} ({u.username})") for u in staff]]
        return self


class LinkSolutionForm(FlaskForm):
    article_id = IntegerField(_l("Article number"),
                              validators=[InputRequired(_l("Give the number of a solution article."))])


class ResolveForm(FlaskForm):
    note = TextAreaField(_l("Resolution note"),
                         validators=[DataRequired(_l("Write what was done to fix it.")),
                                     Length(max=services.NOTE_MAX)])


def _rating(value: Any) -> int | None:
    return int(value) if value not in (None, "", "None") else None


class CallbackForm(FlaskForm):
    accepted = RadioField(_l("The subscriber says the problem is"),
                          choices=[("yes", _l("Gone: fix accepted")), ("no", _l("Still there: fix rejected"))],
                          validators=[InputRequired(_l("Record what the subscriber said."))])
    rating = SelectField(_l("Satisfaction"), coerce=_rating, validate_choice=False,
                         choices=[("", _l("Not given")), *[(str(n), "★" * n) for n in range(5, 0, -1)]],
                         validators=[Optional(), NumberRange(1, 5, _l("The rating is 1 to 5 stars."))])
    comment = TextAreaField(_l("Comment"), validators=[Length(max=services.NOTE_MAX)],
                            description=_l("Required when the subscriber rejects the fix: say why."))

    def validate_comment(self, field: Any) -> None:
        if self.accepted.data == "no" and not (field.data or "").strip():
            raise WTFormsValidationError(_l("Say why the subscriber rejects the fix."))


class ReopenForm(FlaskForm):
    reason = TextAreaField(_l("Reason for reopening"),
                           validators=[DataRequired(_l("Say why the incident is reopened.")),
                                       Length(max=services.NOTE_MAX)])


# The action forms of the incident page, by the name the template uses, with their prefixes.
ACTION_FORMS: dict[str, tuple[type[FlaskForm], str]] = {
    "assign_form": (AssignForm, "assign"),
    "start_form": (ActionForm, "start"),
    "pend_form": (PendForm, "pend"),
    "resume_form": (ActionForm, "resume"),
    "escalate_form": (EscalateForm, "esc"),
    "link_form": (LinkSolutionForm, "link"),
    "resolve_form": (ResolveForm, "resolve"),
    "callback_form": (CallbackForm, "cb"),
    "close_form": (ActionForm, "close"),
    "reopen_form": (ReopenForm, "reopen"),
}
