"""The leads' page of searches that found nothing, in both languages, with its two ways forward."""

from __future__ import annotations

from sqlalchemy import select

from kb.models import Article
from kb.search.searchlog import record_search


def test_leads_see_unanswered_searches_and_start_a_draft_from_one(app, s, page, lead, agent):
    record_search(s, "STB no signal", "user", 0)
    record_search(s, "STB no signal", "agent", 0)
    record_search(s, "光猫 LOS", "agent", 4)  # found something: not listed
    client = page(lead)
    html = client.get("/kb/unfound").get_data(as_text=True)
    assert "Searches that found nothing" in html and "STB no signal" in html and "光猫 LOS" not in html
    assert "Write an article for this" in html and "Add a synonym" in html
    zh = page(lead)
    zh.set_cookie("lang", "zh_CN")
    assert "没有搜到结果的搜索" in zh.get("/kb/unfound").get_data(as_text=True)
    # "Add a synonym": the dictionary page with the query in the synonym form.
    assert 'value="STB no signal = "' in client.get("/kb/lexicon?terms=STB no signal = ").get_data(as_text=True)
    # "Write an article for this": a draft whose symptom is the query, opened in the editor.
    answer = client.post("/kb/unfound/draft", data={"query": "STB no signal"})
    assert answer.status_code == 302 and "/edit" in answer.headers["Location"]
    art = s.scalars(select(Article).order_by(Article.id.desc())).first()
    assert art is not None and art.status == "draft" and art.latest.symptom == "STB no signal"


def test_only_leads_and_admins_open_it(s, page, agent):
    assert page(agent).get("/kb/unfound").status_code == 403
    assert page(agent).post("/kb/unfound/draft", data={"query": "x"}).status_code in (400, 403)
