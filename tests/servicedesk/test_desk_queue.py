"""The queue as SQL: every tab, filter, search and sort, the merged per-state reading, capped counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kb.actors import Role
from kb.orm import utcnow
from servicedesk.incidents import lifecycle, queries
from servicedesk.incidents import services as svc
from servicedesk.incidents.models import Incident
from servicedesk.incidents.queries import QueueFilters, queue_page
from servicedesk.org import services as org
from servicedesk.org.models import Zone
from servicedesk.users.models import User
from tests import factories


@pytest.fixture
def desk(s, admin, agent, lead, subscriber):
    """Two zones of one group led by a specialist; incidents in every queue."""
    leader = factories.user(Role.SPECIALIST, "zu.zhang", display_name="张组长")
    other = factories.user(Role.AGENT, "wang.fang", display_name="王芳")
    station = org.create_station(s, admin, "城东服务站")
    group = org.create_group(s, admin, station, "第一维护组", leader=leader)
    org.create_zone(s, admin, group, code="CD-01", name="城东一片区", manager=agent, area="urban")
    org.create_zone(s, admin, group, code="CD-02", name="城东二片区", manager=None, area="township")
    org.upsert_subscriber(s, agent, {"account": "GD20240099", "name": "刘洋", "phone": "13912345678", "zone": "CD-02"})
    now = utcnow()
    inc = {}
    inc["mine"] = factories.incident(agent, reporter=subscriber, zone="CD-01", title="我片区的光猫红灯")
    inc["group_queue"] = factories.incident(agent, reporter=subscriber, customer_account="GD20240099", area=None,
                                            title="二片区电视没信号", service="cable_tv")
    inc["loose"] = factories.incident(agent, reporter=subscriber, title="无片区的网速慢", customer_account="HZ0001")
    inc["other"] = factories.incident(agent, reporter=subscriber, title="王芳的工单")
    svc.assign_incident(s, inc["other"], agent, other)
    inc["risky"] = factories.incident(agent, reporter=subscriber, title="快到期")
    inc["risky"].created_at = now - timedelta(hours=4)
    inc["risky"].resolve_by = now + timedelta(minutes=10)
    inc["late"] = factories.incident(agent, reporter=subscriber, title="已超时")
    inc["late"].created_at = now - timedelta(hours=6)
    inc["late"].resolve_by = now - timedelta(hours=2)
    inc["paused_late"] = factories.incident(agent, reporter=subscriber, title="超时后挂起")
    svc.start_work(s, inc["paused_late"], agent)
    svc.pend_incident(s, inc["paused_late"], agent, "等待配件")
    inc["paused_late"].resolve_by = inc["paused_late"].paused_at - timedelta(minutes=1)
    inc["awaiting"] = factories.resolved_incident(agent, subscriber)
    sol = factories.approved_article(agent, lead)
    inc["closed"] = factories.resolved_incident(agent, subscriber, sol)
    svc.verify_incident(s, inc["closed"], subscriber, accepted=True)
    svc.close_incident(s, inc["closed"], agent)
    inc["cancelled"] = factories.incident(agent, reporter=subscriber, title="撤销的")
    lifecycle.cancel_incident(s, inc["cancelled"], agent, "误报")
    s.flush()
    return inc


def _ids(page) -> set[int]:
    return {i.id for i in page.items}


def test_tabs(s, desk, agent, subscriber):
    d = desk
    leader = s.scalar(select(User).where(User.username == "zu.zhang"))
    assert _ids(queue_page(s, agent.id, tab="mine")) == {d["mine"].id, d["paused_late"].id}  # routed, started
    assert d["other"].id not in _ids(queue_page(s, agent.id, tab="mine"))
    team = _ids(queue_page(s, leader.id, tab="team"))  # the leader's group: both zones
    assert team == {d["mine"].id, d["group_queue"].id}
    assert _ids(queue_page(s, agent.id, tab="team")) == team  # the zone manager's group too
    assert _ids(queue_page(s, subscriber.id, tab="team")) == set()
    unassigned = _ids(queue_page(s, agent.id, tab="unassigned"))
    assert d["group_queue"].id in unassigned and d["mine"].id not in unassigned and d["other"].id not in unassigned
    assert _ids(queue_page(s, agent.id, tab="at_risk")) == {d["risky"].id}
    assert _ids(queue_page(s, agent.id, tab="breached")) == {d["late"].id, d["paused_late"].id}
    assert _ids(queue_page(s, agent.id, tab="awaiting")) == {d["awaiting"].id}
    assert _ids(queue_page(s, agent.id, tab="closed")) == {d["closed"].id}
    everything = queue_page(s, agent.id, tab="all")
    assert d["cancelled"].id in _ids(everything) and everything.total == len(d)
    opened = queue_page(s, agent.id, tab="open")
    assert d["cancelled"].id not in _ids(opened) and d["closed"].id not in _ids(opened)
    assert opened.tab_counts["breached"] == 2 and opened.tab_counts["at_risk"] == 1
    assert opened.tab_counts["awaiting"] == 1


def test_filters(s, desk, agent):
    d = desk
    zone_id = s.scalar(select(Zone.id).where(Zone.code == "CD-02"))

    def ids(**f):
        return _ids(queue_page(s, agent.id, tab="all", filters=QueueFilters(**f)))

    assert ids(zone_id=zone_id) == {d["group_queue"].id}
    assert ids(service="cable_tv") == {d["group_queue"].id}
    assert ids(area="township") == {d["group_queue"].id}
    assert ids(status="cancelled") == {d["cancelled"].id}
    assert ids(sla="breached") >= {d["late"].id, d["paused_late"].id}
    assert ids(sla="paused") == set() and ids(sla="at_risk") == {d["risky"].id}
    assert ids(assignee_id=s.scalar(select(User.id).where(User.username == "wang.fang"))) == {d["other"].id}
    assert d["group_queue"].id in ids(unassigned=True) and d["other"].id not in ids(unassigned=True)
    assert ids(tier=2) == set()
    now = utcnow()
    assert d["late"].id not in ids(created_from=now - timedelta(hours=1))
    assert ids(created_to=now - timedelta(hours=5)) == {d["late"].id}


def test_text_search_by_number_account_phone_and_title(s, desk, agent):
    d = desk

    def search(q, tab="all"):
        return queue_page(s, agent.id, tab=tab, filters=QueueFilters(q=q))

    assert _ids(search(d["late"].number)) == {d["late"].id}
    assert _ids(search(d["late"].number.lower())) == {d["late"].id}
    assert _ids(search("gd20240099")) == {d["group_queue"].id}  # account prefix, any case
    assert _ids(search("hz00")) == {d["loose"].id}
    assert _ids(search("139 1234")) == {d["group_queue"].id}  # the subscriber's phone, as typed
    assert _ids(search("INC19990101-000001")) == set()  # a number that does not exist: no title scan
    by_title = search("电视没信号")
    assert _ids(by_title) == {d["group_queue"].id} and by_title.total == 1  # counted, as for any filter
    assert _ids(search("光猫", tab="mine")) == {d["mine"].id}
    assert _ids(search("100%")) == set()  # LIKE wildcards are taken literally


def test_sorting_and_paging_merge_the_states_in_order(s, desk, agent, subscriber):
    breached = queue_page(s, agent.id, tab="breached").items
    assert [i.id for i in breached] == [desk["late"].id, desk["paused_late"].id]  # most overdue first
    base = utcnow() - timedelta(days=2)
    for n in range(30):
        inc = factories.incident(agent, reporter=subscriber, title=f"批量 {n}")
        inc.created_at = base + timedelta(minutes=7 * n)
        inc.resolve_by = inc.created_at + timedelta(hours=4 + (n * 5) % 11)
        if n % 3 == 0:
            svc.start_work(s, inc, agent)
        elif n % 3 == 1:
            svc.assign_incident(s, inc, agent, agent)
    s.flush()
    every = list(s.scalars(select(Incident).where(Incident.status.in_(["new", "assigned", "in_progress",
                                                                       "pending"]))))
    for sort, key, reverse in (("newest", lambda i: (i.created_at, i.id), True),
                               ("oldest", lambda i: (i.created_at, i.id), False),
                               ("resolve_by", lambda i: (i.resolve_by, i.id), False)):
        expected = [i.id for i in sorted(every, key=key, reverse=reverse)]
        got: list[int] = []
        for page in range(1, 5):
            result = queue_page(s, agent.id, tab="open", sort=sort, page=page, per_page=10)
            got += [i.id for i in result.items]
            assert result.total == len(every)
            assert result.has_next == (page * 10 < len(every))
        assert got == expected, sort


def test_counts_are_capped(s, desk, agent, monkeypatch):
    monkeypatch.setattr(queries, "TOTAL_CAP", 3)
    monkeypatch.setattr(queries, "TAB_CAP", 2)
    page = queue_page(s, agent.id, tab="all", per_page=2)
    assert page.total == 4 and page.capped and page.pages is None and page.has_next
    assert page.tab_counts["breached"] == 2  # "1+" on the tab
    last = queue_page(s, agent.id, tab="all", per_page=4, page=3)
    assert last.total == 10 and not last.has_next  # on the last page the total is known exactly
