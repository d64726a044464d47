"""Articles over HTTP: writing, editing with revisions, review rules, retiring, listing, visibility."""

from __future__ import annotations

from kb.models import Article, ArticleRevision, Review
from tests import factories
from tests.servicedesk.api.helpers import count, error_of

PROCEDURE = {
    "type": "procedure", "title": "用户报修处理程序", "body": "## 受理\n96200 热线受理后 30 分钟内响应。",
    "services": ["broadband", "iptv"], "category": "制度", "tags": ["报修", "流程"], "visibility": "internal",
}


def test_create_and_read(api, agent):
    r = api.post("/articles", agent, json=PROCEDURE)
    assert r.status_code == 201
    a = r.get_json()
    for key in ("id", "type", "title", "body", "symptom", "cause", "steps", "services", "category", "tags",
                "fault_codes", "visibility", "status", "author", "created_at", "updated_at", "incident_count",
                "reviews", "version"):
        assert key in a, key
    assert a["status"] == "draft" and a["author"] == "li.na" and a["services"] == ["broadband", "iptv"]
    assert a["reviews"] == [] and a["incident_count"] == 0 and a["pending_revision"] is None
    assert a["created_at"].endswith("+00:00")
    got = api.get(f"/articles/{a['id']}", agent).get_json()
    assert got == a


def test_create_rejects_bad_fields_and_saves_nothing(api, s, agent):
    before = count(s, Article)
    r = api.post("/articles", agent, json={**PROCEDURE, "type": "faq", "services": ["pager"], "colour": "红"})
    assert r.status_code == 400
    err = error_of(r)
    assert {"type", "services", "colour"} <= set(err["fields"])
    r = api.post("/articles", agent, json={**PROCEDURE, "tags": 5})
    assert r.status_code == 400 and "tags" in error_of(r)["fields"]
    assert count(s, Article) == before


def test_subscriber_cannot_write(api, s, subscriber):
    r = api.post("/articles", subscriber, json=PROCEDURE)
    assert r.status_code == 403 and error_of(r)["code"] == "forbidden"
    assert count(s, Article) == 0


def test_patch_draft_and_optimistic_lock(api, agent):
    aid = api.post("/articles", agent, json=PROCEDURE).get_json()["id"]
    r = api.patch(f"/articles/{aid}", agent, json={"title": "用户报修处理程序（2024 版）", "version": 1})
    assert r.status_code == 200
    a = r.get_json()
    assert a["title"] == "用户报修处理程序（2024 版）" and a["version"] == 2
    r = api.patch(f"/articles/{aid}", agent, json={"title": "过期的修改", "version": 1})
    assert r.status_code == 409 and error_of(r)["code"] == "edit_conflict"
    r = api.patch(f"/articles/{aid}", agent, json={"title": "类型不对", "version": "2"})
    assert r.status_code == 400 and "version" in error_of(r)["fields"]
    r = api.patch(f"/articles/{aid}", agent, json={"version": 2})
    assert r.status_code == 400 and error_of(r)["fields"] == {"body": "nothing to change"}
    assert api.get(f"/articles/{aid}", agent).get_json()["title"] == "用户报修处理程序（2024 版）"


def test_editing_approved_article_opens_revision_and_keeps_live(api, s, agent, lead, subscriber):
    live = factories.approved_article(agent, lead)
    r = api.patch(f"/articles/{live.id}", agent, json={"steps": "1. 先测收光\n2. 更换尾纤"})
    assert r.status_code == 200
    a = r.get_json()
    assert a["status"] == "approved" and a["steps"] == factories.SOLUTION["steps"]
    assert a["revision"] == 1
    assert a["pending_revision"]["number"] == 2 and a["pending_revision"]["status"] == "draft"
    assert a["pending_revision"]["steps"] == "1. 先测收光\n2. 更换尾纤"
    assert count(s, ArticleRevision) == 2
    # Readers still get the approved text, and no hint of the draft.
    seen = api.get(f"/articles/{live.id}", subscriber).get_json()
    assert seen["steps"] == factories.SOLUTION["steps"] and seen["pending_revision"] is None
    # The new revision goes through review again.
    api.post(f"/articles/{live.id}/submit", agent)
    r = api.post(f"/articles/{live.id}/review", lead, json={"content_ok": True, "form_ok": True,
                                                         "decision": "approve", "comment": "步骤更清楚"})
    a = r.get_json()
    assert a["revision"] == 2 and a["steps"] == "1. 先测收光\n2. 更换尾纤" and a["pending_revision"] is None
    revs = api.get(f"/articles/{live.id}/revisions", agent).get_json()
    assert [(x["number"], x["status"]) for x in revs["items"]] == [(2, "approved"), (1, "superseded")]
    assert revs["total"] == 2 and revs["page"] == 1


def test_author_cannot_review_own_article(api, s, lead):
    a = factories.article(lead)
    api.post(f"/articles/{a.id}/submit", lead)
    before = count(s, Review)
    r = api.post(f"/articles/{a.id}/review", lead,
                 json={"content_ok": True, "form_ok": True, "decision": "approve", "comment": "自己批准"})
    assert r.status_code == 403 and error_of(r)["code"] == "own_article"
    assert count(s, Review) == before
    assert api.get(f"/articles/{a.id}", lead).get_json()["status"] == "in_review"


