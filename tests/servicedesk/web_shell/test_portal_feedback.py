""""Did this solve your problem?": yes is a deflection, no opens the report with what was searched and read."""

from __future__ import annotations

from urllib.parse import quote

from flask import Flask
from sqlalchemy import func, select

from kb.models import Article
from servicedesk import db
from servicedesk.incidents.models import Incident
from servicedesk.portal import services as portal
from servicedesk.portal.models import ArticleFeedback
from servicedesk.users.models import User
from tests import factories
from tests.servicedesk.web_shell.conftest import text

REPORT = {"service": "broadband", "description": "LOS 灯一直红", "contact_phone": "13812345678",
          "address": "幸福小区 3 栋 2 单元 501", "area": "urban", "submit": "1"}


def _feedback(**where: object) -> int:
    return db.session.scalar(select(func.count()).select_from(ArticleFeedback).filter_by(**where)) or 0


def _helpful(article: Article) -> int:
    return db.session.scalar(select(Article.helpful_count).where(Article.id == article.id)) or 0


def test_readers_are_asked_and_staff_see_the_counts(app: Flask, agent: User, lead: User, subscriber: User):
    article = factories.approved_article(agent, lead)
    for client in (app.test_client(), app.test_client(user=subscriber)):
        html = text(client.get(f"/kb/{article.id}"))
        assert 'id="solved"' in html and f'action="/kb/{article.id}/solved"' in html
        assert 'name="yes"' in html and 'name="no"' in html
    staff = text(app.test_client(user=agent).get(f"/kb/{article.id}"))
    assert 'id="solved"' not in staff and 'id="solved-counts"' in staff


def test_yes_counts_one_deflection_per_visit(app: Flask, agent: User, lead: User):
    article = factories.approved_article(agent, lead)
    client = app.test_client()
    client.get("/kb/search?q=" + quote("光猫红灯"))
    response = client.post(f"/kb/{article.id}/solved", data={"yes": "1"})
    assert response.status_code == 302 and response.headers["Location"] == f"/kb/{article.id}#solved"
    assert _feedback(article_id=article.id, solved=True) == 1 and _helpful(article) == 1
    row = db.session.scalars(select(ArticleFeedback)).one()
    assert row.search_query == "光猫红灯" and row.user_id is None
    page = text(client.get(f"/kb/{article.id}"))
    assert 'name="yes"' not in page  # answered: thanked, not asked again
    client.post(f"/kb/{article.id}/solved", data={"yes": "1"})
    assert _feedback() == 1 and _helpful(article) == 1
    app.test_client().post(f"/kb/{article.id}/solved", data={"yes": "1"})  # another visitor
    assert portal.feedback_counts(db.session(), [article.id])[article.id] == portal.FeedbackCount(2, 0)


def test_no_opens_the_report_with_the_search_and_links_the_articles_read(app: Flask, s, agent: User, lead: User,
                                                                         subscriber: User):
    first = factories.approved_article(agent, lead, title="光猫 LOS 灯红色闪烁的处理")
    second = factories.approved_article(agent, lead, title="宽带拨号 691 错误", services=["broadband"],
                                        fault_codes=["691"])
    internal = factories.approved_article(agent, lead, title="OLT 内部处理", visibility="internal")
    client = app.test_client(user=subscriber)
    client.get("/kb/search?q=" + quote("光猫 红灯 闪"))
    client.get(f"/kb/{second.id}")
    client.get(f"/kb/{first.id}")
    assert client.get(f"/kb/{internal.id}").status_code == 404
    response = client.post(f"/kb/{first.id}/solved", data={"no": "1", "q": "光猫 红灯 闪"})
    assert response.headers["Location"] == f"/report?article={first.id}"
    assert _feedback(article_id=first.id, solved=False) == 1 and _helpful(first) == 0

    form = text(client.get(response.headers["Location"]))
    assert 'value="光猫 红灯 闪"' in form  # what they searched is the report's title
    assert '<option selected value="broadband">' in form or 'value="broadband" selected' in form
    assert 'id="viewed-h"' in form and first.title in form and second.title in form and internal.title not in form

    sent = client.post(f"/report?article={first.id}", data={**REPORT, "title": "光猫 红灯 闪"})
    incident = s.scalars(select(Incident)).one()
    assert sent.headers["Location"] == f"/my/incidents/{incident.id}"
    assert [a.id for a in portal.viewed_articles_for(s, incident.id)] == [second.id, first.id]
    details = portal.report_for(s, incident.id)
    assert details is not None and details.search_query == "光猫 红灯 闪"
    fresh = text(client.get("/report"))
    assert 'id="viewed-h"' not in fresh and 'value="光猫 红灯 闪"' not in fresh  # the next report starts afresh


def test_an_anonymous_no_leads_through_the_login_to_the_report(app: Flask, agent: User, lead: User):
    article = factories.approved_article(agent, lead)
    client = app.test_client()
    response = client.post(f"/kb/{article.id}/solved", data={"no": "1"})
    assert response.headers["Location"] == f"/report?article={article.id}"
    login = client.get(response.headers["Location"])
    assert login.status_code == 302
    assert login.headers["Location"] == f"/login?next=%2Freport%3Farticle%3D{article.id}"


def test_a_suggestion_carries_what_was_typed(app: Flask, agent: User, lead: User, subscriber: User):
    article = factories.approved_article(agent, lead)
    client = app.test_client(user=subscriber)
    page = text(client.get(f"/kb/{article.id}?q=" + quote("光猫闪红灯")))
    assert 'name="q" type="hidden" value="光猫闪红灯"' in page or 'value="光猫闪红灯"' in page
    form = text(client.get(f"/report?article={article.id}"))
    assert 'value="光猫闪红灯"' in form


def test_staff_answers_do_not_count_and_hidden_articles_are_404(app: Flask, agent: User, lead: User):
    article = factories.approved_article(agent, lead)
    internal = factories.approved_article(agent, lead, title="内部", visibility="internal")
    draft = factories.article(agent, title="草稿")
    app.test_client(user=agent).post(f"/kb/{article.id}/solved", data={"yes": "1"})
    assert _feedback() == 0 and _helpful(article) == 0
    visitor = app.test_client()
    assert visitor.post(f"/kb/{internal.id}/solved", data={"yes": "1"}).status_code == 404
    assert visitor.post(f"/kb/{draft.id}/solved", data={"yes": "1"}).status_code == 404
    assert visitor.post("/kb/99999999/solved", data={"yes": "1"}).status_code == 404
    assert _feedback() == 0


def test_an_expired_page_asks_again(app: Flask, agent: User, lead: User):
    app.config["WTF_CSRF_ENABLED"] = True
    article = factories.approved_article(agent, lead)
    client = app.test_client()
    response = client.post(f"/kb/{article.id}/solved", data={"yes": "1", "csrf_token": "stale"})
    assert response.status_code == 302 and response.headers["Location"] == f"/kb/{article.id}#solved"
    assert _feedback() == 0


def test_feedback_service_refuses_staff_and_unpublished(s, agent: User, lead: User):
    import pytest

    from kb.errors import Forbidden, NotFound

    article = factories.approved_article(agent, lead)
    with pytest.raises(Forbidden):
        portal.record_article_feedback(s, article, agent, solved=True)
    with pytest.raises(NotFound):
        portal.record_article_feedback(s, factories.article(agent), None, solved=True)
    portal.record_article_feedback(s, article, None, solved=False, search_query="  网速 \n 慢 ")
    assert s.scalars(select(ArticleFeedback)).one().search_query == "网速 慢"
    assert portal.feedback_counts(s, []) == {}
