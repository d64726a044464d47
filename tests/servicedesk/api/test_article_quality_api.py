"""Revision diffs and restore, quality signals, the needs-attention list and helpful votes over HTTP."""

from __future__ import annotations

from kb.models import ArticleRevision
from servicedesk.incidents import services as svc
from tests import factories
from tests.servicedesk.api.helpers import check_schema, count, error_of

NEW_STEPS = "1. 检查尾纤是否弯折\n2. 用光功率计测量收光\n3. 收光低于 -27 dBm 时更换尾纤"


def _second_revision(api, article, agent, lead) -> None:
    api.patch(f"/articles/{article.id}", agent, json={"steps": NEW_STEPS, "tags": ["光猫", "LOS", "尾纤"]})
    api.post(f"/articles/{article.id}/submit", agent)
    r = api.post(f"/articles/{article.id}/review", lead, json={"content_ok": True, "form_ok": True,
                                                               "decision": "approve", "comment": "步骤更完整"})
    assert r.get_json()["revision"] == 2


def test_diff_between_two_revisions(api, agent, lead, subscriber):
    a = factories.approved_article(agent, lead)
    _second_revision(api, a, agent, lead)
    r = api.get(f"/articles/{a.id}/revisions/1/diff/2", agent)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["from"] == 1 and body["to"] == 2
    changed = {f["field"]: f["lines"] for f in body["fields"]}
    assert set(changed) == {"steps", "tags"}
    assert changed["steps"] == [
        {"op": " ", "text": "1. 检查尾纤是否弯折"}, {"op": " ", "text": "2. 用光功率计测量收光"},
        {"op": "-", "text": "3. 更换尾纤或重新熔接"}, {"op": "+", "text": "3. 收光低于 -27 dBm 时更换尾纤"}]
    assert {"op": "+", "text": "尾纤"} in changed["tags"]
    check_schema(api, r, "RevisionDiff")
    backwards = api.get(f"/articles/{a.id}/revisions/2/diff/1", agent).get_json()
    assert {"op": "-", "text": "尾纤"} in {f["field"]: f for f in backwards["fields"]}["tags"]["lines"]
    assert api.get(f"/articles/{a.id}/revisions/2/diff/2", agent).get_json()["fields"] == []
    r = api.get(f"/articles/{a.id}/revisions/1/diff/9", agent)
    assert r.status_code == 404 and error_of(r)["code"] == "not_found"
    assert api.get(f"/articles/{a.id}/revisions/1/diff/99999999999999", agent).status_code == 404
    assert api.get(f"/articles/{a.id}/revisions/1/diff/2", subscriber).status_code == 403
    internal = factories.approved_article(agent, lead, visibility="internal", title="内部")
    assert api.get(f"/articles/{internal.id}/revisions/1/diff/1", subscriber).status_code == 404


def test_restore_an_old_revision_as_a_new_draft(api, s, agent, lead, subscriber):
    a = factories.approved_article(agent, lead)
    _second_revision(api, a, agent, lead)
    version = api.get(f"/articles/{a.id}", agent).get_json()["version"]
    r = api.post(f"/articles/{a.id}/revisions/1/restore", agent, json={"version": version + 5})
    assert r.status_code == 409 and error_of(r)["code"] == "edit_conflict"
    assert count(s, ArticleRevision) == 2
    r = api.post(f"/articles/{a.id}/revisions/1/restore", agent, json={"version": version})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    # The approved revision 2 stays live; revision 3 is a draft with revision 1's content.
    assert body["status"] == "approved" and body["revision"] == 2 and body["steps"] == NEW_STEPS
    assert body["pending_revision"]["number"] == 3 and body["pending_revision"]["status"] == "draft"
    assert body["pending_revision"]["steps"] == factories.SOLUTION["steps"]
    assert api.get(f"/articles/{a.id}", subscriber).get_json()["steps"] == NEW_STEPS
    api.post(f"/articles/{a.id}/submit", agent)
    r = api.post(f"/articles/{a.id}/revisions/2/restore", agent)
    assert r.status_code == 409 and error_of(r)["code"] == "article_in_review"
    assert api.post(f"/articles/{a.id}/revisions/7/restore", agent).status_code == 404
    assert api.post(f"/articles/{a.id}/revisions/1/restore", subscriber).status_code == 403
    r = api.post(f"/articles/{a.id}/revisions/1/restore", agent, json={"note": "恢复"})
    assert r.status_code == 400 and "note" in error_of(r)["fields"]
    assert count(s, ArticleRevision) == 3


def test_signals_and_needs_attention(api, s, agent, lead, subscriber):
    good = factories.approved_article(agent, lead)
    weak = factories.approved_article(agent, lead, title="光猫重启临时处理")
    neighbour = factories.user(factories.Role.USER, "liu.fang", display_name="刘芳")
    factories.closed_incident(agent, neighbour, good)
    factories.closed_incident(agent, subscriber, weak)
    factories.incident(agent, reporter=subscriber, title="又断网了")  # reported again within 30 days
    reopened = factories.resolved_incident(agent, subscriber, weak)
    svc.verify_incident(s, reopened, subscriber, accepted=False, comment="还是不行")
    r = api.get(f"/articles/{weak.id}", agent)
    assert r.get_json()["signals"] == {"linked": 2, "solved": 1, "reopened": 1, "reported_again": 1, "views": 0,
                                       "helpful": 0}
    assert r.get_json()["incident_count"] == 2
    check_schema(api, r, "Article")
    seen = api.get(f"/articles/{weak.id}", subscriber).get_json()
    assert seen["signals"] is None and seen["incident_count"] == 2
    r = api.get("/articles/needs-attention", agent)
    assert r.status_code == 200
    items = r.get_json()["items"]
    assert [i["id"] for i in items] == [weak.id] and items[0]["signals"]["reopened"] == 1
    assert items[0]["title"] == "光猫重启临时处理"
    check_schema(api, r, "NeedsAttentionList")
    assert api.get("/articles/needs-attention", agent, query={"limit": "1"}).get_json()["total"] == 1
    r = api.get("/articles/needs-attention", agent, query={"limit": "0"})
    assert r.status_code == 400 and "limit" in error_of(r)["fields"]
    assert api.get("/articles/needs-attention", subscriber).status_code == 403
    assert api.get("/articles/needs-attention").status_code == 401


def test_helpful_votes_from_anyone_who_may_read(api, s, agent, lead, subscriber):
    public = factories.approved_article(agent, lead)
    internal = factories.approved_article(agent, lead, title="内部处理规范", visibility="internal")
    draft = factories.article(agent, title="草稿")
    r = api.post(f"/articles/{public.id}/helpful")
    assert r.status_code == 200 and r.get_json() == {"id": public.id, "helpful": 1}
    check_schema(api, r, "Helpful")
    assert api.post(f"/articles/{public.id}/helpful", subscriber).get_json()["helpful"] == 2
    assert api.post(f"/articles/{internal.id}/helpful", agent).get_json()["helpful"] == 1
    for who, article in ((subscriber, internal), (None, internal), (None, draft)):
        r = api.post(f"/articles/{article.id}/helpful", who)
        assert r.status_code == 404 and error_of(r)["code"] == "not_found"
    r = api.post(f"/articles/{public.id}/helpful", subscriber, json={"helpful": False})
    assert r.status_code == 400 and "helpful" in error_of(r)["fields"]
    assert api.post("/articles/424242/helpful", subscriber).status_code == 404
    assert api.get(f"/articles/{public.id}", agent).get_json()["signals"]["helpful"] == 2
    assert api.get(f"/articles/{internal.id}", agent).get_json()["signals"]["helpful"] == 1
