"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

The schemas live in openapi_schemas; here are the paths. Enumerations come from the domain modules, so the
document follows the code; a test checks that every route the blueprint registers is described here and
that the document validates.
"""

from __future__ import annotations

from kb.attachments import ALLOWED, MAX_PER_ARTICLE
from kb.workflow import ArticleType, Visibility
from servicedesk.api import bp
from servicedesk.api.common import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE, open_endpoint
from servicedesk.api.openapi_schemas import INT, SCHEMAS, STR, J, enum, ref
from servicedesk.incidents.queries import SEARCH_CAP, SORTS, TOTAL_CAP
from servicedesk.incidents.sla_sql import SLA_STATES
from servicedesk.incidents.terms import ID_CAP

ERRORS = {
    "BadRequest": "Malformed JSON (malformed_json), a body that is not an object, or invalid fields "
                  "(invalid_input; `fields` names them)",
    "Unauthorized": "No credentials, or a bad bearer token",
    "Forbidden": "Authenticated but not allowed",
    "NotFound": "Absent, or not visible to you",
    "Conflict": "The request breaks a workflow rule; `code` names it",
    "TooLarge": "The request body is larger than the server accepts",
}
STATUS_OF = {"BadRequest": "400", "Unauthorized": "401", "Forbidden": "403", "NotFound": "404",
             "Conflict": "409", "TooLarge": "413"}

PARAMETERS: J = {
    "page": {"name": "page", "in": "query", "schema": {**INT, "minimum": 1, "maximum": MAX_PAGE, "default": 1}},
    "per_page": {"name": "per_page", "in": "query",
                 "schema": {**INT, "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE}},
    "article_id": {"name": "article_id", "in": "path", "required": True, "schema": INT},
    "incident_id": {"name": "incident_id", "in": "path", "required": True, "schema": INT},
    "user_id": {"name": "user_id", "in": "path", "required": True, "schema": INT},
    "token_id": {"name": "token_id", "in": "path", "required": True, "schema": INT},
    "attachment_id": {"name": "attachment_id", "in": "path", "required": True, "schema": INT},
    "station_id": {"name": "station_id", "in": "path", "required": True, "schema": INT},
    "group_id": {"name": "group_id", "in": "path", "required": True, "schema": INT},
    "policy_id": {"name": "policy_id", "in": "path", "required": True, "schema": INT},
    "notification_id": {"name": "notification_id", "in": "path", "required": True, "schema": INT},
    "audit_id": {"name": "audit_id", "in": "path", "required": True, "schema": INT},
    "account": {"name": "account", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 40},
                "description": "The subscriber's account number"},
}

SIGNED_IN: list[J] = [{"bearerAuth": []}, {"cookieAuth": []}]
ANONYMOUS_TOO: list[J] = [{}, *SIGNED_IN]


def q(name: str, description: str, schema: J | None = None) -> J:
    return {"name": name, "in": "query", "description": description, "schema": schema or STR}


def p(name: str) -> J:
    return {"$ref": f"#/components/parameters/{name}"}


def op(summary: str, tag: str, ok: str, *, status: int = 200, body: str | None = None,
       params: tuple[J, ...] = (), errors: tuple[str, ...] = ("BadRequest", "Unauthorized", "Forbidden", "NotFound"),
       security: list[J] | None = None, description: str = "") -> J:
    out: J = {"summary": summary, "tags": [tag], "operationId": "", "responses": {
        str(status): {"description": "OK" if status == 200 else "Created",
                      "content": {"application/json": {"schema": ref(ok)}}},
    }}
    if description:
        out["description"] = description
    for name in errors:
        out["responses"][STATUS_OF[name]] = {"$ref": f"#/components/responses/{name}"}
    if body is not None:
        out["requestBody"] = {"required": body != "EmptyInput",
                              "content": {"application/json": {"schema": ref(body)}}}
        out["responses"].setdefault("413", {"$ref": "#/components/responses/TooLarge"})
    if params:
        out["parameters"] = list(params)
    if security is not None:
        out["security"] = security
    return out


def binary_download() -> J:
    """GET of an attachment: the file itself, in the type its content was checked to be."""
    out = op("Download an attachment", "articles", "Attachment", params=(p("article_id"), p("attachment_id")),
             errors=("Unauthorized", "NotFound"), security=ANONYMOUS_TOO,
             description="Only for callers who may read the article (else 404). Sent with X-Content-Type-Options: "
                         "nosniff; images and PDFs inline, other files as attachment; filename* is UTF-8.")
    out["responses"]["200"] = {
        "description": "The file",
        "headers": {"Content-Disposition": {"schema": STR}, "X-Content-Type-Options": {"schema": STR}},
        "content": {ctype: {"schema": {"type": "string", "format": "binary"}}
                    for ctype in sorted(set(ALLOWED.values()))},
    }
    return out


def upload() -> J:
    out = op("Attach a file to an article (staff)", "articles", "Attachment", status=201,
             params=(p("article_id"),), errors=("BadRequest", "Unauthorized", "Forbidden", "NotFound", "TooLarge"),
             description=f"multipart/form-data with the field 'file'. Allowed: {', '.join(sorted(ALLOWED))}; the "
                         "content must match the extension. At most the server's request limit (413 above it) and "
                         f"{MAX_PER_ARTICLE} files per article; identical files are stored once.")
    out["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "properties": {"file": {"type": "string", "format": "binary"}}, "required": ["file"]}}}}
    return out


def created_or_updated(operation: J) -> J:
    """A PUT that answers 201 when it created the resource and 200 when it replaced fields of it."""
    operation["responses"]["201"] = {**operation["responses"]["200"], "description": "Created"}
    return operation


def action(summary: str, body: str, *, conflict: bool = True, description: str = "") -> J:
    errors = ("BadRequest", "Unauthorized", "Forbidden", "NotFound", *(("Conflict",) if conflict else ()))
    return op(summary, "incidents", "Incident", body=body, params=(p("incident_id"),), errors=errors,
              description=description)


WRITE = ("BadRequest", "Unauthorized", "Forbidden", "NotFound", "Conflict")
PAGING = (p("page"), p("per_page"))

PATHS: J = {
    "/health": {"get": op("Database and search index answer", "health", "Health", errors=(), security=[],
                          description="503 with the failing part marked 'error' when something is down.")},
    "/openapi.json": {"get": {"summary": "This document", "tags": ["meta"], "security": [], "responses": {
        "200": {"description": "OpenAPI 3.1 document", "content": {"application/json": {"schema": {
            "type": "object"}}}}}}},
    "/articles": {
        "get": op("List articles (staff)", "articles", "ArticlePage", params=(
            q("status", "Comma-separated article statuses"), q("type", "Comma-separated article types"),
            q("author", "Author's username"), *PAGING), errors=("BadRequest", "Unauthorized", "Forbidden")),
        "post": op("Write a new article; it starts as a draft", "articles", "Article", status=201,
                   body="ArticleInput", errors=("BadRequest", "Unauthorized", "Forbidden")),
    },
    "/articles/{article_id}": {
        "get": op("Read an article", "articles", "Article", params=(p("article_id"),),
                  errors=("Unauthorized", "NotFound"), security=ANONYMOUS_TOO,
                  description="Visitors and subscribers read approved public articles only; others are 404."),
        "patch": op("Edit an article", "articles", "Article", body="ArticlePatch", params=(p("article_id"),),
                    errors=WRITE, description="Editing an approved article opens a new revision that goes through "
                    "review again; the approved one stays live meanwhile (see pending_revision)."),
    },
    "/articles/{article_id}/submit": {"post": op(
        "Send the draft to review", "articles", "Article", body="EmptyInput", params=(p("article_id"),),
        errors=WRITE)},
    "/articles/{article_id}/review": {"post": op(
        "Review the revision in review (technical lead; never the author)", "articles", "Article",
        body="ReviewInput", params=(p("article_id"),), errors=WRITE,
        description="Approval needs content_ok and form_ok both true (else 400); the author gets 403.")},
    "/articles/{article_id}/retire": {"post": op(
        "Retire an article (lead or admin)", "articles", "Article", body="EmptyInput", params=(p("article_id"),),
        errors=WRITE)},
    "/articles/{article_id}/revisions": {"get": op(
        "An article's revisions, newest first (staff)", "articles", "RevisionPage",
        params=(p("article_id"), *PAGING))},
    "/articles/{article_id}/revisions/{old}/diff/{new}": {"get": op(
        "What changed between two revisions, field by field (staff)", "articles", "RevisionDiff",
        params=(p("article_id"), {"name": "old", "in": "path", "required": True, "schema": INT},
                {"name": "new", "in": "path", "required": True, "schema": INT}),
        errors=("Unauthorized", "Forbidden", "NotFound"))},
    "/articles/{article_id}/revisions/{number}/restore": {"post": op(
        "Restore an old revision as the new draft (staff)", "articles", "Article", body="RestoreInput",
        params=(p("article_id"), {"name": "number", "in": "path", "required": True, "schema": INT}), errors=WRITE,
        description="The live revision stays live until the restored draft is reviewed and approved.")},
    "/articles/{article_id}/attachments": {
        "get": op("An article's attachments", "articles", "AttachmentList", params=(p("article_id"),),
                  errors=("Unauthorized", "NotFound"), security=ANONYMOUS_TOO),
        "post": upload(),
    },
    "/articles/{article_id}/attachments/{attachment_id}": {
        "get": binary_download(),
        "delete": op("Remove an attachment (staff)", "articles", "Deleted",
                     params=(p("article_id"), p("attachment_id")), errors=("Unauthorized", "Forbidden", "NotFound"),
                     description="The stored file goes once no article refers to it."),
    },
    "/articles/{article_id}/helpful": {"post": op(
        "Vote 'this was helpful'", "articles", "Helpful", body="EmptyInput", params=(p("article_id"),),
        errors=("BadRequest", "Unauthorized", "NotFound"), security=ANONYMOUS_TOO,
        description="Anyone who may read the article.")},
    "/articles/needs-attention": {"get": op(
        "Articles whose incidents were reopened or reported again, worst first (staff)", "articles",
        "NeedsAttentionList", params=(q("limit", "At most this many (default 50)",
                                        {**INT, "minimum": 1, "maximum": 100}),),
        errors=("BadRequest", "Unauthorized", "Forbidden"))},
    "/search": {"get": op(
        "Search the knowledge base", "search", "SearchResult", security=ANONYMOUS_TOO,
        errors=("BadRequest", "Unauthorized"), params=(
            q("q", "Free text; supports \"phrases\", -exclusions and field:value"),
            q("type", "Article type", enum(ArticleType)), q("service", "Service code"), q("category", "Category"),
            q("tag", "Tag"), q("code", "Fault or alarm code"),
            q("visibility", "Staff only", enum(Visibility)),
            q("status", "Staff only: comma-separated statuses (default approved)"),
            q("sort", "Order", {"type": "string", "enum": ["relevance", "newest", "most_used"]}), *PAGING),
        description="Subscribers and visitors see approved public articles; staff approved internal ones too, "
                    "and other states when they ask with status=.")},
    "/search/suggest": {"get": op(
        "Title suggestions while typing (at most 8)", "search", "SuggestionList", security=ANONYMOUS_TOO,
        errors=("BadRequest", "Unauthorized"), params=(q("q", "What the user typed so far"),))},
    "/incidents": {
        "get": op("List incidents (subscribers: their own)", "incidents", "IncidentPage", params=(
            q("status", "Comma-separated statuses"), q("assignee", "Username, 'me' or 'none'"),
            q("area", "Comma-separated areas"), q("service", "Comma-separated service codes"),
            q("category", "Comma-separated categories"), q("tier", "Comma-separated tiers (1-4)"),
            q("zone", "Comma-separated zone codes (400 if unknown)"),
            q("sla_state", "Comma-separated: " + ", ".join(SLA_STATES) + " (computed by the database)"),
            q("verified", "true or false (resolved and awaiting verification: status=resolved&verified=false)"),
            q("created_from", "ISO date or date-time; a date is a day in the desk's time zone", {
                "type": "string", "examples": ["2024-05-01"]}),
            q("created_to", "ISO date (the whole day included) or date-time (excluded)", {
                "type": "string", "examples": ["2024-05-31"]}),
            q("q", "The start of an incident number, customer account or subscriber phone (looked up by index), "
                   "else words of the title"),
            q("sort", "Order (default newest)", {"type": "string", "enum": list(SORTS)}),
            *PAGING), errors=("BadRequest", "Unauthorized"),
            description=f"Counting stops after {TOTAL_CAP:,} matches ({SEARCH_CAP:,} for words of the title that "
                        f"more than {ID_CAP:,} incidents hold): `total` is then a lower bound and `total_exact` is "
                        "false. Walk the pages until one comes back short."),
        "post": op("Report an incident", "incidents", "Incident", status=201, body="IncidentInput",
                   errors=("BadRequest", "Unauthorized", "Forbidden", "NotFound"),
                   description="Subscribers report for themselves; staff may name the reporter (404 if unknown)."),
    },
    "/incidents/bulk-assign": {"post": op(
        "Assign up to 100 incidents at once (staff)", "incidents", "IncidentSummaryList", body="BulkAssignInput",
        errors=WRITE, description="All or nothing: an unknown id (400) or a refused move (409, e.g. a closed "
        "incident) names the incidents in `fields` as ids.<id>, and nothing changes.")},
    "/incidents/{incident_id}": {"get": op(
        "Read an incident with its SLA, history and close blockers", "incidents", "Incident",
        params=(p("incident_id"),), errors=("Unauthorized", "NotFound"))},
    "/incidents/{incident_id}/suggestions": {"get": op(
        "Approved solutions ranked for the incident's text", "incidents", "SearchHitList",
        params=(p("incident_id"),), errors=("Unauthorized", "NotFound"))},
    "/incidents/{incident_id}/solution": {"put": op(
        "Link (or relink) the incident's one solution", "incidents", "Incident", body="SolutionInput",
        params=(p("incident_id"),), errors=WRITE)},
    "/incidents/{incident_id}/assign": {"post": action("Assign to a staff member, or unassign", "AssignInput")},
    "/incidents/{incident_id}/start": {"post": action("Start work (takes it if unassigned)", "VersionInput")},
    "/incidents/{incident_id}/pend": {"post": action("Put on hold with a reason", "ReasonInput")},
    "/incidents/{incident_id}/resume": {"post": action("Resume work on a pending incident", "VersionInput")},
    "/incidents/{incident_id}/escalate": {"post": action("Escalate to a higher tier (转交)", "EscalateInput")},
    "/incidents/{incident_id}/resolve": {"post": action("Mark the fix done", "ResolveInput")},
    "/incidents/{incident_id}/verify": {"post": action(
        "Record the reporter's verdict on the fix", "VerifyInput",
        description="By the reporter, or by staff with method 'callback' to record a call-back (回访).")},
    "/incidents/{incident_id}/close": {"post": action(
        "Close the incident", "VersionInput",
        description="409 with code no_solution, solution_not_approved or not_verified, checked in that order.")},
    "/incidents/{incident_id}/reopen": {"post": action("Reopen a resolved or recently closed incident",
                                                       "ReasonInput")},
    "/incidents/{incident_id}/cancel": {"post": action(
        "Cancel an open incident with a reason (staff)", "ReasonInput",
        description="Duplicates merged into it go back to work (in_progress), since nothing will close them now.")},
    "/incidents/{incident_id}/duplicate": {"post": action(
        "Merge an open incident into a parent as its duplicate (staff)", "DuplicateInput",
        description="The duplicate's SLA clock stops; it closes through the parent's solution and verified fix "
                    "when the parent closes. A parent that is itself a duplicate is followed to its own parent; "
                    "409 parent_ended when the parent is closed or cancelled, 400 for the incident itself.")},
    "/incidents/{incident_id}/follow-up": {"post": op(
        "Open a new incident linked to a closed one (staff)", "incidents", "Incident", status=201,
        body="ReasonInput", params=(p("incident_id"),), errors=WRITE,
        description="The way back once the reopen window has passed: same reporter, subscriber, service and "
                    "zone, the reason as its description, its own SLA; `repeat_of` names the closed incident.")},
    "/incidents/{incident_id}/field-work": {
        "get": op("The field-work record (staff)", "incidents", "FieldWork", params=(p("incident_id"),),
                  errors=("Unauthorized", "Forbidden", "NotFound"),
                  description="Every field empty (null times) when nothing was recorded yet."),
        "patch": op("Record field work (staff): the fields sent change, the others stay", "incidents",
                    "FieldWork", body="FieldWorkInput", params=(p("incident_id"),), errors=WRITE,
                    description="400 naming each bad field: a time in the future, before the report or without "
                                "its offset; completion before arrival; an invalid IP, MAC or VLAN (1-4094); "
                                "leased-line fields on another service. Each change enters the history."),
    },
    "/audits": {"get": op(
        "Second call-back audits: pending (oldest first) or recorded (newest first) (staff)", "incidents",
        "AuditPage", params=(q("state", "pending (default) or recorded", {"type": "string", "enum": ["pending",
                                                                                                     "recorded"]}),
                             *PAGING), errors=("BadRequest", "Unauthorized", "Forbidden"))},
    "/audits/sample": {"post": op(
        "Draw closed incidents at random for a second call-back (technical lead or admin)", "incidents",
        "AuditList", status=201, body="AuditSampleInput", errors=("BadRequest", "Unauthorized", "Forbidden"),
        description="Among incidents closed in the last `days`, never one drawn before; fewer (even none) when "
                    "fewer are left.")},
    "/audits/{audit_id}": {
        "get": op("One audit call-back (staff)", "incidents", "Audit", params=(p("audit_id"),),
                  errors=("Unauthorized", "Forbidden", "NotFound")),
        "post": op("Record what the audit call-back found (staff), once", "incidents", "Audit",
                   body="AuditRecordInput", params=(p("audit_id"),), errors=WRITE,
                   description="409 audit_recorded the second time; not_fixed needs a comment and counts against "
                               "the incident's solution as a reopen would."),
    },
    "/me": {"get": op("The caller's account and tokens", "users", "Me", errors=("Unauthorized",))},
    "/me/notifications": {"get": op(
        "The caller's notifications, unread first", "users", "NotificationPage",
        params=(q("unread", "true: unread only", {"type": "string", "enum": ["true", "false"]}), *PAGING),
        errors=("BadRequest", "Unauthorized"))},
    "/me/notifications/{notification_id}/read": {"post": op(
        "Mark a notification read (idempotent)", "users", "Notification", body="EmptyInput",
        params=(p("notification_id"),), errors=("BadRequest", "Unauthorized", "NotFound"))},
    "/me/tokens": {"post": op("Create an API token (the secret is shown once)", "users", "NewToken", status=201,
                              body="TokenInput", errors=("BadRequest", "Unauthorized"))},
    "/me/tokens/{token_id}": {"delete": op("Revoke one of your tokens", "users", "Revoked",
                                           params=(p("token_id"),), errors=("Unauthorized", "NotFound"))},
    "/stations": {
        "get": op("Service stations with their groups and zones (staff)", "organisation", "StationPage",
                  params=PAGING, errors=("BadRequest", "Unauthorized", "Forbidden")),
        "post": op("Create a service station (admin)", "organisation", "Station", status=201, body="StationInput",
                   errors=WRITE),
    },
    "/stations/{station_id}/groups": {"post": op(
        "Create a maintenance group of a station (admin)", "organisation", "Group", status=201, body="GroupInput",
        params=(p("station_id"),), errors=WRITE)},
    "/groups/{group_id}/zones": {"post": op(
        "Create a zone (片区) of a group with its community manager (admin)", "organisation", "Zone", status=201,
        body="ZoneInput", params=(p("group_id"),), errors=WRITE)},
    "/zones": {"get": op(
        "Zones with their group, station and manager (staff)", "organisation", "ZonePage",
        params=(q("group", "Maintenance group id", INT), q("q", "Text in the code or name"), *PAGING),
        errors=("BadRequest", "Unauthorized", "Forbidden"))},
    "/sla-policies": {
        "get": op("SLA policies (staff)", "organisation", "SlaPolicyPage", params=PAGING,
                  errors=("BadRequest", "Unauthorized", "Forbidden"),
                  description="A new incident takes the targets of the most specific policy matching its category, "
                              "area and service level ('any' matches everything; more named fields win, then the "
                              "service level, category and area in that order). Leased lines count as enterprise. "
                              "With no matching row the operators' defaults apply."),
        "post": op("Create an SLA policy (admin)", "organisation", "SlaPolicy", status=201, body="SlaPolicyInput",
                   errors=WRITE, description="409 policy_exists when a policy has the same category, area and "
                                             "service level."),
    },
    "/sla-policies/{policy_id}": {
        "get": op("Read an SLA policy (staff)", "organisation", "SlaPolicy", params=(p("policy_id"),),
                  errors=("Unauthorized", "Forbidden", "NotFound")),
        "patch": op("Change an SLA policy (admin); open incidents keep their due times", "organisation", "SlaPolicy",
                    body="SlaPolicyPatch", params=(p("policy_id"),), errors=WRITE),
        "delete": op("Delete an SLA policy (admin); answers the deleted policy", "organisation", "SlaPolicy",
                     params=(p("policy_id"),), errors=("Unauthorized", "Forbidden", "NotFound")),
    },
    "/subscribers": {"get": op(
        "Subscriber records, phones masked (staff)", "organisation", "SubscriberPage",
        params=(q("q", "Text in the account, name or phone"), *PAGING),
        errors=("BadRequest", "Unauthorized", "Forbidden"))},
    "/subscribers/{account}": {
        "get": op("A subscriber record with the full phone (staff)", "organisation", "Subscriber",
                  params=(p("account"),), errors=("Unauthorized", "Forbidden", "NotFound")),
        "put": created_or_updated(op(
            "Create or update a subscriber record (staff)", "organisation", "Subscriber", body="SubscriberInput",
            params=(p("account"),), errors=WRITE,
            description="201 when the record is new, 200 when it existed; fields not sent keep their value.")),
    },
    "/users": {
        "get": op("List users (admin)", "users", "UserPage", params=(
            q("role", "Comma-separated roles"), q("active", "true or false"),
            q("q", "Text in the username or display name"), *PAGING),
            errors=("BadRequest", "Unauthorized", "Forbidden")),
        "post": op("Create a user (admin)", "users", "User", status=201, body="UserInput", errors=WRITE),
    },
    "/users/{user_id}": {
        "get": op("Read a user (admin)", "users", "User", params=(p("user_id"),),
                  errors=("Unauthorized", "Forbidden", "NotFound")),
        "patch": op("Change a user's role or lock the account (admin)", "users", "User", body="UserPatch",
                    params=(p("user_id"),), errors=WRITE),
    },
}


def _operation_ids(paths: J) -> J:
    for path, item in paths.items():
        for method, operation in item.items():
            words = [w.strip("{}").replace(".json", "") for w in path.split("/") if w]
            operation["operationId"] = method + "_" + "_".join(words).replace("-", "_")
    return paths


def document() -> J:
    """The whole API as an OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Service desk API",
            "version": "1.0.0",
            "description": "ITIL service desk with a reviewed knowledge base. JSON in and out (UTF-8); times "
                           "are ISO 8601 with offset. Errors are always {\"error\": {\"code\", \"message\", "
                           "\"fields\"}}. Browser sessions work too and then need X-CSRFToken on writes.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": SIGNED_IN,
        "tags": [{"name": t} for t in ("health", "meta", "articles", "search", "incidents", "organisation",
                                                "users")],
        "paths": _operation_ids(PATHS),
        "components": {
            "schemas": SCHEMAS,
            "parameters": PARAMETERS,
            "responses": {
                name: {"description": text, "content": {"application/json": {"schema": ref("Error")}}}
                for name, text in ERRORS.items()
            },
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer",
                               "description": "`flask users token USERNAME`, or POST /me/tokens"},
                "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "session",
                               "description": "The web session; writes also need the X-CSRFToken header"},
            },
        },
    }


@bp.get("/openapi.json")
@open_endpoint
def openapi() -> J:
    return document()
