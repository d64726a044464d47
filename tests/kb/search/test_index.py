"""Searching the index: codes, Chinese, synonyms, pinyin, query language, filters, facets, scope."""

from __future__ import annotations

from datetime import datetime

import pytest

from kb.errors import ValidationError
from kb.search import bulk, service
from kb.search.index import VERSION_FILE, Scope, SearchIndex
from kb.search.schema import make_document
from tests.kb.search.conftest import ARTICLES, STAFF, SUBSCRIBER, build_index

ALL_STATES = Scope(statuses=("approved", "draft", "in_review", "rejected", "retired"), include_internal=True)


def ids(ix, text, *, actor=STAFF, **kw):
    return [h.id for h in service.search_articles(ix, actor, text, **kw).items]


def test_fault_codes_match_exactly(ix):
    assert ids(ix, "E-102") == [4]
    assert ids(ix, "e102") == [4]
    assert ids(ix, "W-102") == [5]
    assert ids(ix, "691") == [2]
    assert 8 not in ids(ix, "69") or ids(ix, "69") == [8]  # 69 finds the text "69 号", never 691
    assert 2 not in ids(ix, "69")


def test_alarm_names_ips_and_los(ix):
    assert ids(ix, "LOS")[0] == 1
    assert ids(ix, "ONU_LOS") == [12]
    assert ids(ix, "10.20.30.40") == [12]


def test_english_is_stemmed(ix):
    assert ids(ix, "dial") == ids(ix, "dialing")
    assert ids(ix, "dial")[0] == 2  # the word itself first; article 3 follows through 拨号 = dial


def test_mixed_chinese_english_query(ix):
    assert ids(ix, "光猫LOS灯")[0] == 1
    assert ids(ix, "PPPoE 691")[0] == 2


def test_documents_matching_more_words_rank_first(ix):
    found = ids(ix, "拨号 691")
    assert found[:2] == [2, 3]  # both mention 拨号; only 2 has 691
    assert ids(ix, "光猫 WiFi 信道")[0] == 9


def test_colloquial_queries_find_articles_through_synonyms(ix):
    assert 1 in ids(ix, "网断了")  # 网断了 ≈ 无法上网
    assert ids(ix, "ONU 红灯")[0] == 1  # ONU = 光猫
    assert 4 in ids(ix, "STB")  # STB = 机顶盒
    assert 4 in ids(ix, "电视没信号") and 6 in ids(ix, "没信号")  # ≈ 无信号, 没有信号


def test_pinyin_typos_still_find(ix):
    assert ids(ix, "光帽")[0] == 1  # input-method typo for 光猫
    assert ids(ix, "光帽红灯闪")[0] == 1
    assert ids(ix, "户户同")[0] == 6


def test_quoted_phrases_need_the_words_together(ix):
    assert ids(ix, '"光猫 LOS"') == [1]
    assert ids(ix, '"LOS 光猫"') == []
    assert ids(ix, '"光猫 路由器"') == []  # article 9 has both words, not as a phrase


def test_exclusions(ix):
    assert 9 in ids(ix, "光猫")
    assert 9 not in ids(ix, "光猫 -路由器")
    assert ids(ix, "拨号 -678") == [2]
    assert 1 not in ids(ix, '光猫 -"LOS 灯"')


def test_field_value_filters(ix):
    assert ids(ix, "service:cable_tv") == [4]
    assert ids(ix, "拨号 tag:691") == [2]
    assert ids(ix, "code:E102") == [4]
    assert set(ids(ix, "type:procedure")) == {8}
    assert 9 not in ids(ix, "光猫 -service:broadband")
    assert ids(ix, "提示 service:有线电视") == [4]  # a service's Chinese label works too


def test_filters_from_the_form(ix):
    assert ids(ix, "提示", filters={"service": "voice"}) == [5]
    assert ids(ix, "", filters={"type": "solution", "tag": "拨号"}) == [3, 2]  # newest first without text
    assert ids(ix, "", filters={"code": "w102"}) == [5]


def test_facets_count_the_matched_documents(ix):
    result = service.search_articles(ix, STAFF, "提示")
    assert result.total == 5
    assert result.facets["type"] == {"solution": 5}
    assert result.facets["service"] == {"broadband": 2, "cable_tv": 1, "satellite_tv": 1, "voice": 1}
    assert result.facets["tag"]["拨号"] == 2
    assert set(result.facets) == {"type", "service", "tag"}


