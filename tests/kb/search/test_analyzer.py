"""The Chinese/English/code analyzer, pinyin, synonyms and the query language."""

from __future__ import annotations

import pytest

from kb.search import synonyms
from kb.search.analyzer import index_tokens, normalize_code, segment, split_word, tokens
from kb.search.pinyin import spellings
from kb.search.query import build_plan, free_text_clauses, lex, parse_query_text


@pytest.mark.parametrize("raw", ["E-102", "E102", "e-102", "E_102"])
def test_fault_codes_are_one_normalised_token(raw):
    assert tokens(f"机顶盒提示{raw}无信号") == ["机顶盒", "提示", "e-102", "无信号"]


def test_similar_codes_stay_apart():
    assert normalize_code("E-102") != normalize_code("W-102")
    assert "w-102" not in tokens("提示 E-102")
    assert tokens("拨号错误691") == ["拨号", "错误", "691"]
    assert "69" not in index_tokens("拨号错误691") and "1" not in index_tokens("错误691")


def test_ip_addresses_and_alarm_names_are_whole():
    assert "192.168.1.1" in tokens("ping 192.168.1.1 不通")
    assert "10.0.0.0" in index_tokens("地址段 10.0.0.0/24") and "10.0.0.0/24" in tokens("10.0.0.0/24")
    assert tokens("ONU_LOS告警") == ["onu_los", "告警"]
    # In documents the parts of an alarm name are findable too, at the same position.
    segs = [s for s in segment("ONU_LOS告警", index=True) if s.text in ("onu_los", "onu", "los")]
    assert {s.pos for s in segs} == {0} and len(segs) == 3


def test_model_numbers_and_macs():
    assert tokens("HG8245H 光猫") == ["hg-8245h", "光猫"]
    assert tokens("MAC 00:1A:2B:3C:4D:5E") == ["mac", "00:1a:2b:3c:4d:5e"]


def test_english_is_lower_cased_and_stemmed():
    assert tokens("Dialing failed") == tokens("dial FAIL")
    assert tokens("Rebooting routers") == ["reboot", "router"]
    assert tokens("LOS") == ["los"]


def test_dictionary_words_from_the_o_and_m_vocabulary():
    assert tokens("户户通没信号") == ["户户通", "没信号"]
    assert tokens("机顶盒黑屏") == ["机顶盒", "黑屏"]
    assert tokens("光衰过大怎么办")[0] == "光衰过大"
    assert "光衰" in index_tokens("光衰过大怎么办")
    assert tokens("集客专线中断") == ["集客专线", "中断"]


def test_stopwords_are_dropped():
    assert tokens("光猫的灯是红的") == ["光猫", "灯", "红"]
    assert tokens("the router is down") == ["router", "down"]


def test_mixed_chinese_and_english():
    assert tokens("光猫LOS灯红") == ["光猫", "los", "灯", "红"]
    assert tokens("IPTV卡顿") == ["iptv", "卡顿"]


def test_words_inside_long_words_share_its_position():
    segs = segment("无法上网", index=True)
    assert {s.text for s in segs} >= {"无法上网", "无法", "上网"}
    assert {s.pos for s in segs} == {0}
    assert split_word("红灯闪烁") == ("红灯", "闪烁")
    assert split_word("机顶盒") is None


def test_pinyin_is_toneless_and_forgiving():
    assert set(spellings("光猫")) & set(spellings("光帽"))
    assert set(spellings("重启")) & set(spellings("冲启"))  # heteronyms: both readings are kept
    assert spellings("申告") == spellings("森告")  # sh/s and eng/en are typed alike
    assert spellings("LOS") == ()


def test_synonym_table_finds_groups_longest_first():
    table = synonyms.SynonymTable([("光猫", "ONU", "光调制解调器"), ("网断了", "无法上网", "上不了网")])
    found = table.find("家里网断了，ONU 红灯")
    assert [m.terms[0] for m in found] == ["网断了", "ONU"]
    assert set(found[1].terms) == {"ONU", "光猫", "光调制解调器"}
    assert table.find("ONUs") == []  # ASCII terms end at a word boundary
    assert table.alternatives("机顶盒") == ("机顶盒",)


def test_synonym_groups_sharing_a_term_join():
    table = synonyms.SynonymTable([("光猫", "ONU"), ("ONU", "ONT")])
    assert set(table.alternatives("光猫")) == {"光猫", "ONU", "ONT"}


def test_synonyms_can_be_fed_and_reloaded():
    shipped = synonyms.current()
    assert set(shipped.alternatives("光猫")) >= {"ONU", "光调制解调器", "光modem"}
    assert "无法上网" in shipped.alternatives("网断了")
    assert "STB" in shipped.alternatives("机顶盒")
    try:
        table = synonyms.set_extra_groups([("熔纤", "熔接")])
        assert "熔接" in table.alternatives("熔纤")
        assert "熔接" in synonyms.reload().alternatives("熔纤")
    finally:
        synonyms.set_extra_groups([])
    assert synonyms.current().alternatives("熔纤") == ("熔纤",)


def test_a_synonym_never_cuts_a_word_in_two():
    table = synonyms.SynonymTable([("没网", "无法上网")])
    labels = [c.label for c in free_text_clauses("家里没网络", table)]
    assert "没网" not in labels
    assert "没网" in [c.label for c in free_text_clauses("家里没网了", table)]


def test_query_language():
    free, filters, excluded = parse_query_text('"光猫 LOS" 红灯 -路由器 service:broadband tag:光猫 code:E102')
    assert free == '"光猫 LOS" 红灯'
    assert filters == [("services", "broadband"), ("tags", "光猫"), ("code", "E102")]
    assert excluded == ["路由器"]


def test_negative_numbers_times_and_macs_are_text():
    kinds = [(k, v) for k, v, _ in lex("光功率 -27 dBm 10:30 00:1a:2b:3c:4d:5e")]
    assert ("exclude", "27") not in kinds
    assert ("word", "-27") in kinds and ("word", "10:30") in kinds and ("word", "00:1a:2b:3c:4d:5e") in kinds


def test_plan_groups_alternatives_per_clause():
    plan = build_plan('光帽红灯闪 -"光猫 LOS" -service:iptv 服务:宽带', {"service": "宽带"})
    labels = [c.label for c in plan.optional]
    assert labels[0] == "光帽" and plan.optional[0].pinyin  # unknown characters: a phrase plus its pinyin
    assert plan.excluded[0].alts[0].mode == "phrase"
    assert ("services", "iptv") in plan.not_filters
    assert ("services", "broadband") in plan.filters  # a service's Chinese label is understood
