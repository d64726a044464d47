"""The search dictionary page: leads and admins add and remove words and synonym groups."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from kb import lexicon
from tests import factories
from tests.kb.test_lexicon import _fresh_lexicon, found  # noqa: F401  (the fixture resets the process)
from tests.servicedesk.web_desk.conftest import plain, text


def test_a_lead_adds_and_removes_a_word_from_the_page(s, page, agent, lead, subscriber):
    art = factories.approved_article(agent, lead, title="熔纤盘更换步骤")
    client = page(lead)
    assert 'href="/kb/lexicon"' in text(client.get("/kb/search"))  # in the navigation
    r = client.post("/kb/lexicon/words", data={"word": " 熔纤盘 "})
    assert r.status_code == 302 and r.headers["Location"].endswith("/kb/lexicon")
    body = plain(client.get("/kb/lexicon"))
    assert "熔纤盘 is now one word in search" in body
    assert re.search(r"熔纤盘\s+王强", body)  # who added it
    assert found("融纤盘", subscriber) == [art.id]

    word = lexicon.list_words(s)[0]
    r = client.post(f"/kb/lexicon/words/{word.id}/remove")
    assert r.status_code == 302
    assert "熔纤盘 removed from the dictionary" in plain(client.get("/kb/lexicon"))
    assert lexicon.list_words(s) == []
    assert found("融纤盘", subscriber) == []


def test_a_lead_adds_and_removes_a_synonym_group_from_the_page(s, page, agent, lead, subscriber):
    art = factories.approved_article(agent, lead, title="光猫设置桥接模式")
    client = page(lead)
    r = client.post("/kb/lexicon/groups", data={"terms": "改桥＝桥接模式"})
    assert r.status_code == 302
    body = plain(client.get("/kb/lexicon"))
    assert "改桥 = 桥接模式" in body
    assert found("改桥", subscriber) == [art.id]
    group = lexicon.list_synonym_groups(s)[0]
    assert client.post(f"/kb/lexicon/groups/{group.id}/remove").status_code == 302
    assert "Synonym group 改桥 = 桥接模式 removed." in plain(client.get("/kb/lexicon"))
    assert found("改桥", subscriber) == []


def test_shipped_words_and_groups_are_shown_read_only(s, page, lead):
    body = plain(page(lead).get("/kb/lexicon"))
    assert "Shipped dictionary (" in body and "光调制解调器" in body
    assert "光猫 = ONU = ONT" in body or "光调制解调器 = 光modem" in body


@pytest.mark.parametrize(("form", "data", "message"), [
    ("words", {"word": ""}, "Enter a word."),
    ("words", {"word": "熔纤 盘"}, "A word has no spaces inside; add each word on its own."),
    ("words", {"word": "熔纤-盘"}, "A word has no punctuation or symbols."),
    ("words", {"word": "熔" * 21}, "A word has at most 20 characters."),
    ("words", {"word": "光猫"}, "光猫 is already in the shipped dictionary."),
    ("groups", {"terms": "改桥"}, "A group needs at least two different terms."),
    ("groups", {"terms": "改桥 = 改桥"}, "改桥 appears twice in the group."),
])
def test_bad_input_is_shown_beside_the_field_with_the_text_kept(s, page, lead, form, data, message):
    r = page(lead).post(f"/kb/lexicon/{form}", data=data)
    assert r.status_code == 400
    body = text(r)
    name, value = next(iter(data.items()))
    assert re.search(rf'<div class="error" id="{name}-err"><p>{re.escape(message)}</p>', body)
    assert f'value="{value}"' in body if value else f'name="{name}"' in body
    assert 'aria-invalid="true"' in body
    assert lexicon.list_words(s) == [] and lexicon.list_synonym_groups(s) == []


def test_a_term_in_another_group_and_a_repeated_word_are_refused(s, page, lead):
    client = page(lead)
    client.post("/kb/lexicon/groups", data={"terms": "改桥 = 桥接模式"})
    client.post("/kb/lexicon/words", data={"word": "熔纤盘"})
    r = client.post("/kb/lexicon/groups", data={"terms": "路由模式 = 改桥"})
    assert r.status_code == 400
    assert "改桥 is already in the group 改桥 = 桥接模式; remove that group first." in plain(r)
    assert 'value="路由模式 = 改桥"' in text(r)
    r = client.post("/kb/lexicon/words", data={"word": "熔纤盘"})
    assert r.status_code == 400 and "熔纤盘 is already in the dictionary." in plain(r)
    assert len(lexicon.list_words(s)) == 1 and len(lexicon.list_synonym_groups(s)) == 1


def test_the_page_speaks_chinese(s, page, lead):
    client = page(lead)
    client.set_cookie("lang", "zh_CN")
    body = plain(client.get("/kb/lexicon"))
    assert "搜索词典" in body and "同义词组" in body
    r = client.post("/kb/lexicon/words", data={"word": "熔纤 盘"})
    assert "词中不能有空格" in plain(r)


def test_only_leads_and_admins_may_use_the_page(s, page, agent, subscriber, admin, lead):
    group = lexicon.add_synonym_group(s, lead, "改桥 = 桥接模式")
    for user in (agent, subscriber):
        client = page(user)
        assert 'href="/kb/lexicon"' not in text(client.get("/kb/search"))
        assert client.get("/kb/lexicon").status_code == 403
        assert client.post("/kb/lexicon/words", data={"word": "熔纤盘"}).status_code == 403
        assert client.post(f"/kb/lexicon/groups/{group.id}/remove").status_code == 403
    assert page(None).get("/kb/lexicon").status_code == 302  # visitors are sent to log in
    client = page(admin)
    assert client.get("/kb/lexicon").status_code == 200
    assert client.post("/kb/lexicon/words", data={"word": "熔纤盘"}).status_code == 302
    assert [w.word for w in lexicon.list_words(s)] == ["熔纤盘"]
    assert len(lexicon.list_synonym_groups(s)) == 1


def test_removing_what_is_gone_says_so(s, page, lead):
    r = page(lead).post("/kb/lexicon/words/999/remove", follow_redirects=True)
    assert "No such word in the dictionary." in plain(r)


def test_forms_carry_csrf_tokens(app: Flask, s, page, lead):
    app.config["WTF_CSRF_ENABLED"] = True
    client = page(lead)
    assert client.post("/kb/lexicon/words", data={"word": "熔纤盘"}).status_code == 400
    body = text(client.get("/kb/lexicon"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1)
    assert client.post("/kb/lexicon/words", data={"word": "熔纤盘", "csrf_token": token}).status_code == 302
    word = lexicon.list_words(s)[0]
    assert client.post(f"/kb/lexicon/words/{word.id}/remove").status_code == 400
    assert client.post(f"/kb/lexicon/words/{word.id}/remove", data={"csrf_token": token}).status_code == 302
