"""Incidents over HTTP: reporting, visibility, lists, every workflow action, and bad input."""

from __future__ import annotations

import pytest

from kb.actors import Role
from servicedesk.incidents.models import Incident, IncidentEvent, Verification
from tests import factories
from tests.servicedesk.api.helpers import count, error_of

REPORT = {"title": "家里宽带网速慢", "description": "晚上八点后网速只有 2M，光猫灯正常。", "service": "broadband",
          "category": "complaint", "area": "urban", "customer_account": "GD20240099", "channel": "wechat",
          "priority": "high"}


def test_create_by_subscriber_for_themselves(api, subscriber):
    r = api.post("/incidents", subscriber, json=REPORT)
    assert r.status_code == 201
    inc = r.get_json()
    assert inc["reporter"] == "zhang.wei" and inc["created_by"] == "zhang.wei" and inc["channel"] == "wechat"
    assert inc["category"] == "complaint" and inc["priority"] == "high" and inc["assignee"] is None
    assert inc["close_blockers"] == [{"code": "no_solution", "message": inc["close_blockers"][0]["message"]},
                                     {"code": "not_verified", "message": inc["close_blockers"][1]["message"]}]
    for key in ("number", "created_at", "updated_at", "status", "tier", "assignee", "solution_id", "verified", "sla",
                "history", "verifications", "solution"):
        assert key in inc, key


def test_staff_name_the_reporter_subscribers_cannot(api, s, subscriber, agent):
    other = factories.user(Role.USER, "liu.yang", display_name="刘洋")
    r = api.post("/incidents", agent, json={**REPORT, "reporter": "liu.yang"})
    assert r.status_code == 201 and r.get_json()["reporter"] == "liu.yang" and r.get_json()["created_by"] == "li.na"
    before = count(s, Incident)
    r = api.post("/incidents", subscriber, json={**REPORT, "reporter": other.username})
    assert r.status_code == 403
    r = api.post("/incidents", agent, json={**REPORT, "reporter": "nobody.here"})
    assert r.status_code == 404 and error_of(r)["fields"] == {"reporter": "no such user"}
    r = api.post("/incidents", agent, json={**REPORT, "reporter": 7})
    assert r.status_code == 400 and "reporter" in error_of(r)["fields"]
    assert count(s, Incident) == before
    r = api.post("/incidents", subscriber, json={**REPORT, "reporter": "zhang.wei"})
    assert r.status_code == 201


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"title", "service"}),
        ({**REPORT, "title": ""}, {"title"}),
        ({**REPORT, "service": "pager", "category": "outage", "area": "moon"}, {"service", "category", "area"}),
        ({**REPORT, "title": ["列表"], "priority": 3}, {"title", "priority"}),
        ({**REPORT, "colour": "红"}, {"colour"}),
    ],
)
def test_create_bad_fields_save_nothing(api, s, subscriber, body, fields):
    before = (count(s, Incident), count(s, IncidentEvent))
    r = api.post("/incidents", subscriber, json=body)
    assert r.status_code == 400
    assert set(error_of(r)["fields"]) == fields
    assert (count(s, Incident), count(s, IncidentEvent)) == before


def test_subscriber_sees_only_their_own(api, subscriber, agent):
    mine = factories.incident(subscriber)
    other_user = factories.user(Role.USER, "zhao.min", display_name="赵敏")
    theirs = factories.incident(other_user, title="户户通没有信号")
    assert api.get(f"/incidents/{mine.id}", subscriber).status_code == 200
    r = api.get(f"/incidents/{theirs.id}", subscriber)
    assert r.status_code == 404 and error_of(r)["code"] == "not_found"
    assert api.post(f"/incidents/{theirs.id}/reopen", subscriber, json={"reason": "想看看"}).status_code == 404
    assert api.get(f"/incidents/{theirs.id}/suggestions", subscriber).status_code == 404
    body = api.get("/incidents", subscriber).get_json()
    assert [i["id"] for i in body["items"]] == [mine.id] and body["total"] == 1
    assert api.get("/incidents", agent).get_json()["total"] == 2


