"""Knowledge-base forms: search, writing an article (fields fit its type), and the lead's review."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from kb import services as kb_services
from kb.models import ArticleRevision
from kb.workflow import ArticleStatus, ArticleType, ChangeKind, Decision, Visibility
from servicedesk.incidents.forms import service_choices
from servicedesk.web import STATUS_LABELS, TYPE_LABELS

# Which content fields each article type shows; the rest are left untouched on save.
SOLUTION_FIELDS = ("symptom", "cause", "steps", "device_models", "fault_codes")
OTHER_FIELDS = ("body",)
CHANGE_FIELDS = kb_services.CHANGE_FIELDS  # the change artefact's own fields, as the kb services take them
COMMON_FIELDS = ("title", "services", "category", "tags", "visibility")
LIST_FIELDS = ("tags", "fault_codes", "device_models")
WINDOW_FIELDS = ("planned_start", "planned_end")
# What a datetime-local input sends (the first is also how the form shows a stored time).
LOCAL_TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
# The fields each type does not show.
DROPPED: dict[ArticleType, tuple[str, ...]] = {
    ArticleType.SOLUTION: (*OTHER_FIELDS, *CHANGE_FIELDS),
    ArticleType.CHANGE: SOLUTION_FIELDS,
    ArticleType.PROCEDURE: (*SOLUTION_FIELDS, *CHANGE_FIELDS),
    ArticleType.REFERENCE: (*SOLUTION_FIELDS, *CHANGE_FIELDS),
}
CHANGE_KIND_LABELS: dict[str, Any] = {
    ChangeKind.CHANGE_REQUEST.value: _l("Change request"),
    ChangeKind.TEST_PLAN.value: _l("Test plan"),
    ChangeKind.TECHNICAL_PLAN.value: _l("Technical plan"),
    ChangeKind.CUTOVER_PLAN.value: _l("Cut-over plan"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SearchForm(FlaskForm):
    """The search box and its filters, from the query string (nothing changes, so no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=500)])
    type = SelectField(_l("Type"), validators=[Optional()])
    service = SelectField(_l("Service"), validators=[Optional()])
    tag = StringField(_l("Tag"), validators=[Optional(), Length(max=60)])
    code = StringField(_l("Fault code"), validators=[Optional(), Length(max=40)])
    status = SelectField(_l("Status"), validators=[Optional()])
    sort = SelectField(_l("Sort"), validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        anything = _l("Any")
        self.type.choices = [("", anything), *[(t.value, TYPE_LABELS[t.value]) for t in ArticleType]]
        self.service.choices = service_choices(anything)
        self.status.choices = [("", _l("Approved")),
                               *[(st.value, STATUS_LABELS[st.value]) for st in ArticleStatus
                                 if st != ArticleStatus.APPROVED]]
        self.sort.choices = [("relevance", _l("Best match")), ("newest", _l("Newest")),
                             ("most_used", _l("Most used"))]

    def filters(self) -> dict[str, str]:
        return {name: self[name].data for name in ("type", "service", "tag", "code")
                if self[name].data and not self[name].errors}


class ArticleForm(FlaskForm):
    """One form for every type; fields the type does not use are removed in __init__."""

    title = StringField(_l("Title"), validators=[DataRequired(_l("Give the article a title.")),
                                                 Length(max=kb_services.TITLE_MAX)])
    symptom = TextAreaField(_l("Symptom"), validators=[Length(max=kb_services.FIELD_MAX)],
                            description=_l("What the subscriber or the network shows. Markdown."))
    cause = TextAreaField(_l("Cause"), validators=[Length(max=kb_services.FIELD_MAX)])
    steps = TextAreaField(_l("Steps"), validators=[Length(max=kb_services.FIELD_MAX)],
                          description=_l("How to fix it, step by step. Markdown."))
    body = TextAreaField(_l("Body"), validators=[Length(max=kb_services.BODY_MAX)],
                         description=_l("Markdown: headings, lists, tables and links."))
    services = MultiCheckboxField(_l("Services"), validators=[Optional()])
    category = StringField(_l("Category"), validators=[Optional(), Length(max=80)],
                           description=_l("For example FTTH, 机顶盒, 集客专线."))
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=2000)],
                       description=_l("Separate with commas."))
    device_models = StringField(_l("Device models"), validators=[Optional(), Length(max=2000)],
                                description=_l("Separate with commas, e.g. HG8245H, ZXHN F650."))
    fault_codes = StringField(_l("Fault / alarm codes"), validators=[Optional(), Length(max=2000)],
                              description=_l("Separate with commas, e.g. LOS, 691, E-102."))
    change_kind = SelectField(_l("Change document"), validators=[Optional()],
                              choices=[("", _l("Not stated")), *CHANGE_KIND_LABELS.items()])
    change_ref = StringField(_l("Change reference"), validators=[Optional(), Length(max=kb_services.CHANGE_REF_MAX)],
                             description=_l("The change ticket number, e.g. BG-2024-0518."))
    planned_start = DateTimeLocalField(_l("Planned start"), validators=[Optional()], format=LOCAL_TIME_FORMATS,
                                       description=_l("Local time of the desk."))
    planned_end = DateTimeLocalField(_l("Planned end"), validators=[Optional()], format=LOCAL_TIME_FORMATS,
                                     description=_l("After the start."))
    visibility = RadioField(_l("Visibility"), default=Visibility.INTERNAL.value,
                            choices=[(Visibility.INTERNAL.value, _l("Internal: staff only")),
                                     (Visibility.PUBLIC.value, _l("Public: subscribers see it in self-service"))])
    expected_version = HiddenField()

    def __init__(self, *args: Any, article_type: ArticleType, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.article_type = article_type
        self.services.choices = service_choices()
        for name in DROPPED[article_type]:
            delattr(self, name)

    @classmethod
    def from_revision(cls, rev: ArticleRevision, article_type: ArticleType,
                      local: Callable[[datetime | None], datetime | None], **kwargs: Any) -> ArticleForm:
        """The form filled from a revision (the one being edited, or the live one a new revision starts from);
        local turns a stored time into the naive local time the form shows."""
        data = {name: getattr(rev, name) for name in (*COMMON_FIELDS, *SOLUTION_FIELDS, *OTHER_FIELDS,
                                                      *CHANGE_FIELDS)}
        for name in LIST_FIELDS:
            data[name] = ", ".join(data[name])
        for name in WINDOW_FIELDS:
            data[name] = local(data[name])
        data["visibility"] = rev.visibility.value
        data["change_kind"] = rev.change_kind.value if rev.change_kind else ""
        return cls(formdata=None, data={**data, "expected_version": str(rev.version)},
                   article_type=article_type, **kwargs)

    def article_data(self, aware: Callable[[datetime | None], datetime | None]) -> dict[str, Any]:
        """The fields this type shows, as the kb services take them (lists as comma-separated text);
        aware gives a typed local time its zone."""
        fields = [name for name in (*COMMON_FIELDS, *SOLUTION_FIELDS, *OTHER_FIELDS, *CHANGE_FIELDS) if name in self]
        data: dict[str, Any] = {name: self[name].data or ([] if name == "services" else "") for name in fields}
        for name in WINDOW_FIELDS:
            if name in data:
                data[name] = aware(data[name] or None)
        return data

    def aliases(self) -> dict[str, str]:
        """Where a service's complaint about a field this type does not show should appear."""
        return {"body": "symptom"} if "body" not in self else {"symptom": "body", "steps": "body"}

    def version(self) -> int | None:
        value = self.expected_version.data
        return int(value) if value and str(value).isdigit() else None


class ReviewForm(FlaskForm):
    content_ok = BooleanField(_l("Content check: the solution fits the incidents linked to it"))
    form_ok = BooleanField(_l("Form check: type, services, category, tags, fault codes and visibility are right"))
    decision = RadioField(_l("Decision"),
                          choices=[(Decision.APPROVE.value, _l("Approve")), (Decision.REJECT.value, _l("Reject"))],
                          validators=[InputRequired(_l("Choose approve or reject."))])
    comment = TextAreaField(_l("Comment"), validators=[Length(max=kb_services.COMMENT_MAX)],
                            description=_l("Required when you reject: tell the author what to change."))


class ActionForm(FlaskForm):
    """A button that changes something (submit, retire): only the CSRF token travels."""


class RestoreForm(ActionForm):
    """Restore an old revision as a new draft; carries the article version the user saw."""

    version = HiddenField()


class AttachmentForm(FlaskForm):
    file = FileField(_l("Attach a file"), validators=[FileRequired(_l("Choose a file to attach."))],
                     description=_l("Pictures, PDF, Word/Excel/PowerPoint, CSV or text; at most 20 MB."))
