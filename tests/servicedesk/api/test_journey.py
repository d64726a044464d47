"""The whole rule through the API: report, link a draft, refused closes in order, review, verify, close."""

from __future__ import annotations

from datetime import datetime

from tests.servicedesk.api.helpers import error_of


def _aware(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, value
    return parsed


def test_subscriber_to_closed_incident(api, subscriber, agent, lead):
    # The subscriber reports a fault for themselves.
    r = api.post("/incidents", subscriber, json={
        "title": "电视没信号，机顶盒提示 E-102", "description": "昨晚开始所有频道都没有信号。",
        "service": "cable_tv", "category": "fault", "area": "township", "customer_account": "CATV-0571-88",
    })
    assert r.status_code == 201, r.get_json()
    inc = r.get_json()
    iid = inc["id"]
    assert inc["status"] == "new" and inc["tier"] == 1 and inc["reporter"] == "zhang.wei"
    assert inc["number"].startswith("INC") and inc["solution_id"] is None and inc["solution"] is None
    assert inc["verified"] is False
    assert _aware(inc["created_at"]) <= _aware(inc["updated_at"])
    # Township faults: 8 hours to resolve, 30 minutes to respond.
    created = _aware(inc["created_at"])
    assert (_aware(inc["sla"]["resolve_by"]) - created).total_seconds() == 8 * 3600
    assert (_aware(inc["sla"]["respond_by"]) - created).total_seconds() == 30 * 60
    assert inc["sla"]["breached"] is False
    assert [h["action"] for h in inc["history"]] == ["create"]

    # The agent takes it and fixes it on site; nothing is linked yet, so closing is refused.
    assert api.post(f"/incidents/{iid}/start", agent).get_json()["status"] == "in_progress"
    r = api.post(f"/incidents/{iid}/resolve", agent, json={"note": "已紧固分支器 F 头，信号恢复。"})
    assert r.get_json()["status"] == "resolved"
    assert [b["code"] for b in r.get_json()["close_blockers"]] == ["no_solution", "not_verified"]
    r = api.post(f"/incidents/{iid}/close", agent)
    assert r.status_code == 409 and error_of(r)["code"] == "no_solution"

    # No fitting article exists: the agent writes a draft solution and links it.
    r = api.post("/articles", agent, json={
        "type": "solution", "title": "机顶盒提示 E-102 无信号的处理", "symptom": "所有频道无信号，提示 E-102。",
        "cause": "入户分支器松动。", "steps": "1. 检查分支器\n2. 重新紧固 F 头", "services": ["cable_tv"],
        "category": "有线电视", "tags": ["机顶盒", "E-102"], "fault_codes": ["e-102"], "visibility": "public",
    })
    assert r.status_code == 201
    article = r.get_json()
    assert article["status"] == "draft" and article["fault_codes"] == ["E-102"]
    aid = article["id"]
    r = api.put(f"/incidents/{iid}/solution", agent, json={"article_id": aid})
    assert r.status_code == 200
    assert r.get_json()["solution_id"] == aid
    assert r.get_json()["solution"] == {"id": aid, "title": "机顶盒提示 E-102 无信号的处理", "status": "draft"}
    assert [b["code"] for b in r.get_json()["close_blockers"]] == ["solution_not_approved", "not_verified"]
    r = api.post(f"/incidents/{iid}/close", agent)
    assert r.status_code == 409 and error_of(r)["code"] == "solution_not_approved"

    # The lead reviews content and form and approves.
    assert api.post(f"/articles/{aid}/submit", agent).get_json()["status"] == "in_review"
    r = api.post(f"/articles/{aid}/review", lead,
                 json={"content_ok": True, "form_ok": True, "decision": "approve", "comment": "内容与表单均合格"})
    assert r.status_code == 200
    reviewed = r.get_json()
    assert reviewed["status"] == "approved"
    assert reviewed["reviews"][-1]["reviewer"] == "wang.qiang"
    assert reviewed["reviews"][-1]["content_ok"] is True and reviewed["reviews"][-1]["form_ok"] is True
    _aware(reviewed["reviews"][-1]["decided_at"])
    assert reviewed["incident_count"] == 1

    r = api.post(f"/incidents/{iid}/close", agent)
    assert r.status_code == 409 and error_of(r)["code"] == "not_verified"

    # The subscriber confirms the fix; the agent closes.
    r = api.post(f"/incidents/{iid}/verify", subscriber,
                 json={"accepted": True, "rating": 5, "comment": "已恢复，谢谢"})
    assert r.status_code == 200 and r.get_json()["verified"] is True
    assert r.get_json()["verifications"][0]["method"] == "self"
    r = api.post(f"/incidents/{iid}/close", agent)
    assert r.status_code == 200
    closed = r.get_json()
    assert closed["status"] == "closed" and closed["close_blockers"] == []
    _aware(closed["closed_at"])
    actions = [h["action"] for h in closed["history"]]
    assert actions[0] == "create" and actions[-1] == "close" and "link_solution" in actions
    entry = closed["history"][-1]
    assert set(entry) == {"at", "actor", "action", "field", "old", "new", "note"}
    assert entry["actor"] == "li.na" and entry["old"] == "resolved" and entry["new"] == "closed"


def test_close_refused_without_solution_first(api, subscriber, agent):
    iid = api.post("/incidents", subscriber, json={
        "title": "宽带拨号 691", "service": "broadband", "category": "fault"}).get_json()["id"]
    api.post(f"/incidents/{iid}/resolve", agent, json={"note": "已重置账号密码"})
    api.post(f"/incidents/{iid}/verify", subscriber, json={"accepted": True})
    r = api.post(f"/incidents/{iid}/close", agent)
    assert r.status_code == 409 and error_of(r)["code"] == "no_solution"
    assert api.get(f"/incidents/{iid}", agent).get_json()["status"] == "resolved"
