"""Long and chatty queries rank by the words that carry the fault; exact codes and words typed together beat
glossary expansions; a usefulness signal reorders only near-equal scores."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from kb.search import usefulness
from kb.search.index import SearchIndex
from kb.search.query import build_plan, strip_chatter
from kb.search.schema import make_document
from kb.search.service import search_articles
from tests.kb.search.conftest import STAFF


def _doc(id: int, title: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": id, "type": "solution", "status": "approved", "visibility": "public",
                            "author": 7, "title": title, "updated": datetime(2025, 1, 1 + id % 28, 8, 0),
                            "services": ["broadband"]}
    base.update(fields)
    return make_document(**base)


def _index(path: Path, docs: list[dict[str, Any]]) -> SearchIndex:
    ix = SearchIndex(path)
    ix.rebuild(docs)
    return ix


def _ids(ix: SearchIndex, q: str) -> list[int]:
    return [h.id for h in search_articles(ix, STAFF, q, per_page=10).items]


# Everyday desk articles: they all say the words callers use around a fault (用户, 报修, 上门, 处理, 电话).
FILLER = [
    _doc(100 + i, f"{topic}的处理", symptom=f"用户打电话报修{topic}，说家里{topic}。",
         steps="1. 电话联系用户\n2. 上门处理\n3. 处理完回访用户")
    for i, topic in enumerate(["固话杂音", "宽带账号欠费", "机顶盒死机", "路由器重启", "IPTV 黑屏", "装机预约",
                               "移机申请", "投诉受理", "满意度回访", "工单催办", "网线水晶头松动", "电费缴纳"])
]


def test_chatter_is_taken_out_where_it_stands_as_whole_words() -> None:
    text = "师傅你好，我家那个宽带这两天一到晚上就不太行，孩子还要上网课，麻烦帮忙看看"
    stripped = strip_chatter(text)
    assert "宽带" in stripped
    for filler in ("师傅", "你好", "我家那个", "这两天", "一到晚上就", "不太行", "孩子还要上网课", "麻烦"):
        assert filler not in stripped
    assert {c.label for c in build_plan(text).clauses} == {"宽带"}
    assert strip_chatter("你好") == "你好"  # nothing else left: searched as typed
    assert strip_chatter("喂奶") == "喂奶"  # 喂 inside a word stays


def test_a_long_call_finds_the_fault_not_the_articles_that_share_its_chatter(tmp_path: Path) -> None:
    right = _doc(1, "光猫 LOS 红灯闪烁，无法上网", symptom="光猫 LOS 灯红色闪烁，PON 灯熄灭。",
                 cause="入户光纤弯折或断裂，收光过低。", steps="检查尾纤和入户光纤，必要时重新熔接。")
    ix = _index(tmp_path / "ix", [right, *FILLER])
    call = ("喂，师傅你好，我家那个宽带这两天不太行，今天用户报修说楼下施工以后光猫红灯一直闪，"
            "打电话也没人接，麻烦你们上门处理一下，处理完给我回个电话")
    assert _ids(ix, call)[0] == 1
    # One telling word missing from the article (施工 is in none) does not drop it, and the filler
    # articles that match more of the words (用户, 报修, 电话, 上门, 处理) stay below it.
    assert _ids(ix, "用户报修 光猫 红灯 入户光纤 施工 电话 上门 处理")[0] == 1


def test_an_exact_code_and_words_typed_together_beat_glossary_expansions(tmp_path: Path) -> None:
    exact = _doc(1, "OLT 双节点测试告警 E-1302 的处理", fault_codes=["E-1302"],
                 symptom="主备 OLT 双节点测试时上报 E-1302。", steps="检查主备板倒换配置。")
    expansion = _doc(2, "用光功率计测量收光", symptom="测量光猫收光功率。", steps="接入光功率计，读数。")
    literal = _doc(3, "光节点巡检规范", symptom="光节点定期巡检。", steps="检查光节点输出电平。")
    ix = _index(tmp_path / "ix", [exact, expansion, literal, *FILLER])
    found = _ids(ix, "E-1302 双节点测试")
    assert found[0] == 1
    assert 2 not in found  # matched only through the glossary (测试 = 测量): left out when an exact match exists
    found = _ids(ix, "双节点测试")
    assert found[0] == 1 and 2 not in found
    # Without an exact match the glossary still helps, a little less than the word typed.
    assert _ids(ix, "测量")[:1] == [2]
    typed = _doc(4, "测试仪表的使用", symptom="测试收光。")
    ix2 = _index(tmp_path / "ix2", [typed, expansion, *FILLER])
    assert _ids(ix2, "测试")[:2] == [4, 2]


@pytest.fixture
def uses() -> Iterator[None]:
    yield
    usefulness.set_uses({})


def test_the_usefulness_factor_is_bounded_and_grows_with_use() -> None:
    assert usefulness.factor(0) == 1.0
    steps = [usefulness.factor(n) for n in (1, 5, 50, 10_000)]
    assert steps == sorted(steps) and steps[0] > 1.0
    assert steps[-1] == pytest.approx(1.0 + usefulness.MAX_BOOST)


def test_among_equals_the_useful_article_wins_but_never_over_a_more_exact_one(tmp_path: Path, uses: None) -> None:
    text = {"symptom": "机顶盒提示请插入智能卡。", "steps": "重新插卡，擦拭芯片。"}
    twin_a = _doc(1, "机顶盒提示插入智能卡", **text)
    twin_b = _doc(2, "机顶盒提示插入智能卡", **text)
    exact = _doc(3, "IPTV 开机认证失败", symptom="IPTV 开机提示认证失败。", steps="核对账号，重启机顶盒。")
    popular = _doc(4, "IPTV 常见问题汇总", symptom="IPTV 卡顿、黑屏、认证等问题。", steps="逐项排查。")
    ix = _index(tmp_path / "ix", [twin_a, twin_b, exact, popular, *FILLER])
    first = _ids(ix, "插入智能卡")[:2]
    assert sorted(first) == [1, 2]
    usefulness.set_uses({first[1]: 3})
    assert _ids(ix, "插入智能卡")[:2] == [first[1], first[0]]  # the one that solved problems comes first
    assert _ids(ix, "IPTV 开机认证失败")[0] == 3
    usefulness.set_uses({4: 1_000_000})  # used a million times: still not above the exact article
    assert _ids(ix, "IPTV 开机认证失败")[0] == 3
