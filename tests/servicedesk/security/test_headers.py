"""Issue 12, finding 1: security headers on every answer, private caching of anything not public, and
pages that need no inline script or style (so the strict Content-Security-Policy breaks nothing)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from servicedesk.security import CONTENT_SECURITY_POLICY
from tests.servicedesk.api.helpers import Api
from tests.servicedesk.security.conftest import Desk

ROOT = Path(__file__).resolve().parents[3]


def _assert_secure(response: TestResponse, what: str) -> None:
    h = response.headers
    csp = h.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp, (what, csp)
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp and "*" not in csp, (what, csp)
    assert h.get("X-Frame-Options") == "DENY", what
    assert h.get("X-Content-Type-Options") == "nosniff", what
    assert h.get("Referrer-Policy") in ("same-origin", "strict-origin-when-cross-origin"), what
    assert "Strict-Transport-Security" not in h, what  # plain HTTP: a browser would ignore it anyway


def test_the_policy_allows_this_origin_only() -> None:
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"


def test_every_kind_of_answer_carries_the_security_headers(desk: Desk, as_user: Callable[..., FlaskClient],
                                                           api: Api) -> None:
    visitor, agent = as_user(None), as_user(desk.people["agent"])
    article, attachment = desk.path_values["article_id"], desk.path_values["attachment_id"]
    answers = {
        "home page": visitor.get("/"),
        "login page": visitor.get("/login"),
        "desk page": agent.get("/desk/incidents"),
        "404 page": visitor.get("/no/such/page"),
        "static file": visitor.get("/static/app.css"),
        "static script": visitor.get("/static/app.js"),
        "attachment": agent.get(f"/kb/{article}/files/{attachment}"),
        "API JSON": api.get("/health"),
        "API error": api.get("/incidents"),
        "API download": api.raw("GET", f"/articles/{article}/attachments/{attachment}", desk.people["agent"]),
    }
    for what, response in answers.items():
        assert response.status_code < 500, what
        _assert_secure(response, what)
    assert answers["API error"].status_code == 401


def test_hsts_only_when_the_request_came_over_https(as_user: Callable[..., FlaskClient]) -> None:
    client = as_user(None)
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://desk.example.cn")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    assert int(re.search(r"max-age=(\d+)", secure.headers["Strict-Transport-Security"])[1]) >= 180 * 86400
    assert "Strict-Transport-Security" in client.get("/static/app.css", base_url="https://desk.example.cn").headers


def _private(response: TestResponse) -> bool:
    cc = response.cache_control
    return not cc.public and bool(cc.private or cc.no_store)


def test_answers_to_signed_in_people_are_private(desk: Desk, as_user: Callable[..., FlaskClient], api: Api) -> None:
    agent, subscriber = as_user(desk.people["agent"]), as_user(desk.people["subscriber"])
    for response in (agent.get("/desk/incidents"), agent.get("/profile"), subscriber.get("/my/incidents"),
                     subscriber.get("/"), api.get("/me", desk.people["agent"]), agent.get("/api/v1/me"),
                     api.get("/incidents", desk.people["subscriber"])):
        assert response.status_code == 200
        assert _private(response), (response.request.path, response.headers.get("Cache-Control"))


def test_an_internal_articles_attachment_is_never_publicly_cached(desk: Desk, as_user: Callable[..., FlaskClient],
                                                                   api: Api) -> None:
    article, attachment = desk.path_values["article_id"], desk.path_values["attachment_id"]
    page = as_user(desk.people["agent"]).get(f"/kb/{article}/files/{attachment}")
    assert page.status_code == 200 and page.data.startswith(b"\x89PNG")
    assert _private(page), page.headers.get("Cache-Control")  # it said "public, max-age=3600"
    download = api.raw("GET", f"/articles/{article}/attachments/{attachment}", desk.people["agent"])
    assert download.status_code == 200 and _private(download), download.headers.get("Cache-Control")
    # A visitor cannot have it at all.
    assert as_user(None).get(f"/kb/{article}/files/{attachment}").status_code == 404


def test_static_assets_stay_cacheable(as_user: Callable[..., FlaskClient], desk: Desk) -> None:
    response = as_user(desk.people["agent"]).get("/static/app.css")
    assert response.status_code == 200
    assert not response.cache_control.private and not response.cache_control.no_store


def test_templates_and_scripts_need_no_inline_code_or_style() -> None:
    """The policy forbids inline script and style: nothing in the templates or our scripts may rely on them.
    Data for a script (<script type="application/json">) is not code and runs nothing; the shipped third-party
    libraries under static/vendor are not ours to rewrite (the pages that use them are checked in a real browser
    for policy violations: tests/browser/test_figures_pages.py)."""
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        html = path.read_text(encoding="utf-8")
        for pattern in (r"<script(?![^>]*\bsrc=)(?![^>]*\btype=\"application/json\")[^>]*>", r"<style\b",
                        r"\sstyle\s*=", r"\son[a-z]+\s*=", r"javascript:"):
            offenders += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in re.finditer(pattern, html, re.I)]
    for path in sorted((ROOT / "servicedesk" / "static").rglob("*.js")):
        if "vendor" in path.relative_to(ROOT / "servicedesk" / "static").parts:
            continue
        js = path.read_text(encoding="utf-8")
        for pattern in (r"\.innerHTML\b", r"\.outerHTML\b", r"insertAdjacentHTML", r"\beval\(", r"new Function\(",
                        r"setAttribute\(\s*[\"'](?:style|on\w+)", r"document\.write"):
            offenders += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in re.finditer(pattern, js)]
    assert not offenders, "\n".join(offenders)


def test_an_uploaded_photo_keeps_its_own_stricter_policy(app: Flask) -> None:
    """A view's own, stricter policy is kept (the portal serves photos sandboxed)."""
    @app.get("/_test/sandboxed")
    def _sandboxed() -> tuple[str, int, dict[str, str]]:
        return "x", 200, {"Content-Security-Policy": "default-src 'none'; sandbox"}

    response = app.test_client().get("/_test/sandboxed")
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["X-Frame-Options"] == "DENY"
