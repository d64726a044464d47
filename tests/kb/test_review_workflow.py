"""Writing, revising and reviewing articles."""

from __future__ import annotations

import pytest

from kb import services as kb
from kb.errors import Conflict, Forbidden, ValidationError
from kb.workflow import ArticleStatus, RevisionStatus
from tests import factories


def test_new_article_is_a_draft(agent):
    a = factories.article(agent)
    assert a.status == ArticleStatus.DRAFT
    assert a.latest.number == 1 and a.latest.status == RevisionStatus.DRAFT


def test_subscribers_do_not_write_articles(subscriber):
    with pytest.raises(Forbidden):
        factories.article(subscriber)


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "长" * 201}, "title"),
        ({"type": "faq"}, "type"),
        ({"visibility": "secret"}, "visibility"),
        ({"services": ["pager"]}, "services"),
        ({"tags": "not-a-list-but-ok", "services": 5}, "services"),
    ],
)
def test_bad_fields_are_named(agent, override, field):
    with pytest.raises(ValidationError) as exc:
        factories.article(agent, **override)
    assert field in exc.value.fields


def test_approval_needs_both_checks_and_not_the_author(s, agent, lead):
    a = factories.article(agent)
    kb.submit_article(s, a, agent)
    with pytest.raises(ValidationError) as exc:
        kb.review_article(s, a, lead, content_ok=True, form_ok=False, decision="approve")
    assert "decision" in exc.value.fields
    with pytest.raises(Forbidden):
        kb.review_article(s, a, agent, content_ok=True, form_ok=True, decision="approve")
    own = factories.article(lead, title="领导自己写的文章")
    kb.submit_article(s, own, lead)
    with pytest.raises(Forbidden) as exc2:
        kb.review_article(s, own, lead, content_ok=True, form_ok=True, decision="approve")
    assert exc2.value.code == "own_article"
    review = kb.review_article(s, a, lead, content_ok=True, form_ok=True, decision="approve", comment="通过")
    assert a.status == ArticleStatus.APPROVED
    assert review.revision is a.live_revision


def test_reject_needs_a_reason_and_returns_to_author(s, agent, lead):
    a = factories.article(agent)
    kb.submit_article(s, a, agent)
    with pytest.raises(ValidationError) as exc:
        kb.review_article(s, a, lead, content_ok=False, form_ok=True, decision="reject", comment="")
    assert "comment" in exc.value.fields
    kb.review_article(s, a, lead, content_ok=False, form_ok=True, decision="reject", comment="步骤不完整")
    assert a.status == ArticleStatus.REJECTED
    kb.update_article(s, a, agent, {"steps": "1. 检查尾纤\n2. 测光功率\n3. 更换光猫"})
    assert a.status == ArticleStatus.DRAFT
    kb.submit_article(s, a, agent)
    assert a.status == ArticleStatus.IN_REVIEW


def test_editing_an_approved_article_opens_a_revision_and_keeps_the_live_one(s, agent, lead):
    a = factories.approved_article(agent, lead)
    live = a.live_revision
    rev = kb.update_article(s, a, agent, {"title": "光猫 LOS 灯红色闪烁的处理（2024 修订）"})
    assert rev.number == 2 and rev.status == RevisionStatus.DRAFT
    assert a.status == ArticleStatus.APPROVED and a.live_revision is live
    assert a.title == live.title  # readers still see the approved one
    kb.submit_article(s, a, agent)
    other_lead = factories.user(factories.Role.LEAD, "lead.two")
    kb.review_article(s, a, other_lead, content_ok=True, form_ok=True, decision="approve")
    assert a.live_revision is rev
    assert live.status == RevisionStatus.SUPERSEDED
    assert a.title.endswith("（2024 修订）")


def test_reviews_are_bound_to_their_revision(s, agent, lead):
    a = factories.approved_article(agent, lead)
    first_reviews = list(a.live_revision.reviews)
    kb.update_article(s, a, agent, {"cause": "分光器端口故障"})
    assert a.working_revision is not None
    assert a.working_revision.reviews == []
    assert len(first_reviews) == 1


def test_editing_under_review_is_refused(s, agent):
    a = factories.article(agent)
    kb.submit_article(s, a, agent)
    with pytest.raises(Conflict) as exc:
        kb.update_article(s, a, agent, {"title": "新标题"})
    assert exc.value.code == "article_in_review"
    with pytest.raises(Conflict) as exc2:
        kb.submit_article(s, a, agent)
    assert exc2.value.code == "already_in_review"


def test_stale_edit_is_told_not_overwritten(s, agent):
    a = factories.article(agent)
    version = a.latest.version
    kb.update_article(s, a, agent, {"title": "第一次保存"}, expected_version=version)
    with pytest.raises(Conflict) as exc:
        kb.update_article(s, a, agent, {"title": "第二次保存"}, expected_version=version)
    assert exc.value.code == "edit_conflict"
    assert a.title == "第一次保存"


def test_retired_articles_cannot_be_edited(s, agent, lead):
    a = factories.approved_article(agent, lead)
    with pytest.raises(Forbidden):
        kb.retire_article(s, a, agent)
    kb.retire_article(s, a, lead)
    with pytest.raises(Conflict):
        kb.update_article(s, a, agent, {"title": "x"})


def test_review_queue_pages_oldest_first(s, agent):
    arts = [factories.article(agent, title=f"待审文章{i}") for i in range(3)]
    for a in arts:
        kb.submit_article(s, a, agent)
    assert kb.review_queue_count(s) == 3
    assert [r.article_id for r in kb.review_queue(s, limit=2)] == [arts[0].id, arts[1].id]
    assert [r.article_id for r in kb.review_queue(s, limit=2, offset=2)] == [arts[2].id]
