"""The conversation on an incident: replies, internal notes, solution steps; who sees and writes what."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from kb.actors import Role
from kb.errors import Conflict, Forbidden, NotFound, ValidationError
from servicedesk.conversation import services as conv
from servicedesk.conversation.models import IncidentMessage
from servicedesk.incidents import services as svc
from servicedesk.incidents.models import Incident, IncidentEvent
from servicedesk.users.models import User
from tests import factories
from tests.servicedesk.api.helpers import error_of


def _events(s: Session, incident: Incident) -> list[tuple[str, str]]:
    rows = s.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == incident.id,
                                                 IncidentEvent.action.in_(("reply", "note")))
                     .order_by(IncidentEvent.id))
    return [(e.action, e.note) for e in rows]


def _forget(engine: Engine, incident_id: int, user_ids: list[int]) -> None:
    """Deletes what a threaded test committed: the incident, its messages and history, and its people."""
    with engine.begin() as conn:
        conn.execute(delete(IncidentMessage).where(IncidentMessage.incident_id == incident_id))
        conn.execute(delete(IncidentEvent).where(IncidentEvent.incident_id == incident_id))
        conn.execute(delete(Incident).where(Incident.id == incident_id))
        conn.execute(delete(User).where(User.id.in_(user_ids)))


def test_reply_and_note_leave_history_rows_naming_the_message(s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    reply = conv.add_reply(s, inc, agent, "请重启光猫，**等待两分钟**。<script>alert(1)</script>")
    note = conv.add_note(s, inc, agent, "光功率 -27 dBm，偏低")
    answer = conv.add_reply(s, inc, subscriber, "重启后还是红灯")
    assert "<strong>等待两分钟</strong>" in reply.body_html and "<script" not in reply.body_html
    assert _events(s, inc) == [("reply", str(reply.id)), ("note", str(note.id)), ("reply", str(answer.id))]
    assert [m.id for m in conv.list_messages(s, inc, agent)] == [reply.id, note.id, answer.id]
    assert [m.id for m in conv.list_messages(s, inc, subscriber)] == [reply.id, answer.id]


def test_only_staff_add_notes_and_only_the_reporter_replies(s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    other = factories.user(Role.USER, "liu.yang")
    with pytest.raises(Forbidden):
        conv.add_note(s, inc, subscriber, "我想加内部备注")
    with pytest.raises(NotFound):
        conv.add_reply(s, inc, other, "不是我的工单")
    with pytest.raises(Forbidden):
        conv.send_solution_steps(s, inc, subscriber)
    assert _events(s, inc) == []


@pytest.mark.parametrize("body", ["", "   ", "长" * (conv.MAX_BODY + 1), 12])
def test_bad_bodies_are_refused_naming_the_field(s, agent, subscriber, body):
    inc = factories.incident(agent, reporter=subscriber)
    with pytest.raises(ValidationError) as err:
        conv.add_reply(s, inc, agent, body)
    assert "body" in err.value.fields
    assert _events(s, inc) == []


def test_a_closed_incident_takes_no_more_replies_but_staff_may_note(s, agent, lead, subscriber):
    solution = factories.approved_article(agent, lead)
    inc = factories.closed_incident(agent, subscriber, solution)
    for who in (subscriber, agent):
        with pytest.raises(Conflict) as err:
            conv.add_reply(s, inc, who, "还有问题")
        assert err.value.code == "incident_closed"
    note = conv.add_note(s, inc, agent, "回访时用户满意")
    assert _events(s, inc) == [("note", str(note.id))]


def test_solution_steps_are_sent_as_plain_text_public_reply(s, agent, lead, subscriber):
    solution = factories.approved_article(agent, lead, steps="1. 检查尾纤\n2. **重启**光猫")
    inc = factories.incident(agent, reporter=subscriber)
    with pytest.raises(ValidationError):
        conv.send_solution_steps(s, inc, agent)  # nothing linked, none named
    svc.link_solution(s, inc, agent, solution)
    m = conv.send_solution_steps(s, inc, agent)
    assert m.kind == "public" and solution.title in m.body and "重启" in m.body and "**" not in m.body
    draft = factories.article(agent)
    with pytest.raises(ValidationError):
        conv.send_solution_steps(s, inc, agent, draft.id)  # only an approved article is sent


def test_api_subscriber_sees_public_only_and_not_others_incidents(api, s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    r = api.post(f"/incidents/{inc.id}/messages", agent, json={"body": "内部：查光功率", "kind": "internal"})
    assert r.status_code == 201 and r.get_json()["kind"] == "internal"
    r = api.post(f"/incidents/{inc.id}/messages", agent, json={"body": "我们已安排上门"})
    assert r.status_code == 201 and r.get_json()["kind"] == "public"
    r = api.post(f"/incidents/{inc.id}/messages", subscriber, json={"body": "好的，谢谢", "kind": "internal"})
    assert r.status_code == 403
    r = api.post(f"/incidents/{inc.id}/messages", subscriber, json={"body": "好的，谢谢"})
    assert r.status_code == 201
    seen = api.get(f"/incidents/{inc.id}/messages", subscriber).get_json()["items"]
    assert [m["body"] for m in seen] == ["我们已安排上门", "好的，谢谢"]
    assert len(api.get(f"/incidents/{inc.id}/messages", agent).get_json()["items"]) == 3
    other = factories.user(Role.USER, "liu.yang")
    assert api.get(f"/incidents/{inc.id}/messages", other).status_code == 404
    assert api.post(f"/incidents/{inc.id}/messages", other, json={"body": "hi"}).status_code == 404


def test_api_refusals_are_clear(api, s, agent, lead, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    r = api.post(f"/incidents/{inc.id}/messages", agent, json={"body": ""})
    assert r.status_code == 400 and "body" in error_of(r)["fields"]
    r = api.post(f"/incidents/{inc.id}/messages", agent, json={"body": "x", "kind": "secret"})
    assert r.status_code == 400 and "kind" in error_of(r)["fields"]
    closed = factories.closed_incident(agent, subscriber, factories.approved_article(agent, lead))
    r = api.post(f"/incidents/{closed.id}/messages", subscriber, json={"body": "又坏了"})
    assert r.status_code == 409 and error_of(r)["code"] == "incident_closed"


def test_two_staff_replying_at_once_both_land_in_order(engine: Engine):
    s = Session(engine, expire_on_commit=False)
    a = User(username="conv.a", display_name="甲", role=Role.AGENT, password_hash=factories.password_hash())
    b = User(username="conv.b", display_name="乙", role=Role.AGENT, password_hash=factories.password_hash())
    reporter = User(username="conv.user", display_name="张伟", role=Role.USER,
                    password_hash=factories.password_hash())
    s.add_all([a, b, reporter])
    s.flush()
    inc = svc.create_incident(s, a, factories.INCIDENT, reporter=reporter)
    s.commit()
    ids = (inc.id, a.id, b.id, reporter.id)
    ready = threading.Barrier(2, timeout=30)
    errors: list[Exception] = []

    def reply(who: int, text: str) -> None:
        ts = Session(engine)
        try:
            ready.wait()
            me = ts.get(User, who)
            assert me is not None
            incident = svc.get_incident(ts, me, ids[0], for_update=True)
            conv.add_reply(ts, incident, me, text)
            ts.commit()
        except Exception as exc:  # reported by the assertion below
            ts.rollback()
            errors.append(exc)
        finally:
            ts.close()

    threads = [threading.Thread(target=reply, args=(ids[1], "甲的回复")),
               threading.Thread(target=reply, args=(ids[2], "乙的回复"))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert errors == []
        check = Session(engine)
        msgs = check.scalars(select(IncidentMessage).where(IncidentMessage.incident_id == ids[0])
                             .order_by(IncidentMessage.id)).all()
        assert sorted(m.body for m in msgs) == ["乙的回复", "甲的回复"]
        assert [m.created_at for m in msgs] == sorted(m.created_at for m in msgs)
        events = check.scalars(select(IncidentEvent.note).where(IncidentEvent.incident_id == ids[0],
                                                                IncidentEvent.action == "reply")
                               .order_by(IncidentEvent.id)).all()
        assert events == [str(m.id) for m in msgs]
        check.close()
    finally:
        _forget(engine, ids[0], ids[1:])
        s.close()


def test_same_photo_on_two_incidents_at_once_is_stored_once_and_both_land(engine: Engine, tmp_path):
    """Two agents send the same screenshot on two incidents at the same moment: no incident lock orders them,
    the blob's unique SHA-256 does; neither fails, both messages keep the file."""
    from kb.attachments import BlobStore
    from kb.models import Blob
    from servicedesk.conversation.models import IncidentMessageAttachment
    from tests.servicedesk.web_desk.test_access import PNG

    photo = PNG + b"conv-race"  # bytes no other test stores
    store = BlobStore(tmp_path / "blobs")
    s = Session(engine, expire_on_commit=False)
    a = User(username="conv.c", display_name="丙", role=Role.AGENT, password_hash=factories.password_hash())
    b = User(username="conv.d", display_name="丁", role=Role.AGENT, password_hash=factories.password_hash())
    s.add_all([a, b])
    s.flush()
    incidents = [svc.create_incident(s, a, factories.INCIDENT), svc.create_incident(s, b, factories.INCIDENT)]
    s.commit()
    ids = [(incidents[0].id, a.id), (incidents[1].id, b.id)]
    ready = threading.Barrier(2, timeout=30)
    errors: list[Exception] = []
    postgres = engine.dialect.name == "postgresql"

    def send(incident_id: int, who: int) -> None:
        ts = Session(engine)
        try:
            if not postgres:
                ready.wait()  # SQLite: one writer at a time from BEGIN on, so they meet before it
            me = ts.get(User, who)
            assert me is not None
            incident = svc.get_incident(ts, me, incident_id, for_update=True)
            if postgres:
                ready.wait()  # each holds its own incident: the blob is what they meet on
            conv.add_message_with_files(ts, store, incident, me, "internal", "同一张截图", [("截图.png", photo)])
            ts.commit()
        except Exception as exc:  # reported by the assertion below
            ts.rollback()
            errors.append(exc)
        finally:
            ts.close()

    threads = [threading.Thread(target=send, args=pair) for pair in ids]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert errors == []
        check = Session(engine)
        files = check.scalars(select(IncidentMessageAttachment).join(IncidentMessage)
                              .where(IncidentMessage.incident_id.in_([i for i, _ in ids]))).all()
        assert len(files) == 2 and files[0].blob_id == files[1].blob_id
        check.close()
    finally:
        with engine.begin() as conn:
            msg_ids = select(IncidentMessage.id).where(IncidentMessage.incident_id.in_([i for i, _ in ids]))
            conn.execute(delete(IncidentMessageAttachment).where(IncidentMessageAttachment.message_id.in_(msg_ids)))
            conn.execute(delete(IncidentMessage).where(IncidentMessage.incident_id.in_([i for i, _ in ids])))
            conn.execute(delete(Blob).where(Blob.size == len(photo)))
            conn.execute(delete(IncidentEvent).where(IncidentEvent.incident_id.in_([i for i, _ in ids])))
            conn.execute(delete(Incident).where(Incident.id.in_([i for i, _ in ids])))
            conn.execute(delete(User).where(User.id.in_([w for _, w in ids])))
        s.close()


