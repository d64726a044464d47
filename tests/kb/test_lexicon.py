"""The leads' dictionary and synonyms: they change search after the commit, in every worker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kb import lexicon
from kb import services as kb
from kb.errors import Forbidden, ValidationError
from kb.search import analyzer, service, synonyms
from kb.search.sync import reconcile_index
from servicedesk.incidents.services import incident_counts_for
from servicedesk.search import current_index, load_lexicon
from tests import factories


@pytest.fixture(autouse=True)
def _fresh_lexicon(app) -> Iterator[None]:
    """Each test starts, and leaves the process, with no lead words or groups (its rows roll back)."""
    lexicon.apply_snapshot(lexicon.Snapshot(""))
    yield
    lexicon.apply_snapshot(lexicon.Snapshot(""))
    lexicon.forget_loaded()


def found(text, actor):
    return [h.id for h in service.search_articles(current_index(), actor, text).items]


def refusal(add, s, lead, value, field):
    """The code of the refusal, which names the field."""
    with pytest.raises(ValidationError) as caught:
        add(s, lead, value)
    assert caught.value.fields == {field: caught.value.code}
    return caught.value.code


def title_terms(word):
    """How many live documents hold word as one term of their title."""
    return current_index().view().term_bits("title", word).bit_count()


def test_a_lead_word_is_indexed_whole_and_found_by_its_pinyin(s, agent, lead, subscriber):
    a = factories.approved_article(agent, lead, title="熔纤盘更换步骤", body="打开接头盒，取出熔纤盘。")
    other = factories.approved_article(agent, lead, title="分纤箱安装规范", body="分纤箱固定在楼道。")
    s.commit()
    assert analyzer.tokens("熔纤盘") == ["熔", "纤", "盘"]  # jieba does not know the word
    assert title_terms("熔纤盘") == 0
    assert found("融纤盘", subscriber) == []  # the typo (same pinyin) cannot find single characters

    lexicon.add_word(s, lead, "熔纤盘")
    s.commit()

    assert analyzer.tokens("熔纤盘") == ["熔纤盘"]
    assert title_terms("熔纤盘") == 1  # the article containing the word was indexed again
    assert found("熔纤盘", subscriber) == [a.id]
    assert found("融纤盘", subscriber) == [a.id]
    assert found("分纤箱", subscriber) == [other.id]


def test_removing_a_word_restores_the_shipped_segmentation(s, agent, lead, subscriber):
    a = factories.approved_article(agent, lead, title="熔纤盘更换步骤")
    s.commit()
    entry = lexicon.add_word(s, lead, "熔纤盘")
    s.commit()
    assert found("融纤盘", subscriber) == [a.id]

    assert lexicon.remove_word(s, lead, entry.id) == "熔纤盘"
    s.commit()
    assert analyzer.tokens("熔纤盘") == ["熔", "纤", "盘"]
    assert title_terms("熔纤盘") == 0
    assert found("融纤盘", subscriber) == []
    assert found("熔纤盘", subscriber) == [a.id]  # still found character by character


def test_a_lead_synonym_group_expands_queries_until_removed(s, agent, lead, subscriber):
    a = factories.approved_article(agent, lead, title="光猫设置桥接模式", body="在光猫管理页面把连接方式改为桥接。")
    s.commit()
    assert found("改桥", subscriber) == []

    group = lexicon.add_synonym_group(s, lead, "改桥 = 桥接模式")
    s.commit()
    assert found("改桥", subscriber) == [a.id]
    assert lexicon.read_snapshot(s).groups == (("改桥", "桥接模式"),)

    lexicon.remove_synonym_group(s, lead, group.id)
    s.commit()
    assert found("改桥", subscriber) == []


def test_a_group_may_extend_a_shipped_group(s, agent, lead, subscriber):
    a = factories.approved_article(agent, lead, title="光猫 LOS 灯红的处理")
    s.commit()
    lexicon.add_synonym_group(s, lead, "光猫, 光网络终端")
    s.commit()
    assert found("光网络终端", subscriber) == [a.id]
    assert "ONU" in synonyms.current().alternatives("光网络终端")


@pytest.mark.parametrize(("word", "code"), [
    ("", "word_required"),
    ("   ", "word_required"),
    ("熔" * 21, "word_too_long"),
    ("熔纤 盘", "word_has_space"),
    ("熔纤、盘", "word_has_punctuation"),
    ("熔纤pan", "word_not_chinese"),
    ("熔", "word_too_short"),
    ("光猫", "word_shipped"),
    ("水晶", "word_known"),
])
def test_bad_words_are_refused_with_the_reason(s, lead, word, code):
    assert refusal(lexicon.add_word, s, lead, word, "word") == code


def test_a_word_is_added_once(s, lead):
    lexicon.add_word(s, lead, "熔纤盘")
    s.commit()
    with pytest.raises(ValidationError) as caught:
        lexicon.add_word(s, lead, " 熔纤盘 ")
    assert caught.value.code == "word_taken"


@pytest.mark.parametrize(("terms", "code"), [
    ("", "terms_required"),
    (" = , ", "terms_required"),
    ("改桥", "too_few_terms"),
    ("改桥 = 改桥", "term_repeated"),
    ("ONU = onu", "term_repeated"),
    ("桥 = 桥接模式", "term_single_char"),
    ("改桥 = " + "桥" * 41, "term_too_long"),
    ("改桥 = 的", "term_single_char"),
    ("改桥 = ……", "term_not_searchable"),
    ("=".join(f"词{i:02d}" for i in range(21)), "too_many_terms"),
    ("x" * 501, "terms_too_long"),
])
def test_bad_groups_are_refused_with_the_reason(s, lead, terms, code):
    assert refusal(lexicon.add_synonym_group, s, lead, terms, "terms") == code


def test_a_term_belongs_to_one_lead_group(s, lead):
    lexicon.add_synonym_group(s, lead, "改桥 = 桥接模式")
    s.commit()
    with pytest.raises(ValidationError) as caught:
        lexicon.add_synonym_group(s, lead, "路由模式 = 改桥")
    assert caught.value.code == "term_taken"
    assert caught.value.params == {"term": "改桥", "group": "改桥 = 桥接模式"}


def test_only_leads_and_admins_manage_the_lexicon(s, agent, subscriber, admin):
    for actor in (agent, subscriber):
        with pytest.raises(Forbidden):
            lexicon.add_word(s, actor, "熔纤盘")
        with pytest.raises(Forbidden):
            lexicon.add_synonym_group(s, actor, "改桥 = 桥接模式")
    assert lexicon.add_word(s, admin, "熔纤盘").created_by_id == admin.id


def test_a_refused_or_rolled_back_change_leaves_words_and_index_as_they_were(s, agent, lead, subscriber):
    a = factories.approved_article(agent, lead, title="熔纤盘更换步骤")
    s.commit()
    version = lexicon.lexicon_version(s)
    with pytest.raises(ValidationError):
        lexicon.add_word(s, lead, "熔纤 盘")
    lexicon.add_word(s, lead, "熔纤盘")
    s.flush()
    s.rollback()
    assert lexicon.lexicon_version(s) == version
    assert analyzer.lead_words() == {}
    assert title_terms("熔纤盘") == 0
    assert found("融纤盘", subscriber) == []
    assert found("熔纤盘", subscriber) == [a.id]


def test_a_failed_index_write_is_repaired_on_the_next_start(s, agent, lead, subscriber):
    a = factories.approved_article(agent, lead, title="熔纤盘更换步骤")
    s.commit()
    ix = current_index()
    ix.background_merge = False
    saved = ix.apply

    def broken(*args, **kwargs):
        raise OSError("disk full")

    ix.apply = broken  # type: ignore[method-assign]
    try:
        lexicon.add_word(s, lead, "熔纤盘")
        s.commit()  # the database keeps the word; the index could not follow
    finally:
        ix.apply = saved  # type: ignore[method-assign]
    assert [w.word for w in lexicon.list_words(s)] == ["熔纤盘"]
    assert title_terms("熔纤盘") == 0
    assert ix.lexicon_version() != lexicon.lexicon_version(s)

    assert reconcile_index(s, ix, count_incidents=incident_counts_for) == 1
    assert title_terms("熔纤盘") == 1
    assert found("融纤盘", subscriber) == [a.id]
    assert reconcile_index(s, ix) == 0


def test_another_worker_picks_up_the_change_on_its_next_request(s, agent, lead, subscriber):
    a = factories.approved_article(agent, lead, title="光猫设置桥接模式")
    lexicon.add_synonym_group(s, lead, "改桥 = 桥接模式")
    lexicon.add_word(s, lead, "熔纤盘")
    s.commit()
    # Another process: started before the change, so it holds the shipped lexicon only.
    lexicon.apply_snapshot(lexicon.Snapshot("an older version"))
    assert found("改桥", subscriber) == []
    assert analyzer.tokens("熔纤盘") == ["熔", "纤", "盘"]

    assert load_lexicon() is True  # what every request does first
    assert found("改桥", subscriber) == [a.id]
    assert analyzer.tokens("熔纤盘") == ["熔纤盘"]
    assert load_lexicon() is False  # nothing changed since: one read, nothing reloaded


def test_every_worker_cuts_text_the_same_whatever_the_order_of_changes(s, lead):
    lexicon.add_word(s, lead, "熔纤盘")
    lexicon.add_word(s, lead, "改桥")
    s.commit()
    gradual = analyzer.segmenter().total, analyzer.index_tokens("打开熔纤盘后改桥")
    lexicon.apply_snapshot(lexicon.Snapshot(""))
    lexicon.forget_loaded()
    load_lexicon()  # a worker that starts now loads both words at once
    assert (analyzer.segmenter().total, analyzer.index_tokens("打开熔纤盘后改桥")) == gradual


def test_articles_written_after_a_word_was_added_are_cut_with_it(s, agent, lead, subscriber):
    lexicon.add_word(s, lead, "熔纤盘")
    s.commit()
    a = factories.article(agent, title="接头盒维护")
    s.commit()
    kb.update_article(s, a, agent, {"title": "接头盒与熔纤盘维护"})
    s.commit()
    assert title_terms("熔纤盘") == 1
    assert [h.id for h in service.search_articles(current_index(), agent, "融纤盘", status="draft").items] == [a.id]
