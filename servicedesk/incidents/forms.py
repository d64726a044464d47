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
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.validators import ValidationError as WTFormsValidationError

from kb.vocabulary import ACTIVE, SERVICES, offered_types, report_type_label, service_label
from servicedesk.catalogue.choices import chosen_type, report_type_choices
from servicedesk.incidents import services
from servicedesk.incidents.queries import ESCALATION_ROLES
from servicedesk.incidents.workflow import Area, Category, Channel, IncidentStatus, Priority
from servicedesk.web import AREA_LABELS, CATEGORY_LABELS, CHANNEL_LABELS, PRIORITY_LABELS, STATUS_LABELS


def _choices(labels: dict[str, Any], values: list[str], blank: Any = None) -> list[tuple[str, Any]]:
    out = [(v, labels.get(v, v)) for v in values]
    return [("", blank), *out] if blank is not None else out


def service_choices(blank: Any = None, *, offered: bool = False) -> list[tuple[str, str]]:
    """The catalogue's services: all of them (filters, old records), or those offered for new reports."""
    locale = str(get_locale())
    out = [(code, service_label(code, locale)) for code in (ACTIVE if offered else SERVICES)]
    return [("", str(blank)), *out] if blank is not None else out


class QueueFilterForm(FlaskForm):
    """The queue's filters: read from the query string, no CSRF (nothing changes)."""

    class Meta:
        csrf = False

    q = StringField(_l("Number, account, phone or title"), validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Status"), validators=[Optional()])
    service = SelectField(_l("Service"), validators=[Optional()])
    report_type = SelectField(_l("Report type"), validators=[Optional()])
    category = SelectField(_l("Category"), validators=[Optional()])
    area = SelectField(_l("Area"), validators=[Optional()])
    zone = StringField(_l("Zone code"), validators=[Optional(), Length(max=40)])
    tier = SelectField(_l("Tier"), validators=[Optional()])
    assignee = StringField(_l("Assignee"), validators=[Optional(), Length(max=64)],
                           description=_l("A username, “me”, or “none” for unassigned."))
    sla = SelectField(_l("SLA"), validators=[Optional()])
    created_from = DateField(_l("Reported from"), validators=[Optional()])
    created_to = DateField(_l("Reported until"), validators=[Optional()])
    sort = SelectField(_l("Sort"), validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        anything = _l("Any")
        self.status.choices = _choices(STATUS_LABELS, [s.value for s in IncidentStatus], anything)
        self.service.choices = service_choices(anything)
        self.report_type.choices = report_type_choices(anything, offered=False)
        self.category.choices = _choices(CATEGORY_LABELS, [c.value for c in Category], anything)
        self.area.choices = _choices(AREA_LABELS, [a.value for a in Area], anything)
        self.tier.choices = [("", anything), *[(str(t), f"L{t}") for t in range(1, 5)]]
        self.sla.choices = _choices(SLA_LABELS, list(SLA_LABELS), anything)
        self.sort.choices = [("newest", _l("Newest first")), ("oldest", _l("Oldest first")),
                             ("resolve_by", _l("Due soonest")), ("tier", _l("Highest tier first")),
                             ("chases", _l("Most chased first"))]

    def validate_created_to(self, field: Any) -> None:
        if field.data and self.created_from.data and field.data < self.created_from.data:
            raise WTFormsValidationError(_l("The end comes before the start."))

    def values(self) -> dict[str, Any]:
        """The filters that passed validation; a bad one is dropped (and shown beside its field)."""
        return {name: self[name].data for name in FILTER_FIELDS if not self[name].errors and self[name].data}


FILTER_FIELDS = ("q", "status", "service", "report_type", "category", "area", "zone", "tier", "assignee", "sla",
                 "created_from", "created_to")
SLA_LABELS: dict[str, Any] = {"on_track": _l("On track"), "at_risk": _l("At risk"), "breached": _l("Breached"),
                              "paused": _l("Paused")}


class NewIncidentForm(FlaskForm):
    reporter = StringField(
        _l("Subscriber's username"), validators=[Optional(), Length(max=64)],
        description=_l("Leave empty when the report is for no one in particular; you are then the reporter."),
    )
    customer_account = StringField(_l("Customer account"), validators=[Optional(), Length(max=40)])
    caller_name = StringField(_l("Caller's name"), validators=[Optional(), Length(max=services.CALLER_NAME_MAX)],
                              description=_l("When someone other than the account holder calls, or a caller "
                                             "without an account."))
    caller_phone = StringField(_l("Caller's phone"), validators=[Optional(), Length(max=40)])
    title = StringField(_l("Title"), validators=[DataRequired(_l("Write a short title.")),
                                                 Length(max=services.TITLE_MAX)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=services.DESCRIPTION_MAX)])
    service = SelectField(_l("Service"), validators=[DataRequired(_l("Choose the service."))])
    report_type = SelectField(_l("Report type"), default="", validators=[Optional()],
                              description=_l("Its SLA category applies unless you choose one."))
    category = SelectField(_l("Category"), default="")  # blank: the type's, else the service's SLA category
    zone = SelectField(_l("Zone"), validators=[Optional()], validate_choice=False,
                       description=_l("Routes the incident to the zone's community manager; its area sets the "
                                      "time to resolve."))
    area = SelectField(_l("Area"), default="")
    channel = SelectField(_l("Channel"), default=Channel.HOTLINE.value)
    priority = SelectField(_l("Priority"), default=Priority.NORMAL.value)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.service.choices = service_choices(_l("Choose…"), offered=True)
        self.report_type.choices = report_type_choices(_l("No type given"))
        self.category.choices = _choices(CATEGORY_LABELS, [c.value for c in Category],
                                         _l("The type's (else the service's default)"))
        self.area.choices = _choices(AREA_LABELS, [a.value for a in Area],
                                     _l("As the zone (else urban)"))
        self.channel.choices = _choices(CHANNEL_LABELS, [c.value for c in Channel])
        self.priority.choices = _choices(PRIORITY_LABELS, [p.value for p in Priority])

    def set_zones(self, zones: list[tuple[str, str, str]]) -> NewIncidentForm:
        """The zone picker: (code, name, area) of every zone; the area rides along for the page's hint."""
        self.zone.choices = [("", str(_l("From the subscriber, or none"))),
                             *((code, f"{name} ({code})") for code, name, _area in zones)]
        self.zone_areas = {code: area for code, _name, area in zones}
        return self

    def incident_data(self) -> dict[str, Any]:
        data = {name: self[name].data for name in ("title", "description", "service", "category", "area",
                                                  "customer_account", "caller_name", "caller_phone", "zone",
                                                  "channel", "priority")}
        return {**data, "report_type": chosen_type(self.report_type.data, self.service.data)}


class ActionForm(FlaskForm):
    """A form that changes an incident; it carries the version the agent saw, so a change made
    meanwhile by someone else is noticed instead of silently overwritten."""

    version = HiddenField()


class AssignForm(ActionForm):
    assignee = SelectField(_l("Assign to"), validators=[Optional()])

    def set_staff(self, staff: list[tuple[str, str]]) -> AssignForm:
        self.assignee.choices = [("", _l("Nobody (put back in the queue)")), *_people(staff)]
        return self


def _people(staff: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The staff picker's choices: (id, "name (username)") pairs, see queries.staff_choices."""
    return list(staff)


class PendForm(ActionForm):
    reason = TextAreaField(_l("Waiting for"), validators=[DataRequired(_l("Say what the incident waits for.")),
                                                          Length(max=services.NOTE_MAX)])


def _int_or_zero(value: Any) -> int:
    # Anything that is not a number becomes 0, so the range check below says what is wrong.
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class EscalateForm(ActionForm):
    tier = SelectField(_l("Hand over to tier"), coerce=_int_or_zero, validate_choice=False,
                       choices=[(2, "L2"), (3, "L3"), (4, "L4")],
                       validators=[InputRequired(_l("Choose a tier.")),
                                   NumberRange(1, 4, _l("The tier is a whole number from 1 to 4."))])
    group = SelectField(_l("Team (maintenance group)"), validators=[Optional()])
    assignee = SelectField(_l("Specialist"), validators=[Optional()])
    reason = TextAreaField(_l("Reason for handing over"),
                           validators=[DataRequired(_l("Say why the incident goes to another tier.")),
                                       Length(max=services.NOTE_MAX)])

    pick_roles = ESCALATION_ROLES  # the specialist picker offers the tiers above first line

    def set_staff(self, staff: list[tuple[str, str]]) -> EscalateForm:
        self.assignee.choices = [("", _l("Nobody in particular: the team's queue")), *_people(staff)]
        return self

    def set_groups(self, groups: list[tuple[str, str]]) -> EscalateForm:
        self.group.choices = [("", _l("The incident's own team")), *groups]
        return self


class ReclassifyForm(ActionForm):
    report_type = SelectField(_l("Report type"), validate_choice=False, validators=[Optional()])

    def set_types(self, service: str, current: str | None) -> ReclassifyForm:
        """The types offered under the incident's service, and its own even if no longer offered (the service
        checks the choice again)."""
        locale = str(get_locale())
        codes = [*offered_types(service), *([current] if current and current not in offered_types(service) else [])]
        self.report_type.choices = [("", str(_l("No type given"))),
                                    *[(code, report_type_label(service, code, locale)) for code in codes]]
        return self


class LinkSolutionForm(ActionForm):
    article_id = IntegerField(_l("Article number"),
                              validators=[InputRequired(_l("Give the number of a solution article."))])


class ResolveForm(ActionForm):
    note = TextAreaField(_l("Resolution note"),
                         validators=[DataRequired(_l("Write what was done to fix it.")),
                                     Length(max=services.NOTE_MAX)])


def _rating(value: Any) -> int | None:
    return int(value) if value not in (None, "", "None") else None


RATING_CHOICES = [("", _l("Not given")), *[(str(n), "★" * n) for n in range(5, 0, -1)]]


class AppointmentForm(ActionForm):
    """Agree (or move) the visit window with the subscriber; times are the desk's local time."""

    starts_at = DateTimeLocalField(_l("From"), validators=[InputRequired(_l("Give the start of the window."))])
    ends_at = DateTimeLocalField(_l("Until"), validators=[InputRequired(_l("Give the end of the window."))])
    agreed_with = StringField(_l("Agreed with"), validators=[Optional(), Length(max=100)],
                              description=_l("Who agreed on the phone: the subscriber, or the caller's name."))
    engineer = SelectField(_l("Engineer"), validators=[Optional()])
    reason = TextAreaField(_l("Why it moves"), validators=[Length(max=services.NOTE_MAX)],
                           description=_l("Required when an appointment is already agreed."))
    note = TextAreaField(_l("Note for the engineer"), validators=[Length(max=services.NOTE_MAX)])

    def validate_ends_at(self, field: Any) -> None:
        if field.data and self.starts_at.data and field.data <= self.starts_at.data:
            raise WTFormsValidationError(_l("The window ends after it starts."))

    def set_staff(self, staff: list[tuple[str, str]]) -> AppointmentForm:
        self.engineer.choices = [("", _l("The assignee")), *_people(staff)]
        return self


class CancelAppointmentForm(ActionForm):
    reason = TextAreaField(_l("Why it is cancelled"),
                           validators=[DataRequired(_l("Say why the appointment is cancelled.")),
                                       Length(max=services.NOTE_MAX)])


class CallbackForm(ActionForm):
    accepted = RadioField(_l("The subscriber says the problem is"),
                          choices=[("yes", _l("Gone: fix accepted")), ("no", _l("Still there: fix rejected"))],
                          validators=[InputRequired(_l("Record what the subscriber said."))])
    called_at = DateTimeLocalField(_l("Called at"), validators=[Optional()],
                                   description=_l("Leave empty for now."))
    rating = SelectField(_l("Satisfaction"), coerce=_rating, validate_choice=False, choices=RATING_CHOICES,
                         validators=[Optional(), NumberRange(1, 5, _l("The rating is 1 to 5 stars."))])
    comment = TextAreaField(_l("Comment"), validators=[Length(max=services.NOTE_MAX)],
                            description=_l("Required when the subscriber rejects the fix: say why."))

    def validate_comment(self, field: Any) -> None:
        if self.accepted.data == "no" and not (field.data or "").strip():
            raise WTFormsValidationError(_l("Say why the subscriber rejects the fix."))


CALLBACK_OUTCOMES: list[tuple[str, Any]] = [
    ("unreachable", _l("Not reached: no answer, switched off or wrong number")),
    ("reached", _l("Reached the subscriber")),
]


class CallbackAttemptForm(ActionForm):
    """One try at calling the subscriber back (how it went, when, a note)."""

    outcome = RadioField(_l("How the call went"), choices=CALLBACK_OUTCOMES,
                         validators=[InputRequired(_l("Record how the call went."))])
    called_at = DateTimeLocalField(_l("Called at"), validators=[Optional()], description=_l("Leave empty for now."))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=services.NOTE_MAX)],
                         description=_l("For example: no answer, switched off, wrong number."))


