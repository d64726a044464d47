"""Revision history: diffs between any two revisions, and restoring an old one as a new draft."""

from __future__ import annotations

import pytest

from kb import services as kb
from kb.diff import diff_revisions
from kb.errors import NotFound
from kb.workflow import ArticleStatus, RevisionStatus
from tests import factories


def test_diff_shows_only_changed_fields_line_by_line(s, agent, lead):
    a = factories.approved_article(agent, lead)
    kb.update_article(s, a, agent, {"steps": "1. 检查尾纤是否弯折\n2. 用 OTDR 测量断点\n3. 更换尾纤或重新熔接",
                                    "tags": ["光猫", "LOS", "OTDR"]})
    diffs = {d.field: d.lines for d in diff_revisions(a.revisions[0], a.revisions[1])}
    assert set(diffs) == {"steps", "tags"}
    assert ("-", "2. 用光功率计测量收光") in diffs["steps"]
    assert ("+", "2. 用 OTDR 测量断点") in diffs["steps"]
    assert (" ", "1. 检查尾纤是否弯折") in diffs["steps"]
    assert ("+", "OTDR") in diffs["tags"]


def test_restore_an_old_revision_as_a_new_draft(s, agent, lead):
    a = factories.approved_article(agent, lead)
    original_title = a.title
    kb.update_article(s, a, agent, {"title": "光猫 LOS 灯处理（错误修订）"})
    kb.submit_article(s, a, agent)
    other = factories.user(factories.Role.LEAD, "lead.three")
    kb.review_article(s, a, other, content_ok=True, form_ok=True, decision="approve")
    assert a.title == "光猫 LOS 灯处理（错误修订）"
    rev = kb.restore_revision(s, a, agent, 1)
    assert rev.number == 3 and rev.status == RevisionStatus.DRAFT and rev.title == original_title
    assert a.status == ArticleStatus.APPROVED and a.title == "光猫 LOS 灯处理（错误修订）"
    with pytest.raises(NotFound):
        kb.restore_revision(s, a, agent, 9)
