"""A crash between the database commit and the index update is repaired on the next start."""

from __future__ import annotations

from flask import Flask

from kb.search.service import search_articles
from servicedesk.search import current_index, repair_index
from tests import factories


def test_start_up_rewrites_what_the_index_missed(app: Flask, s, agent, lead, monkeypatch):
    kept = factories.approved_article(agent, lead, title="机顶盒无信号的处理")
    s.commit()
    assert [h.id for h in search_articles(current_index(), None, "机顶盒").items] == [kept.id]

    # The process dies after the commit, before the index hears of it.
    monkeypatch.setitem(app.extensions, "kb_index", None)
    lost = factories.approved_article(agent, lead, title="户户通 E-102 信号中断的处理", fault_codes=["E-102"])
    s.commit()
    monkeypatch.undo()
    assert search_articles(current_index(), None, "E-102").items == []

    assert repair_index() == 1
    assert [h.id for h in search_articles(current_index(), None, "E-102").items] == [lost.id]
    assert repair_index() == 0  # nothing left to repair
