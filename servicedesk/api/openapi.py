"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

Enumerations come from the domain modules, so the document follows the code; a test checks that every
route the blueprint registers is described here and that the document validates.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from kb.actors import Role
from kb.vocabulary import SERVICES
from kb.workflow import ArticleStatus, ArticleType, Decision, RevisionStatus, Visibility
from servicedesk.api import bp
from servicedesk.api.common import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE, open_endpoint
from servicedesk.incidents.workflow import Area, Category, Channel, IncidentStatus, Priority, VerificationMethod

J = dict[str, Any]

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
}
REVIEW: J = obj({"revision": INT, "reviewer": null(STR), "content_ok": BOOL, "form_ok": BOOL,
                 "decision": enum(Decision), "comment": STR, "decided_at": TIME})
REVISION: J = obj({"number": INT, "status": enum(RevisionStatus), "version": INT, **CONTENT, "author": null(STR),
                   "created_at": TIME, "updated_at": TIME, "submitted_at": null(TIME), "decided_at": null(TIME),
                   "reviews": {"type": "array", "items": ref("Review")}})
ARTICLE: J = obj({
    "id": INT, "type": enum(ArticleType), "status": enum(ArticleStatus), **CONTENT, "author": null(STR),
    "created_at": TIME, "updated_at": TIME, "retired_at": null(TIME), "incident_count": INT,
    "revision": {"type": "integer", "description": "Number of the revision shown (the live one, else the draft)"},
    "version": {"type": "integer", "description": "Send back as 'version' on PATCH for optimistic locking"},
    "reviews": {"type": "array", "items": ref("Review")},
    "pending_revision": {**null(ref("Revision")),
                         "description": "Staff only: a newer revision in draft or review while this one is live"},
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
SLA: J = obj({"respond_by": TIME, "resolve_by": TIME, "breached": BOOL})
INCIDENT_SUMMARY_PROPS: J = {
    "id": INT, "number": STR, "title": STR, "status": enum(IncidentStatus), "tier": {**INT, "minimum": 1,
                                                                                     "maximum": 4},
    "service": STR, "category": enum(Category), "area": enum(Area), "priority": enum(Priority),
    "channel": enum(Channel), "customer_account": STR, "reporter": STR, "assignee": null(STR),
    "solution_id": null(INT), "verified": BOOL, "created_at": TIME, "updated_at": TIME, "sla": ref("Sla"),
}
INCIDENT: J = obj({
    **INCIDENT_SUMMARY_PROPS, "description": STR, "created_by": STR, "resolution_note": STR, "reopen_count": INT,
    "responded_at": null(TIME), "resolved_at": null(TIME), "closed_at": null(TIME),
    "solution": null(obj({"id": INT, "title": null(STR), "status": enum(ArticleStatus)})),
    "history": {"type": "array", "items": ref("HistoryEntry")},
    "verifications": {"type": "array", "items": ref("Verification")},
    "close_blockers": {"type": "array", "items": ref("CloseBlocker")},
})
USER: J = obj({"id": INT, "username": STR, "display_name": STR, "email": STR, "phone": STR, "role": enum(Role),
               "active": BOOL, "is_staff": BOOL, "created_at": TIME, "last_login_at": null(TIME)})
TOKEN: J = obj({"id": INT, "prefix": STR, "name": STR, "created_at": TIME, "last_used_at": null(TIME)})

SCHEMAS: J = {
    "Error": obj({"error": obj({"code": {"type": "string", "pattern": "^[a-z0-9_]+$"}, "message": STR,
                                "fields": {"type": "object", "additionalProperties": STR}},
                               ("code", "message", "fields"))}, ("error",)),
    "Health": obj({"status": {"type": "string", "enum": ["ok", "error"]},
                   "database": {"type": "string", "enum": ["ok", "error"]},
                   "index": {"type": "string", "enum": ["ok", "error"]}}, ("status", "database", "index")),
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
    "Suggestion": obj({"id": INT, "title": STR, "type": enum(ArticleType)}),
    "SuggestionList": list_of("Suggestion"),
    "IncidentInput": input_obj({
        "title": {"type": "string", "maxLength": 200}, "description": STR,
        "service": {"type": "string", "enum": list(SERVICES)}, "category": enum(Category), "area": enum(Area),
        "customer_account": {"type": "string", "maxLength": 40}, "channel": enum(Channel),
        "priority": enum(Priority),
        "reporter": {"type": "string", "description": "Staff only: username of the reporting subscriber"},
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
    "IncidentPage": page_of("IncidentSummary"),
    "SolutionInput": input_obj({"article_id": INT}, ("article_id",)),
    "AssignInput": input_obj({"assignee": {**null(STR), "description": "username, or null to unassign"}},
                       ("assignee",)),
    "ReasonInput": input_obj({"reason": STR}, ("reason",)),
    "EscalateInput": input_obj({"tier": {**INT, "minimum": 2, "maximum": 4}, "reason": STR, "assignee": null(STR)},
                         ("tier", "reason")),
    "ResolveInput": input_obj({"note": STR}, ("note",)),
    "VerifyInput": input_obj({"accepted": BOOL, "rating": null({**INT, "minimum": 1, "maximum": 5}),
                        "comment": {"type": "string", "description": "Required when rejecting the fix"},
                        "method": {**enum(VerificationMethod),
                                   "description": "Staff record a call-back (回访) with 'callback'"}},
                       ("accepted",)),
    "EmptyInput": input_obj({}),
    "User": USER,
    "UserPage": page_of("User"),
    "Me": obj({**USER["properties"], "tokens": {"type": "array", "items": ref("Token")},
               "csrf_token": {"type": "string", "description": "Browser sessions only: send as X-CSRFToken"}}),
    "UserInput": input_obj({"username": STR, "role": enum(Role), "password": {"type": "string", "minLength": 8},
                      "display_name": STR, "email": STR, "phone": STR}, ("username", "role")),
    "UserPatch": input_obj({"role": enum(Role), "active": BOOL, "display_name": STR}),
    "Token": TOKEN,
    "TokenInput": input_obj({"name": {"type": "string", "maxLength": 100}}),
    "NewToken": obj({**TOKEN["properties"], "token": {"type": "string", "description": "The secret; shown once"}},
                    ("token",)),
    "Revoked": obj({"id": INT, "revoked": BOOL}),
}

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
            q("category", "Comma-separated categories"), q("q", "Text in the title, number or customer account"),
            *PAGING), errors=("BadRequest", "Unauthorized")),
        "post": op("Report an incident", "incidents", "Incident", status=201, body="IncidentInput",
                   errors=("BadRequest", "Unauthorized", "Forbidden", "NotFound"),
                   description="Subscribers report for themselves; staff may name the reporter (404 if unknown)."),
    },
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
    "/incidents/{incident_id}/start": {"post": action("Start work (takes it if unassigned)", "EmptyInput")},
    "/incidents/{incident_id}/pend": {"post": action("Put on hold with a reason", "ReasonInput")},
    "/incidents/{incident_id}/resume": {"post": action("Resume work on a pending incident", "EmptyInput")},
    "/incidents/{incident_id}/escalate": {"post": action("Escalate to a higher tier (转交)", "EscalateInput")},
    "/incidents/{incident_id}/resolve": {"post": action("Mark the fix done", "ResolveInput")},
    "/incidents/{incident_id}/verify": {"post": action(
        "Record the reporter's verdict on the fix", "VerifyInput",
        description="By the reporter, or by staff with method 'callback' to record a call-back (回访).")},
    "/incidents/{incident_id}/close": {"post": action(
        "Close the incident", "EmptyInput",
        description="409 with code no_solution, solution_not_approved or not_verified, checked in that order.")},
    "/incidents/{incident_id}/reopen": {"post": action("Reopen a resolved or recently closed incident",
                                                       "ReasonInput")},
    "/me": {"get": op("The caller's account and tokens", "users", "Me", errors=("Unauthorized",))},
    "/me/tokens": {"post": op("Create an API token (the secret is shown once)", "users", "NewToken", status=201,
                              body="TokenInput", errors=("BadRequest", "Unauthorized"))},
    "/me/tokens/{token_id}": {"delete": op("Revoke one of your tokens", "users", "Revoked",
                                           params=(p("token_id"),), errors=("Unauthorized", "NotFound"))},
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
        "tags": [{"name": t} for t in ("health", "meta", "articles", "search", "incidents", "users")],
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
