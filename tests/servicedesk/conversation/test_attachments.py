"""Files on staff messages: the knowledge base's checks and blob store; internal notes' files stay staff-only."""

from __future__ import annotations

from kb.actors import Role
from servicedesk.conversation import services as conv
from tests import factories
from tests.servicedesk.api.helpers import error_of
from tests.servicedesk.web_desk.test_access import PNG


def test_staff_attach_a_photo_once_stored_and_the_reporter_downloads_it(api, s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    reply = conv.add_reply(s, inc, agent, "现场照片见附件")
    r = api.upload(f"/incidents/{inc.id}/messages/{reply.id}/attachments", agent, "现场.png", PNG)
    assert r.status_code == 201, r.get_json()
    url = r.get_json()["url"].removeprefix("/api/v1")
    got = api.raw("GET", url, subscriber)
    assert got.status_code == 200 and got.data == PNG and got.headers["X-Content-Type-Options"] == "nosniff"
    [m] = api.get(f"/incidents/{inc.id}/messages", subscriber).get_json()["items"]
    assert m["attachments"][0]["filename"] == "现场.png"


def test_internal_notes_files_are_staff_only(api, s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    note = conv.add_note(s, inc, agent, "测试读数")
    r = api.upload(f"/incidents/{inc.id}/messages/{note.id}/attachments", agent, "读数.png", PNG)
    assert r.status_code == 201
    url = r.get_json()["url"].removeprefix("/api/v1")
    assert api.raw("GET", url, subscriber).status_code == 404
    assert api.raw("GET", url, agent).status_code == 200


def test_subscribers_do_not_attach_and_bad_files_are_refused(api, s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    mine = conv.add_reply(s, inc, subscriber, "我的回复")
    theirs = conv.add_reply(s, inc, agent, "回复")
    r = api.upload(f"/incidents/{inc.id}/messages/{mine.id}/attachments", subscriber, "a.png", PNG)
    assert r.status_code == 403
    r = api.upload(f"/incidents/{inc.id}/messages/{theirs.id}/attachments", agent, "evil.png", b"<script>x</script>")
    assert r.status_code == 400 and "file" in error_of(r)["fields"]
    r = api.upload(f"/incidents/{inc.id}/messages/{theirs.id}/attachments", agent, "run.exe", b"MZ\x90\x00")
    assert r.status_code == 400 and "file" in error_of(r)["fields"]
    other = factories.user(Role.AGENT, "zhao.lei")
    r = api.upload(f"/incidents/{inc.id}/messages/{theirs.id}/attachments", other, "a.png", PNG)
    assert r.status_code == 403  # a file goes on one's own message
