"""GET /incidents through the desk queue's query: capped totals said plainly, states merged in order,
identifiers by index, a subscriber's own incidents only."""

from __future__ import annotations

from datetime import timedelta

from kb.actors import Role
from kb.orm import utcnow
from servicedesk.incidents import queries
from tests import factories
from tests.servicedesk.api.helpers import check_schema, error_of


def _page(api, who, **query):
    r = api.get("/incidents", who, query=query)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _aged(agent, subscriber, n: int, **fields):
    """n incidents, one minute apart, the last one newest."""
    now = utcnow()
    made = []
    for k in range(n):
        inc = factories.incident(agent, reporter=subscriber, title=f"机顶盒无信号 {k}", **fields)
        inc.created_at = now - timedelta(minutes=n - k)
        made.append(inc)
    return made


def test_a_total_past_the_cap_is_a_lower_bound(api, agent, subscriber, monkeypatch):
    monkeypatch.setattr(queries, "TOTAL_CAP", 3)
    made = _aged(agent, subscriber, 6)
    body = _page(api, agent, per_page=2)
    assert body["total_exact"] is False and body["total"] >= 4
    assert [i["id"] for i in body["items"]] == [made[5].id, made[4].id]
    # The last page knows the whole count without counting.
    last = _page(api, agent, per_page=2, page=3)
    assert last["total"] == 6 and last["total_exact"] is True and len(last["items"]) == 2
    # Under the cap the count is exact.
    small = _page(api, agent, area="township")
    assert small == {**small, "total": 0, "total_exact": True, "items": []}
    check_schema(api, api.get("/incidents", agent, query={"per_page": 2}), "IncidentPage")


def test_several_states_are_merged_in_the_asked_order(api, agent, lead, subscriber):
    made = _aged(agent, subscriber, 6)
    for inc in made[::2]:
        api.post(f"/incidents/{inc.id}/assign", agent, json={"assignee": "li.na"})
    api.post(f"/incidents/{made[1].id}/resolve", agent, json={"note": "已更换机顶盒"})
    newest = [i["id"] for i in _page(api, agent, status="assigned,new")["items"]]
    assert newest == [m.id for m in reversed(made) if m.id != made[1].id]
    oldest = _page(api, agent, status="assigned,new", sort="oldest", per_page=2, page=2)
    assert [i["id"] for i in oldest["items"]] == [made[3].id, made[4].id] and oldest["total"] == 5
    assert _page(api, agent, status="resolved,closed")["total"] == 1


def test_subscribers_search_only_their_own(api, agent, subscriber):
    other = factories.user(Role.USER, "zhao.min", display_name="赵敏")
    mine = factories.incident(agent, reporter=subscriber, customer_account="GD00012345", title="宽带拨号 691")
    theirs = factories.incident(agent, reporter=other, customer_account="GD00012346", title="宽带拨号 691")
    assert [i["id"] for i in _page(api, subscriber, q="GD000123")["items"]] == [mine.id]
    assert [i["id"] for i in _page(api, subscriber, q="691")["items"]] == [mine.id]
    assert _page(api, subscriber, q=theirs.number)["items"] == []
    assert {i["id"] for i in _page(api, agent, q="GD000123")["items"]} == {mine.id, theirs.id}
    # A subscriber filtering by assignee still sees only their own.
    assert _page(api, subscriber, assignee="none")["total"] == 1


def test_a_number_that_does_not_exist_finds_nothing(api, agent, subscriber):
    factories.incident(agent, reporter=subscriber, title="INC20990101 不是编号")
    assert _page(api, agent, q="INC20990101-0000001") == {
        "items": [], "total": 0, "total_exact": True, "page": 1, "per_page": 20}


def test_filters_combine_with_states_and_bad_ones_are_named(api, agent, subscriber):
    a, b = _aged(agent, subscriber, 2, service="iptv")
    api.post(f"/incidents/{a.id}/assign", agent, json={"assignee": "li.na"})
    assert [i["id"] for i in _page(api, agent, status="new,assigned", service="iptv,broadband",
                                   assignee="me")["items"]] == [a.id]
    assert [i["id"] for i in _page(api, agent, status="new,assigned", tier="1,2", verified="false")["items"]] \
        == [b.id, a.id]
    r = api.get("/incidents", agent, query={"status": "new,open", "sort": "newest,oldest", "tier": "5"})
    assert r.status_code == 400 and set(error_of(r)["fields"]) == {"status", "sort", "tier"}
