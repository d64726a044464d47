"""The knowledge search page: free text, filters, facets, highlights and paging, by reader."""

from __future__ import annotations

import re

from tests import factories
from tests.servicedesk.web_desk.conftest import plain, text


def _seed(agent, lead):
    los = factories.approved_article(agent, lead)
    stb = factories.approved_article(agent, lead, title="机顶盒无信号 E-102 的处理", services=["cable_tv"],
                                     tags=["机顶盒"], fault_codes=["E-102"], symptom="电视没信号，机顶盒提示 E-102。",
                                     steps="1. 检查信号线\n2. 重启机顶盒")
    internal = factories.approved_article(agent, lead, title="光猫批量更换内部流程", visibility="internal",
                                          tags=["光猫"], symptom="光猫批量故障", steps="按割接流程处理")
    draft = factories.article(agent, title="光猫草稿", symptom="光猫草稿内容", steps="草稿步骤")
    return los, stb, internal, draft


def test_facets_and_a_filter(s, page, agent, lead):
    los, stb, internal, _draft = _seed(agent, lead)
    client = page(None)
    r = client.get("/kb/search")
    assert r.status_code == 200
    body = text(r)
    assert los.title in body and stb.title in body
    assert internal.title not in body
    # Facets with counts and links that filter.
    assert "Narrow down" in body
    assert re.search(r'href="/kb/search\?service=cable_tv"[^>]*>Cable TV</a> <span class="small muted">\(1\)', body)
    r = client.get("/kb/search?service=cable_tv")
    body = text(r)
    assert stb.title in body and los.title not in body
    assert "1 article found" in body


def test_free_text_highlights_with_mark_only(s, page, agent, lead):
    factories.approved_article(agent, lead, title="宽带拨号 691 错误", symptom="拨号提示 691 <b>用户名</b>密码错误",
                               steps="1. 核对账号 <script>alert(1)</script>", fault_codes=["691"], tags=["拨号"])
    body = text(page(None).get("/kb/search?q=691"))
    assert "<mark>" in body
    assert "<script>alert(1)" not in body
    assert "<b>用户名</b>" not in body


def test_staff_see_internal_and_may_ask_for_drafts(s, page, agent, lead):
    _los, _stb, internal, draft = _seed(agent, lead)
    client = page(agent)
    body = plain(client.get("/kb/search?q=光猫"))
    assert internal.title in body and draft.title not in body
    body = plain(client.get("/kb/search?status=draft"))
    assert draft.title in body
    # Visitors cannot widen the scope with status.
    assert draft.title not in plain(page(None).get("/kb/search?status=draft"))


def test_code_filter_and_bad_sort(s, page, agent, lead):
    _los, stb, *_ = _seed(agent, lead)
    client = page(None)
    assert stb.title in plain(client.get("/kb/search?code=e-102"))
    r = client.get("/kb/search?sort=loudest")
    assert r.status_code == 400
    assert "Not a valid choice" in text(r) or "not a valid choice" in text(r).lower()


def test_paging(s, page, agent, lead):
    for n in range(23):
        factories.approved_article(agent, lead, title=f"IPTV 卡顿处理 {n:02d}", services=["iptv"], tags=["IPTV"],
                                   symptom=f"IPTV 播放卡顿 {n}", steps="1. 测速\n2. 重启机顶盒")
    client = page(None)
    body = text(client.get("/kb/search?service=iptv"))
    assert "23 articles found" in body and "Page 1 of 2" in body
    body2 = text(client.get("/kb/search?service=iptv&page=2"))
    assert "Page 2 of 2" in body2
    assert body2.count('<article class="card">') == 3
