"""Writing and editing articles through the pages: fields per type, new revisions, edit conflicts."""

from __future__ import annotations

import re

from sqlalchemy import select

from kb import services as kb
from kb.models import Article
from kb.workflow import ArticleStatus, ArticleType
from tests import factories
from tests.servicedesk.web_desk.conftest import text


def _version(body: str) -> str:
    match = re.search(r'name="expected_version" type="hidden" value="(\d+)"', body) or \
        re.search(r'name="expected_version"[^>]*value="(\d+)"', body)
    assert match, "the edit form carries the revision version"
    return match.group(1)


def test_form_fits_the_type(s, page, agent):
    client = page(agent)
    solution = text(client.get("/kb/new?type=solution"))
    for name in ("symptom", "cause", "steps", "device_models", "fault_codes"):
        assert f'name="{name}"' in solution
    assert 'name="body"' not in solution
    procedure = text(client.get("/kb/new?type=procedure"))
    assert 'name="body"' in procedure and 'name="symptom"' not in procedure
    assert client.get("/kb/new?type=nonsense").status_code == 404


def test_new_procedure_is_a_draft(s, page, agent):
    r = page(agent).post("/kb/new?type=procedure", data={
        "title": "用户报修处理程序", "body": "## 受理\n1. 记录用户信息\n2. 查询知识库",
        "services": ["broadband", "iptv"], "category": "流程", "tags": "报修, 流程", "visibility": "internal",
    })
    assert r.status_code == 302
    art = s.scalar(select(Article).order_by(Article.id.desc()))
    assert art.type == ArticleType.PROCEDURE and art.status == ArticleStatus.DRAFT
    assert art.latest.services == ["broadband", "iptv"] and art.latest.tags == ["报修", "流程"]


def test_new_article_errors_keep_the_text(s, page, agent):
    count = s.query(Article).count()
    r = page(agent).post("/kb/new?type=solution",
                         data={"title": "", "symptom": "机顶盒重启循环", "visibility": "public"})
    assert r.status_code == 400
    assert "Give the article a title." in text(r) and "机顶盒重启循环" in text(r)
    # A solution without symptom or steps: the service's rule, shown on the form.
    r = page(agent).post("/kb/new?type=solution", data={"title": "只有标题", "visibility": "public"})
    assert r.status_code == 400
    assert "An article needs a body or, for a solution, its symptom and steps." in text(r)
    assert "只有标题" in text(r)
    assert s.query(Article).count() == count


def test_editing_an_approved_article_opens_a_new_revision(s, page, agent, lead):
    art = factories.approved_article(agent, lead)
    client = page(agent)
    form = text(client.get(f"/kb/{art.id}/edit"))
    assert "Saving opens revision 2 as a draft" in form
    assert "光纤弯折" in form  # prefilled from the live revision
    r = client.post(f"/kb/{art.id}/edit", data={
        "title": art.title, "symptom": art.latest.symptom, "cause": "尾纤弯折或分光器端口脏污。",
        "steps": art.latest.steps,
        "services": ["broadband"], "category": "FTTH", "tags": "光猫, LOS", "fault_codes": "LOS", "device_models": "",
        "visibility": "public", "expected_version": _version(form),
    })
    assert r.status_code == 302
    s.expire_all()
    assert [rev.number for rev in art.revisions] == [1, 2]
    assert art.live_revision.number == 1 and art.status == ArticleStatus.APPROVED
    assert art.latest.cause == "尾纤弯折或分光器端口脏污。"


def test_edit_conflict_keeps_the_users_text(s, page, agent, lead):
    art = factories.article(agent)
    client = page(agent)
    form = text(client.get(f"/kb/{art.id}/edit"))
    seen = _version(form)
    # A colleague saves meanwhile.
    kb.update_article(s, art, lead, {"cause": "同事先保存的原因"})
    s.commit()
    mine = "我在冲突中写下的原因，不能丢"
    r = client.post(f"/kb/{art.id}/edit", data={
        "title": art.title, "symptom": "LOS 红灯", "cause": mine, "steps": "1. 测光", "services": ["broadband"],
        "category": "FTTH", "tags": "光猫", "fault_codes": "LOS", "visibility": "public", "expected_version": seen,
    })
    assert r.status_code == 409
    body = text(r)
    assert "Someone else saved this article meanwhile; reload it and apply your changes again." in body
    assert mine in body
    s.expire_all()
    assert art.latest.cause == "同事先保存的原因"
    # The form now carries the version the user has been told about: saving again replaces it on purpose.
    r = client.post(f"/kb/{art.id}/edit", data={
        "title": art.title, "symptom": "LOS 红灯", "cause": mine, "steps": "1. 测光", "services": ["broadband"],
        "category": "FTTH", "tags": "光猫", "fault_codes": "LOS", "visibility": "public",
        "expected_version": _version(body),
    })
    assert r.status_code == 302
    s.expire_all()
    assert art.latest.cause == mine


def test_edit_in_review_says_wait(s, page, agent):
    art = factories.article(agent)
    kb.submit_article(s, art, agent)
    client = page(agent)
    assert "under review; wait for the decision" in text(client.get(f"/kb/{art.id}/edit"))
    r = client.post(f"/kb/{art.id}/edit", data={"title": "改标题", "symptom": "x", "visibility": "public"})
    assert r.status_code == 409
    assert "This revision is under review; wait for the decision before editing." in text(r)
    s.expire_all()
    assert art.latest.title != "改标题"


def test_new_solution_for_a_closed_incident_is_refused_and_nothing_saved(s, page, agent, lead, subscriber):
    sol = factories.approved_article(agent, lead)
    inc = factories.resolved_incident(agent, subscriber, sol)
    factories.incident_services.verify_incident(s, inc, subscriber, accepted=True)
    factories.incident_services.close_incident(s, inc, agent)
    count = s.query(Article).count()
    r = page(agent).post(f"/kb/new?type=solution&incident={inc.id}", data={
        "title": "补写的方案", "symptom": "LOS", "steps": "1. 测光", "visibility": "internal"})
    assert r.status_code == 409
    assert "补写的方案" in text(r)
    assert s.query(Article).count() == count
