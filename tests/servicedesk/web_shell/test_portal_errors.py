"""Friendly error pages (403, 404, 413, 500) in both languages, and the portal pages' markup."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from servicedesk.users.models import User
from tests import factories
from tests.servicedesk.web_shell.conftest import text

HEADINGS = {
    403: ("无权访问", "Not allowed"),
    404: ("找不到页面", "Page not found"),
    413: ("内容过大", "Too large"),
    500: ("抱歉，出了点问题", "Sorry, something went wrong"),
}


def _boom() -> str:
    raise RuntimeError("a bug")


@pytest.mark.parametrize(("lang", "index"), [("zh-CN", 0), ("en", 1)])
def test_error_pages_speak_the_readers_language(app: Flask, subscriber: User, lang: str, index: int):
    app.add_url_rule("/test-boom", "test_boom", _boom)
    headers = {"Accept-Language": lang}
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    responses = {
        403: app.test_client(user=subscriber).get("/desk/incidents", headers=headers),
        404: app.test_client().get("/no-such-page", headers=headers),
        413: app.test_client().post("/login", data={"username": big}, headers=headers),
        500: app.test_client().get("/test-boom", headers=headers),
    }
    for status, response in responses.items():
        html = text(response)
        assert response.status_code == status, status
        assert HEADINGS[status][index] in html, (status, lang)
        assert HEADINGS[status][1 - index] not in html, (status, lang)
        assert f'lang="{"zh-CN" if index == 0 else "en"}"' in html
        assert 'href="/"' in html  # a way back to the start
        assert "Traceback" not in html and "RuntimeError" not in html


def test_portal_pages_have_unique_ids_and_labelled_fields(app: Flask, agent: User, lead: User, subscriber: User):
    article = factories.approved_article(agent, lead)
    incident = factories.resolved_incident(agent, subscriber, article)
    anonymous = app.test_client()
    pages = [(anonymous, "get", "/register", None), (anonymous, "get", f"/kb/{article.id}", None),
             (anonymous, "post", "/report", {"title": "断网"}),
             (app.test_client(user=subscriber), "get", "/report", None),
             (app.test_client(user=subscriber), "get", f"/my/incidents/{incident.id}", None),
             (app.test_client(user=agent), "get", f"/kb/{article.id}", None)]
    for client, method, path, data in pages:
        html = text(getattr(client, method)(path, data=data))
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), (path, sorted(i for i in ids if ids.count(i) > 1))
        fields = r'<(?:input|select|textarea)(?=[^>]*\sid="([^"]+)")(?![^>]*type="(?:hidden|submit)")'
        for field_id in re.findall(fields, html):
            assert f'for="{field_id}"' in html, (path, field_id)