class UnreachableForm(ActionForm):
    """A lead records that the subscriber cannot be reached (once the operator's rule is met)."""

    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=services.NOTE_MAX)])


class ReopenForm(ActionForm):
    reason = TextAreaField(_l("Reason for reopening"),
                           validators=[DataRequired(_l("Say why the incident is reopened.")),
                                       Length(max=services.NOTE_MAX)])


class FollowUpForm(ActionForm):
    reason = TextAreaField(_l("What is wrong again"),
                           validators=[DataRequired(_l("Say what the subscriber reports now.")),
                                       Length(max=services.NOTE_MAX)])


class CancelForm(ActionForm):
    reason = TextAreaField(_l("Reason for cancelling"),
                           validators=[DataRequired(_l("Say why the incident is cancelled.")),
                                       Length(max=services.NOTE_MAX)])


class DuplicateForm(ActionForm):
    parent = StringField(_l("Duplicate of (incident number)"),
                         validators=[DataRequired(_l("Give the number of the incident this one repeats.")),
                                     Length(max=24)])
    reason = TextAreaField(_l("Note"), validators=[Optional(), Length(max=services.NOTE_MAX)])


class FieldWorkForm(ActionForm):
    arrived_at = DateTimeLocalField(_l("Arrived on site"), validators=[Optional()])
    completed_at = DateTimeLocalField(_l("Work completed"), validators=[Optional()])
    fault_cause = TextAreaField(_l("Fault cause"), validators=[Optional(), Length(max=services.NOTE_MAX)])
    steps = TextAreaField(_l("Handling steps"), validators=[Optional(), Length(max=services.NOTE_MAX)])
    ip_address = StringField(_l("IP address"), validators=[Optional(), Length(max=64)])
    vlan = StringField(_l("VLAN"), validators=[Optional(), Length(max=6)])
    mac_address = StringField(_l("MAC address"), validators=[Optional(), Length(max=17)])
    a_end = StringField(_l("A-end route"), validators=[Optional(), Length(max=300)])
    z_end = StringField(_l("Z-end route"), validators=[Optional(), Length(max=300)])

    TIMES = ("arrived_at", "completed_at")
    TEXTS = ("fault_cause", "steps")
    LINE = ("ip_address", "vlan", "mac_address", "a_end", "z_end")


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
    "appointment_form": (AppointmentForm, "appt"),
    "appointment_cancel_form": (CancelAppointmentForm, "apptx"),
    "close_form": (ActionForm, "close"),
    "reopen_form": (ReopenForm, "reopen"),
    "follow_up_form": (FollowUpForm, "follow"),
    "cancel_form": (CancelForm, "cancel"),
    "duplicate_form": (DuplicateForm, "dup"),
    "field_work_form": (FieldWorkForm, "fw"),
    "reclassify_form": (ReclassifyForm, "rtype"),
    "attempt_form": (CallbackAttemptForm, "att"),
    "unreachable_form": (UnreachableForm, "unr"),
}


