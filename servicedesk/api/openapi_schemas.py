"""The components of the OpenAPI document: request and response schemas of /api/v1.

Enumerations come from the domain modules, so the schemas follow the code.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from kb.actors import Role
from kb.attachments import ALLOWED
from kb.vocabulary import SERVICES
from kb.workflow import ArticleStatus, ArticleType, ChangeKind, Decision, RevisionStatus, Visibility
from servicedesk.api.incidents import BULK_MAX
from servicedesk.incidents.audits import SAMPLE_MAX
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
from servicedesk.org.models import ServiceLevel
from servicedesk.users.passwords import MAX_PASSWORD, MIN_PASSWORD

J = dict[str, Any]
PASSWORD: J = {"type": "string", "minLength": MIN_PASSWORD, "maxLength": MAX_PASSWORD}

STR: J = {"type": "string"}
INT: J = {"type": "integer"}
BOOL: J = {"type": "boolean"}
TIME: J = {"type": "string", "format": "date-time"}
STR_LIST: J = {"type": "array", "items": STR}


def ref(name: str) -> J:
    return {"$ref": f"#/components/schemas/{name}"}


def null(schema: J) -> J:
    return {"anyOf": [schema, {"type": "null"}]}


def enum(cls: type[StrEnum]) -> J:
    return {"type": "string", "enum": [m.value for m in cls]}


def obj(props: J, required: tuple[str, ...] = ()) -> J:
    """An object schema; responses stay open so fields can be added without breaking clients."""
    out: J = {"type": "object", "properties": props}
    if required:
        out["required"] = list(required)
    return out


def input_obj(props: J, required: tuple[str, ...] = ()) -> J:
    """A request body: the API refuses fields it does not know (400 naming them)."""
    return {**obj(props, required), "additionalProperties": False}


def page_of(item: str) -> J:
    return obj({"items": {"type": "array", "items": ref(item)}, "total": INT, "page": INT, "per_page": INT},
               ("items", "total", "page", "per_page"))


def list_of(item: str) -> J:
    return obj({"items": {"type": "array", "items": ref(item)}, "total": INT}, ("items", "total"))


CONTENT: J = {
    "title": {"type": "string", "maxLength": 200},
    "body": {"type": "string", "description": "Markdown"},
    "symptom": {"type": "string", "description": "Markdown; solutions only (现象)"},
    "cause": {"type": "string", "description": "Markdown; solutions only (原因)"},
    "steps": {"type": "string", "description": "Markdown; solutions only (处理步骤)"},
    "services": {"type": "array", "items": {"type": "string", "enum": list(SERVICES)}},
    "category": {"type": "string", "maxLength": 80},
    "tags": STR_LIST,
    "fault_codes": STR_LIST,
    "device_models": STR_LIST,
    "visibility": enum(Visibility),
    "change_kind": {**null(enum(ChangeKind)),
                    "description": "Change artefacts only: change request (变更申请), test plan (测试方案), "
                                   "technical plan (技术方案) or cut-over plan (割接方案). Other types refuse the "
                                   "change fields (400)"},
    "change_ref": {"type": "string", "maxLength": 60,
                   "description": "Change artefacts only: the change's reference (变更单号)"},
    "planned_start": {**null(TIME), "description": "Change artefacts only: start of the planned window, with offset"},
    "planned_end": {**null(TIME), "description": "Change artefacts only: end of the planned window, after the start; "
                                                 "the window has both ends or none"},
}
REVIEW: J = obj({"revision": INT, "reviewer": null(STR), "content_ok": BOOL, "form_ok": BOOL,
                 "decision": enum(Decision), "comment": STR, "decided_at": TIME})
REVISION: J = obj({"number": INT, "status": enum(RevisionStatus), "version": INT, **CONTENT, "author": null(STR),
                   "created_at": TIME, "updated_at": TIME, "submitted_at": null(TIME), "decided_at": null(TIME),
                   "reviews": {"type": "array", "items": ref("Review")}})
SIGNALS: J = obj({
    "linked": {**INT, "description": "Incidents linking this article as their solution"},
    "solved": {**INT, "description": "Of those, closed"},
    "reopened": {**INT, "description": "Of those, reopened at least once"},
    "reported_again": {**INT, "description": "Reported again by the same subscriber for the same service within "
                                              "30 days of closing"},
    "views": INT, "helpful": {**INT, "description": "'Was this helpful?' votes"},
}, ("linked", "solved", "reopened", "reported_again", "views", "helpful"))
ARTICLE: J = obj({
    "id": INT, "type": enum(ArticleType), "status": enum(ArticleStatus), **CONTENT, "author": null(STR),
    "created_at": TIME, "updated_at": TIME, "retired_at": null(TIME), "incident_count": INT,
    "revision": {"type": "integer", "description": "Number of the revision shown (the live one, else the draft)"},
    "version": {"type": "integer", "description": "Send back as 'version' on PATCH for optimistic locking"},
    "reviews": {"type": "array", "items": ref("Review")},
    "pending_revision": {**null(ref("Revision")),
                         "description": "Staff only: a newer revision in draft or review while this one is live"},
    "signals": {**null(ref("Signals")), "description": "Staff only: quality signals (null for others)"},
})
ARTICLE_SUMMARY: J = obj({
    "id": INT, "type": enum(ArticleType), "status": enum(ArticleStatus), "title": STR,
    "visibility": enum(Visibility), "services": STR_LIST, "category": STR, "tags": STR_LIST,
    "author": null(STR), "created_at": TIME, "updated_at": TIME, "version": INT,
    "pending_revision": null(enum(RevisionStatus)),
})
HIT: J = obj({"id": INT, "title": STR, "type": enum(ArticleType), "status": enum(ArticleStatus), "score": {
    "type": "number"}, "highlights": {**STR_LIST, "description": "HTML fragments with <mark> around matches"},
    "services": STR_LIST, "tags": STR_LIST, "summary": STR})
FACET: J = {"type": "object", "additionalProperties": INT}
SEARCH_RESULT: J = obj({
    "items": {"type": "array", "items": ref("SearchHit")}, "total": INT, "page": INT, "per_page": INT,
    "facets": obj({"type": FACET, "service": FACET, "tag": FACET}),
}, ("items", "total", "page", "per_page", "facets"))
SLA: J = obj({"respond_by": TIME, "resolve_by": TIME, "breached": BOOL,
              "state": {"type": "string", "enum": list(SLA_STATES),
                        "description": "at_risk: open, in the last 20% of the resolve window"},
              "paused": {**BOOL, "description": "Pending: the clock stands still"}, "paused_at": null(TIME),
              "calendar": {**enum(SlaCalendar), "description": "The clock the due times are counted in"}})
ZONE_REF: J = obj({"code": STR, "name": STR}, ("code", "name"))
INCIDENT_SUMMARY_PROPS: J = {
    "id": INT, "number": STR, "title": STR, "status": enum(IncidentStatus), "tier": {**INT, "minimum": 1,
                                                                                     "maximum": 4},
    "service": STR, "category": enum(Category), "area": enum(Area), "priority": enum(Priority),
    "channel": enum(Channel), "customer_account": STR, "reporter": STR, "assignee": null(STR),
    "solution_id": null(INT), "verified": BOOL, "created_at": TIME, "updated_at": TIME, "sla": ref("Sla"),
    "zone": null(ref("ZoneRef")), "group": null(obj({"id": INT, "name": STR}, ("id", "name"))),
    "subscriber": {**null(obj({"account": STR, "name": STR, "phone": STR, "service_level": enum(ServiceLevel)})),
                   "description": "The subscriber record; the phone is masked except for staff reading one incident"},
    "repeat_of": {**null(obj({"id": INT, "number": STR, "solution_id": null(INT)})),
                  "description": "The closed incident this one repeats (same subscriber and service, within 30 days)"},
    "version": {**INT, "description": "Send back as 'version' on a transition; 409 stale_version if it moved on"},
}
INCIDENT: J = obj({
    **INCIDENT_SUMMARY_PROPS, "description": STR, "created_by": STR, "resolution_note": STR, "reopen_count": INT,
    "cancel_reason": {**STR, "description": "Why it was cancelled (status cancelled)"},
    "duplicate_of": {**null(obj({"id": INT, "number": STR})),
                     "description": "The parent it was merged into (status duplicate)"},
    "responded_at": null(TIME), "resolved_at": null(TIME), "closed_at": null(TIME),
    "solution": null(obj({"id": INT, "title": null(STR), "status": enum(ArticleStatus)})),
    "history": {"type": "array", "items": ref("HistoryEntry")},
    "verifications": {"type": "array", "items": ref("Verification")},
    "close_blockers": {"type": "array", "items": ref("CloseBlocker")},
})
FIELD_WORK_INPUT = ("arrived_at", "completed_at", "fault_cause", "steps", "ip_address", "vlan", "mac_address",
                    "a_end", "z_end")
FIELD_WORK: J = obj({
    "incident_id": INT, "version": {**INT, "description": "The incident's version after the change"},
    "leased_line": {**BOOL, "description": "The leased-line fields apply (service leased_line)"},
    "arrived_at": {**null(TIME), "description": "With its offset; not in the future nor before the report"},
    "completed_at": {**null(TIME), "description": "Not before the arrival"},
    "fault_cause": STR, "steps": STR,
    "ip_address": {**STR, "description": "Leased lines: IPv4/IPv6 address or the circuit's subnet (10.0.0.1/30)"},
    "vlan": {**null({**INT, "minimum": 1, "maximum": 4094}), "description": "Leased lines"},
    "mac_address": {**STR, "description": "Leased lines: like 00:1A:2B:3C:4D:5E"},
    "a_end": {**STR, "description": "Leased lines: A-end route"},
    "z_end": {**STR, "description": "Leased lines: Z-end route"},
    "updated_by": null(STR), "updated_at": null(TIME)})
AUDIT: J = obj({
    "id": INT,
    "incident": obj({"id": INT, "number": STR, "title": STR, "customer_account": STR, "reporter": STR,
                     "closed_at": null(TIME), "phone": {**null(STR), "description": "The subscriber's, masked"}}),
    "sampled_at": TIME, "sampled_by": STR, "outcome": null(enum(AuditOutcome)), "auditor": null(STR),
    "called_at": null(TIME), "rating": null(INT), "comment": STR})
USER: J = obj({"id": INT, "username": STR, "display_name": STR, "email": STR, "phone": STR, "role": enum(Role),
               "active": BOOL, "is_staff": BOOL, "created_at": TIME, "last_login_at": null(TIME)})
TOKEN: J = obj({"id": INT, "prefix": STR, "name": STR, "created_at": TIME, "last_used_at": null(TIME)})
VERSION: J = {**INT, "description": "The incident's 'version' you acted on; 409 stale_version if it changed since"}
STATION_REF: J = obj({"id": INT, "name": STR}, ("id", "name"))
ZONE_BRIEF: J = obj({"id": INT, "code": STR, "name": STR, "manager": null(STR)})
GROUP: J = obj({"id": INT, "name": STR, "leader": null(STR), "station": STATION_REF,
                "zones": {"type": "array", "items": ZONE_BRIEF}})
ZONE: J = obj({"id": INT, "code": STR, "name": STR, "area": enum(Area),
               "manager": {**null(STR), "description": "Username of the community manager (社区经理)"},
               "group": obj({"id": INT, "name": STR, "leader": null(STR), "station": STATION_REF})})
def _or_any(cls: type[StrEnum]) -> J:
    return {"type": "string", "enum": [ANY, *(m.value for m in cls)]}


MINUTES: J = {**INT, "minimum": 1, "maximum": MAX_MINUTES}
SLA_POLICY_FIELDS: J = {
    "category": _or_any(Category), "area": _or_any(Area), "service_level": _or_any(ServiceLevel),
    "respond_minutes": {**MINUTES, "description": "At most resolve_minutes"}, "resolve_minutes": MINUTES,
    "calendar": {**enum(SlaCalendar), "description": "24x7, or the desk's business hours (working minutes)"},
}
SUBSCRIBER: J = obj({"id": INT, "account": STR, "name": STR,
                     "phone": {**STR, "description": "Masked (138****5678) in lists"}, "address": STR,
                     "service_level": enum(ServiceLevel), "zone": null(ref("ZoneRef")),
                     "user": {**null(STR), "description": "The portal user owning the account"},
                     "created_at": TIME})
NOTIFICATION: J = obj({"id": INT, "kind": STR, "message": STR,
                       "incident": null(obj({"id": INT, "number": null(STR)})),
                       "created_at": TIME, "read_at": null(TIME), "read": BOOL})
ATTACHMENT: J = obj({"id": INT, "filename": STR, "size": INT,
                     "content_type": {"type": "string", "enum": sorted(set(ALLOWED.values()))},
                     "is_image": BOOL, "created_at": TIME,
                     "url": {**STR, "description": "Where to download it (same permissions as the article)"}})

SCHEMAS: J = {
    "Error": obj({"error": obj({"code": {"type": "string", "pattern": "^[a-z0-9_]+$"}, "message": STR,
                                "fields": {"type": "object", "additionalProperties": STR}},
                               ("code", "message", "fields"))}, ("error",)),
    "Health": obj({"status": {"type": "string", "enum": ["ok", "error"]},
                   "database": {"type": "string", "enum": ["ok", "error"]},
                   "index": {"type": "string", "enum": ["ok", "error"]},
                   "index_lag": {**null(INT), "description": "Committed changes this node's index does not hold yet"},
                   "index_lag_seconds": {**null({"type": "number"}),
                                         "description": "How long the oldest of them has waited"}},
                  ("status", "database", "index")),
    "ArticleInput": input_obj({"type": enum(ArticleType), **CONTENT}, ("type", "title")),
    "ArticlePatch": input_obj({"type": enum(ArticleType), **CONTENT, "version": {
        "type": "integer", "description": "The article's 'version' you edited; 409 edit_conflict if it moved on"}}),
    "ReviewInput": input_obj({"content_ok": BOOL, "form_ok": BOOL, "decision": enum(Decision), "comment": STR},
                       ("content_ok", "form_ok", "decision")),
    "Review": REVIEW,
    "Revision": REVISION,
    "Article": ARTICLE,
    "ArticleSummary": ARTICLE_SUMMARY,
    "ArticlePage": page_of("ArticleSummary"),
    "RevisionPage": page_of("Revision"),
    "SearchHit": HIT,
    "SearchResult": SEARCH_RESULT,
    "SearchHitList": list_of("SearchHit"),
    "Signals": SIGNALS,
    "NeedsAttentionItem": obj({**ARTICLE_SUMMARY["properties"], "signals": ref("Signals")}),
    "NeedsAttentionList": list_of("NeedsAttentionItem"),
    "RevisionDiff": obj({"from": INT, "to": INT, "fields": {"type": "array", "items": obj({
        "field": STR, "lines": {"type": "array", "items": obj({
            "op": {"type": "string", "enum": [" ", "-", "+"], "description": "unchanged, removed, added"},
            "text": STR})}})}}),
    "RestoreInput": input_obj({"version": {
        "type": "integer", "description": "The article's 'version' you saw; 409 edit_conflict if it moved on"}}),
    "Helpful": obj({"id": INT, "helpful": {**INT, "description": "Votes so far"}}),
    "Attachment": ATTACHMENT,
    "AttachmentList": list_of("Attachment"),
    "Deleted": obj({"id": INT, "deleted": BOOL}),
    "Suggestion": obj({"id": INT, "title": STR, "type": enum(ArticleType)}),
    "SuggestionList": list_of("Suggestion"),
    "IncidentInput": input_obj({
        "title": {"type": "string", "maxLength": 200}, "description": STR,
        "service": {"type": "string", "enum": list(SERVICES)}, "category": enum(Category), "area": enum(Area),
        "customer_account": {"type": "string", "maxLength": 40}, "channel": enum(Channel),
        "priority": enum(Priority),
        "reporter": {"type": "string", "description": "Staff only: username of the reporting subscriber"},
        "zone": {"type": "string", "description": "Zone code (片区); else the subscriber record's zone. "
                                                  "Routes to the zone's manager, else the group's queue"},
    }, ("title", "service", "category")),
    "Sla": SLA,
    "HistoryEntry": obj({"at": TIME, "actor": null(STR), "action": STR, "field": null(STR), "old": null(STR),
                         "new": null(STR), "note": STR}),
    "Verification": obj({"at": TIME, "by": STR, "method": enum(VerificationMethod), "accepted": BOOL,
                         "rating": null(INT), "comment": STR}),
    "CloseBlocker": obj({"code": {"type": "string", "enum": ["no_solution", "solution_not_approved",
                                                             "not_verified"]}, "message": STR}),
    "IncidentSummary": obj(INCIDENT_SUMMARY_PROPS),
    "Incident": INCIDENT,
    "IncidentPage": {**page_of("IncidentSummary"), "properties": {
        **page_of("IncidentSummary")["properties"],
        "total_exact": {**BOOL, "description": "false: counting stopped early and total is a lower bound "
                                               "(there are at least this many)"}},
        "required": [*page_of("IncidentSummary")["required"], "total_exact"]},
    "SolutionInput": input_obj({"article_id": INT, "version": VERSION}, ("article_id",)),
    "AssignInput": input_obj({"assignee": {**null(STR), "description": "username, or null to unassign"},
                              "version": VERSION}, ("assignee",)),
    "ReasonInput": input_obj({"reason": STR, "version": VERSION}, ("reason",)),
    "EscalateInput": input_obj({"tier": {**INT, "minimum": 2, "maximum": 4}, "reason": STR,
                                "assignee": {**null(STR), "description": "username of the staff member taking it"},
                                "group": {**null(INT), "description": "id of the maintenance group (team) taking "
                                          "it; without one the incident stays with its own group"},
                                "version": VERSION}, ("tier", "reason")),
    "DuplicateInput": input_obj({
        "parent": {"anyOf": [STR, INT], "description": "The parent's number (INC…) or id"},
        "reason": STR, "version": VERSION}, ("parent",)),
    "FieldWork": FIELD_WORK,
    "FieldWorkInput": input_obj({**{k: v for k, v in FIELD_WORK["properties"].items() if k in FIELD_WORK_INPUT},
                                 "version": VERSION}),
    "Audit": AUDIT,
    "AuditPage": {**page_of("Audit"), "properties": {
        **page_of("Audit")["properties"],
        "outcomes": {"type": "object", "additionalProperties": INT,
                     "description": "Recorded audits by outcome, in all"}}},
    "AuditList": list_of("Audit"),
    "AuditSampleInput": input_obj({"size": {**INT, "minimum": 1, "maximum": SAMPLE_MAX},
                                   "days": {**INT, "minimum": 1, "maximum": 366, "default": 30,
                                            "description": "Closed within this many days"}}, ("size",)),
    "AuditRecordInput": input_obj({
        "outcome": enum(AuditOutcome), "rating": null({**INT, "minimum": 1, "maximum": 5}),
        "comment": {"type": "string", "description": "Required when the outcome is not_fixed"},
        "called_at": {**TIME, "description": "When the call was made (default now); not in the future"}},
        ("outcome",)),
    "ResolveInput": input_obj({"note": STR, "version": VERSION}, ("note",)),
    "VerifyInput": input_obj({"accepted": BOOL, "rating": null({**INT, "minimum": 1, "maximum": 5}),
                        "comment": {"type": "string", "description": "Required when rejecting the fix"},
                        "method": {**enum(VerificationMethod),
                                   "description": "Staff record a call-back (回访) with 'callback'"},
                        "version": VERSION},
                       ("accepted",)),
    "VersionInput": input_obj({"version": VERSION}),
    "BulkAssignInput": input_obj({
        "ids": {"type": "array", "items": INT, "minItems": 1, "maxItems": BULK_MAX, "uniqueItems": True},
        "assignee": {**null(STR), "description": "username, or null to unassign"}}, ("ids", "assignee")),
    "IncidentSummaryList": list_of("IncidentSummary"),
    "ZoneRef": ZONE_REF,
    "Station": obj({"id": INT, "name": STR, "groups": {"type": "array", "items": ref("Group")}}),
    "StationPage": page_of("Station"),
    "StationInput": input_obj({"name": {"type": "string", "maxLength": 100}}, ("name",)),
    "Group": GROUP,
    "GroupInput": input_obj({"name": {"type": "string", "maxLength": 100},
                             "leader": {**null(STR), "description": "Username of a staff member"}}, ("name",)),
    "Zone": ZONE,
    "ZonePage": page_of("Zone"),
    "ZoneInput": input_obj({"code": {"type": "string", "maxLength": 40}, "name": {"type": "string", "maxLength": 100},
                            "manager": {**null(STR), "description": "Username of a staff member"},
                            "area": enum(Area)}, ("code", "name")),
    "SlaPolicy": obj({**SLA_POLICY_FIELDS, "id": INT, "updated_at": TIME}, ("id", *SLA_POLICY_FIELDS)),
    "SlaPolicyPage": page_of("SlaPolicy"),
    "SlaPolicyInput": input_obj(SLA_POLICY_FIELDS, tuple(SLA_POLICY_FIELDS)),
    "SlaPolicyPatch": input_obj(SLA_POLICY_FIELDS),
    "Subscriber": SUBSCRIBER,
    "SubscriberPage": page_of("Subscriber"),
    "SubscriberInput": input_obj({
        "name": {"type": "string", "maxLength": 100, "description": "Required when the record is new"},
        "phone": {"type": "string", "maxLength": 40}, "address": {"type": "string", "maxLength": 300},
        "zone": {"type": "string", "description": "Zone code; 400 if unknown"},
        "service_level": enum(ServiceLevel)}),
    "Notification": NOTIFICATION,
    "NotificationPage": {**page_of("Notification"), "properties": {
        **page_of("Notification")["properties"], "unread": {**INT, "description": "Unread in all"}}},
    "EmptyInput": input_obj({}),
    "User": USER,
    "UserPage": page_of("User"),
    "Me": obj({**USER["properties"], "tokens": {"type": "array", "items": ref("Token")},
               "csrf_token": {"type": "string", "description": "Browser sessions only: send as X-CSRFToken"}}),
    "UserInput": input_obj({"username": STR, "role": enum(Role), "password": PASSWORD,
                      "display_name": STR, "email": STR, "phone": STR}, ("username", "role")),
    "UserPatch": input_obj({"role": enum(Role), "active": BOOL, "display_name": STR}),
    "Token": TOKEN,
    "TokenInput": input_obj({"name": {"type": "string", "maxLength": 100}}),
    "NewToken": obj({**TOKEN["properties"], "token": {"type": "string", "description": "The secret; shown once"}},
                    ("token",)),
    "Revoked": obj({"id": INT, "revoked": BOOL}),
}
