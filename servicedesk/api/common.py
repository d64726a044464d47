"""What every API view shares: who is calling, CSRF for browser sessions, JSON bodies, paging.

The guard runs before each view of the blueprint. A bearer token, when presented, is the only
credential considered: a bad one is 401 even if a session cookie is also sent. Without a token
the browser session counts, and then unsafe methods need the X-CSRFToken header.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from flask import current_app, g, request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from werkzeug.exceptions import RequestEntityTooLarge

from kb.errors import DomainError, Forbidden, NotFound, ValidationError
from kb.validation import CONTROL, MAX_ID
from servicedesk import db
from servicedesk.auth.setup import bearer_presented, current, user_for_bearer
from servicedesk.extensions import csrf
from servicedesk.security import MAX_PAGE
from servicedesk.users.models import User

F = TypeVar("F", bound=Callable[..., Any])

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100

# How a view may be reached: "user" needs credentials, "anonymous" accepts visitors too
# (bad credentials are still refused), "open" never looks at credentials (health, the document).
ACCESS_ATTR = "api_access"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


def anonymous_allowed(view: F) -> F:
    """Marks a view that visitors without credentials may call (they act as anonymous)."""
    setattr(view, ACCESS_ATTR, "anonymous")
    return view


def open_endpoint(view: F) -> F:
    """Marks a view that ignores credentials altogether."""
    setattr(view, ACCESS_ATTR, "open")
    return view


def _access() -> str:
    view = current_app.view_functions.get(request.endpoint or "")
    return str(getattr(view, ACCESS_ATTR, "user"))


def then_write() -> None:
    """After the guard: an unsafe call may write from here on (the caller was read before the write lock)."""
    if request.method in UNSAFE_METHODS:
        db.start_writing()


def guard() -> None:
    """Size limit, authentication and CSRF, in that order; registered on the blueprint (the query string's
    control characters were refused before, for the whole app, by servicedesk.security)."""
    limit = request.max_content_length  # the app's limit, raised for the upload routes
    if limit and request.content_length and request.content_length > limit:
        raise RequestEntityTooLarge()
    # g belongs to the app context, which can outlive a request (the test-suite keeps one open):
    # start from nothing so no caller is inherited from an earlier request.
    for key in ("_login_user", "token_auth", "api_user"):
        g.pop(key, None)
    access = _access()
    if access == "open":
        return
    if bearer_presented():
        user = user_for_bearer()
        if user is None:
            raise Unauthorized("The bearer token is unknown, revoked, or its account is locked.")
        # Flask-Login would prefer a session user over the token; make current_user the token's user.
        g._login_user = user
        g.token_auth = True
        g.api_user = user
        return
    user = current()
    if user is None:
        if access == "user":
            raise Unauthorized("Log in, or send 'Authorization: Bearer <token>'.")
        return
    g.api_user = user
    if request.method in UNSAFE_METHODS and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()  # raises CSRFError, rendered as a JSON 400 (csrf_failed)


def actor() -> User | None:
    """The caller, or None for an anonymous visitor."""
    user: User | None = g.get("api_user")
    return user


def user() -> User:
    """The authenticated caller (the guard has already refused anonymous calls to this view)."""
    caller = actor()
    if caller is None:
        raise Unauthorized("Log in, or send 'Authorization: Bearer <token>'.")
    return caller


def session() -> Session:
    return db.session()


def commit() -> None:
    """An API view's one commit; after it the view only reads what it answers."""
    db.commit_then_read()


# -- request bodies ------------------------------------------------------------------------------

