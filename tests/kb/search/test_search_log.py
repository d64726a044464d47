"""The search log: every search with text is kept with the searcher's role only, and pruned after its time."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import inspect, select

from kb.orm import utcnow
from kb.search.searchlog import SearchLogEntry, prune_searches, record_search, unanswered_searches
from tests import factories
from tests.conftest import login_client


def _rows(s):
    return s.scalars(select(SearchLogEntry).order_by(SearchLogEntry.id)).all()


def test_searches_are_logged_with_the_role_only(app, s, agent, lead, subscriber):
    factories.approved_article(agent, lead, title="宽带拨号提示错误 691", fault_codes=["691"])
    s.commit()
    assert app.test_client().get("/kb/search?q=691").status_code == 200
    assert login_client(app, agent).get("/kb/search?q=机顶盒+E-999").status_code == 200
    assert login_client(app, subscriber).get("/kb/search?q=691&page=2").status_code == 200  # later pages: no
    rows = _rows(s)
    assert [(r.query, r.role, r.results) for r in rows] == [("691", "anonymous", 1), ("机顶盒 E-999", "agent", 0)]
    # Nothing that names the searcher is stored.
    columns = {c["name"] for c in inspect(s.get_bind()).get_columns("search_log")}
    assert columns == {"id", "created_at", "query", "role", "results", "token"}  # token: random, per search


def test_the_log_can_be_switched_off(app, s, agent):
    app.config["SEARCH_LOG_KEEP_DAYS"] = 0
    assert login_client(app, agent).get("/kb/search?q=光猫").status_code == 200
    assert _rows(s) == []


def test_unanswered_searches_are_counted_by_text_and_old_rows_pruned(s):
    now = utcnow()
    record_search(s, "STB  no signal", "user", 0)
    record_search(s, "stb no signal", "agent", 0)
    record_search(s, "光猫 LOS", "agent", 3)
    record_search(s, "老化的查询", "user", 0)
    s.flush()
    old = _rows(s)[-1]
    old.created_at = now - timedelta(days=100)
    s.flush()
    found = unanswered_searches(s, days=30, now=now)
    assert [(u.query.lower(), u.times) for u in found] == [("stb no signal", 2)]
    assert prune_searches(s, 90, now=now) == 1
    assert [r.query for r in _rows(s)] == ["STB no signal", "stb no signal", "光猫 LOS"]