def test_approve_needs_both_checks(api, s, agent, lead):
    a = factories.article(agent)
    api.post(f"/articles/{a.id}/submit", agent)
    r = api.post(f"/articles/{a.id}/review", lead,
                 json={"content_ok": True, "form_ok": False, "decision": "approve", "comment": "标签不全"})
    assert r.status_code == 400 and "decision" in error_of(r)["fields"]
    r = api.post(f"/articles/{a.id}/review", lead, json={"content_ok": "yes", "form_ok": True, "decision": "approve"})
    assert r.status_code == 400 and "content_ok" in error_of(r)["fields"]
    assert count(s, Review) == 0
    r = api.post(f"/articles/{a.id}/review", lead,
                 json={"content_ok": True, "form_ok": False, "decision": "reject", "comment": "请补充故障代码"})
    assert r.status_code == 200 and r.get_json()["status"] == "rejected"
    assert r.get_json()["reviews"][0]["decision"] == "reject"


def test_agent_cannot_review(api, agent, lead):
    a = factories.article(lead)
    api.post(f"/articles/{a.id}/submit", lead)
    r = api.post(f"/articles/{a.id}/review", agent, json={"content_ok": True, "form_ok": True, "decision": "approve"})
    assert r.status_code == 403


def test_submit_twice_is_a_conflict(api, agent):
    a = factories.article(agent)
    assert api.post(f"/articles/{a.id}/submit", agent).status_code == 200
    r = api.post(f"/articles/{a.id}/submit", agent)
    assert r.status_code == 409 and error_of(r)["code"] == "already_in_review"


def test_retire(api, agent, lead, subscriber):
    a = factories.approved_article(agent, lead)
    assert api.post(f"/articles/{a.id}/retire", agent).status_code == 403
    r = api.post(f"/articles/{a.id}/retire", lead)
    assert r.status_code == 200 and r.get_json()["status"] == "retired" and r.get_json()["retired_at"]
    assert api.get(f"/articles/{a.id}", subscriber).status_code == 404
    r = api.patch(f"/articles/{a.id}", agent, json={"title": "复活"})
    assert r.status_code == 409 and error_of(r)["code"] == "article_retired"


def test_subscribers_and_visitors_see_only_approved_public(api, agent, lead, subscriber):
    draft = factories.article(agent)
    internal = factories.approved_article(agent, lead, title="OLT 割接方案", visibility="internal")
    public = factories.approved_article(agent, lead)
    for who in (subscriber, None):
        assert api.get(f"/articles/{draft.id}", who).status_code == 404
        assert api.get(f"/articles/{internal.id}", who).status_code == 404
        r = api.get(f"/articles/{public.id}", who)
        assert r.status_code == 200 and r.get_json()["title"] == factories.SOLUTION["title"]
    assert api.get(f"/articles/{internal.id}", agent).status_code == 200
    assert api.get(f"/articles/{public.id}/revisions", subscriber).status_code == 403
    assert api.get(f"/articles/{draft.id}/revisions", subscriber).status_code == 404


def test_list_for_staff_with_filters(api, agent, lead, subscriber):
    factories.article(agent, title="光猫 PON 灯熄灭")
    factories.approved_article(agent, lead, title="IPTV 花屏处理", services=["iptv"])
    factories.article(lead, type="procedure", title="宽带网维护抢修规范", body="抢修规范正文")
    r = api.get("/articles", agent)
    assert r.status_code == 200
    body = r.get_json()
    assert body["total"] == 3 and body["page"] == 1 and body["per_page"] == 20 and len(body["items"]) == 3
    r = api.get("/articles", agent, query={"status": "draft", "type": "solution"})
    assert [x["title"] for x in r.get_json()["items"]] == ["光猫 PON 灯熄灭"]
    r = api.get("/articles", agent, query={"author": "wang.qiang"})
    assert [x["type"] for x in r.get_json()["items"]] == ["procedure"]
    r = api.get("/articles", agent, query={"per_page": 2, "page": 2})
    assert r.get_json()["total"] == 3 and len(r.get_json()["items"]) == 1
    r = api.get("/articles", agent, query={"status": "bogus", "per_page": 0})
    assert r.status_code == 400 and set(error_of(r)["fields"]) == {"status", "per_page"}
    r = api.get("/articles", agent, query={"status": "bogus"})
    assert r.status_code == 400 and set(error_of(r)["fields"]) == {"status"}
    assert api.get("/articles", subscriber).status_code == 403


def test_unknown_article_is_404(api, agent):
    for path in ("/articles/999999", "/articles/99999999999999999999999", "/articles/0"):
        r = api.get(path, agent)
        assert r.status_code == 404 and error_of(r)["code"] == "not_found"
    assert api.post("/articles/999999/submit", agent).status_code == 404
    assert api.patch("/articles/999999", agent, json={"title": "无"}).status_code == 404