def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _unstorable(value: Any) -> bool:
    """Whether value holds, anywhere, a text with a lone surrogate ("\\ud800" is valid JSON, but no UTF-8)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_unstorable(k) or _unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_unstorable(v) for v in value)
    return False


def json_body(allowed: Iterable[str] | None = None) -> dict[str, Any]:
    """The request body as a JSON object ({} when empty); unknown keys are refused when allowed is given,
    and so is text no database can store (lone surrogates), naming the field."""
    raw = request.get_data(cache=True)  # over MAX_CONTENT_LENGTH this raises 413
    if not raw.strip():
        data: Any = {}
    else:
        try:
            data = json.loads(raw, parse_constant=_reject_constant)
        except (ValueError, RecursionError):
            raise ValidationError("The request body is not valid JSON.", code="malformed_json") from None
    if not isinstance(data, dict):
        raise ValidationError("The request body must be a JSON object.", code="invalid_body",
                              fields={"body": "must be a JSON object"})
    if _unstorable(data):  # before anything repeats a name back: an answer holding one could not be sent
        bad = sorted({"body" if _unstorable(name) else name for name, value in data.items()
                      if _unstorable(name) or _unstorable(value)})
        raise ValidationError("The text holds a lone surrogate (an unpaired \\ud800-\\udfff escape), which is "
                              "not Unicode text.", code="invalid_text",
                              fields=dict.fromkeys(bad, "not valid Unicode text"))
    if allowed is not None:
        unknown = sorted(set(data) - set(allowed))
        if unknown:
            raise ValidationError(f"Unknown field(s): {', '.join(unknown)}.",
                                  fields=dict.fromkeys(unknown, "unknown field"))
    return data


def int_value(data: Mapping[str, Any], name: str, *, required: bool = True) -> int | None:
    """data[name] as a whole number (JSON true/false are not numbers), or None when absent and optional."""
    value = data.get(name)
    if value is None:
        if required:
            raise ValidationError(f"'{name}' is required.", fields={name: "required"})
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(f"'{name}' must be a whole number.", fields={name: "must be an integer"})
    return value


def bool_value(data: Mapping[str, Any], name: str, *, required: bool = True) -> bool | None:
    value = data.get(name)
    if value is None:
        if required:
            raise ValidationError(f"'{name}' is required.", fields={name: "required"})
        return None
    if not isinstance(value, bool):
        raise ValidationError(f"'{name}' must be true or false.", fields={name: "must be a boolean"})
    return value


def name_value(data: Mapping[str, Any], name: str, *, required: bool = True) -> str | None:
    """A short identifier such as a username: a string without control characters, or None."""
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise ValidationError(f"'{name}' is required.", fields={name: "required"})
        return None
    if not isinstance(value, str):
        raise ValidationError(f"'{name}' must be a string.", fields={name: "must be a string"})
    if CONTROL.search(value) or len(value) > 200:
        raise ValidationError(f"'{name}' is not a valid name.", fields={name: "invalid"})
    return value.strip()


def id_exists(value: int) -> bool:
    """False for numbers no row can have (so they are reported as absent, not sent to the database)."""
    return 0 < value <= MAX_ID


def user_by_name(s: Session, username: str | None, field: str) -> User | None:
    """The user with this username (None for None); an unknown name is a 404 naming the field."""
    if username is None:
        return None
    found: User | None = s.scalar(select(User).where(User.username == username))
    if found is None:
        raise NotFound(f"No user named '{username}'.", fields={field: "no such user"})
    return found


def require(condition: bool, message: str) -> None:
    """403 unless condition holds (for the few checks that have no service behind them)."""
    if not condition:
        raise Forbidden(message)


# -- query strings and pages ---------------------------------------------------------------------

def _whole_number(raw: str, low: int, high: int) -> int | None:
    """raw as a number from low to high, or None. ASCII digits only: int() would also read "１２" and refuse
    "²" (which str.isdigit() accepts), and a number longer than high is refused before int() reads it."""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(high))):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def int_arg(name: str, default: int, low: int, high: int, errors: dict[str, str]) -> int:
    """A whole number from the query string (default when absent); a bad one is added to errors."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    value = _whole_number(raw, low, high)
    if value is None:
        errors[name] = f"a whole number from {low} to {high}"
        return default
    return value


def id_arg(name: str, errors: dict[str, str], description: str) -> int | None:
    """A record id from the query string (None when absent); one no row can have is added to errors."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    value = _whole_number(raw, 1, MAX_ID)
    if value is None:
        errors[name] = description
    return value


def page_args(errors: dict[str, str] | None = None) -> tuple[int, int]:
    """(page, per_page) from the query string; bad values are a 400 naming them.

    Given an errors dict, bad values are added to it instead, so a view reports them with its filters.
    """
    found: dict[str, str] = {} if errors is None else errors
    page = int_arg("page", 1, 1, MAX_PAGE, found)
    per_page = int_arg("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE, found)
    if errors is None and found:
        raise ValidationError("Bad paging parameters.", fields=found)
    return page, per_page


def choice_arg(name: str, allowed: Iterable[str], errors: dict[str, str]) -> list[str]:
    """A comma-separated list of allowed values from the query string (empty when absent or empty); a blank
    entry (" ", "a,,b") is as wrong as an unknown one."""
    raw = request.args.get(name, "")
    if not raw:
        return []
    wanted = [v.strip() for v in raw.split(",")]
    options = list(allowed)
    if any(v not in options for v in wanted):
        errors[name] = "one of: " + ", ".join(options)
    return [v for v in wanted if v]


def like_pattern(text: str) -> str:
    """A LIKE pattern matching text anywhere, with its own % and _ taken literally (escape '\\')."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def paginate(s: Session, stmt: Select[Any], page: int, per_page: int, serialize: Callable[[Any], dict[str, Any]],
             *, options: Iterable[Any] = ()) -> dict[str, Any]:
    """One count query and one page query over stmt; the page's rows serialized."""
    total = s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = s.scalars(stmt.options(*options).limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": [serialize(r) for r in rows], "total": int(total), "page": page, "per_page": per_page}
