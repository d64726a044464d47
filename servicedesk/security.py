"""What every request and response of the desk shares for safety: security headers, private caching of
anything not public, and the query-string checks that keep hostile values from reaching a view.

Headers: a Content-Security-Policy that allows this origin's own files only (no inline script or style,
no framing), X-Frame-Options, nosniff, a same-origin referrer, and HSTS when the request came over HTTPS.
A view that sets a stricter header of its own (an uploaded photo is served sandboxed) keeps it.

Caching: a response to a signed-in caller (session or bearer token) is never `public` and, unless the view
chose a lifetime, is revalidated every time: shared caches must not keep what only some may see. Static
assets stay cacheable.

Query strings (before any view): control characters are refused everywhere; on the pages, a page number
or record id past what a database can hold, and a day the calendar cannot hold, are refused with a 400
page naming the parameter; a value of only spaces counts as left blank (what a browser sends for an
untouched field). The API parses its own query strings strictly (servicedesk.api.common).
"""

from __future__ import annotations

import os
from datetime import date

from flask import Flask, Response, abort, g, request, session
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.middleware.proxy_fix import ProxyFix

from kb.errors import ValidationError
from kb.validation import CONTROL, MAX_ID

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"
# Endpoints whose answers are the same for everyone and may be kept by any cache.
PUBLIC_ENDPOINTS = frozenset({"static"})

# The pages' query vocabulary with a bound: page numbers, record ids, days (inclusive ranges).
MAX_PAGE = 100_000
INT_ARGS = {"page": MAX_PAGE, "incident": MAX_ID, "article": MAX_ID}
DATE_ARGS = frozenset({"created_from", "created_to", "from", "to"})
# A day and the next one (an "until" day counts whole) must both be days the calendar holds.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)


def init_app(app: Flask) -> None:
    hops = proxy_fix_hops(app)
    if hops:  # behind that many reverse proxies: client address, scheme and host come from X-Forwarded-*
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops,  # type: ignore[method-assign]
                                x_port=hops, x_prefix=hops)
    app.before_request(check_query)
    app.after_request(secure_response)


def proxy_fix_hops(app: Flask) -> int:
    """How many reverse proxies stand before the app (PROXY_FIX_HOPS; 0, the default: none, and the
    X-Forwarded-* headers, which any client can send, are ignored)."""
    raw = app.config.get("PROXY_FIX_HOPS", os.environ.get("PROXY_FIX_HOPS", 0))
    try:
        hops = int(raw or 0)
    except (TypeError, ValueError):
        raise ValueError(f"PROXY_FIX_HOPS must be a whole number, not {raw!r}") from None
    if hops < 0:
        raise ValueError("PROXY_FIX_HOPS cannot be negative")
    return hops


# -- responses -------------------------------------------------------------------------------------

def secure_response(response: Response) -> Response:
    """Adds the security headers, and keeps anything not public out of shared caches."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint not in PUBLIC_ENDPOINTS and signed_in():
        keep_private(response)
    return response


def signed_in() -> bool:
    """Whether the request came with credentials (without asking the database again)."""
    user = g.get("_login_user")
    if user is not None and user.is_authenticated:
        return True
    return g.get("api_user") is not None or request.authorization is not None or "_user_id" in session


def keep_private(response: Response) -> None:
    """Cache-Control for one person's answer: private (never public); revalidated unless the view set a
    lifetime or forbade storing."""
    cc = response.cache_control
    cc.public = False
    if not cc.no_store:
        cc.private = True
        if cc.max_age is None:
            cc.no_cache = True


# -- requests --------------------------------------------------------------------------------------

def _refuse(fields: dict[str, str], message: str, page_message: str) -> None:
    if request.path.startswith("/api/"):
        raise ValidationError(message, fields=fields)
    abort(400, description=page_message)


def check_query() -> None:
    """Refuses query strings no view should see; on the pages, blank values count as left blank."""
    args = request.args
    bad = sorted({name for name, value in args.items(multi=True) if CONTROL.search(name) or CONTROL.search(value)})
    if bad or CONTROL.search(request.path):
        _refuse(dict.fromkeys(bad or ["path"], "contains control characters"),
                "Query parameters may not contain control characters.",
                _("The address contains characters that are not allowed."))
    for name in DATE_ARGS & set(args):
        day = _as_date(args[name])
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            _refuse({name: "a day from 1900 to 9998"}, f"'{name}' is out of range.",
                    _("The address names a day outside the calendar (%(name)s).", name=name))
    if request.path.startswith("/api/"):
        return  # the API reads its page numbers and ids strictly itself, naming each bad one
    for name, high in INT_ARGS.items():
        number = _as_int(args.get(name))
        if number is not None and number > high:
            _refuse({name: f"at most {high}"}, f"'{name}' is out of range.",
                    _("The address asks for a page or record that cannot exist (%(name)s).", name=name))
    if any(value and not value.strip() for _name, value in args.items(multi=True)):
        request.args = ImmutableMultiDict(  # werkzeug caches args as an attribute: this replaces it
            [(name, value if value.strip() else "") for name, value in args.items(multi=True)])


def _as_int(raw: str | None) -> int | None:
    """The number int() reads from raw (as the views do), or None; never raises. A number too long for
    int() to read at all (past 4,300 digits) counts as a huge one."""
    if raw is None:
        return None
    if len(raw) > 100:
        return 10**100 if raw.strip().lstrip("+-").isdigit() else None
    try:
        return int(raw)
    except ValueError:
        return None


def _as_date(raw: str) -> date | None:
    """The day an ISO date (or date-time) text names, or None when it names none."""
    text = raw.strip()
    if len(text) < 10 or not text[:4].isdigit():
        return None
    year = int(text[:4])
    if year < FIRST_DAY.year or year > LAST_DAY.year:
        return date.min if year < FIRST_DAY.year else date.max
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None
