"""Problems and changes with many people at once, over HTTP on a real server (two gunicorn workers, the database
migrated by run.py): calls released at the same moment from threads. Each conflict is a 409 with its code."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from tests.live import INCIDENT, Node, Reply, Tally, approved_article, at_once, make_users, own_database, start_node

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="gunicorn and flock are POSIX")


@dataclass
class Desk:
    node: Node
    tokens: dict[str, str]


@pytest.fixture(scope="module")
def desk(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    folder = tmp_path_factory.mktemp("live-problems")
    with own_database(database_url, folder, "liveprb") as url:
        node = start_node(url, folder / "node", workers=2)
        try:
            tokens = make_users(url, folder / "node", {
                "li.na": "agent", "zhao.lei": "agent", "wang.qiang": "lead", "sun.tao": "lead", "zhang.wei": "user",
                "zheng.admin": "admin"})
            yield Desk(node, tokens)
        finally:
            node.stop()


def _incident(desk: Desk) -> int:
    r = desk.node.call("POST", "/incidents", desk.tokens["li.na"], {**INCIDENT, "reporter": "zhang.wei"})
    assert r.status == 201, r
    return int(r.body["id"])


def _problem(desk: Desk, who: str, title: str) -> int:
    r = desk.node.call("POST", "/problems", desk.tokens[who], {"title": title, "service": "broadband"})
    assert r.status == 201, r
    return int(r.body["id"])


def _one_wins(tally: Tally) -> None:
    assert tally.server_errors() == [], tally
    assert tally.counts == {200: 1, 409: 1}, tally


def _codes(replies: list[Reply]) -> set[str]:
    return {r.body["error"]["code"] for r in replies if r.status == 409}


def test_one_incident_into_two_problems_at_once(desk: Desk) -> None:
    for round_ in range(4):
        incident = _incident(desk)
        first, second = _problem(desk, "li.na", f"甲的问题 {round_}"), _problem(desk, "zhao.lei", f"乙的问题 {round_}")
        tally, replies = Tally(), []

        def gather(who: str, problem: int, incident: int = incident, replies: list[Reply] = replies) -> Reply:
            reply = desk.node.call("POST", f"/problems/{problem}/incidents", desk.tokens[who],
                                   {"incident_ids": [incident]})
            replies.append(reply)
            return reply

        at_once([lambda first=first: gather("li.na", first), lambda second=second: gather("zhao.lei", second)],
                tally)
        _one_wins(tally)
        assert _codes(replies) <= {"already_in_problem", "concurrent_change"}, replies
        owners = [p for p in (first, second)
                  if incident in desk.node.call("GET", f"/problems/{p}", desk.tokens["li.na"]).body["incident_ids"]]
        assert len(owners) == 1


def test_two_resolves_at_once(desk: Desk) -> None:
    article = approved_article(desk.node, desk.tokens["li.na"], desk.tokens["wang.qiang"], "熔接主干光缆后业务恢复")
    for round_ in range(3):
        problem = _problem(desk, "li.na", f"主干光缆中断 {round_}")
        incidents = [_incident(desk) for _ in range(3)]
        token = desk.tokens["li.na"]
        added = desk.node.call("POST", f"/problems/{problem}/incidents", token, {"incident_ids": incidents})
        assert added.status == 200, added
        assert desk.node.call("PUT", f"/problems/{problem}/solution", token, {"article_id": article}).status == 200
        tally, replies = Tally(), []

        def resolve(who: str, problem: int = problem, replies: list[Reply] = replies) -> Reply:
            reply = desk.node.call("POST", f"/problems/{problem}/resolve", desk.tokens[who], {"note": "熔接完成"})
            replies.append(reply)
            return reply

        at_once([lambda: resolve("li.na"), lambda: resolve("zhao.lei")], tally)
        _one_wins(tally)
        assert _codes(replies) <= {"problem_resolved", "concurrent_change"}, replies
        for incident in incidents:
            body = desk.node.call("GET", f"/incidents/{incident}", token).body
            assert body["status"] == "resolved"


def test_two_leads_approving_one_change_at_once(desk: Desk) -> None:
    admin = desk.tokens["zheng.admin"]
    station = desk.node.call("POST", "/stations", admin, {"name": "青山镇服务站"})
    assert station.status == 201, station
    group = desk.node.call("POST", f"/stations/{station.body['id']}/groups", admin, {"name": "青山装维组"})
    assert group.status == 201, group
    zone = desk.node.call("POST", f"/groups/{group.body['id']}/zones", admin, {"code": "QS-01", "name": "青山镇区"})
    assert zone.status == 201, zone
    start = datetime.now(UTC) + timedelta(days=2)
    for round_ in range(3):
        r = desk.node.call("POST", "/changes", desk.tokens["li.na"], {
            "title": f"OLT 割接 {round_}", "services": ["broadband"], "zones": ["QS-01"], "cutover": True,
            "planned_start": start.isoformat(), "planned_end": (start + timedelta(hours=2)).isoformat()})
        assert r.status == 201, r
        change = r.body["id"]
        tally, replies = Tally(), []

        def approve(who: str, change: int = change, replies: list[Reply] = replies) -> Reply:
            reply = desk.node.call("POST", f"/changes/{change}/approve", desk.tokens[who], {})
            replies.append(reply)
            return reply

        at_once([lambda: approve("wang.qiang"), lambda: approve("sun.tao")], tally)
        _one_wins(tally)
        assert _codes(replies) <= {"invalid_transition", "concurrent_change"}, replies
        notices = desk.node.call("GET", "/outages", admin, query={"state": "all"}).body["items"]
        assert len([o for o in notices if o["title"].startswith(r.body["number"])]) == 1  # one notice, not two