BULK_ACTIONS: dict[str, Any] = {"assign": _l("Assign"), "escalate": _l("Escalate"), "pend": _l("Put on hold"),
                                 "solution": _l("Link a solution")}


class BulkAssignForm(FlaskForm):
    """The queue's bulk actions on the ticked incidents, all or none, each through the same service call as on
    one incident: assign (to one person, or back to nobody), escalate to a tier, put on hold, link a solution."""

    ids = SelectMultipleField(_l("Incidents"), coerce=_int_or_zero, validate_choice=False,
                              validators=[DataRequired(_l("Tick the incidents to assign."))])
    action = SelectField(_l("Do with the ticked incidents"), choices=list(BULK_ACTIONS.items()), default="assign")
    assignee = SelectField(_l("Assign the ticked incidents to"), validators=[Optional()])
    tier = SelectField(_l("Hand over to tier"), choices=[("2", "L2"), ("3", "L3"), ("4", "L4")], default="2")
    group = SelectField(_l("Team (maintenance group)"), validators=[Optional()])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=services.NOTE_MAX)])
    article_id = IntegerField(_l("Solution article number"), validators=[Optional(), NumberRange(1, 2**31 - 1)])

    def set_staff(self, staff: list[tuple[str, str]]) -> BulkAssignForm:
        self.assignee.choices = [("", _l("Nobody (put back in the queue)")), *_people(staff)]
        return self

    def set_groups(self, groups: list[tuple[str, str]]) -> BulkAssignForm:
        self.group.choices = [("", _l("Each incident's own team")), *groups]
        return self