def test_scope_public_staff_and_drafts(ix):
    # Subscribers: approved public only. Article 4 is internal, 10 a draft, 11 retired.
    assert 4 not in ids(ix, "机顶盒", actor=SUBSCRIBER)
    assert 4 in ids(ix, "机顶盒", actor=STAFF)
    assert 10 not in ids(ix, "割接", actor=STAFF)
    assert ids(ix, "割接", actor=STAFF, status="draft") == [10]
    assert ids(ix, "割接", actor=SUBSCRIBER, status="draft") == []  # status is for staff only
    assert 11 not in ids(ix, "网线", actor=STAFF)
    assert ids(ix, "网线", actor=STAFF, status="retired") == [11]
    public = ids(ix, "机顶盒", actor=SUBSCRIBER)
    assert ids(ix, "机顶盒", actor=SUBSCRIBER, filters={"visibility": "internal"}) == public


def test_bad_requests_are_validation_errors(ix):
    for kw in ({"page": 0}, {"per_page": 0}, {"per_page": 101}, {"sort": "random"}, {"status": "archived"}):
        with pytest.raises(ValidationError):
            service.search_articles(ix, STAFF, "光猫", **kw)
    with pytest.raises(ValidationError):
        service.search_articles(ix, STAFF, "光" * 501)


def test_paging_and_exact_totals(ix):
    first = service.search_articles(ix, STAFF, "光猫 拨号 提示", per_page=2)
    second = service.search_articles(ix, STAFF, "光猫 拨号 提示", per_page=2, page=2)
    assert first.total == second.total == len(ids(ix, "光猫 拨号 提示", per_page=50))
    assert not {h.id for h in first.items} & {h.id for h in second.items}


def test_sorting(ix):
    assert ids(ix, "拨号", sort="newest") == [3, 2]
    assert ids(ix, "拨号", sort="most_used") == [2, 3]


def test_highlights_are_marked_and_escaped(tmp_path):
    ix = build_index(tmp_path / "x", [{**ARTICLES[0], "title": "<script>alert(1)</script> 光猫 LOS"}])
    hit = service.search_articles(ix, STAFF, "光猫").items[0]
    assert hit.highlights[0] == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>光猫</mark> LOS"
    assert "<mark>光猫</mark>" in hit.highlights[1]
    assert hit.tags == ["光猫", "LOS"] and hit.services == ["broadband"] and hit.summary.startswith("用户报修")


def test_codes_are_highlighted_exactly(ix):
    hit = service.search_articles(ix, STAFF, "E102").items[0]
    assert "<mark>E-102</mark>" in hit.highlights[0]


def test_apply_updates_and_deletes(ix):
    before = ix.doc_count()
    ix.apply([make_document(**{**ARTICLES[1], "title": "宽带拨号错误 691 处理（更新）"})], [3])
    assert ix.doc_count() == before - 1
    assert ids(ix, "更新") == [2]
    assert 3 not in ids(ix, "拨号")
    assert [h.title for h in service.search_articles(ix, STAFF, "691").items] == ["宽带拨号错误 691 处理（更新）"]


def test_many_small_updates_stay_consistent(ix):
    for n in range(12):  # enough commits for small segments to be merged
        ix.apply([make_document(**{**ARTICLES[0], "title": f"光猫 LOS 第{n}版", "updated": datetime(2025, 2, 1)})])
    assert ids(ix, "光猫 LOS")[0] == 1
    assert service.search_articles(ix, STAFF, "光猫 LOS").items[0].title == "光猫 LOS 第11版"
    assert ix.doc_count() == len(ARTICLES)


def test_the_index_persists_and_reopens(ix):
    again = SearchIndex(ix.path)
    assert again.doc_count() == ix.doc_count()
    assert ids(again, "光猫") == ids(ix, "光猫")


def test_an_index_of_an_older_schema_starts_empty(ix):
    (ix.path / VERSION_FILE).write_text("0")
    assert SearchIndex(ix.path).doc_count() == 0


def test_rebuild_replaces_everything(ix):
    assert ix.rebuild(make_document(**a) for a in ARTICLES[:3]) == 3
    assert ix.doc_count() == 3
    assert ids(ix, "机顶盒") == []
    assert ix.state()[2][0] == "approved"


