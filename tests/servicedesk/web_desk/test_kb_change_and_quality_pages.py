"""Knowledge pages: change artefact fields, restoring a revision, quality signals, needs attention,
pictures by attachment name and plain-text search snippets."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO

from sqlalchemy import select

from kb import services as kb
from kb.models import Article, ArticleRevision
from kb.workflow import ArticleStatus, ChangeKind, RevisionStatus
from servicedesk.incidents import services as svc
from tests import factories
from tests.servicedesk.web_desk.conftest import plain, text
from tests.servicedesk.web_desk.test_access import PNG

CHANGE_FORM = {
    "title": "城西 OLT 割接方案", "body": "## 割接步骤\n1. 备份配置\n2. 倒换上联", "services": ["broadband"],
    "category": "割接", "tags": "割接, OLT", "visibility": "internal", "change_kind": "cutover_plan",
    "change_ref": "BG-2024-0518", "planned_start": "2024-05-20T01:00", "planned_end": "2024-05-20T05:00",
}


def _field_block(body: str, name: str) -> str:
    """The HTML of the form field named name, up to the next field."""
    start = body.index(f'name="{name}"')
    return body[body.rfind('<div class="field', 0, start):body.find('<div class="field', start)]


def test_change_fields_appear_only_on_the_change_form(s, page, agent):
    client = page(agent)
    change = text(client.get("/kb/new?type=change"))
    for name in ("change_kind", "change_ref", "planned_start", "planned_end", "body"):
        assert f'name="{name}"' in change, name
    assert 'name="symptom"' not in change
    for kind in ("solution", "procedure", "reference"):
        other = text(client.get(f"/kb/new?type={kind}"))
        assert 'name="change_ref"' not in other and 'name="planned_start"' not in other, kind


def test_write_a_change_artefact_and_read_it(s, page, agent):
    client = page(agent)
    r = client.post("/kb/new?type=change", data=CHANGE_FORM)
    assert r.status_code == 302, plain(r)[:500]
    art = s.scalar(select(Article).order_by(Article.id.desc()))
    rev = art.latest
    assert rev.change_kind == ChangeKind.CUTOVER_PLAN and rev.change_ref == "BG-2024-0518"
    assert rev.planned_end - rev.planned_start == timedelta(hours=4)
    body = plain(client.get(f"/kb/{art.id}"))
    assert "Cut-over plan" in body and "BG-2024-0518" in body and "Planned window" in body
    # The edit form shows the window as it was typed, in the desk's local time.
    edit = text(client.get(f"/kb/{art.id}/edit"))
    assert 'value="2024-05-20T01:00"' in edit and 'value="2024-05-20T05:00"' in edit
    assert re.search(r'<option selected value="cutover_plan">|<option value="cutover_plan" selected>', edit)


def test_window_ending_before_it_starts_is_shown_beside_the_field_with_the_text_kept(s, page, agent):
    before = s.query(Article).count()
    r = page(agent).post("/kb/new?type=change", data={**CHANGE_FORM, "planned_end": "2024-05-19T23:00"})
    assert r.status_code == 400
    body = text(r)
    assert "The planned window must end after it starts." in _field_block(body, "planned_end")
    assert 'value="2024-05-19T23:00"' in body and "BG-2024-0518" in body and "城西 OLT 割接方案" in body
    assert s.query(Article).count() == before


def test_change_page_in_chinese(s, page, agent):
    client = page(agent)
    client.set_cookie("lang", "zh_Hans_CN")
    r = client.post("/kb/new?type=change", data={**CHANGE_FORM, "planned_end": "2024-05-19T23:00"})
    assert "计划时间窗口的结束时间必须晚于开始时间。" in text(r)
    body = text(client.get("/kb/new?type=change"))
    assert "变更单号" in body and "割接方案" in body and "计划开始" in body


def test_restore_an_old_revision_from_the_history_page(s, page, agent, lead):
    art = factories.approved_article(agent, lead)
    kb.update_article(s, art, agent, {"steps": "1. 直接更换光猫"})
    kb.submit_article(s, art, agent)
    kb.review_article(s, art, lead, content_ok=True, form_ok=True, decision="approve", comment="可以")
    client = page(agent)
    history = text(client.get(f"/kb/{art.id}/history"))
    # The old revision can come back; the live one is what Edit starts from, so it has no restore button.
    assert history.count("Restore as new draft") == 1
    assert "Restore revision 2 as a new draft?" not in history
    assert 'data-confirm="Restore revision 1 as a new draft?' in history
    version = re.search(r'name="version" type="hidden" value="(\d+)"', history).group(1)
    r = client.post(f"/kb/{art.id}/history/1/restore", data={"version": version})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/kb/{art.id}/edit")
    s.expire_all()
    draft = art.latest
    assert draft.number == 3 and draft.status == RevisionStatus.DRAFT
    assert draft.steps == factories.SOLUTION["steps"]
    assert art.live_revision.number == 2 and art.status == ArticleStatus.APPROVED
    assert "Revision 1 restored as draft revision 3." in plain(client.get(r.headers["Location"]))


def test_restore_is_refused_to_those_who_cannot_edit(s, page, agent, lead, subscriber):
    art = factories.approved_article(agent, lead)
    kb.update_article(s, art, agent, {"steps": "1. 直接更换光猫"})
    assert page(subscriber).post(f"/kb/{art.id}/history/1/restore").status_code == 403
    assert page(None).post(f"/kb/{art.id}/history/1/restore").status_code == 302  # to the login page
    # A stale page (someone saved meanwhile) is told, not overwritten.
    r = page(agent).post(f"/kb/{art.id}/history/1/restore", data={"version": "999"}, follow_redirects=True)
    assert "Someone else saved this article meanwhile" in plain(r)
    kb.retire_article(s, art, lead)
    client = page(agent)
    assert "Restore as new draft" not in text(client.get(f"/kb/{art.id}/history"))
    r = client.post(f"/kb/{art.id}/history/1/restore", follow_redirects=True)
    assert "This article is retired and can no longer be edited." in plain(r)
    s.expire_all()
    assert s.query(ArticleRevision).filter_by(article_id=art.id).count() == 2


def _weak_solution(s, agent, lead, subscriber):
    weak = factories.approved_article(agent, lead, title="光猫重启临时处理")
    factories.closed_incident(agent, subscriber, weak)
    reopened = factories.resolved_incident(agent, subscriber, weak)
    svc.verify_incident(s, reopened, subscriber, accepted=False, comment="还是不行")
    return weak


def test_review_queue_shows_quality_signals(s, page, agent, lead, subscriber):
    weak = _weak_solution(s, agent, lead, subscriber)
    weak.view_count, weak.helpful_count = 7, 3
    kb.update_article(s, weak, agent, {"steps": "1. 先查收光\n2. 再重启"})
    kb.submit_article(s, weak, agent)
    body = plain(page(lead).get("/kb/review"))
    signals = " ".join(body.split())
    assert "Incidents solved 1" in signals and "Reopened 1" in signals
    assert "Views 7" in signals and "Helpful votes 3" in signals
    assert "Articles that need attention" in body


def test_needs_attention_lists_a_reopened_solution_for_leads_only(s, page, agent, lead, subscriber):
    weak = _weak_solution(s, agent, lead, subscriber)
    good = factories.approved_article(agent, lead, title="机顶盒无信号处理")
    factories.closed_incident(agent, factories.user(factories.Role.USER, "liu.fang", display_name="刘芳"), good)
    r = page(lead).get("/kb/attention")
    assert r.status_code == 200
    body = plain(r)
    assert "光猫重启临时处理" in body and "1 incident it solved was reopened." in body
    assert "机顶盒无信号处理" not in body
    assert page(agent).get("/kb/attention").status_code == 403
    assert page(subscriber).get("/kb/attention").status_code == 403
    assert weak.id


def test_a_picture_by_attachment_name_shows_that_attachment(s, page, agent, lead, subscriber):
    body = "网络拓扑见下图：\n\n![拓扑图](topology.png)\n\n![外部](http://example.com/x.png) ![别的](other.png)"
    art = factories.approved_article(agent, lead, type="reference", title="城西片区网络拓扑", body=body,
                                     symptom="", cause="", steps="")
    page(agent).post(f"/kb/{art.id}/files", data={"file": (BytesIO(PNG), "topology.png")},
                     content_type="multipart/form-data")
    s.expire_all()
    [att] = art.attachments
    html = text(page(subscriber).get(f"/kb/{art.id}"))
    assert f'<img alt="拓扑图" src="/kb/{art.id}/files/{att.id}">' in html
    assert "example.com" not in html
    assert '<img alt="别的">' in html and '<img alt="外部">' in html
    # Another article cannot show this article's picture by naming it.
    other = factories.approved_article(agent, lead, type="reference", title="别的拓扑", body="![x](topology.png)",
                                       symptom="", cause="", steps="")
    assert f"/files/{att.id}" not in text(page(subscriber).get(f"/kb/{other.id}"))


def test_search_snippets_read_as_text(s, page, agent, lead):
    factories.approved_article(agent, lead, title="宽带拨号错误处理", symptom="", cause="", steps="",
                               type="procedure", fault_codes=[],
                               body="## 处理\n\n**拨号 691** 表示账号或密码错误。\n\n"
                                    "| 代码 | 含义 |\n|---|---|\n| 691 | 密码错误 |")
    body = text(page(None).get("/kb/search?q=691"))
    joined = " ".join(re.findall(r'<p class="small">(.*?)</p>', body, re.S))
    assert "<mark>691</mark>" in joined and "表示账号或密码错误" in joined
    assert "**" not in joined and "|" not in joined and "##" not in joined
    highlights = " ".join(page(None).get("/api/v1/search?q=691").get_json()["items"][0]["highlights"])
    assert "<mark>691</mark>" in highlights and "**" not in highlights
