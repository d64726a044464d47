"""Hostile query strings never answer 500: every GET route, every role, every parameter the route reads.

The walk finds the parameters itself: a first, harmless request records every query name the view asks
for (request.args is wrapped for the test), then each of them is sent again alone with each hostile value.
Every role gets the core values; the whole list goes once per kind of caller (visitor, subscriber, the first
staff role that reaches the route), since the staff roles share every parser.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import Rule

from tests.servicedesk.security.conftest import Desk

# Sent raw (already percent-encoded): what a client can really put on the wire.
CORE = (
    "99999999999999999999",          # past every integer column and SQLite's 64 bits
    "%20",                           # blank
    "%00",                           # a control character (PostgreSQL refuses NUL)
)
HOSTILE = (
    *CORE,
    "-99999999999999999999",
    "9" * 5000,                      # past Python's int() digit limit
    "%C2%B2",                        # "²": str.isdigit() says yes, int() says no
    "%EF%BC%91%EF%BC%92",            # "１２": full-width digits int() reads
    "%20%2C%09",                     # a list of blanks
    "%ED%A0%80",                     # a lone surrogate, UTF-8 encoded the way a JSON escape allows
    "%E2%80%AE",                     # RIGHT-TO-LEFT OVERRIDE
    "x" * 5000,                      # very long
    "9999-12-31", "0001-01-01",      # days at the edges of the calendar
    "%25_%5C'%22",                   # LIKE wildcards, a backslash and quotes
)
# Every route is asked these too, whether or not its first answer read them.
ALWAYS = frozenset({"page", "per_page", "q"})
PROBE = "_probe"
# Routes the walk cannot answer 200: 404 to every role of this desk (no photo, no audit, no diff of a revision
# with itself), or always a redirect (opening a notification marks it read and goes to its incident; opening a
# month of the subscriber base goes to that month's page).
UNREACHABLE = frozenset({"portal.photo", "api.get_audit", "api.diff_article_revisions", "org.open_notification",
                         "subscriber_base.open_month"})


class RecordingArgs(ImmutableMultiDict):  # type: ignore[type-arg]
    """request.args that notes every name a view asks for."""

    seen: set[str]

    def __getitem__(self, key: str) -> Any:
        self.seen.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.seen.add(str(key))
        return super().__contains__(key)

    def getlist(self, key: str, type: Any = None) -> Any:
        self.seen.add(key)
        return super().getlist(key, type)


def _record_names(app: Flask) -> set[str]:
    seen: set[str] = set()

    @app.before_request
    def _wrap_args() -> None:
        args = RecordingArgs(request.args.items(multi=True))
        args.seen = seen
        request.args = args

    return seen


def _get_rules(app: Flask, api: bool) -> list[Rule]:
    return sorted((r for r in app.url_map.iter_rules()
                   if "GET" in (r.methods or ()) and r.rule.startswith("/api/") == api), key=lambda r: r.rule)


def _url(rule: Rule, values: dict[str, str], hostile_path: str | None = None) -> str:
    def fill(match: re.Match[str]) -> str:
        converter, name = match.group(1), match.group(2)
        if hostile_path is not None and converter in (None, "string"):
            return hostile_path
        return values[name]

    return re.sub(r"<(?:(\w+):)?(\w+)>", fill, rule.rule)


def _status(client: FlaskClient, url: str) -> int:
    try:
        return client.get(url).status_code
    except Exception:
        return 599  # an exception the app let through is a 500 as well


def _kind(role: str) -> str:
    return role if role in ("visitor", "subscriber") else "staff"


@pytest.mark.parametrize("api", [False, True], ids=["pages", "api"])
def test_no_get_route_answers_500_to_hostile_query_values(app: Flask, desk: Desk, as_user: Callable[..., FlaskClient],
                                                          api: bool) -> None:
    clients = {role: as_user(person) for role, person in desk.people.items()}
    seen = _record_names(app)
    failures: list[str] = []
    unreached: list[str] = []
    walked = 0
    for rule in _get_rules(app, api):
        url = _url(rule, {**desk.path_values, **desk.endpoint_values.get(rule.endpoint, {})})
        kinds_walked: set[str] = set()
        for role, client in clients.items():
            seen.clear()
            status = _status(client, f"{url}?{PROBE}=1")
            if status >= 500:
                failures.append(f"{role} {url} -> {status}")
            if status != 200:
                continue
            values = CORE if _kind(role) in kinds_walked else HOSTILE
            kinds_walked.add(_kind(role))
            for name in sorted((seen | ALWAYS) - {PROBE}):
                for value in values:
                    walked += 1
                    status = _status(client, f"{url}?{name}={value}")
                    if status >= 500:
                        failures.append(f"{role} {url}?{name}={value[:40]} -> {status}")
        if not kinds_walked and rule.endpoint not in UNREACHABLE:
            unreached.append(rule.rule)
    assert not failures, "\n".join(failures[:80])
    assert not unreached, f"no role reached {unreached}: the walk needs their data"
    assert walked > 500


def test_hostile_path_values_never_answer_500(app: Flask, desk: Desk, as_user: Callable[..., FlaskClient]) -> None:
    client = as_user(desk.people["admin"])
    failures = []
    for rule in _get_rules(app, api=False) + _get_rules(app, api=True):
        if not any(conv in rule.rule for conv in ("<account>", "<string:")):
            continue
        for value in HOSTILE:
            url = _url(rule, desk.path_values, hostile_path=value)
            status = _status(client, url)
            if status >= 500:
                failures.append(f"{url[:80]} -> {status}")
    assert not failures, "\n".join(failures)
