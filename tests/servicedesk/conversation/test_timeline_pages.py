"""One timeline on both incident pages (messages and history, newest first), files from the desk's form,
and who may download them."""

from __future__ import annotations

import io
import re

from kb.actors import Role
from servicedesk.conversation import services as conv
from servicedesk.incidents import services as svc
from tests import factories
from tests.conftest import login_client
from tests.servicedesk.web_desk.test_access import PNG


def _timeline(page: str) -> list[str]:
    """The data-kind of each timeline entry, top to bottom."""
    section = page[page.index('aria-labelledby="hist-h"'):]
    return re.findall(r'<li class="timeline__item[^"]*"[^>]*data-kind="(\w+)"', section)


def _send(client, incident_id: int, body: str, kind: str = "public", files=()):
    data = {"body": body, "kind": kind, "files": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(f"/desk/incidents/{incident_id}/messages", data=data, content_type="multipart/form-data")


def test_desk_page_shows_one_timeline_newest_first_with_the_note_marked(app, s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    conv.add_reply(s, inc, agent, "我们已安排上门")
    svc.assign_incident(s, inc, agent, agent)
    svc.start_work(s, inc, agent)
    conv.add_note(s, inc, agent, "用户家在六楼，带梯子")
    conv.add_reply(s, inc, subscriber, "好的，下午在家")
    s.commit()
    page = login_client(app, agent).get(f"/desk/incidents/{inc.id}").get_data(as_text=True)
    kinds = _timeline(page)
    assert kinds[:3] == ["reply", "note", "event"] and "reply" in kinds[3:]
    assert kinds[-1] == "event"  # the report itself, oldest, at the bottom
    assert page.index("好的，下午在家") < page.index("用户家在六楼") < page.index("我们已安排上门")
    assert "仅员工可见" in page and "报障用户的回复" in page and page.count('id="hist-h"') == 1


def test_portal_shows_the_same_timeline_without_notes_or_staff_names(app, s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    conv.add_reply(s, inc, agent, "我们已安排上门")
    conv.add_note(s, inc, agent, "用户家在六楼")
    svc.assign_incident(s, inc, agent, agent)
    svc.start_work(s, inc, agent)
    svc.pend_incident(s, inc, agent, "内部原因：等备件")
    s.commit()
    page = login_client(app, subscriber).get(f"/my/incidents/{inc.id}").get_data(as_text=True)
    assert "我们已安排上门" in page and "客服中心的回复" in page
    assert "用户家在六楼" not in page and "仅员工可见" not in page and "内部备注" not in page
    assert "李娜" not in page and "等备件" not in page  # staff names and internal reasons stay on the desk
    kinds = _timeline(page)  # on hold (newest), started, assigned, the reply, reported (oldest)
    assert kinds[0] == "event" and kinds[-1] == "event" and kinds.count("reply") == 1 and "note" not in kinds
    assert page.index("暂时挂起") < page.index("我们已安排上门")


def test_a_photo_sent_with_a_reply_reaches_the_reporter_and_a_notes_file_does_not(app, s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    s.commit()
    desk = login_client(app, agent)
    assert _send(desk, inc.id, "现场照片见附件", files=[("现场.png", PNG)]).status_code == 302
    assert _send(desk, inc.id, "光功率读数", "internal", files=[("读数.png", PNG)]).status_code == 302
    reply, note = conv.list_messages(s, inc, agent)
    assert [a.filename for a in reply.attachments] == ["现场.png"] and len(note.attachments) == 1
    reply_url = f"/incidents/{inc.id}/messages/{reply.id}/files/{reply.attachments[0].id}"
    note_url = f"/incidents/{inc.id}/messages/{note.id}/files/{note.attachments[0].id}"
    me = login_client(app, subscriber)
    page = me.get(f"/my/incidents/{inc.id}").get_data(as_text=True)
    assert reply_url in page and note_url not in page and "读数.png" not in page
    got = me.get(reply_url)
    assert got.status_code == 200 and got.data == PNG and got.headers["X-Content-Type-Options"] == "nosniff"
    assert me.get(note_url).status_code == 404
    assert desk.get(note_url).status_code == 200 and note_url in desk.get(f"/desk/incidents/{inc.id}").get_data(
        as_text=True)
    stranger = login_client(app, factories.user(Role.USER, "liu.yang"))
    assert stranger.get(reply_url).status_code == 404
    assert app.test_client().get(reply_url).status_code in (302, 401)


def test_a_refused_file_keeps_the_text_and_saves_nothing(app, s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    s.commit()
    desk = login_client(app, agent)
    text = "请看附件里的测试读数，光功率 -27dBm"
    r = _send(desk, inc.id, text, files=[("现场.png", PNG), ("run.exe", b"MZ\x90\x00")])
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and text in page
    assert 'id="files-err"' in page and "run.exe" in page and "不接受此类型的文件" in page
    r = _send(desk, inc.id, text, files=[("假照片.png", b"<script>alert(1)</script>")])
    assert r.status_code == 400 and "假照片.png" in r.get_data(as_text=True)
    r = _send(desk, inc.id, text, files=[(f"{n}.png", PNG) for n in range(6)])
    assert r.status_code == 400 and "最多附加 5 个文件" in r.get_data(as_text=True)
    assert conv.list_messages(s, inc, agent) == []


def test_whitespace_only_reply_is_refused_beside_the_field(app, s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    s.commit()
    for client, url in ((login_client(app, agent), f"/desk/incidents/{inc.id}/messages"),
                        (login_client(app, subscriber), f"/my/incidents/{inc.id}/messages")):
        r = client.post(url, data={"body": "  \n\t ", "kind": "public"})
        page = r.get_data(as_text=True)
        assert r.status_code == 400 and 'id="body-err"' in page and "请先写下内容" in page
    long = "很长的说明" * 2001
    r = login_client(app, subscriber).post(f"/my/incidents/{inc.id}/messages", data={"body": long})
    assert r.status_code == 400 and long in r.get_data(as_text=True) and "最多 10000 个字符" in r.get_data(as_text=True)
    assert conv.list_messages(s, inc, agent) == []


def test_the_timeline_in_english(app, s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    conv.add_note(s, inc, agent, "note")
    s.commit()
    desk = login_client(app, agent)
    desk.post("/lang", data={"lang": "en", "next": "/"})
    page = desk.get(f"/desk/incidents/{inc.id}").get_data(as_text=True)
    assert "Timeline" in page and "Internal note · staff only" in page and "Reply or add a note" in page


def test_a_site_photo_larger_than_the_apps_form_limit_is_taken(app, s, agent, subscriber, api):
    """Phone photos run to several MB: the reply form and the API take files up to the knowledge base's limit,
    above the 2 MB every other form gets."""
    big = PNG + b"\0" * (3 * 1024 * 1024)
    assert len(big) > app.config["MAX_CONTENT_LENGTH"]
    inc = factories.incident(agent, reporter=subscriber)
    s.commit()
    assert _send(login_client(app, agent), inc.id, "现场照片（原图）", files=[("原图.png", big)]).status_code == 302
    [m] = conv.list_messages(s, inc, agent)
    assert m.attachments[0].blob.size == len(big)
    r = api.upload(f"/incidents/{inc.id}/messages/{m.id}/attachments", agent, "原图2.png", big + b"\1")
    assert r.status_code == 201, r.get_json()


def test_an_assignment_is_one_entry_on_both_pages(app, s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    svc.assign_incident(s, inc, agent, agent)  # writes the assignee and the status it moves the incident to
    s.commit()
    desk = login_client(app, agent).get(f"/desk/incidents/{inc.id}").get_data(as_text=True)
    assert _timeline(desk) == ["event", "event"]  # assigned (with both changes), reported
    section = desk[desk.index('aria-labelledby="hist-h"'):]
    assert section.count("已派单 <span") == 1
    assert "新建 → 已派单" in section and "李娜" in section  # both changes listed in the one entry
    portal = login_client(app, subscriber).get(f"/my/incidents/{inc.id}").get_data(as_text=True)
    assert _timeline(portal) == ["event", "event"]
    assert portal[portal.index('aria-labelledby="hist-h"'):].count("已派给工程师") == 1
