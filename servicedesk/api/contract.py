"""One declaration per API operation: pydantic models that validate the request and generate the OpenAPI document.

Why pydantic v2 with our own small assembly (not flask-smorest/apispec or flask-openapi3): a pydantic model is
at once the validator and the JSON Schema, so a shape is written once (STYLE §12); the assembly below only
places those schemas under the URL rules Flask already has, so the views, the blueprint, the guard and our
error envelope stay as they are, and an operation moves to the declaration without touching its neighbours.

    @bp.post("/users")
    @operation("create_user", tag="users", summary="Create a user (admin)", body=UserInput,
               responses={201: User}, errors=WRITE)
    def create_user(): ...          # validated body: contract.body(UserInput); query: contract.query(Model)

The decorator validates the JSON body and the query string before the view runs (a pydantic error becomes our
400 invalid_input with a message per field) and records the operation for GET /api/v1/openapi.json.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Annotated, Any, TypeVar, cast

from flask import Flask, g, request
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic import ValidationError as PydanticError
from pydantic.json_schema import models_json_schema
from pydantic_core import PydanticCustomError

from kb.errors import ValidationError
from servicedesk.api.common import ACCESS_ATTR, json_body

J = dict[str, Any]
F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M", bound=BaseModel)
OPERATION_ATTR = "api_operation"

# Text the desk stores: no control characters (the app refuses them in query strings and paths, strips them
# from bodies), and something left once blanks are stripped.
VISIBLE = r"[^\s\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"
Text = Annotated[str, Field(pattern=VISIBLE)]
QueryText = Annotated[str, Field(pattern=NO_CONTROL)]


class Input(BaseModel):
    """A request body: exact JSON types (no "5" for 5), and fields the API does not know are refused."""

    model_config = ConfigDict(strict=True, extra="forbid")


class Query(BaseModel):
    """A query string: values arrive as text and are read as the declared types."""

    model_config = ConfigDict(extra="ignore")


class Output(BaseModel):
    """A response body; open, so fields can be added without breaking clients."""


class Empty(Input):
    """No fields; the body may be left out."""


_CHOICES: dict[str, str] = {}  # pattern -> the message that lists its values


def choices(values: Iterable[str], *, many: bool = True) -> str:
    """The pattern of a comma-separated list of these values (one of them unless many), or nothing (a query
    parameter such as role=agent,lead; empty means no filter)."""
    options = list(values)
    one = "|".join(re.escape(v) for v in options)
    item = rf"\s*({one})\s*"  # blanks around an entry are dropped
    pattern = f"^(|{item}(,{item})*)$" if many else f"^(|{one})$"
    _CHOICES[pattern] = "one of: " + ", ".join(options)
    return pattern


def enum_choices(cls: type[Enum]) -> str:
    return choices(str(m.value) for m in cls)


def one_of(values: Iterable[str], description: str = "") -> Any:
    """A string that must be one of values (for sets no enumeration names, such as a category or "any")."""
    options = list(values)

    def check(value: str) -> str:
        if value not in options:
            raise PydanticCustomError("one_of", "one of: {options}", {"options": ", ".join(options)})
        return value

    schema: J = {"type": "string", "enum": options, **({"description": description} if description else {})}
    return Annotated[str, AfterValidator(check), WithJsonSchema(schema)]


def catalogue_code(known: Container[str], description: str) -> Any:
    """A code that must be in `known` when the request comes (a map kept up to date at run time, such as the
    service catalogue: a service added by an administrator is accepted without a restart)."""

    def check(value: str) -> str:
        if value not in known:
            raise PydanticCustomError("one_of", "one of the catalogue's codes ({description})",
                                      {"description": description})
        return value

    return Annotated[str, AfterValidator(check), WithJsonSchema({"type": "string", "description": description})]


def catalogue_codes(known: Container[str], description: str) -> Any:
    """A comma-separated list of such codes, or nothing (a query filter)."""

    def check(value: str) -> str:
        unknown = [v.strip() for v in value.split(",") if v.strip() and v.strip() not in known]
        if unknown:
            raise PydanticCustomError("one_of", "unknown: {unknown}", {"unknown": ", ".join(unknown)})
        return value

    return Annotated[str, AfterValidator(check), WithJsonSchema({"type": "string", "description": description})]


# -- errors -----------------------------------------------------------------------------------------

ERRORS: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "Malformed JSON (malformed_json), a body that is not an object (invalid_body), text that is "
                        "not Unicode such as a lone surrogate (invalid_text), control characters in the query "
                        "string or path, or invalid fields (invalid_input); `fields` names them"),
    401: ("Unauthorized", "No credentials, or a bad bearer token (unauthorized)"),
    403: ("Forbidden", "Authenticated but not allowed (forbidden; admin_only where only an administrator may)"),
    404: ("NotFound", "Absent, or not visible to you"),
    409: ("Conflict", "The request breaks a workflow rule or lost a race; `code` names it"),
    413: ("TooLarge", "The request body is larger than the server accepts (too_large)"),
}
READ = (401, 403, 404)
WRITE = (401, 403, 404, 409)


def _bounds(model: type[BaseModel], name: str) -> tuple[Any, Any]:
    """The ge/le bounds declared on a field of model (None where absent)."""
    info = model.model_fields.get(name)
    low = high = None
    for item in info.metadata if info is not None else ():
        low = getattr(item, "ge", low)
        high = getattr(item, "le", high)
    return low, high


def _message(err: Mapping[str, Any], model: type[BaseModel]) -> str:
    """Our wording for one pydantic error (the existing views' wording, which clients and tests rely on)."""
    kind = str(err["type"])
    ctx = err.get("ctx") or {}
    if kind in ("int_type", "int_parsing", "int_from_float", "greater_than_equal", "less_than_equal") and err["loc"]:
        low, high = _bounds(model, str(err["loc"][0]))
        if low is not None and high is not None:
            return f"a whole number from {low} to {high}"
    if kind == "missing":
        return "required"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "must be an integer"
    if kind in ("bool_type", "bool_parsing"):
        return "must be a boolean"
    if kind in ("string_type",):
        return "must be a string"
    if kind in ("list_type",):
        return "must be a list"
    if kind in ("enum", "literal_error"):
        return "one of: " + str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
    if kind == "string_too_long":
        return f"at most {ctx.get('max_length')} characters"
    if kind == "string_too_short":
        return "required" if ctx.get("min_length") == 1 else f"at least {ctx.get('min_length')} characters"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern"))
        if pattern in _CHOICES:
            return _CHOICES[pattern]
        return "contains control characters" if pattern == NO_CONTROL else "invalid"
    if kind == "one_of":
        return str(err["msg"])
    return str(err["msg"]).lower()


def _fields(exc: PydanticError, model: type[BaseModel]) -> dict[str, str]:
    out: dict[str, str] = {}
    for err in exc.errors():
        # the field as the client named it (an item of a list, or a member of a union, reports under its field)
        name = str(err["loc"][0]) if err["loc"] else "body"
        out.setdefault(name, _message(err, model))
    return out


def validate(model: type[M], data: Any, what: str, *, raw: bytes | None = None) -> M:
    """data (or the JSON text raw, read in pydantic's JSON mode: strict types, enums and times from their
    JSON text) as model, or our 400 naming each bad field."""
    try:
        return model.model_validate_json(raw) if raw else model.model_validate(data)
    except PydanticError as exc:
        fields = _fields(exc, model)
        unknown = sorted(k for k, v in fields.items() if v == "unknown field")
        if unknown and len(unknown) == len(fields):
            raise ValidationError(f"Unknown field(s): {', '.join(unknown)}.", fields=fields) from None
        listed = ", ".join(f"{k}: {v}" for k, v in fields.items())
        raise ValidationError(f"Please correct the {what} ({listed}).", fields=fields) from None


def body(model: type[M]) -> M:
    """The validated body of this request (the view's declaration named model)."""
    return cast(M, g.api_body)


def query(model: type[M]) -> M:
    """The validated query string of this request."""
    return cast(M, g.api_query)


# -- the declaration ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Operation:
    operation_id: str
    tag: str
    summary: str
    responses: Mapping[int, type[BaseModel] | J]
    body: type[BaseModel] | None = None
    body_required: bool = True
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    description: str = ""
    extra: J = field(default_factory=dict)


def operation(operation_id: str, *, tag: str, summary: str, responses: Mapping[int, type[BaseModel] | J],
              body: type[BaseModel] | None = None, body_required: bool | None = None,
              query: type[BaseModel] | None = None, errors: Iterable[int] = READ, description: str = "",
              extra: J | None = None) -> Callable[[F], F]:
    """Declares a view's operation: validates its body and query string with the models before it runs, and
    describes it in the generated document. body_required defaults to whether the model requires a field."""
    required = body_required if body_required is not None else bool(
        body and any(f.is_required() for f in body.model_fields.values()))
    op = Operation(operation_id, tag, summary, responses, body, required, query,
                   tuple(sorted({*errors, *((400,) if body or query else ()), *((413,) if body else ())})),
                   description, extra or {})

    def wrap(view: F) -> F:
        @functools.wraps(view)
        def run(*args: Any, **kwargs: Any) -> Any:
            if op.query is not None:
                g.api_query = validate(op.query, request.args.to_dict(), "query string")
            if op.body is not None:
                data = json_body()  # malformed_json, invalid_body and invalid_text, as for every body
                raw = request.get_data(cache=True)
                g.api_body = validate(op.body, data, "request", raw=raw if raw.strip() else None)
            return view(*args, **kwargs)

        setattr(run, OPERATION_ATTR, op)
        return cast(F, run)

    return wrap


# -- the document ------------------------------------------------------------------------------------

SIGNED_IN: list[J] = [{"bearerAuth": []}, {"cookieAuth": []}]
ANONYMOUS_TOO: list[J] = [{}, *SIGNED_IN]
REF = "#/components/schemas/{model}"


def _ref(schema: type[BaseModel] | J) -> J:
    return {"$ref": REF.format(model=schema.__name__)} if isinstance(schema, type) else schema


def _tidy(schema: Any) -> Any:
    """The schema without pydantic's generated titles and without "default": null (an absent optional field
    has no value to show, and null would break a field that is not nullable)."""
    if isinstance(schema, dict):
        return {k: _tidy(v) for k, v in schema.items()
                if not (k == "default" and v is None) and not (k == "title" and isinstance(v, str))}
    if isinstance(schema, list):
        return [_tidy(v) for v in schema]
    return schema


def _path_parameters(rule_arguments: Iterable[tuple[str, str]]) -> list[J]:
    out = []
    for name, converter in rule_arguments:
        schema: J = {"type": "integer", "minimum": 1} if converter == "IntegerConverter" else {
            "type": "string", "pattern": NO_CONTROL.replace("*", "+")}
        out.append({"name": name, "in": "path", "required": True, "schema": schema})
    return out


def _query_parameters(model: type[BaseModel], components: J) -> list[J]:
    schema = _tidy(model.model_json_schema(ref_template=REF))
    components.update(schema.pop("$defs", {}))
    required = set(schema.get("required", []))
    out = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        prop.pop("title", None)
        description = prop.pop("description", "")
        param: J = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            param["description"] = description
        out.append(param)
    return out


def describe(op: Operation, access: str, arguments: list[tuple[str, str]], components: J,
             models: set[type[BaseModel]]) -> J:
    """The OpenAPI operation object of one declaration."""
    out: J = {"operationId": op.operation_id, "summary": op.summary, "tags": [op.tag], "responses": {}}
    if op.description:
        out["description"] = op.description
    params = _path_parameters(arguments)
    if op.query is not None:
        params += _query_parameters(op.query, components)
    if params:
        out["parameters"] = params
    if op.body is not None:
        models.add(op.body)
        out["requestBody"] = {"required": op.body_required, "content": {"application/json": {"schema": _ref(op.body)}}}
    for status, schema in op.responses.items():
        if isinstance(schema, type):
            models.add(schema)
            out["responses"][str(status)] = {"description": "Created" if status == 201 else "OK",
                                             "content": {"application/json": {"schema": _ref(schema)}}}
        else:
            out["responses"][str(status)] = schema
    errors = set(op.errors) | {400}  # the query string and path are checked for every request
    if access == "open":
        errors -= {401, 403}
        out["security"] = []
    elif access == "anonymous":
        out["security"] = ANONYMOUS_TOO
    if arguments:
        errors.add(404)
    for status in sorted(errors):
        out["responses"].setdefault(str(status), {"$ref": f"#/components/responses/{ERRORS[status][0]}"})
    out.update(op.extra)
    return out


def flask_path(rule: str, prefix: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.removeprefix(prefix))


def declared_paths(app: Flask, prefix: str, components: J, *, also: Iterable[type[BaseModel]] = ()
                   ) -> tuple[J, list[tuple[str, str]]]:
    """The paths of every declared operation of the routes under prefix (their schemas, and those of the models
    also, added to components), and the (path, method) pairs that have no declaration."""
    paths: J = {}
    missing: list[tuple[str, str]] = []
    models: set[type[BaseModel]] = set(also)
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix + "/"):
            continue
        view = app.view_functions[rule.endpoint]
        path = flask_path(rule.rule, prefix)
        arguments = [(name, type(conv).__name__) for name, conv in rule._converters.items()]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            op: Operation | None = getattr(view, OPERATION_ATTR, None)
            if op is None:  # listed so clients learn it exists; the protocol test insists on a declaration
                missing.append((path, method.lower()))
                paths.setdefault(path, {})[method.lower()] = {
                    "x-undeclared": True, "parameters": _path_parameters(arguments), "responses": {"default": {
                        "description": "Not declared yet", "content": {"application/json": {"schema": {}}}}}}
                continue
            access = str(getattr(view, ACCESS_ATTR, "user"))
            paths.setdefault(path, {})[method.lower()] = describe(op, access, arguments, components, models)
    if models:
        _, schemas = models_json_schema([(m, "validation" if issubclass(m, Input) else "serialization")
                                         for m in sorted(models, key=lambda m: m.__name__)], ref_template=REF)
        components.update(_tidy(schemas.get("$defs", {})))
    return paths, missing


def error_responses() -> J:
    return {name: {"description": text, "content": {"application/json": {"schema": {
        "$ref": "#/components/schemas/Error"}}}} for name, text in ERRORS.values()}
