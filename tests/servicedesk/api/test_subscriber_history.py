"""Through the API a subscriber reads their incident's history as the portal shows it: the steps that mean
something to them, never an internal note (nor its trace), a staff member's name or a hold reason. Staff read
all of it."""

from __future__ import annotations

from servicedesk.conversation import services as conversation
from servicedesk.incidents import services as svc
from tests import factories


def test_subscriber_history_hides_notes_names_and_reasons(api, s, agent, subscriber):
    inc = factories.incident(subscriber)
    svc.assign_incident(s, inc, agent, agent)
    svc.start_work(s, inc, agent)
    conversation.add_note(s, inc, agent, "内部：怀疑 OLT 板卡故障，别告诉用户")
    conversation.add_reply(s, inc, agent, "您好，工程师已在处理。")
    svc.pend_incident(s, inc, agent, "等待备件（内部采购单 PO-778）")
    s.commit()

    mine = api.get(f"/incidents/{inc.id}", subscriber)
    assert mine.status_code == 200
    history = mine.get_json()["history"]
    said = repr(history)
    assert "note" not in [h["action"] for h in history] and "reply" not in [h["action"] for h in history]
    assert agent.username not in said and "OLT" not in said and "PO-778" not in said
    assert [h["action"] for h in history][:1] == ["create"] and "pend" in [h["action"] for h in history]
    assert all(h["actor"] in (None, subscriber.username) for h in history)

    staff = api.get(f"/incidents/{inc.id}", agent).get_json()["history"]
    assert "note" in [h["action"] for h in staff] and "PO-778" in repr(staff) and agent.username in repr(staff)