def test_parallel_rebuild_gives_the_same_index(tmp_path, monkeypatch):
    serial = build_index(tmp_path / "serial")
    monkeypatch.setattr(bulk, "PARALLEL_MIN", 4)
    monkeypatch.setattr(bulk, "SEGMENT_DOCS", 3)
    parallel = SearchIndex(tmp_path / "parallel")
    assert parallel.rebuild((make_document(**a) for a in ARTICLES), procs=2) == len(ARTICLES)
    for q in ("光猫", "拨号 691", "E-102", "提示", "service:cable_tv", '"光猫 LOS"'):
        assert sorted(ids(parallel, q, per_page=50)) == sorted(ids(serial, q, per_page=50)), q
    facets = service.search_articles(serial, STAFF, "提示").facets
    assert service.search_articles(parallel, STAFF, "提示").facets == facets


def test_suggestions_for_an_incident_and_type_ahead(ix):
    desc = ("用户来电反映从昨晚开始家里宽带无法上网，看了一下光猫上的 LOS 灯一直红色闪烁，PON 灯不亮，"
            "重启光猫和路由器都没有用，邻居家正常。用户要求尽快上门处理。") * 3
    result = service.suggest_for_incident(ix, STAFF, "宽带无法上网，光猫红灯闪", desc)
    assert result.items[0].id == 1
    assert all(h.type == "solution" for h in result.items)
    titles = service.suggest_titles(ix, SUBSCRIBER, "拨号")
    assert {t["id"] for t in titles} == {2, 3} and set(titles[0]) == {"id", "title", "type"}
    assert service.suggest_titles(ix, SUBSCRIBER, "   ") == []
    assert service.suggest_titles(ix, STAFF, "wif")[0]["id"] == 9  # the start of WiFi


def test_all_states_scope_sees_everything(ix):
    assert ix.search("", scope=ALL_STATES, per_page=50).total == len(ARTICLES)


def test_updated_range(ix):
    # Articles are dated 2025-01-<id>.
    assert ids(ix, "提示", filters={"updated_from": "2025-01-04", "updated_to": "2025-01-05"}) == [5, 4]
    assert ids(ix, "拨号 updated:2025-01-03..") == [3]
    assert ids(ix, "拨号", filters={"updated_to": datetime(2025, 1, 2, 9, 0)}) == [2]
    with pytest.raises(ValidationError):
        service.search_articles(ix, STAFF, "拨号", filters={"updated_from": "yesterday"})


def test_a_merge_keeps_what_was_deleted_while_it_ran(ix, monkeypatch):
    from kb.search import merging

    ix.background_merge = False
    for n in range(merging.MERGE_FACTOR):
        ix.apply([make_document(**{**ARTICLES[n], "title": f"{ARTICLES[n]['title']}（第{n}次修订）"})])
    segments_before = len(ix.view().parts)
    swap = merging._swap

    def update_then_swap(*args, **kwargs):
        # An article in one of the segments being merged is updated before the merge lands.
        ix.apply([make_document(**{**ARTICLES[1], "title": "宽带拨号提示错误 691（最新）"})])
        return swap(*args, **kwargs)

    monkeypatch.setattr(merging, "_swap", update_then_swap)
    assert ix.merge_small() >= 1
    assert len(ix.view().parts) < segments_before
    assert [h.title for h in service.search_articles(ix, STAFF, "691").items] == ["宽带拨号提示错误 691（最新）"]
    assert ix.doc_count() == len(ARTICLES)
    assert ids(ix, '"第3次修订"') == [4]


def test_publishing_merges_small_segments_in_a_process_of_its_own(ix, monkeypatch):
    """The merge runs beside the serving process (not in its interpreter), and what it merged is searched."""
    import subprocess

    from kb.search import merging

    children: list[list[str]] = []
    run = subprocess.run

    def spy(cmd, *args, **kwargs):
        children.append(list(cmd))
        return run(cmd, *args, **kwargs)

    monkeypatch.setattr(merging.subprocess, "run", spy)
    for n in range(merging.MERGE_FACTOR + 1):
        ix.apply([make_document(**{**ARTICLES[n % len(ARTICLES)], "id": 500 + n, "title": f"光猫红灯 第{n}次"})])
        ix.wait_for_merges()
    assert children and children[0][1:3] == ["-m", "kb.search.merging"]
    assert len(ix.view().parts) < merging.MERGE_FACTOR  # the small segments became one
    assert service.search_articles(ix, STAFF, '"光猫红灯 第3次"').total == 1
    assert ix.doc_count() == len(ARTICLES) + merging.MERGE_FACTOR + 1


def test_type_ahead_completes_a_chinese_word(ix):
    titles = service.suggest_titles(ix, SUBSCRIBER, "户户")
    assert titles[0]["id"] == 6
    assert {t["id"] for t in service.suggest_titles(ix, SUBSCRIBER, "光")} >= {1, 9}  # 光猫 ...