def test_list_filters_and_paging(api, agent, subscriber):
    a = factories.incident(agent, reporter=subscriber, title="IPTV 花屏", service="iptv", area="township",
                           customer_account="ZJ-001")
    b = factories.incident(agent, reporter=subscriber, title="宽带拨号 691")
    c = factories.incident(agent, reporter=subscriber, title="光猫 LOS 红灯")
    api.post(f"/incidents/{b.id}/assign", agent, json={"assignee": "li.na"})
    api.post(f"/incidents/{c.id}/resolve", agent, json={"note": "已处理"})

    def ids(**query: str) -> list[int]:
        r = api.get("/incidents", agent, query=query)
        assert r.status_code == 200, r.get_json()
        return [i["id"] for i in r.get_json()["items"]]

    assert set(ids()) == {a.id, b.id, c.id}
    assert ids(status="assigned") == [b.id]
    assert set(ids(status="new,resolved")) == {a.id, c.id}
    assert ids(assignee="li.na") == [b.id] == ids(assignee="me")
    assert set(ids(assignee="none")) == {a.id, c.id}
    assert ids(assignee="nobody") == []
    assert ids(area="township") == [a.id]
    assert ids(service="iptv") == [a.id]
    assert ids(q="691") == [b.id]
    assert ids(q="zj-0") == [a.id]
    assert ids(q=b.number or "") == [b.id]
    assert ids(q="100%_") == []
    assert ids(category="fault", area="urban", status="resolved") == [c.id]
    page = api.get("/incidents", agent, query={"per_page": 2, "page": 2}).get_json()
    assert page["total"] == 3 and page["page"] == 2 and page["per_page"] == 2 and len(page["items"]) == 1
    item = page["items"][0]
    assert {"id", "number", "title", "status", "assignee", "reporter", "sla", "created_at"} <= set(item)
    for query, field in (({"status": "open"}, "status"), ({"area": "城区"}, "area"), ({"per_page": "1000"}, "per_page"),
                         ({"page": "-1"}, "page"), ({"assignee": "a\x00b"}, "assignee")):
        r = api.get("/incidents", agent, query=query)
        assert r.status_code == 400 and field in error_of(r)["fields"], query


def test_assign_start_pend_resume_escalate(api, s, agent, lead, subscriber):
    inc = factories.incident(subscriber)
    r = api.post(f"/incidents/{inc.id}/assign", agent, json={"assignee": "li.na"})
    assert r.status_code == 200 and r.get_json()["assignee"] == "li.na" and r.get_json()["status"] == "assigned"
    assert api.post(f"/incidents/{inc.id}/start", agent).get_json()["status"] == "in_progress"
    r = api.post(f"/incidents/{inc.id}/pend", agent, json={"reason": "  "})
    assert r.status_code == 400 and "reason" in error_of(r)["fields"]
    r = api.post(f"/incidents/{inc.id}/pend", agent, json={"reason": "等待用户在家"})
    assert r.get_json()["status"] == "pending" and r.get_json()["history"][-1]["note"] == "等待用户在家"
    assert api.post(f"/incidents/{inc.id}/resume", agent).get_json()["status"] == "in_progress"
    r = api.post(f"/incidents/{inc.id}/escalate", agent, json={"tier": 2, "reason": "需要 OLT 侧排查",
                                                            "assignee": "wang.qiang"})
    assert r.status_code == 200
    body = r.get_json()
    assert body["tier"] == 2 and body["assignee"] == "wang.qiang" and body["status"] == "assigned"
    r = api.post(f"/incidents/{inc.id}/assign", agent, json={"assignee": None})
    assert r.status_code == 200 and r.get_json()["assignee"] is None


def test_workflow_refusals(api, s, agent, subscriber):
    inc = factories.incident(subscriber)
    before = count(s, IncidentEvent)
    cases = [
        ("assign", {"assignee": "zhang.wei"}, 400, "assignee"),  # not staff
        ("assign", {"assignee": "ghost"}, 404, "assignee"),
        ("assign", {}, 400, "assignee"),
        ("assign", {"assignee": 5}, 400, "assignee"),
        ("escalate", {"tier": "2", "reason": "升级"}, 400, "tier"),
        ("escalate", {"tier": True, "reason": "升级"}, 400, "tier"),
        ("escalate", {"tier": 1, "reason": "升级"}, 400, "tier"),
        ("escalate", {"tier": 9, "reason": "升级"}, 400, "tier"),
        ("escalate", {"tier": 3}, 400, "reason"),
        ("resolve", {"note": ""}, 400, "note"),
        ("resolve", {"note": "好了", "extra": 1}, 400, "extra"),
        ("verify", {"accepted": "yes"}, 400, "accepted"),
        ("verify", {"accepted": True, "rating": 4.5}, 400, "rating"),
    ]
    for action, body, status, field in cases:
        r = api.post(f"/incidents/{inc.id}/{action}", agent, json=body)
        assert r.status_code == status, (action, body, r.get_json())
        assert field in error_of(r)["fields"], (action, body)
    r = api.post(f"/incidents/{inc.id}/resume", agent)
    assert r.status_code == 409 and error_of(r)["code"] == "invalid_transition"
    r = api.post(f"/incidents/{inc.id}/start", subscriber)
    assert r.status_code == 403
    assert count(s, IncidentEvent) == before
    assert api.get(f"/incidents/{inc.id}", agent).get_json()["status"] == "new"


