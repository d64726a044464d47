"""Request and response shapes of /api/v1 as pydantic models: each validates (servicedesk.api.contract) and is
the JSON Schema of the generated document, under its class name. Enumerations come from the domain modules."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from kb.actors import Role
from kb.attachments import ALLOWED, MAX_PER_ARTICLE
from kb.validation import MAX_ID
from kb.vocabulary import REPORT_TYPES, SERVICES
from kb.workflow import ArticleStatus, ArticleType, ChangeKind, Decision, RevisionStatus, Visibility
from servicedesk.api.common import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE
from servicedesk.api.contract import (
    Input,
    Output,
    Query,
    QueryText,
    Text,
    catalogue_code,
    catalogue_codes,
    choices,
    enum_choices,
    one_of,
)
from servicedesk.conversation.services import MAX_BODY as MESSAGE_MAX
from servicedesk.incidents.audits import SAMPLE_MAX
from servicedesk.incidents.queries import SORTS
from servicedesk.incidents.services import NOTE_MAX
from servicedesk.incidents.sla import ANY, MAX_MINUTES, SlaCalendar
from servicedesk.incidents.sla_sql import SLA_STATES
from servicedesk.incidents.workflow import (
    Area,
    AuditOutcome,
    Category,
    Channel,
    IncidentStatus,
    Priority,
    VerificationMethod,
)
from servicedesk.notify.messages import WEBHOOK_EVENTS
from servicedesk.org.models import ServiceLevel
from servicedesk.users.passwords import MAX_PASSWORD, MIN_PASSWORD

# A short identifier such as a username: no control characters, something visible, at most 200 characters.
Name = Annotated[str, Field(pattern=r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$", max_length=200)]
ISO_DAY = r"^(|\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?)$"
BULK_MAX = 100
Flag = Annotated[str, Field(pattern=choices(["true", "false"]), description="true or false")]


class Paged(Query):
    page: int = Field(1, ge=1, le=MAX_PAGE)
    per_page: int = Field(DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE)


class Page(Output):
    total: int
    page: int
    per_page: int


class ErrorBody(Output):
    code: str = Field(pattern="^[a-z0-9_]+$", description="What went wrong, for programs (invalid_input, "
                      "invalid_text, admin_only, stale_version, …)")
    message: str = Field(description="For people")
    fields: dict[str, str] = Field(description="What is wrong with each named field")


class Error(Output):
    error: ErrorBody


# -- health ----------------------------------------------------------------------------------------

Up = Literal["ok", "error"]


class Backlog(Output):
    pending: int = Field(description="Messages waiting to be sent (first tries and retries)")
    failed: int = Field(description="Messages given up after their last attempt")
    oldest_seconds: float | None = Field(description="How long the oldest pending message has waited")


class Health(Output):
    status: Up
    database: Up
    index: Up
    index_lag: int | None = Field(description="Committed changes this node's index does not hold yet")
    index_lag_seconds: float | None = Field(description="How long the oldest of them has waited")
    channels: dict[str, Literal["configured", "off"]] = Field(
        description="Each delivery channel (mail, sms, webhooks, in_app): configured or off")
    outbox: Backlog | None = Field(description="The outbox backlog; null when the database does not answer")


# -- users and tokens ------------------------------------------------------------------------------

class Token(Output):
    id: int
    prefix: str
    name: str
    created_at: datetime
    last_used_at: datetime | None


class NewToken(Token):
    token: str = Field(description="The secret; shown once")


class Revoked(Output):
    id: int
    revoked: bool


class User(Output):
    id: int
    username: str
    display_name: str
    email: str
    phone: str
    role: Role
    active: bool
    is_staff: bool
    created_at: datetime
    last_login_at: datetime | None


class Me(User):
    tokens: list[Token]
    csrf_token: str = Field("", description="Browser sessions only: send as X-CSRFToken")


class UserPage(Page):
    items: list[User]


class TokenInput(Input):
    name: str | None = Field(None, max_length=100, description="What the token is for")


class UserInput(Input):
    username: Name
    role: Role
    password: str | None = Field(None, min_length=MIN_PASSWORD, max_length=MAX_PASSWORD,
                                 description="Else a one-time password is set")
    display_name: str | None = Field(None, max_length=100)
    email: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=40)


class UserPatch(Input):
    role: Role | None = None
    active: bool | None = None
    display_name: str | None = Field(None, max_length=100)


class UserQuery(Paged):
    role: str = Field("", pattern=enum_choices(Role), description="Comma-separated roles")
    active: Flag = ""
    q: QueryText = Field("", description="Text in the username or display name")


# -- notifications ---------------------------------------------------------------------------------

class IncidentRef(Output):
    id: int
    number: str | None


class Notification(Output):
    id: int
    kind: str
    message: str
    incident: IncidentRef | None
    created_at: datetime
    read_at: datetime | None
    read: bool


class NotificationPage(Page):
    items: list[Notification]
    unread: int = Field(description="Unread in all")


class NotificationQuery(Paged):
    unread: Flag = Field("", description="true: unread only")


# -- organisation ----------------------------------------------------------------------------------

def _or_any(cls: type[StrEnum]) -> Any:
    return one_of([ANY, *(m.value for m in cls)])


class StationRef(Output):
    id: int
    name: str


class ZoneBrief(Output):
    id: int
    code: str
    name: str
    manager: str | None


class Group(Output):
    id: int
    name: str
    leader: str | None
    station: StationRef
    zones: list[ZoneBrief]


class Station(Output):
    id: int
    name: str
    groups: list[Group]


class StationPage(Page):
    items: list[Station]


class ZoneGroup(Output):
    id: int
    name: str
    leader: str | None
    station: StationRef


class Zone(Output):
    id: int
    code: str
    name: str
    area: Area
    manager: str | None = Field(description="Username of the community manager (社区经理)")
    group: ZoneGroup


class ZonePage(Page):
    items: list[Zone]


class ZoneRef(Output):
    code: str
    name: str


class Subscriber(Output):
    id: int
    account: str
    name: str
    phone: str = Field(description="Masked (138****5678) in lists")
    address: str
    service_level: ServiceLevel
    zone: ZoneRef | None
    user: str | None = Field(description="The portal user owning the account")
    created_at: datetime


class SubscriberPage(Page):
    items: list[Subscriber]


Minutes = Annotated[int, Field(ge=1, le=MAX_MINUTES)]


class SlaPolicy(Output):
    id: int
    category: _or_any(Category)  # type: ignore[valid-type]
    area: _or_any(Area)  # type: ignore[valid-type]
    service_level: _or_any(ServiceLevel)  # type: ignore[valid-type]
    respond_minutes: Minutes = Field(description="At most resolve_minutes")
    resolve_minutes: Minutes
    calendar: SlaCalendar = Field(description="24x7, or the desk's business hours (working minutes)")
    updated_at: datetime


class SlaPolicyPage(Page):
    items: list[SlaPolicy]


class StationInput(Input):
    name: Text = Field(max_length=100)


class GroupInput(Input):
    name: Text = Field(max_length=100)
    leader: Name | None = Field(None, description="Username of a staff member")


class ZoneInput(Input):
    code: Text = Field(max_length=40)
    name: Text = Field(max_length=100)
    manager: Name | None = Field(None, description="Username of a staff member")
    area: Area | None = Field(None, description="urban unless given")


class SlaPolicyPatch(Input):
    category: _or_any(Category) = None  # type: ignore[valid-type]
    area: _or_any(Area) = None  # type: ignore[valid-type]
    service_level: _or_any(ServiceLevel) = None  # type: ignore[valid-type]
    respond_minutes: Minutes = Field(None, description="At most resolve_minutes")  # type: ignore[assignment]
    resolve_minutes: Minutes = None  # type: ignore[assignment]
    calendar: SlaCalendar = Field(None, description="24x7, or the desk's business hours (working minutes)")  # type: ignore[assignment]


class SlaPolicyInput(SlaPolicyPatch):
    category: _or_any(Category)  # type: ignore[valid-type]
    area: _or_any(Area)  # type: ignore[valid-type]
    service_level: _or_any(ServiceLevel)  # type: ignore[valid-type]
    respond_minutes: Minutes = Field(description="At most resolve_minutes")
    resolve_minutes: Minutes
    calendar: SlaCalendar = Field(description="24x7, or the desk's business hours (working minutes)")


class SubscriberInput(Input):
    name: Text | None = Field(None, max_length=100, description="Required when the record is new")
    phone: str | None = Field(None, max_length=40)
    address: str | None = Field(None, max_length=300)
    zone: str | None = Field(None, description="Zone code; 400 if unknown")
    service_level: ServiceLevel = None  # type: ignore[assignment]


class ZoneQuery(Paged):
    group: int | None = Field(None, ge=1, le=MAX_ID, description="Maintenance group id")
    q: QueryText = Field("", description="Text in the code or name")


class SubscriberQuery(Paged):
    q: QueryText = Field("", description="Text in the account, name or phone")


# -- articles and search ---------------------------------------------------------------------------

class _KnownTypes:
    """Every report-type code of the catalogue, under any service (read at the request)."""

    def __contains__(self, code: object) -> bool:
        return any(code in types for types in REPORT_TYPES.values())


KNOWN_TYPES = _KnownTypes()
Service = catalogue_code(SERVICES, "A service code of the catalogue (GET /api/v1/catalogue/services)")


class Content(Output):
    title: str
    body: str = Field(description="Markdown")
    symptom: str = Field(description="Markdown; solutions only (现象)")
    cause: str = Field(description="Markdown; solutions only (原因)")
    steps: str = Field(description="Markdown; solutions only (处理步骤)")
    services: list[Service]  # type: ignore[valid-type]
    category: str
    tags: list[str]
    fault_codes: list[str]
    device_models: list[str]
    visibility: Visibility
    change_kind: ChangeKind | None = Field(description="Change artefacts only: change request (变更申请), test "
                                           "plan (测试方案), technical plan (技术方案) or cut-over plan (割接方案)")
    change_ref: str = Field(description="Change artefacts only: the change's reference (变更单号)")
    planned_start: datetime | None = Field(description="Change artefacts only: start of the planned window")
    planned_end: datetime | None = Field(description="Change artefacts only: end of the planned window")


class Review(Output):
    revision: int
    reviewer: str | None
    content_ok: bool
    form_ok: bool
    decision: Decision
    comment: str
    decided_at: datetime


class Revision(Content):
    number: int
    status: RevisionStatus
    version: int
    author: str | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None
    reviews: list[Review]


class Signals(Output):
    linked: int = Field(description="Incidents linking this article as their solution")
    solved: int = Field(description="Of those, closed")
    reopened: int = Field(description="Of those, reopened at least once")
    reported_again: int = Field(description="Reported again by the same subscriber for the same service within "
                                            "30 days of closing")
    views: int
    helpful: int = Field(description="'Was this helpful?' votes")


class Article(Content):
    id: int
    type: ArticleType
    status: ArticleStatus
    author: str | None
    created_at: datetime
    updated_at: datetime
    retired_at: datetime | None
    incident_count: int
    revision: int = Field(description="Number of the revision shown (the live one, else the draft)")
    version: int = Field(description="Send back as 'version' on PATCH for optimistic locking")
    reviews: list[Review]
    pending_revision: Revision | None = Field(
        description="Staff only: a newer revision in draft or review while this one is live")
    signals: Signals | None = Field(description="Staff only: quality signals (null for others)")


class ArticleSummary(Output):
    id: int
    type: ArticleType
    status: ArticleStatus
    title: str
    visibility: Visibility
    services: list[str]
    category: str
    tags: list[str]
    author: str | None
    created_at: datetime
    updated_at: datetime
    version: int
    pending_revision: RevisionStatus | None


class ArticlePage(Page):
    items: list[ArticleSummary]


class RevisionPage(Page):
    items: list[Revision]


class NeedsAttentionItem(ArticleSummary):
    signals: Signals


class NeedsAttentionList(Output):
    items: list[NeedsAttentionItem]
    total: int


class DiffLine(Output):
    op: Literal[" ", "-", "+"] = Field(description="unchanged, removed, added")
    text: str


class FieldDiff(Output):
    field: str
    lines: list[DiffLine]


class RevisionDiff(Output):
    from_: int = Field(alias="from")
    to: int
    fields: list[FieldDiff]


class Helpful(Output):
    id: int
    helpful: int = Field(description="Votes so far")


class ContentInput(Input):
    body: str | None = Field(None, description="Markdown")
    symptom: str | None = Field(None, description="Markdown; solutions only (现象)")
    cause: str | None = Field(None, description="Markdown; solutions only (原因)")
    steps: str | None = Field(None, description="Markdown; solutions only (处理步骤)")
    services: list[Service] | None = None  # type: ignore[valid-type]
    category: str | None = Field(None, max_length=80)
    tags: list[str] | None = None
    fault_codes: list[str] | None = None
    device_models: list[str] | None = None
    visibility: Visibility = None  # type: ignore[assignment]
    change_kind: ChangeKind | None = Field(None, description="Change artefacts only; other types refuse the change "
                                                             "fields (400)")
    change_ref: str | None = Field(None, max_length=60, description="Change artefacts only (变更单号)")
    planned_start: datetime | None = Field(None, description="Change artefacts only, with offset")
    planned_end: datetime | None = Field(None, description="Change artefacts only, after the start; the window "
                                                           "has both ends or none")


class ArticleInput(ContentInput):
    type: ArticleType
    title: Text = Field(max_length=200)


class ArticlePatch(ContentInput):
    # At least one field to change (version alone changes nothing); the view refuses an empty edit.
    model_config = ConfigDict(json_schema_extra={"anyOf": [{"required": [name]} for name in (
        "type", "title", *ContentInput.model_fields)]})

    type: ArticleType | None = None
    title: Text | None = Field(None, max_length=200)
    version: int | None = Field(None, description="The article's 'version' you edited; 409 edit_conflict if it "
                                                  "moved on")


class ReviewInput(Input):
    content_ok: bool
    form_ok: bool
    decision: Decision
    comment: str | None = None


class RestoreInput(Input):
    version: int | None = Field(None, description="The article's 'version' you saw; 409 edit_conflict if it moved on")


class ArticleQuery(Paged):
    status: str = Field("", pattern=enum_choices(ArticleStatus), description="Comma-separated article statuses")
    type: str = Field("", pattern=enum_choices(ArticleType), description="Comma-separated article types")
    author: Name | None = Field(None, description="Author's username")


class AttentionQuery(Query):
    limit: int = Field(50, ge=1, le=100, description="At most this many")


class SearchHit(Output):
    id: int
    title: str
    type: ArticleType
    status: ArticleStatus
    score: float
    highlights: list[str] = Field(description="HTML fragments with <mark> around matches")
    services: list[str]
    tags: list[str]
    summary: str


class Facets(Output):
    type: dict[str, int]
    service: dict[str, int]
    tag: dict[str, int]


class SearchResult(Page):
    items: list[SearchHit]
    facets: Facets


class SearchHitList(Output):
    items: list[SearchHit]
    total: int


class SearchQuery(Paged):
    q: QueryText = Field("", description='Free text; supports "phrases", -exclusions and field:value')
    type: ArticleType | None = Field(None, description="Article type")
    service: QueryText = Field("", description="Service code")
    category: QueryText = Field("", description="Category")
    tag: QueryText = Field("", description="Tag")
    code: QueryText = Field("", description="Fault or alarm code")
    visibility: Visibility | None = Field(None, description="Staff only")
    status: str = Field("", pattern=enum_choices(ArticleStatus),
                        description="Staff only: comma-separated statuses (default approved)")
    sort: Literal["relevance", "newest", "most_used"] = Field("relevance", description="Order")


class Suggestion(Output):
    id: int
    title: str
    type: ArticleType


class SuggestionList(Output):
    items: list[Suggestion]
    total: int


class SuggestQuery(Query):
    q: QueryText = Field("", max_length=500, description="What the user typed so far")


# -- incidents -------------------------------------------------------------------------------------

Version = Annotated[int, Field(description="The incident's 'version' you acted on; 409 stale_version if it "
                                           "changed since")]


class Sla(Output):
    respond_by: datetime
    resolve_by: datetime
    breached: bool
    state: one_of(SLA_STATES, "at_risk: open, in the last 20% of the resolve window")  # type: ignore[valid-type]
    paused: bool = Field(description="Pending: the clock stands still")
    paused_at: datetime | None
    calendar: SlaCalendar = Field(description="The clock the due times are counted in")


class GroupRef(Output):
    id: int
    name: str


class SubscriberRef(Output):
    account: str
    name: str
    phone: str
    service_level: ServiceLevel


class RepeatOf(Output):
    id: int
    number: str
    solution_id: int | None


class IncidentSummary(Output):
    id: int
    number: str
    title: str
    status: IncidentStatus
    tier: int = Field(ge=1, le=4)
    service: str
    report_type: str | None = Field(description="The catalogue's report type under the service, if one was chosen")
    category: Category
    area: Area
    priority: Priority
    channel: Channel
    customer_account: str
    caller_name: str = Field(description="Who called, when not the account holder (or without an account)")
    caller_phone: str = Field(description="The caller's phone: in full for staff reading one incident, else masked")
    chase_count: int = Field(ge=0, description="Repeat calls about it while open (催修)")
    reporter: str
    assignee: str | None
    solution_id: int | None
    verified: bool
    created_at: datetime
    updated_at: datetime
    sla: Sla
    zone: ZoneRef | None
    group: GroupRef | None
    subscriber: SubscriberRef | None = Field(
        description="The subscriber record; the phone is masked except for staff reading one incident")
    repeat_of: RepeatOf | None = Field(
        description="The closed incident this one repeats (same subscriber and service, within 30 days)")
    version: int = Field(description="Send back as 'version' on a transition; 409 stale_version if it moved on")


class HistoryEntry(Output):
    at: datetime
    actor: str | None
    action: str
    field: str | None
    old: str | None
    new: str | None
    note: str


class Verification(Output):
    at: datetime
    by: str
    method: VerificationMethod
    accepted: bool
    rating: int | None
    comment: str


class CloseBlocker(Output):
    code: Literal["no_solution", "solution_not_approved", "not_verified"]
    message: str


class DuplicateOf(Output):
    id: int
    number: str


class SolutionRef(Output):
    id: int
    title: str | None
    status: ArticleStatus


class Incident(IncidentSummary):
    description: str
    created_by: str
    resolution_note: str
    cancel_reason: str = Field(description="Why it was cancelled (status cancelled)")
    duplicate_of: DuplicateOf | None = Field(description="The parent it was merged into (status duplicate)")
    reopen_count: int
    responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    solution: SolutionRef | None
    history: list[HistoryEntry]
    verifications: list[Verification]
    close_blockers: list[CloseBlocker]


class IncidentPage(Page):
    items: list[IncidentSummary]
    total_exact: bool = Field(description="false: counting stopped early and total is a lower bound (there are at "
                                          "least this many)")


class IncidentSummaryList(Output):
    items: list[IncidentSummary]
    total: int


class FieldWork(Output):
    incident_id: int
    version: int = Field(description="The incident's version after the change")
    leased_line: bool = Field(description="The leased-line fields apply (service leased_line)")
    arrived_at: datetime | None = Field(description="With its offset; not in the future nor before the report")
    completed_at: datetime | None = Field(description="Not before the arrival")
    fault_cause: str
    steps: str
    ip_address: str = Field(description="Leased lines: IPv4/IPv6 address or the circuit's subnet (10.0.0.1/30)")
    vlan: int | None = Field(ge=1, le=4094, description="Leased lines")
    mac_address: str = Field(description="Leased lines: like 00:1A:2B:3C:4D:5E")
    a_end: str = Field(description="Leased lines: A-end route")
    z_end: str = Field(description="Leased lines: Z-end route")
    updated_by: str | None
    updated_at: datetime | None


class AuditIncident(Output):
    id: int
    number: str
    title: str
    customer_account: str
    reporter: str
    closed_at: datetime | None
    phone: str | None = Field(description="The subscriber's, masked")


class Audit(Output):
    id: int
    incident: AuditIncident
    sampled_at: datetime
    sampled_by: str
    outcome: AuditOutcome | None
    auditor: str | None
    called_at: datetime | None
    rating: int | None
    comment: str


class AuditPage(Page):
    items: list[Audit]
    outcomes: dict[str, int] = Field(description="Recorded audits by outcome, in all")


class AuditList(Output):
    items: list[Audit]
    total: int


class IncidentInput(Input):
    title: Text = Field(max_length=200)
    description: str | None = None
    service: Service  # type: ignore[valid-type]
    report_type: str | None = Field(None, max_length=40, description="A report type the catalogue offers under "
                                    "the service (GET /api/v1/catalogue/services/{code}/report-types)")
    category: Category | None = Field(None, description="Default: the report type's SLA category, else the "
                                                        "service's default")
    area: Area | None = None
    customer_account: str | None = Field(None, max_length=40)
    channel: Channel | None = None
    priority: Priority | None = None
    reporter: Name | None = Field(None, description="Staff only: username of the reporting subscriber")
    caller_name: str | None = Field(None, max_length=100, description="Staff only: who called, when not the "
                                                                      "account holder or without an account")
    caller_phone: str | None = Field(None, max_length=40, description="Staff only: the caller's phone")
    zone: str | None = Field(None, description="Zone code (片区); else the subscriber record's zone. Routes to the "
                                               "zone's manager, else the group's queue")


class ChaseInput(Input):
    note: str | None = Field(None, max_length=5000, description="What the caller said")
    caller_phone: str | None = Field(None, max_length=40, description="The number they called from")


class VersionInput(Input):
    version: Version | None = None


class SolutionInput(VersionInput):
    article_id: int


class AssignInput(VersionInput):
    assignee: Name | None = Field(description="username, or null to unassign")


class IncidentReportTypeInput(VersionInput):
    report_type: str | None = Field(max_length=40, description="A type the catalogue offers under the incident's "
                                                             "service, or null for none")


class ReasonInput(VersionInput):
    reason: Text = Field(max_length=NOTE_MAX)


class ResolveInput(VersionInput):
    note: Text = Field(max_length=NOTE_MAX)


class EscalateInput(VersionInput):
    tier: int = Field(ge=2, le=4)
    reason: Text = Field(max_length=NOTE_MAX)
    assignee: Name | None = Field(None, description="username of the staff member taking it")
    group: int | None = Field(None, description="id of the maintenance group (team) taking it; without one the "
                                                "incident stays with its own group")


class VerifyInput(VersionInput):
    accepted: bool
    rating: int | None = Field(None, ge=1, le=5)
    comment: str | None = Field(None, description="Required when rejecting the fix")
    method: VerificationMethod | None = Field(None, description="Staff record a call-back (回访) with 'callback'")


class DuplicateInput(VersionInput):
    parent: str | int = Field(description="The parent's number (INC…) or id")
    reason: str | None = Field(None, max_length=NOTE_MAX)


class FieldWorkInput(VersionInput):
    arrived_at: datetime | None = Field(None, description="With its offset; not in the future nor before the "
                                                          "report")
    completed_at: datetime | None = Field(None, description="Not before the arrival")
    fault_cause: str | None = None
    steps: str | None = None
    ip_address: str | None = Field(None, description="Leased lines: IPv4/IPv6 address or subnet")
    # The range is checked by servicedesk.incidents.fieldwork with the other fields, so one answer names every
    # bad field of the form; the model checks the type only.
    vlan: int | None = Field(None, description="Leased lines", json_schema_extra={"minimum": 1, "maximum": 4094})
    mac_address: str | None = Field(None, description="Leased lines: like 00:1A:2B:3C:4D:5E")
    a_end: str | None = Field(None, description="Leased lines: A-end route")
    z_end: str | None = Field(None, description="Leased lines: Z-end route")


class BulkAssignInput(Input):
    ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(min_length=1, max_length=BULK_MAX,
                                                                json_schema_extra={"uniqueItems": True})
    assignee: Name | None = Field(description="username, or null to unassign")


class AuditSampleInput(Input):
    size: int = Field(ge=1, le=SAMPLE_MAX)
    days: int = Field(30, ge=1, le=366, description="Closed within this many days")


class AuditRecordInput(Input):
    outcome: AuditOutcome
    rating: int | None = Field(None, ge=1, le=5)
    comment: str | None = Field(None, description="Required when the outcome is not_fixed")
    called_at: datetime | None = Field(None, description="When the call was made (default now); not in the future")


class IncidentQuery(Paged):
    status: str = Field("", pattern=enum_choices(IncidentStatus), description="Comma-separated statuses")
    assignee: QueryText = Field("", description="Username, 'me' or 'none'")
    area: str = Field("", pattern=enum_choices(Area), description="Comma-separated areas")
    service: catalogue_codes(SERVICES, "Comma-separated service codes") = ""  # type: ignore[valid-type]
    report_type: catalogue_codes(KNOWN_TYPES, "Comma-separated report-type codes (with service=, "  # type: ignore[valid-type]
                                 "those of that service)") = ""
    category: str = Field("", pattern=enum_choices(Category), description="Comma-separated categories")
    tier: str = Field("", pattern=choices(["1", "2", "3", "4"]), description="Comma-separated tiers (1-4)")
    zone: QueryText = Field("", description="Comma-separated zone codes (400 if unknown)")
    sla_state: str = Field("", pattern=choices(SLA_STATES), description="Comma-separated: " + ", ".join(SLA_STATES)
                           + " (computed by the database)")
    verified: Flag = Field("", description="true or false (resolved and awaiting verification: "
                                           "status=resolved&verified=false)")
    created_from: str = Field("", pattern=ISO_DAY, examples=["2024-05-01"],
                              description="ISO date or date-time; a date is a day in the desk's time zone")
    created_to: str = Field("", pattern=ISO_DAY, examples=["2024-05-31"],
                            description="ISO date (the whole day included) or date-time (excluded)")
    q: QueryText = Field("", description="The start of an incident number, customer account or subscriber phone "
                                         "(looked up by index), else words of the title")
    sort: str = Field("", pattern=choices(SORTS, many=False), description="Order (default newest)")


class AuditQuery(Paged):
    state: Literal["pending", "recorded"] = Field("pending", description="pending (default) or recorded")


# -- attachments -----------------------------------------------------------------------------------

class Attachment(Output):
    id: int
    filename: str
    size: int
    content_type: one_of(sorted(set(ALLOWED.values())))  # type: ignore[valid-type]
    is_image: bool
    created_at: datetime
    url: str = Field(description="Where to download it (same permissions as the article)")


class AttachmentList(Output):
    items: list[Attachment]
    total: int


class Deleted(Output):
    id: int
    deleted: bool


UPLOAD_HELP = (f"multipart/form-data with the field 'file'. Allowed: {', '.join(sorted(ALLOWED))}; the content must "
               "match the extension. At most the server's request limit (413 above it) and "
               f"{MAX_PER_ARTICLE} files per article; identical files are stored once.")
UPLOAD: dict[str, Any] = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "properties": {"file": {"type": "string", "format": "binary"}}, "required": ["file"]}}}}}
DOWNLOAD: dict[str, Any] = {
    "description": "The file",
    "headers": {"Content-Disposition": {"schema": {"type": "string"}},
                "X-Content-Type-Options": {"schema": {"type": "string"}}},
    "content": {ctype: {"schema": {"type": "string", "format": "binary"}} for ctype in sorted(set(ALLOWED.values()))},
}


# -- webhooks --------------------------------------------------------------------------------------

WebhookEvent = one_of(WEBHOOK_EVENTS)


class WebhookInput(Input):
    url: Text = Field(max_length=2000, description="http(s) address of the receiver; not the desk itself")
    events: list[WebhookEvent] = Field(min_length=1)  # type: ignore[valid-type]
    secret: str = Field(min_length=16, max_length=200,
                        description="Shared secret: each delivery carries X-Servicedesk-Signature: "
                                    "sha256=<hex HMAC-SHA256 of the raw body>")


class Webhook(Output):
    id: int
    url: str
    events: list[str]
    active: bool
    created_at: str


class WebhookPage(Page):
    items: list[Webhook]


class DeliveryAttempt(Output):
    at: str
    ok: bool
    detail: str


class Delivery(Output):
    id: str = Field(description="The delivery's uuid, as in the body sent")
    event: str
    status: Literal["pending", "sent", "failed"]
    attempts: int
    created_at: str
    sent_at: str | None
    next_attempt_at: str | None
    last_error: str | None
    log: list[DeliveryAttempt]


class DeliveryPage(Page):
    items: list[Delivery]


# -- audit log -------------------------------------------------------------------------------------

WHEN = r"^(|\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?)$"


class AuditLogQuery(Paged):
    actor: QueryText = Field("", max_length=64, description="Username of who acted, as it was then")
    action: QueryText = Field("", max_length=64,
                              description='One action ("user.role_changed") or a family ("user" is every user.*)')
    object_type: QueryText = Field("", max_length=40)
    object_id: QueryText = Field("", max_length=64)
    since: str = Field("", pattern=WHEN, description="A date (YYYY-MM-DD, the desk's day) or an ISO 8601 time")
    until: str = Field("", pattern=WHEN, description="A date (the whole day is included) or an ISO 8601 time")


class AuditLogEntry(Output):
    id: int
    at: str
    actor: str | None = Field(description="Username of who acted, as it was then; null for the system")
    actor_id: int | None
    via: Literal["web", "api", "cli"]
    action: str
    object_type: str
    object_id: str | None
    object_label: str | None
    changes: dict[str, Any] = Field(description="{field: [before, after]} for the fields that changed; "
                                                "never passwords, hashes, token values or secrets")


class AuditLogPage(Page):
    items: list[AuditLogEntry]


# -- the conversation on an incident ---------------------------------------------------------------

class MessageAttachment(Output):
    id: int
    filename: str
    size: int
    content_type: str
    url: str = Field(description="Where to download it (a subscriber never reaches the files of internal notes)")


class IncidentMessage(Output):
    id: int
    incident_id: int
    kind: Literal["public", "internal"] = Field(description="public: the reporter sees it; internal: staff only")
    author: str
    body: str
    body_html: str = Field(description="The Markdown body rendered and sanitised")
    created_at: str
    attachments: list[MessageAttachment]


class IncidentMessageList(Output):
    items: list[IncidentMessage]


class MessageInput(Input):
    body: Text = Field(max_length=MESSAGE_MAX)
    kind: Literal["public", "internal"] = Field("public", description="Staff only may write internal notes")


class SolutionStepsInput(Input):
    article_id: int | None = Field(None, ge=1, le=MAX_ID,
                                   description="An approved solution; default: the one linked to the incident")
