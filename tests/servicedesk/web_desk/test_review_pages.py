"""The technical lead's pages: the queue, the review form and its refusals, history, retiring."""

from __future__ import annotations

from kb import services as kb
from kb.actors import Role
from kb.models import Review
from kb.workflow import ArticleStatus, RevisionStatus
from tests import factories
from tests.servicedesk.web_desk.conftest import text


def _submitted(author, **overrides):
    art = factories.article(author, **overrides)
    kb.submit_article(factories.db.session(), art, author)
    return art


def test_review_queue_shows_type_author_time_and_linked_incidents(s, page, agent, lead, subscriber):
    art = _submitted(agent)
    inc = factories.incident(agent, reporter=subscriber)
    factories.incident_services.link_solution(s, inc, agent, art)
    body = text(page(lead).get("/kb/review"))
    assert art.latest.title in body
    assert "Solution" in body and "李娜" in body
    assert 'Linked incidents: <strong>1</strong>' in body


def test_review_pages_are_for_leads_only(s, page, agent, admin):
    art = _submitted(agent)
    for user in (agent, admin):
        client = page(user)
        assert client.get("/kb/review").status_code == 403
        assert client.get(f"/kb/{art.id}/review").status_code == 403
        assert client.post(f"/kb/{art.id}/review", data={"decision": "approve"}).status_code == 403
    assert page(None).get("/kb/review").status_code == 302  # visitors are sent to log in


def test_lead_cannot_review_own_article(s, page, lead):
    art = _submitted(lead)
    client = page(lead)
    r = client.get(f"/kb/{art.id}/review")
    assert r.status_code == 403
    assert "You cannot review this article: you are its author." in text(r)
    assert 'name="decision"' not in text(r)
    r = client.post(f"/kb/{art.id}/review",
                    data={"content_ok": "y", "form_ok": "y", "decision": "approve", "comment": "自己批准"})
    assert r.status_code == 403
    assert "Authors never review their own articles; ask another technical lead." in text(r)
    s.expire_all()
    assert art.status == ArticleStatus.IN_REVIEW
    assert s.query(Review).count() == 0


def test_approve_without_both_checks_rerenders_with_error_and_comment_kept(s, page, agent, lead):
    art = _submitted(agent)
    r = page(lead).post(f"/kb/{art.id}/review",
                        data={"content_ok": "y", "decision": "approve", "comment": "步骤清楚但标签需要再看"})
    assert r.status_code == 400
    body = text(r)
    assert "Approval needs both the content check and the form check." in body
    assert "步骤清楚但标签需要再看" in body
    assert 'id="content_ok" name="content_ok" type="checkbox" value="y" checked' in body or \
        ('name="content_ok"' in body and "checked" in body)
    s.expire_all()
    assert art.status == ArticleStatus.IN_REVIEW
    assert s.query(Review).count() == 0


def test_reject_without_reason_is_refused_then_with_reason_goes_back(s, page, agent, lead):
    art = _submitted(agent)
    client = page(lead)
    r = client.post(f"/kb/{art.id}/review", data={"decision": "reject", "comment": "  "})
    assert r.status_code == 400
    assert "A rejection needs a reason." in text(r)
    s.expire_all()
    assert art.status == ArticleStatus.IN_REVIEW

    r = client.post(f"/kb/{art.id}/review", data={"decision": "reject", "comment": "缺少光功率阈值"})
    assert r.status_code == 302
    s.expire_all()
    assert art.status == ArticleStatus.REJECTED
    # The author sees the reason, can edit and submit again.
    body = text(page(agent).get(f"/kb/{art.id}"))
    assert "缺少光功率阈值" in body and "Submit for review" in body


def test_review_without_decision_keeps_input(s, page, agent, lead):
    art = _submitted(agent)
    r = page(lead).post(f"/kb/{art.id}/review", data={"content_ok": "y", "comment": "保留我"})
    assert r.status_code == 400
    assert "Choose approve or reject." in text(r) and "保留我" in text(r)


def test_review_shows_changes_of_an_update_to_a_live_article(s, page, agent, lead):
    art = factories.approved_article(agent, lead)
    kb.update_article(s, art, agent, {"steps": "1. 检查尾纤\n2. 更换光猫"})
    kb.submit_article(s, art, agent)
    other = factories.user(Role.LEAD, "sun.lead", display_name="孙工")
    body = text(page(other).get(f"/kb/{art.id}/review"))
    assert "Changes from the live revision 1" in body
    assert "+ 2. 更换光猫" in body


def test_history_lists_revisions_and_reviews(s, page, agent, lead):
    art = factories.approved_article(agent, lead)
    kb.update_article(s, art, agent, {"title": "光猫 LOS 灯红色闪烁（修订）"})
    body = text(page(agent).get(f"/kb/{art.id}/history"))
    assert "Revision 2" in body and "Revision 1" in body
    assert "内容与表单均符合要求" in body and "王强" in body


def test_retire_is_for_leads_and_admins(s, page, agent, lead, admin):
    art = factories.approved_article(agent, lead)
    assert page(agent).post(f"/kb/{art.id}/retire").status_code == 403
    r = page(admin).post(f"/kb/{art.id}/retire")
    assert r.status_code == 302
    s.expire_all()
    assert art.status == ArticleStatus.RETIRED
    r = page(lead).post(f"/kb/{art.id}/retire", follow_redirects=True)
    assert "This article is already retired." in text(r)


def test_submit_twice_says_it_waits(s, page, agent):
    art = _submitted(agent)
    r = page(agent).post(f"/kb/{art.id}/submit", follow_redirects=True)
    assert "This revision is already waiting for review." in text(r)
    assert art.latest.status == RevisionStatus.IN_REVIEW