def test_link_solution_checks(api, s, agent, lead, subscriber):
    inc = factories.incident(subscriber)
    procedure = factories.article(agent, type="procedure", title="报修流程", body="正文")
    for body, status, field in (({"article_id": "1"}, 400, "article_id"), ({"article_id": None}, 400, "article_id"),
                                ({}, 400, "article_id"), ({"article_id": 999999}, 404, "article_id"),
                                ({"article_id": 10**30}, 404, "article_id"),
                                ({"article_id": procedure.id}, 400, "article_id")):
        r = api.put(f"/incidents/{inc.id}/solution", agent, json=body)
        assert r.status_code == status, body
        assert field in error_of(r)["fields"]
    sol = factories.approved_article(agent, lead)
    internal = factories.approved_article(agent, lead, title="OLT 板卡更换", visibility="internal")
    assert api.put(f"/incidents/{inc.id}/solution", subscriber, json={"article_id": sol.id}).status_code == 403
    assert api.put(f"/incidents/{inc.id}/solution", subscriber, json={"article_id": internal.id}).status_code == 404
    assert api.get(f"/incidents/{inc.id}", agent).get_json()["solution_id"] is None
    r = api.put(f"/incidents/{inc.id}/solution", agent, json={"article_id": sol.id})
    assert r.get_json()["solution_id"] == sol.id
    r = api.put(f"/incidents/{inc.id}/solution", agent, json={"article_id": internal.id})
    assert r.get_json()["solution_id"] == internal.id
    # The subscriber learns a solution is linked, not the internal article's title.
    seen = api.get(f"/incidents/{inc.id}", subscriber).get_json()
    assert seen["solution"] == {"id": internal.id, "title": None, "status": "approved"}


def test_callback_verification_reject_and_reopen(api, s, agent, lead, subscriber):
    sol = factories.approved_article(agent, lead)
    inc = factories.resolved_incident(agent, subscriber, sol)
    r = api.post(f"/incidents/{inc.id}/verify", agent, json={"accepted": True})
    assert r.status_code == 400 and "method" in error_of(r)["fields"]
    r = api.post(f"/incidents/{inc.id}/verify", subscriber, json={"accepted": True, "method": "callback"})
    assert r.status_code == 403
    assert count(s, Verification) == 0
    r = api.post(f"/incidents/{inc.id}/verify", subscriber, json={"accepted": False, "rating": 2})
    assert r.status_code == 400 and "comment" in error_of(r)["fields"]
    r = api.post(f"/incidents/{inc.id}/verify", subscriber, json={"accepted": False, "comment": "还是很慢"})
    assert r.status_code == 200 and r.get_json()["status"] == "in_progress"
    api.post(f"/incidents/{inc.id}/resolve", agent, json={"note": "更换光猫"})
    r = api.post(f"/incidents/{inc.id}/verify", agent,
                 json={"accepted": True, "rating": 5, "comment": "回访：已恢复", "method": "callback"})
    assert r.status_code == 200 and r.get_json()["verifications"][-1]["method"] == "callback"
    assert r.get_json()["verifications"][-1]["by"] == "li.na"
    assert api.post(f"/incidents/{inc.id}/close", agent).get_json()["status"] == "closed"
    r = api.post(f"/incidents/{inc.id}/close", agent)
    assert r.status_code == 409 and error_of(r)["code"] == "already_closed"
    r = api.post(f"/incidents/{inc.id}/reopen", subscriber, json={})
    assert r.status_code == 400 and "reason" in error_of(r)["fields"]
    r = api.post(f"/incidents/{inc.id}/reopen", subscriber, json={"reason": "又断网了"})
    assert r.status_code == 200
    body = r.get_json()
    assert body["status"] == "in_progress" and body["verified"] is False and body["reopen_count"] == 2


def test_suggestions(api, agent, lead, subscriber):
    sol = factories.approved_article(agent, lead)
    factories.approved_article(agent, lead, title="有线电视马赛克", services=["cable_tv"], symptom="画面马赛克",
                               tags=["马赛克"], fault_codes=[])
    inc = factories.incident(subscriber)
    r = api.get(f"/incidents/{inc.id}/suggestions", agent)
    assert r.status_code == 200
    items = r.get_json()["items"]
    assert items and items[0]["id"] == sol.id
    assert {"id", "title", "type", "status", "score", "highlights"} <= set(items[0])
    assert api.get(f"/incidents/{inc.id}/suggestions", subscriber).status_code == 200


def test_unknown_incident_is_404(api, agent):
    for method, path in (("GET", "/incidents/424242"), ("POST", "/incidents/424242/close"),
                         ("PUT", "/incidents/424242/solution"), ("GET", "/incidents/99999999999999999999")):
        r = api.call(method, path, agent, json={"article_id": 1} if method == "PUT" else None)
        assert r.status_code == 404 and error_of(r)["code"] == "not_found", path
