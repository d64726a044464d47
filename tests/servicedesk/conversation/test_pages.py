"""The conversation on the desk's incident page and on the portal's my-incident page."""

from __future__ import annotations

from kb.actors import Role
from servicedesk.conversation import services as conv
from servicedesk.incidents import services as svc
from tests import factories
from tests.conftest import login_client


def test_staff_reply_and_note_show_on_the_desk_page(app, s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    s.commit()
    desk = login_client(app, agent)
    r = desk.post(f"/desk/incidents/{inc.id}/messages", data={"body": "请重启光猫", "kind": "public"})
    assert r.status_code == 302
    r = desk.post(f"/desk/incidents/{inc.id}/messages", data={"body": "光功率偏低 -27dBm", "kind": "internal"})
    assert r.status_code == 302
    page = desk.get(f"/desk/incidents/{inc.id}").get_data(as_text=True)
    assert "请重启光猫" in page and "光功率偏低 -27dBm" in page


def test_empty_or_too_long_reply_keeps_the_text_and_marks_the_field(app, s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    s.commit()
    desk = login_client(app, agent)
    r = desk.post(f"/desk/incidents/{inc.id}/messages", data={"body": "", "kind": "public"})
    assert r.status_code == 400 and 'aria-invalid="true"' in r.get_data(as_text=True)
    long = "很长的说明" * 2001
    r = desk.post(f"/desk/incidents/{inc.id}/messages", data={"body": long, "kind": "public"})
    assert r.status_code == 400 and long in r.get_data(as_text=True)
    assert conv.list_messages(s, inc, agent) == []


def test_subscriber_sees_public_replies_only_and_replies_on_the_portal(app, s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    conv.add_reply(s, inc, agent, "我们已安排上门")
    conv.add_note(s, inc, agent, "内部：用户家在六楼")
    s.commit()
    me = login_client(app, subscriber)
    page = me.get(f"/my/incidents/{inc.id}").get_data(as_text=True)
    assert "我们已安排上门" in page and "用户家在六楼" not in page
    r = me.post(f"/my/incidents/{inc.id}/messages", data={"body": "好的，下午在家"})
    assert r.status_code == 302
    assert "好的，下午在家" in me.get(f"/my/incidents/{inc.id}").get_data(as_text=True)
    assert me.post(f"/desk/incidents/{inc.id}/messages", data={"body": "x", "kind": "internal"}).status_code == 403


def test_another_subscriber_reaches_nothing(app, s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    other = factories.user(Role.USER, "liu.yang")
    s.commit()
    them = login_client(app, other)
    assert them.get(f"/my/incidents/{inc.id}").status_code == 404
    assert them.post(f"/my/incidents/{inc.id}/messages", data={"body": "hi"}).status_code == 404
    assert conv.list_messages(s, inc, agent) == []


def test_a_closed_incident_refuses_a_portal_reply_with_a_clear_message(app, s, agent, lead, subscriber):
    inc = factories.closed_incident(agent, subscriber, factories.approved_article(agent, lead))
    s.commit()
    me = login_client(app, subscriber)
    r = me.post(f"/my/incidents/{inc.id}/messages", data={"body": "又坏了"})
    assert r.status_code == 409 and "此工单已关闭" in r.get_data(as_text=True)
    assert conv.list_messages(s, inc, subscriber) == []


def test_send_solution_steps_button(app, s, agent, lead, subscriber):
    solution = factories.approved_article(agent, lead, steps="1. 检查尾纤\n2. 重启光猫")
    inc = factories.incident(agent, reporter=subscriber)
    svc.link_solution(s, inc, agent, solution)
    s.commit()
    desk = login_client(app, agent)
    assert "把解决步骤发送给报障人" in desk.get(f"/desk/incidents/{inc.id}").get_data(as_text=True)
    assert desk.post(f"/desk/incidents/{inc.id}/messages/solution-steps").status_code == 302
    [m] = conv.list_messages(s, inc, subscriber)
    assert "重启光猫" in m.body
