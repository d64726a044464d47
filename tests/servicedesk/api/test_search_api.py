"""Search and suggestions over HTTP: who sees what, filters, facets, paging and odd input."""

from __future__ import annotations

import pytest

from tests import factories
from tests.servicedesk.api.helpers import error_of


@pytest.fixture
def kb_articles(agent, lead):
    public = factories.approved_article(agent, lead)
    internal = factories.approved_article(agent, lead, title="光猫 LOS 告警的 OLT 侧排查", visibility="internal",
                                          tags=["OLT", "LOS"])
    draft = factories.article(agent, title="光猫 LOS 灯闪烁（草稿）")
    iptv = factories.approved_article(agent, lead, title="IPTV 机顶盒花屏", services=["iptv"], tags=["机顶盒"],
                                      fault_codes=["E-102"], symptom="电视画面花屏、卡顿。")
    return {"public": public, "internal": internal, "draft": draft, "iptv": iptv}


def _ids(response) -> set[int]:
    return {item["id"] for item in response.get_json()["items"]}


def test_subscriber_and_visitor_get_approved_public_only(api, subscriber, kb_articles):
    for who in (subscriber, None):
        r = api.get("/search", who, query={"q": "光猫 LOS"})
        assert r.status_code == 200
        assert _ids(r) == {kb_articles["public"].id}
        r = api.get("/search", who, query={"q": "LOS", "status": "draft"})
        assert _ids(r) == {kb_articles["public"].id}
        assert all(item["status"] == "approved" for item in r.get_json()["items"])


def test_staff_see_internal_and_drafts_on_request(api, agent, kb_articles):
    r = api.get("/search", agent, query={"q": "光猫 LOS"})
    assert _ids(r) == {kb_articles["public"].id, kb_articles["internal"].id}
    r = api.get("/search", agent, query={"q": "光猫", "status": "draft"})
    assert _ids(r) == {kb_articles["draft"].id}
    r = api.get("/search", agent, query={"q": "光猫", "status": "nonsense"})
    assert r.status_code == 400 and "status" in error_of(r)["fields"]


def test_result_shape_filters_and_facets(api, subscriber, kb_articles):
    r = api.get("/search", subscriber, query={"q": "花屏"})
    body = r.get_json()
    assert set(body) >= {"items", "total", "page", "per_page", "facets"}
    assert body["total"] == 1
    item = body["items"][0]
    assert {"id", "title", "type", "status", "score", "highlights"} <= set(item)
    assert item["title"] == "IPTV 机顶盒花屏" and item["type"] == "solution" and isinstance(item["score"], float)
    assert any("花屏" in h for h in item["highlights"])
    assert set(body["facets"]) == {"type", "service", "tag"}
    r = api.get("/search", subscriber, query={"service": "iptv"})
    assert _ids(r) == {kb_articles["iptv"].id}
    assert r.get_json()["facets"]["service"] == {"iptv": 1}
    r = api.get("/search", subscriber, query={"code": "e-102"})
    assert _ids(r) == {kb_articles["iptv"].id}
    r = api.get("/search", subscriber, query={"tag": "光猫", "type": "solution"})
    assert _ids(r) == {kb_articles["public"].id}


def test_paging_and_bad_parameters(api, subscriber, kb_articles):
    r = api.get("/search", subscriber, query={"per_page": 1, "page": 2, "sort": "newest"})
    assert r.status_code == 200 and r.get_json()["total"] == 2 and len(r.get_json()["items"]) == 1
    for query, field in (({"page": "0"}, "page"), ({"per_page": "101"}, "per_page"), ({"page": "abc"}, "page"),
                         ({"sort": "random"}, "sort"), ({"q": "长" * 501}, "q")):
        r = api.get("/search", subscriber, query=query)
        assert r.status_code == 400, query
        assert field in error_of(r)["fields"]


@pytest.mark.parametrize("text", ['"', "title:", "-", "((", "a:b:c", "*?~^", "光猫 -LOS", '"光猫 LOS"', "\\", "+"])
def test_odd_query_text_never_fails(api, subscriber, kb_articles, text):
    assert api.get("/search", subscriber, query={"q": text}).status_code == 200


def test_control_characters_in_query_are_refused(api, agent):
    r = api.get("/search", agent, query={"q": "光猫\x00"})
    assert r.status_code == 400 and "q" in error_of(r)["fields"]


def test_suggest(api, subscriber, agent, kb_articles):
    r = api.get("/search/suggest", None, query={"q": "光猫"})
    assert r.status_code == 200
    items = r.get_json()["items"]
    assert [i["id"] for i in items] == [kb_articles["public"].id]
    assert set(items[0]) == {"id", "title", "type"}
    staff = api.get("/search/suggest", agent, query={"q": "光猫"}).get_json()["items"]
    assert {i["id"] for i in staff} == {kb_articles["public"].id, kb_articles["internal"].id}
    assert api.get("/search/suggest", subscriber).get_json()["items"] == []


def test_suggest_returns_at_most_eight(api, agent, lead):
    for n in range(10):
        factories.approved_article(agent, lead, title=f"宽带拨号错误 691 处理 {n}")
    items = api.get("/search/suggest", None, query={"q": "宽带"}).get_json()["items"]
    assert len(items) == 8