def test_subscriber_reply_and_staff_note_at_once_both_land(engine: Engine):
    """The reporter answers from the portal while an agent writes a note: they take turns on the incident."""
    s = Session(engine, expire_on_commit=False)
    agent = User(username="conv.e", display_name="戊", role=Role.AGENT, password_hash=factories.password_hash())
    reporter = User(username="conv.user2", display_name="王芳", role=Role.USER,
                    password_hash=factories.password_hash())
    s.add_all([agent, reporter])
    s.flush()
    inc = svc.create_incident(s, agent, factories.INCIDENT, reporter=reporter)
    s.commit()
    ids = (inc.id, agent.id, reporter.id)
    ready = threading.Barrier(2, timeout=30)
    errors: list[Exception] = []

    def write(who: int, kind: str, text: str) -> None:
        ts = Session(engine)
        try:
            ready.wait()
            me = ts.get(User, who)
            assert me is not None
            incident = svc.get_incident(ts, me, ids[0], for_update=True)
            conv.add_message(ts, incident, me, kind, text)
            ts.commit()
        except Exception as exc:  # reported by the assertion below
            ts.rollback()
            errors.append(exc)
        finally:
            ts.close()

    threads = [threading.Thread(target=write, args=(ids[2], "public", "下午在家")),
               threading.Thread(target=write, args=(ids[1], "internal", "带熔接机"))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert errors == []
        check = Session(engine)
        incident = check.get(Incident, ids[0])
        assert incident is not None
        staff_view = conv.timeline(incident, conv.list_messages(check, incident, check.get(User, ids[1])), [])
        assert sorted(e.message.body for e in staff_view if e.message) == ["下午在家", "带熔接机"]
        check.close()
    finally:
        _forget(engine, ids[0], ids[1:])
        s.close()


def test_a_staff_reply_is_the_first_response_and_a_note_is_not(s, agent, subscriber):
    inc = factories.incident(subscriber)
    conv.add_note(s, inc, agent, "先查一下 OLT 告警")
    assert inc.responded_at is None
    conv.add_reply(s, inc, subscriber, "还是不行")  # the subscriber writing is no response
    assert inc.responded_at is None
    conv.add_reply(s, inc, agent, "您好，已安排工程师今天上门。")
    assert inc.responded_at is not None
