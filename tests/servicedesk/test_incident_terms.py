"""The word index of incident titles: any incident, however old, is found by the words of its title."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from kb import lexicon
from kb.orm import utcnow
from kb.search import analyzer
from servicedesk.incidents import terms
from servicedesk.incidents.models import Incident, IncidentTerm
from servicedesk.incidents.queries import QueueFilters, queue_page
from servicedesk.incidents.workflow import IncidentStatus
from tests import factories


@pytest.fixture(params=["rare", "merged", "common"])
def word_path(request, monkeypatch):
    """Every way a search runs: from the rarest word's incidents, by merging the words' lists, and (the
    words common together) row by row."""
    if request.param == "merged":
        monkeypatch.setattr(terms, "PROBE_CAP", 0)
    if request.param == "common":
        monkeypatch.setattr(terms, "PROBE_CAP", 0)
        monkeypatch.setattr(terms, "ID_CAP", 0)
    return request.param


@pytest.fixture
def titles(s, agent, subscriber):
    old = factories.incident(agent, reporter=subscriber, title="户户通机顶盒提示 E-102，电视没信号",
                             service="satellite_tv")
    old.created_at = utcnow() - timedelta(days=3 * 365)  # years older than the rest
    made = {"old": old}
    for key, title in {
        "w102": "机顶盒提示 W-102",
        "wifi": "WiFi 信号弱，卧室连不上",
        "both": "光猫红灯闪，无法上网",
        "modem": "光猫更换后网速慢",
        "iptv": "IPTV 播放卡顿马赛克",
    }.items():
        made[key] = factories.incident(agent, reporter=subscriber, title=title)
    s.flush()
    return made


def _found(s, user, q, **kw):
    page = queue_page(s, user.id, tab=kw.pop("tab", "all"), filters=QueueFilters(q=q), **kw)
    return {i.id for i in page.items}, page.total


def test_an_old_incident_is_found_by_a_word_of_its_title(s, agent, titles, word_path):
    old = titles["old"].id
    assert _found(s, agent, "户户通") == ({old}, 1)
    assert _found(s, agent, "没信号") == ({old}, 1)
    # Newest first or oldest first, the old one is there: the search does not read the newest rows only.
    assert old in _found(s, agent, "机顶盒", sort="newest")[0]
    assert _found(s, agent, "机顶盒", sort="oldest")[0] == {old, titles["w102"].id}


def test_english_words_in_any_case_and_mixed_with_chinese(s, agent, titles, word_path):
    assert _found(s, agent, "wifi")[0] == {titles["wifi"].id}
    assert _found(s, agent, "WIFI 卧室")[0] == {titles["wifi"].id}
    assert _found(s, agent, "iptv 卡顿")[0] == {titles["iptv"].id}
    assert _found(s, agent, "IPTV 光猫")[0] == set()


def test_a_fault_code_matches_exactly(s, agent, titles, word_path):
    assert _found(s, agent, "E-102")[0] == {titles["old"].id}
    assert _found(s, agent, "e102")[0] == {titles["old"].id}  # the same code, typed loosely
    assert _found(s, agent, "W-102")[0] == {titles["w102"].id}
    assert _found(s, agent, "E-103")[0] == set()


def test_every_word_must_be_in_the_title(s, agent, titles, word_path):
    assert _found(s, agent, "光猫")[0] == {titles["both"].id, titles["modem"].id}
    assert _found(s, agent, "光猫 红灯")[0] == {titles["both"].id}
    assert _found(s, agent, "红灯 光猫")[0] == {titles["both"].id}  # in any order
    assert _found(s, agent, "无法上网")[0] == {titles["both"].id}
    assert _found(s, agent, "光猫 户户通")[0] == set()
    assert _found(s, agent, "光猫", tab="closed")[0] == set()  # the tab still applies


def test_punctuation_or_stopwords_alone_find_nothing(s, agent, titles):
    assert _found(s, agent, "，。")[0] == set()
    assert _found(s, agent, "的")[0] == set()


def test_a_title_edit_rewrites_the_words(s, agent, titles):
    inc = titles["wifi"]
    inc.title = "路由器 DHCP 获取不到地址"
    s.flush()
    assert _found(s, agent, "wifi")[0] == set()
    assert _found(s, agent, "dhcp 路由器")[0] == {inc.id}
    held = set(s.scalars(select(IncidentTerm.term).where(IncidentTerm.incident_id == inc.id)))
    assert held == terms.title_terms("路由器 DHCP 获取不到地址")


def test_a_rolled_back_create_leaves_no_words(s, agent, subscriber):
    savepoint = s.begin_nested()
    inc = factories.incident(agent, reporter=subscriber, title="分光器端口故障")
    gone = inc.id
    assert s.scalar(select(IncidentTerm.term).where(IncidentTerm.incident_id == gone)) is not None
    savepoint.rollback()
    assert s.scalar(select(IncidentTerm.term).where(IncidentTerm.incident_id == gone)) is None
    assert s.get(Incident, gone) is None
    assert _found(s, agent, "分光器")[0] == set()


@pytest.fixture
def places(s, agent, subscriber):
    """Place names jieba does not know, cut into single characters, beside the words of the fault."""
    made = {key: factories.incident(agent, reporter=subscriber, title=title) for key, title in {
        "here": "乡南小区宽带经常掉线",
        "here_tv": "乡南小区电视没信号",
        "reversed": "南乡小区宽带经常掉线",  # the same characters in another order: another place
        "apart": "小区乡 南宽带掉线",  # every character of the place, not side by side
        "elsewhere": "西北小区宽带经常掉线",
    }.items()}
    s.flush()
    return made


def test_an_unknown_place_name_and_a_word_find_exactly_that_place(s, agent, places, word_path):
    assert terms.query_terms("乡南小区 掉线") == ["乡南", "小区", "掉线"]
    assert _found(s, agent, "乡南小区 掉线") == ({places["here"].id}, 1)
    assert _found(s, agent, "乡南小区")[0] == {places["here"].id, places["here_tv"].id}
    assert _found(s, agent, "南乡小区")[0] == {places["reversed"].id}
    assert _found(s, agent, "乡 南 小区")[0] == {places["here"].id, places["here_tv"].id, places["reversed"].id,
                                             places["apart"].id}  # typed apart, asked for apart
    # A single character still finds every title that holds it as a word of its own.
    assert _found(s, agent, "乡")[0] == {places["here"].id, places["here_tv"].id, places["reversed"].id,
                                         places["apart"].id}


def test_an_unknown_name_is_indexed_by_its_pairs_and_its_characters(s, agent, places):
    held = set(s.scalars(select(IncidentTerm.term).where(IncidentTerm.incident_id == places["here"].id)))
    assert {"乡南", "乡", "南", "小区", "掉线"} <= held
    assert "南小" not in held  # 小区 is a word: only characters standing alone are paired


@pytest.fixture
def fresh_lexicon(app):
    """The test starts, and leaves the process, with no lead words (the rows it commits are cleared)."""
    lexicon.apply_snapshot(lexicon.Snapshot(""))
    yield
    lexicon.apply_snapshot(lexicon.Snapshot(""))
    lexicon.forget_loaded()


def test_a_place_a_lead_teaches_still_finds_the_incidents_indexed_before(s, agent, lead, subscriber,
                                                                         fresh_lexicon, word_path):
    before = factories.incident(agent, reporter=subscriber, title="乡南小区宽带经常掉线")
    factories.incident(agent, reporter=subscriber, title="西北小区宽带经常掉线")
    s.commit()
    assert _found(s, agent, "乡南小区") == ({before.id}, 1)  # by its pairs: jieba does not know the place

    word = lexicon.add_word(s, lead, "乡南小区")
    s.commit()
    assert terms.query_terms("乡南小区 掉线") == ["乡南小区", "掉线"]  # now asked for whole
    after = factories.incident(agent, reporter=subscriber, title="乡南小区电视没信号")
    s.commit()
    assert _found(s, agent, "乡南小区") == ({before.id, after.id}, 2)
    assert _found(s, agent, "乡南小区 掉线") == ({before.id}, 1)

    lexicon.remove_word(s, lead, word.id)
    s.commit()
    assert terms.query_terms("乡南小区") == ["乡南", "小区"]  # by its pairs again, the newer one too
    assert _found(s, agent, "乡南小区") == ({before.id, after.id}, 2)
    assert _found(s, agent, "乡南小区 没信号") == ({after.id}, 1)


def test_a_rolled_back_word_leaves_the_title_words_and_the_cut_as_they_were(s, agent, lead, subscriber,
                                                                            fresh_lexicon):
    inc = factories.incident(agent, reporter=subscriber, title="乡南小区宽带经常掉线")
    s.commit()
    held = set(s.scalars(select(IncidentTerm.term).where(IncidentTerm.incident_id == inc.id)))
    lexicon.add_word(s, lead, "乡南小区")
    s.flush()
    assert "乡南小区" in set(s.scalars(select(IncidentTerm.term).where(IncidentTerm.incident_id == inc.id)))
    s.rollback()
    assert set(s.scalars(select(IncidentTerm.term).where(IncidentTerm.incident_id == inc.id))) == held
    assert analyzer.lead_words() == {}
    assert terms.query_terms("乡南小区") == ["乡南", "小区"]
    assert _found(s, agent, "乡南小区") == ({inc.id}, 1)


def test_reindexing_titles_repairs_their_words_and_then_writes_nothing(app, s, agent, subscriber):
    """After an upgrade changes how titles are cut, `flask incidents reindex-titles` brings every incident's
    words in line; only what differs is written, so a second run changes nothing."""
    kept = factories.incident(agent, reporter=subscriber, title="光猫红灯闪，无法上网")
    stale = factories.incident(agent, reporter=subscriber, title="乡南小区宽带经常掉线")
    s.flush()
    right = set(s.scalars(select(IncidentTerm.term).where(IncidentTerm.incident_id == stale.id)))
    # As an older analyzer left them: the place whole, not by its pairs, and a word the title no longer holds.
    s.execute(delete(IncidentTerm).where(IncidentTerm.incident_id == stale.id, IncidentTerm.term == "乡南"))
    s.add_all([IncidentTerm(term="乡南小区", incident_id=stale.id), IncidentTerm(term="电视", incident_id=stale.id)])
    s.commit()
    assert _found(s, agent, "乡南小区")[0] == set()

    result = app.test_cli_runner().invoke(args=["incidents", "reindex-titles"])
    assert result.exit_code == 0, result.output
    assert "read 2 incident titles; words rewritten for 1" in result.output
    assert set(s.scalars(select(IncidentTerm.term).where(IncidentTerm.incident_id == stale.id))) == right
    assert _found(s, agent, "乡南小区") == ({stale.id}, 1)
    assert _found(s, agent, "电视")[0] == set()
    assert terms.rewrite_title_words(s) == (2, 0)
    assert terms.rewrite_title_words(s, holding=["光猫"]) == (1, 0)  # only the titles holding the word are read
    assert _found(s, agent, "光猫") == ({kept.id}, 1)


def test_a_very_common_word_with_a_rare_one_is_exact(s, agent, subscriber, word_path):
    common = [factories.incident(agent, reporter=subscriber, title="光猫红灯闪，无法上网") for _ in range(6)]
    rare = factories.incident(agent, reporter=subscriber, title="东坝新村光猫红灯闪")
    other = factories.incident(agent, reporter=subscriber, title="东坝新村电视没信号")
    s.flush()
    assert _found(s, agent, "光猫 东坝") == ({rare.id}, 1)
    assert _found(s, agent, "东坝")[0] == {rare.id, other.id}
    assert _found(s, agent, "光猫")[1] == len(common) + 1


@pytest.mark.parametrize("q", ["光猫", "光猫 红灯"])
def test_words_in_many_titles_are_counted_up_to_the_search_cap(s, agent, subscriber, monkeypatch, q):
    """Words more titles hold than ID_CAP are checked row by row: the total stops past SEARCH_CAP (a
    search with nothing else to check is known to pass it without counting); the rows are exact all the same."""
    from servicedesk.incidents import queries

    monkeypatch.setattr(terms, "PROBE_CAP", 3)
    monkeypatch.setattr(terms, "ID_CAP", 2)
    monkeypatch.setattr(queries, "SEARCH_CAP", 3)
    made = [factories.incident(agent, reporter=subscriber, title="光猫红灯闪，无法上网") for _ in range(6)]
    factories.incident(agent, reporter=subscriber, title="机顶盒提示 E-102")
    s.flush()
    caps: list[int] = []
    counted = queries._capped_count
    monkeypatch.setattr(queries, "_capped_count", lambda where, cap: caps.append(cap) or counted(where, cap))

    every = queue_page(s, agent.id, tab="all", filters=QueueFilters(q=q))
    assert {i.id for i in every.items} == {i.id for i in made}
    assert (every.total, every.cap, every.capped, every.pages) == (4, 3, True, None)
    if q == "光猫":  # its newest PROBE_CAP + 1 titles were counted already: no count of the list
        assert 3 not in caps

    for inc in made[:4]:
        inc.status, inc.cancel_reason = IncidentStatus.CANCELLED, "重复报障"
    s.flush()
    open_ = queue_page(s, agent.id, tab="open", filters=QueueFilters(q=q))
    assert {i.id for i in open_.items} == {i.id for i in made[4:]}
    assert (open_.total, open_.capped) == (2, False)  # under the cap: exact


def test_migration_0010_writes_the_pairs_of_existing_titles_and_takes_them_back(tmp_path):
    from alembic import command
    from sqlalchemy import text

    from servicedesk import create_app
    from servicedesk.cli import alembic_config
    from servicedesk.config import config_for_tests

    app = create_app(config_for_tests(tmp_path, f"sqlite:///{tmp_path / 'terms.db'}"))
    with app.app_context():
        cfg = alembic_config()
        command.upgrade(cfg, "0009")
        eng = app.extensions["sqlalchemy_engine"]
        with eng.connect() as c:
            # Every required column of incidents as it stands at 0009, with a value of its type (the row
            # only carries a title: its checks are not what this test is about; people are user 1).
            c.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
            c.execute(text("INSERT INTO users (id, username, display_name, email, phone, role, password_hash,"
                           " active, locale, created_at)"
                           " VALUES (1, 'li.na', '李娜', '', '', 'agent', '', 1, '', '2026-01-01')"))
            values = {}
            for _cid, name, kind, notnull, default, _pk in c.execute(text("PRAGMA table_info(incidents)")):
                if name == "title":
                    values[name] = "乡南小区宽带经常掉线"
                elif name == "id":
                    values[name] = 1
                elif notnull and default is None:
                    kind = kind.upper()
                    values[name] = (1 if "INT" in kind or "BOOL" in kind else
                                    "2026-01-01 00:00:00" if "DATE" in kind or "TIME" in kind else "x")
            names = ", ".join(values)
            c.execute(text(f"INSERT INTO incidents ({names}) VALUES ({', '.join(':' + k for k in values)})"), values)
            c.execute(text("INSERT INTO incident_terms (term, incident_id) VALUES ('乡', 1), ('南', 1), ('小区', 1),"
                           " ('宽带', 1), ('经常', 1), ('掉线', 1)"))  # as 0007 wrote them
            c.commit()

        def held() -> set[str]:
            with eng.connect() as c:
                return set(c.execute(text("SELECT term FROM incident_terms WHERE incident_id = 1")).scalars())

        command.upgrade(cfg, "0010")
        assert held() == terms.title_terms("乡南小区宽带经常掉线")
        assert "乡南" in held()
        command.downgrade(cfg, "0009")
        assert held() == {"乡", "南", "小区", "宽带", "经常", "掉线"}
        eng.dispose()