class AuditSampleForm(FlaskForm):
    size = IntegerField(_l("How many"), default=20,
                        validators=[InputRequired(_l("Say how many to draw.")),
                                    NumberRange(1, 200, _l("Draw 1 to 200 at a time."))])
    days = IntegerField(_l("Closed in the last … days"), default=30,
                        validators=[InputRequired(_l("Say how far back to look.")),
                                    NumberRange(1, 366, _l("Look back 1 to 366 days."))])


AUDIT_OUTCOMES: list[tuple[str, Any]] = [
    ("confirmed", _l("Confirmed: the problem is gone")),
    ("not_fixed", _l("Not fixed: the problem is still there")),
    ("unreachable", _l("Could not reach the subscriber")),
]


class AuditRecordForm(FlaskForm):
    outcome = RadioField(_l("Outcome"), choices=AUDIT_OUTCOMES,
                         validators=[InputRequired(_l("Record what the call found."))])
    called_at = DateTimeLocalField(_l("Called at"), validators=[Optional()], description=_l("Leave empty for now."))
    rating = SelectField(_l("Satisfaction"), coerce=_rating, validate_choice=False, choices=RATING_CHOICES,
                         validators=[Optional(), NumberRange(1, 5, _l("The rating is 1 to 5 stars."))])
    comment = TextAreaField(_l("Comment"), validators=[Length(max=services.NOTE_MAX)],
                            description=_l("Required when the problem is still there."))

    def validate_comment(self, field: Any) -> None:
        if self.outcome.data == "not_fixed" and not (field.data or "").strip():
            raise WTFormsValidationError(_l("Say what is still wrong."))
