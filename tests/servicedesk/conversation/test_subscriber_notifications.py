"""A subscriber's in-app notifications: written by the notify hooks, read on the notifications page, each
opening the subscriber's own incident page and read by opening it."""

from __future__ import annotations

from sqlalchemy import select

from kb.actors import Role
from servicedesk.conversation import services as conv
from servicedesk.org.models import Notification
from tests import factories
from tests.conftest import login_client


def _mine(s, user) -> list[Notification]:
    s.expire_all()
    return list(s.scalars(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)))


def test_a_public_reply_notifies_the_subscriber_and_a_note_does_not(app, s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    s.commit()
    before = len(_mine(s, subscriber))
    desk = login_client(app, agent)
    desk.post(f"/desk/incidents/{inc.id}/messages", data={"body": "内部：查光功率", "kind": "internal"})
    assert len(_mine(s, subscriber)) == before
    desk.post(f"/desk/incidents/{inc.id}/messages", data={"body": "师傅下午两点上门", "kind": "public"})
    news = _mine(s, subscriber)[before:]
    assert len(news) == 1 and news[0].incident_id == inc.id and news[0].read_at is None


def test_the_subscriber_reads_the_notification_and_opens_the_incident(app, s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    conv.add_reply(s, inc, agent, "师傅下午两点上门")
    s.commit()
    reply_news = [n for n in _mine(s, subscriber) if n.kind == "incident.reply"]
    assert len(reply_news) == 1
    me = login_client(app, subscriber)
    listing = me.get("/my/incidents").get_data(as_text=True)
    assert 'id="news"' in listing and "有新消息" in listing  # the list says there is news, and where
    page = me.get("/notifications").get_data(as_text=True)
    opening = f"/notifications/{reply_news[0].id}"
    assert opening in page and f"/desk/incidents/{inc.id}" not in page
    r = me.get(opening)
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/my/incidents/{inc.id}")
    assert next(n for n in _mine(s, subscriber) if n.id == reply_news[0].id).read_at is not None


def test_opening_the_incident_reads_its_notifications(app, s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    conv.add_reply(s, inc, agent, "师傅下午两点上门")
    s.commit()
    assert any(n.read_at is None for n in _mine(s, subscriber))
    me = login_client(app, subscriber)
    assert me.get(f"/my/incidents/{inc.id}").status_code == 200
    assert all(n.read_at is not None for n in _mine(s, subscriber) if n.incident_id == inc.id)
    assert 'id="news"' not in me.get("/my/incidents").get_data(as_text=True)


def test_nobody_opens_anothers_notification(app, s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    conv.add_reply(s, inc, agent, "师傅下午两点上门")
    other = factories.user(Role.USER, "liu.yang")
    s.commit()
    theirs = _mine(s, subscriber)[-1]
    assert login_client(app, other).get(f"/notifications/{theirs.id}").status_code == 404
    assert login_client(app, agent).get(f"/notifications/{theirs.id}").status_code == 404
    assert "师傅下午两点上门" not in login_client(app, other).get("/notifications").get_data(as_text=True)
    assert _mine(s, subscriber)[-1].read_at is None


def test_staff_open_their_notification_on_the_desk(app, s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    s.add(Notification(user_id=agent.id, incident_id=inc.id, kind="incident.reply", message="用户回复了"))
    s.commit()
    mine = _mine(s, agent)[-1]
    r = login_client(app, agent).get(f"/notifications/{mine.id}")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/desk/incidents/{inc.id}")
