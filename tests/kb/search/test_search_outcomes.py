"""What came of a search is noted against the search's random token, never against a person: an article
opened from the results (with its rank), "solved it", a solution link, a report that followed."""

from __future__ import annotations

import threading

from sqlalchemy import delete, inspect, select
from sqlalchemy.orm import Session

from kb.search import usefulness
from kb.search.searchlog import (
    Outcome,
    SearchLogEntry,
    SearchOutcome,
    record_outcome,
    searches_followed_by_report,
)
from servicedesk import db
from servicedesk.search import refresh_usefulness
from tests import factories
from tests.conftest import login_client

REPORT = {"service": "broadband", "title": "宽带无法上网，光猫 LOS 红灯闪", "description": "昨晚开始断网。",
          "contact_phone": "138 1234 5678", "address": "幸福小区 3 栋 2 单元 501", "area": "urban", "submit": "1"}


def _outcomes(s: Session) -> list[tuple[str, int, int | None]]:
    return [(o.kind, o.article_id, o.rank) for o in s.scalars(select(SearchOutcome).order_by(SearchOutcome.id))]


def test_opened_and_solved_are_noted_with_the_rank_and_no_personal_data(app, s, agent, lead, subscriber):
    los = factories.approved_article(agent, lead, title="光猫 LOS 灯红色闪烁", visibility="public")
    other = factories.approved_article(agent, lead, title="光猫所有指示灯都不亮", visibility="public")
    s.commit()
    client = login_client(app, subscriber)
    assert client.get("/kb/search?q=光猫").status_code == 200
    entry = s.scalars(select(SearchLogEntry)).one()
    assert entry.role == "user" and entry.token and len(entry.token) == 16
    ids = {los.id, other.id}
    assert client.get(f"/kb/{los.id}").status_code == 200
    assert client.get(f"/kb/{los.id}").status_code == 200  # opened twice: noted once
    assert client.post(f"/kb/{los.id}/solved", data={"yes": "1"}).status_code == 302
    found = _outcomes(s)
    rank = found[0][2]
    assert found == [("opened", los.id, rank), ("solved", los.id, rank)] and rank in (1, 2)
    assert {o.token for o in s.scalars(select(SearchOutcome))} == {entry.token}
    # An article not reached from the search's results is not an outcome of it.
    lone = factories.approved_article(agent, lead, title="机顶盒遥控器失灵", visibility="public")
    s.commit()
    assert client.get(f"/kb/{lone.id}").status_code == 200
    assert len(_outcomes(s)) == 2 and ids >= {a for _, a, _ in _outcomes(s)}
    # Nothing that names the searcher is stored, in either table.
    columns = {c["name"] for c in inspect(s.get_bind()).get_columns("search_outcomes")}
    assert columns == {"id", "created_at", "token", "kind", "article_id", "rank"}


def test_a_report_after_a_search_lists_the_query_for_the_leads(app, s, agent, lead, subscriber):
    client = login_client(app, subscriber)
    assert client.get("/kb/search?q=光猫+E-7781+告警").status_code == 200
    assert client.post("/report", data=REPORT).status_code == 302
    assert _outcomes(s) == [("reported", 0, None)]
    listed = searches_followed_by_report(s)
    assert [(r.query, r.times, r.opened_nothing) for r in listed] == [("光猫 E-7781 告警", 1, 1)]
    en = login_client(app, lead)
    en.set_cookie("lang", "en")
    html = en.get("/kb/unfound").get_data(as_text=True)
    assert "Searches followed by a report" in html and "光猫 E-7781 告警" in html
    zh = login_client(app, lead)
    zh.set_cookie("lang", "zh_CN")
    assert "搜索之后报了故障的搜索" in zh.get("/kb/unfound").get_data(as_text=True)
    # The next report is not tied to that search again.
    assert client.post("/report", data={**REPORT, "title": "又断网了"}).status_code == 302
    assert len(_outcomes(s)) == 1


def test_linking_a_solution_found_by_a_search_is_noted_and_feeds_the_ranking(app, s, agent, lead, subscriber):
    sol = factories.approved_article(agent, lead, title="宽带拨号提示错误 691", fault_codes=["691"])
    incident = factories.incident(agent, subscriber)
    s.commit()
    client = login_client(app, agent)
    assert client.get("/kb/search?q=691").status_code == 200
    answer = client.post(f"/desk/incidents/{incident.id}/solution",
                         data={"link-article_id": str(sol.id), "link-version": str(incident.version)})
    assert answer.status_code == 302
    assert ("linked", sol.id, 1) in _outcomes(s)
    try:
        assert refresh_usefulness() == 1
        assert usefulness.factors()[sol.id] > 1.0
    finally:
        usefulness.set_uses({})


def test_an_outcome_is_noted_once_even_when_two_arrive_at_the_same_moment(engine):
    barrier = threading.Barrier(2)
    answers: list[bool] = []
    errors: list[BaseException] = []

    def note() -> None:
        try:
            with db.writing(), Session(bind=engine, expire_on_commit=False) as mine:
                barrier.wait()
                answers.append(record_outcome(mine, "a" * 16, Outcome.OPENED, 42, 1))
                mine.commit()
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=note) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert not errors and sorted(answers) in ([False, True], [True, True])
        with Session(bind=engine) as check:
            rows = check.scalars(select(SearchOutcome).where(SearchOutcome.token == "a" * 16)).all()
            assert [(r.kind, r.article_id) for r in rows] == [("opened", 42)]
    finally:
        with db.writing(), Session(bind=engine) as clean:
            clean.execute(delete(SearchOutcome).where(SearchOutcome.token == "a" * 16))
            clean.commit()
