"""Markup every page shares: nothing from another host, unique ids, a label for every field."""

from __future__ import annotations

import re

from flask import Flask

from servicedesk.users.models import User
from tests import factories
from tests.servicedesk.web_shell.conftest import text

URL = re.compile(r"""(?:https?:)?//[^\s"'<>)]+""", re.IGNORECASE)
ALLOWED = ("http://www.w3.org/2000/svg",)  # an XML namespace, never fetched


def _external(html: str) -> list[str]:
    return [u for u in URL.findall(html) if not u.startswith(ALLOWED) and not u.startswith("//localhost/")]


def test_no_page_points_to_another_host(app: Flask, agent: User, lead: User, subscriber: User, admin: User):
    incident = factories.resolved_incident(agent, subscriber, factories.approved_article(agent, lead))
    anonymous = app.test_client()
    pages = {
        anonymous: ["/", "/login", "/no-such-page"],
        app.test_client(user=subscriber): ["/", "/report", "/my/incidents", f"/my/incidents/{incident.id}",
                                           "/profile", "/admin/users"],
        app.test_client(user=admin): ["/admin/users", "/admin/users/new", f"/admin/users/{subscriber.id}"],
    }
    for client, paths in pages.items():
        for path in paths:
            for lang in ("zh-CN", "en"):
                response = client.get(path, headers={"Accept-Language": lang})
                assert response.status_code in (200, 403, 404), path
                assert _external(text(response)) == [], (path, lang)
    for asset in ("app.css", "app.js", "favicon.svg"):
        body = text(anonymous.get(f"/static/{asset}"))
        assert _external(body) == [], asset


def test_pages_have_unique_ids_and_labelled_fields(app: Flask, s, agent: User, lead: User, subscriber: User,
                                                   admin: User):
    from servicedesk.users.services import issue_token

    issue_token(s, subscriber, "一")
    issue_token(s, subscriber, "二")
    incident = factories.resolved_incident(agent, subscriber, factories.approved_article(agent, lead))
    pages = [(subscriber, "/profile"), (subscriber, f"/my/incidents/{incident.id}"), (subscriber, "/report"),
             (admin, "/admin/users/new"), (admin, f"/admin/users/{subscriber.id}"), (None, "/login")]
    for user, path in pages:
        html = text((app.test_client(user=user) if user else app.test_client()).get(path))
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), (path, sorted(i for i in ids if ids.count(i) > 1))
        fields = r'<(?:input|select|textarea)(?=[^>]*\sid="([^"]+)")(?![^>]*type="(?:hidden|submit)")'
        for field_id in re.findall(fields, html):
            assert f'for="{field_id}"' in html, (path, field_id)


def test_picker_options_are_escaped_and_mark_the_chosen_one():
    from servicedesk.web import option_tags

    html = str(option_tags((("1", "<b>王&李</b>"), ("2", 'say "hi"')), "2"))
    assert html == ('<option value="1">&lt;b&gt;王&amp;李&lt;/b&gt;</option>'
                    '<option value="2" selected>say &#34;hi&#34;</option>')
