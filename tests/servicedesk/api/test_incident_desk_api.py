"""The incident desk over HTTP: zones and subscribers, SLA states, queue filters, bulk assign, stale versions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from kb.actors import Role
from kb.orm import utcnow
from servicedesk.incidents import services as svc
from servicedesk.incidents.models import Incident, IncidentEvent
from servicedesk.org import services as org
from tests import factories
from tests.servicedesk.api.helpers import check_schema, count, error_of

REPORT = {"title": "光猫 LOS 红灯，无法上网", "description": "用户来电：光猫 LOS 灯红色闪烁。", "service": "broadband",
          "category": "fault", "customer_account": "CD-88001"}


@pytest.fixture
def household(s, zone, agent):
    """A subscriber record in zone CD-01 with a phone number."""
    return org.upsert_subscriber(s, agent, {"account": "CD-88001", "name": "陈静", "phone": "13812345678",
                                            "address": "城东路 18 号 3 单元 501", "zone": "CD-01"})


def _ids(api, who, **query) -> list[int]:
    r = api.get("/incidents", who, query=query)
    assert r.status_code == 200, r.get_json()
    return [i["id"] for i in r.get_json()["items"]]


def test_report_routes_by_zone_and_shows_org_fields(api, s, zone, agent, subscriber):
    r = api.post("/incidents", subscriber, json={**REPORT, "customer_account": "", "zone": "CD-01"})
    assert r.status_code == 201, r.get_json()
    inc = r.get_json()
    assert inc["zone"] == {"code": "CD-01", "name": "城东一片区"}
    assert inc["group"] == {"id": zone.group_id, "name": "第一维护组"}
    assert inc["assignee"] == "li.na" and inc["status"] == "assigned" and inc["area"] == "township"
    assert inc["subscriber"] is None and inc["repeat_of"] is None and inc["version"] >= 1
    assert inc["sla"]["state"] == "on_track" and inc["sla"]["paused"] is False and inc["sla"]["paused_at"] is None
    check_schema(api, r, "Incident")


def test_unknown_zone_is_a_clear_error_and_saves_nothing(api, s, agent):
    before = (count(s, Incident), count(s, IncidentEvent))
    r = api.post("/incidents", agent, json={**REPORT, "zone": "城北-99"})
    assert r.status_code == 400 and error_of(r)["fields"] == {"zone": "unknown zone"}
    r = api.post("/incidents", agent, json={**REPORT, "zone": 7})  # the document: a zone code is a string
    assert r.status_code == 400 and error_of(r)["fields"] == {"zone": "must be a string"}
    assert (count(s, Incident), count(s, IncidentEvent)) == before
    r = api.get("/incidents", agent, query={"zone": "CD-01,城北-99"})
    assert r.status_code == 400 and "城北-99" in error_of(r)["fields"]["zone"]


def test_subscriber_phone_masked_except_for_staff_reading_one(api, household, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber, customer_account="CD-88001")
    listed = api.get("/incidents", agent).get_json()["items"][0]["subscriber"]
    assert listed == {"account": "CD-88001", "name": "陈静", "phone": "138****5678", "service_level": "normal"}
    assert api.get(f"/incidents/{inc.id}", agent).get_json()["subscriber"]["phone"] == "13812345678"
    assert api.get(f"/incidents/{inc.id}", subscriber).get_json()["subscriber"]["phone"] == "138****5678"
    assert api.get("/incidents", subscriber).get_json()["items"][0]["subscriber"]["phone"] == "138****5678"
    # Routed through the subscriber record's zone to its manager.
    assert api.get(f"/incidents/{inc.id}", agent).get_json()["zone"]["code"] == "CD-01"


def test_text_search_finds_the_subscriber_phone(api, household, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber, customer_account="CD-88001")
    other = factories.incident(agent, reporter=subscriber, customer_account="", title="IPTV 卡顿 5678 次")
    assert _ids(api, agent, q="13812345678") == [inc.id]
    assert _ids(api, agent, q="138 1234") == [inc.id]
    # A phone is found by its start (as the desk's queue finds it, by index); digits inside it are title text.
    assert _ids(api, agent, q="5678") == [other.id]
    assert _ids(api, agent, q="139") == []


def test_repeat_report_links_the_earlier_incident_and_its_solution(api, s, agent, lead, subscriber):
    sol = factories.approved_article(agent, lead)
    first = factories.resolved_incident(agent, subscriber, sol)
    svc.verify_incident(s, first, subscriber, accepted=True, rating=4)
    svc.close_incident(s, first, agent)
    r = api.post("/incidents", subscriber, json={**factories.INCIDENT, "title": "又断网了"})
    assert r.status_code == 201
    assert r.get_json()["repeat_of"] == {"id": first.id, "number": first.number, "solution_id": sol.id}
    assert api.get("/incidents", agent, query={"q": "又断网"}).get_json()["items"][0]["repeat_of"]["id"] == first.id


@pytest.fixture
def sla_mix(s, agent, subscriber):
    """One incident in every SLA state, with times far enough from the edges for a slow test run."""
    now = utcnow()
    on_track = factories.incident(agent, reporter=subscriber, title="正常")
    at_risk = factories.incident(agent, reporter=subscriber, title="临近超时")
    at_risk.created_at, at_risk.resolve_by = now - timedelta(hours=3, minutes=30), now + timedelta(minutes=30)
    breached = factories.incident(agent, reporter=subscriber, title="已超时")
    breached.created_at, breached.resolve_by = now - timedelta(hours=5), now - timedelta(hours=1)
    paused = factories.incident(agent, reporter=subscriber, title="挂起")
    svc.start_work(s, paused, agent)
    svc.pend_incident(s, paused, agent, "等待用户在家")
    paused_late = factories.incident(agent, reporter=subscriber, title="挂起但已超时")
    svc.start_work(s, paused_late, agent)
    svc.pend_incident(s, paused_late, agent, "等待配件")
    paused_late.resolve_by = now - timedelta(minutes=10)
    done_in_time = factories.resolved_incident(agent, subscriber)
    done_late = factories.resolved_incident(agent, subscriber)
    done_late.created_at, done_late.resolve_by = now - timedelta(hours=9), now - timedelta(hours=5)
    s.flush()
    return {"on_track": {on_track.id, done_in_time.id}, "at_risk": {at_risk.id},
            "breached": {breached.id, paused_late.id, done_late.id}, "paused": {paused.id}}


def test_sla_state_filter_is_computed_by_the_database(api, agent, sla_mix):
    for state, expected in sla_mix.items():
        r = api.get("/incidents", agent, query={"sla_state": state})
        items = r.get_json()["items"]
        assert {i["id"] for i in items} == expected, state
        assert {i["sla"]["state"] for i in items} == {state}
        assert r.get_json()["total"] == len(expected)
    assert set(_ids(api, agent, sla_state="at_risk,breached")) == sla_mix["at_risk"] | sla_mix["breached"]
    # The breached queue: open and past due.
    open_states = "new,assigned,in_progress,pending"
    assert set(_ids(api, agent, sla_state="breached", status=open_states)) == {
        i for i in sla_mix["breached"] if api.get(f"/incidents/{i}", agent).get_json()["status"] != "resolved"}
    r = api.get("/incidents", agent, query={"sla_state": "late"})
    assert r.status_code == 400 and "sla_state" in error_of(r)["fields"]


def test_filters_zone_service_category_tier_verified(api, s, zone, agent, lead, subscriber):
    in_zone = factories.incident(subscriber, zone="CD-01", title="片区内故障")
    iptv = factories.incident(agent, reporter=subscriber, service="iptv", category="complaint", title="IPTV 投诉")
    escalated = factories.incident(agent, reporter=subscriber, title="需要二线")
    svc.escalate_incident(s, escalated, agent, tier=3, reason="OLT 板卡故障", assignee=lead)
    awaiting = factories.resolved_incident(agent, subscriber)
    assert _ids(api, agent, zone="CD-01") == [in_zone.id]
    assert _ids(api, agent, service="iptv") == [iptv.id]
    assert _ids(api, agent, category="complaint") == [iptv.id]
    assert _ids(api, agent, tier="3") == [escalated.id]
    assert set(_ids(api, agent, tier="1,3")) == {in_zone.id, iptv.id, escalated.id, awaiting.id}
    assert _ids(api, agent, status="resolved", verified="false") == [awaiting.id]
    for query, field in (({"tier": "5"}, "tier"), ({"service": "pager"}, "service"), ({"verified": "maybe"},
                         "verified"), ({"sort": "priority"}, "sort"), ({"sort": "oldest,newest"}, "sort")):
        r = api.get("/incidents", agent, query=query)
        assert r.status_code == 400 and field in error_of(r)["fields"], query


def test_created_dates_are_days_in_the_desk_time_zone(api, agent, subscriber):
    shanghai = timedelta(hours=8)
    made = {}
    for name, local in (("may1", datetime(2024, 5, 1, 10, 0)), ("may2", datetime(2024, 5, 2, 23, 30)),
                        ("may3", datetime(2024, 5, 3, 0, 30))):
        inc = factories.incident(agent, reporter=subscriber, title=f"报修 {name}")
        inc.created_at = (local - shanghai).replace(tzinfo=UTC)
        made[name] = inc.id
    # 2024-05-03 00:30 in Shanghai is still 2 May in UTC: the day is the desk's.
    assert _ids(api, agent, created_from="2024-05-03") == [made["may3"]]
    assert _ids(api, agent, created_to="2024-05-02", sort="oldest") == [made["may1"], made["may2"]]
    assert _ids(api, agent, created_from="2024-05-02", created_to="2024-05-02") == [made["may2"]]
    assert _ids(api, agent, created_from="2024-05-02T23:00:00+08:00", sort="oldest") == [made["may2"], made["may3"]]
    assert _ids(api, agent, created_from="2099-01-01") == []  # the future is a fine filter
    for query, field in (({"created_from": "2024-13-01"}, "created_from"), ({"created_to": "昨天"}, "created_to"),
                         ({"created_from": "2024-05-03", "created_to": "2024-05-01"}, "created_to"),
                         ({"created_to": "9999-12-31"}, "created_to")):
        r = api.get("/incidents", agent, query=query)
        assert r.status_code == 400 and field in error_of(r)["fields"], query


def test_sorting(api, agent, subscriber):
    now = utcnow()
    a = factories.incident(agent, reporter=subscriber, title="最早")
    b = factories.incident(agent, reporter=subscriber, title="中间", category="complaint")
    c = factories.incident(agent, reporter=subscriber, title="最新", category="request")
    for inc, hours_ago in ((a, 3), (b, 2), (c, 1)):
        inc.created_at = now - timedelta(hours=hours_ago)
    c.resolve_by, a.resolve_by, b.resolve_by = now + timedelta(hours=1), now + timedelta(hours=2), now + timedelta(
        hours=3)
    assert _ids(api, agent) == [c.id, b.id, a.id] == _ids(api, agent, sort="newest")
    assert _ids(api, agent, sort="oldest") == [a.id, b.id, c.id]
    assert _ids(api, agent, sort="resolve_by") == [c.id, a.id, b.id]


def test_bulk_assign_all_or_nothing(api, s, agent, lead, subscriber):
    incs = [factories.incident(subscriber, title=f"批量 {n}") for n in range(3)]
    ids = [i.id for i in incs]
    r = api.post("/incidents/bulk-assign", agent, json={"ids": ids, "assignee": "wang.qiang"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert [i["id"] for i in body["items"]] == ids and body["total"] == 3
    assert {i["assignee"] for i in body["items"]} == {"wang.qiang"} and {i["status"] for i in body["items"]} == {
        "assigned"}
    check_schema(api, r, "IncidentSummaryList")

    closed = factories.approved_article(agent, lead)
    done = factories.resolved_incident(agent, subscriber, closed)
    svc.verify_incident(s, done, subscriber, accepted=True)
    svc.close_incident(s, done, agent)
    before = count(s, IncidentEvent)
    r = api.post("/incidents/bulk-assign", agent, json={"ids": [*ids, done.id], "assignee": "li.na"})
    assert r.status_code == 409 and error_of(r)["code"] == "invalid_transition"
    assert set(error_of(r)["fields"]) == {f"ids.{done.id}"} and done.number in error_of(r)["message"]
    r = api.post("/incidents/bulk-assign", agent, json={"ids": [*ids, 424242], "assignee": "li.na"})
    assert r.status_code == 400 and "424242" in error_of(r)["fields"]["ids"]
    r = api.post("/incidents/bulk-assign", agent, json={"ids": ids, "assignee": "zhang.wei"})
    assert r.status_code == 400 and error_of(r)["fields"]["assignee"] == "not staff"
    assert count(s, IncidentEvent) == before
    assert {i["assignee"] for i in api.get("/incidents", agent, query={"q": "批量"}).get_json()["items"]} == {
        "wang.qiang"}

    for body, status, field in (({"ids": [], "assignee": "li.na"}, 400, "ids"),
                                ({"ids": list(range(1, 102)), "assignee": "li.na"}, 400, "ids"),
                                ({"ids": [ids[0], "2"], "assignee": "li.na"}, 400, "ids"),
                                ({"ids": [ids[0], True], "assignee": "li.na"}, 400, "ids"),
                                ({"ids": [ids[0], ids[0]], "assignee": "li.na"}, 400, "ids"),
                                ({"ids": "1,2", "assignee": "li.na"}, 400, "ids"),
                                ({"ids": ids}, 400, "assignee"),
                                ({"ids": ids, "assignee": "ghost"}, 404, "assignee"),
                                ({"ids": ids, "assignee": "li.na", "colour": "红"}, 400, "colour")):
        r = api.post("/incidents/bulk-assign", agent, json=body)
        assert r.status_code == status and field in error_of(r)["fields"], body
    assert api.post("/incidents/bulk-assign", subscriber, json={"ids": ids, "assignee": "li.na"}).status_code == 403
    assert count(s, IncidentEvent) == before


def test_transition_with_a_stale_version_changes_nothing(api, s, agent, lead, subscriber):
    inc = factories.incident(subscriber)
    seen = api.get(f"/incidents/{inc.id}", agent).get_json()["version"]
    r = api.post(f"/incidents/{inc.id}/assign", lead, json={"assignee": "wang.qiang", "version": seen})
    assert r.status_code == 200 and r.get_json()["version"] > seen
    before = count(s, IncidentEvent)
    for action, body in (("start", {}), ("resolve", {"note": "已修复"}), ("assign", {"assignee": "li.na"}),
                         ("pend", {"reason": "等待"}), ("escalate", {"tier": 2, "reason": "升级"})):
        r = api.post(f"/incidents/{inc.id}/{action}", agent, json={**body, "version": seen})
        assert r.status_code == 409 and error_of(r)["code"] == "stale_version", action
    r = api.put(f"/incidents/{inc.id}/solution", agent, json={"article_id": 1, "version": seen})
    assert r.status_code == 409 and error_of(r)["code"] == "stale_version"
    now = api.get(f"/incidents/{inc.id}", agent).get_json()
    assert now["assignee"] == "wang.qiang" and now["status"] == "assigned" and count(s, IncidentEvent) == before
    r = api.post(f"/incidents/{inc.id}/start", agent, json={"version": "1"})
    assert r.status_code == 400 and "version" in error_of(r)["fields"]
    r = api.post(f"/incidents/{inc.id}/start", agent, json={"version": now["version"]})
    assert r.status_code == 200 and r.get_json()["status"] == "in_progress"


def test_the_loser_of_a_concurrent_update_is_told(api, s, agent, subscriber):
    inc = factories.incident(subscriber)
    s.commit()
    # Another worker changed the row after this session loaded it.
    s.execute(update(Incident).where(Incident.id == inc.id).values(version=Incident.version + 1, tier=2)
              .execution_options(synchronize_session=False))
    before = count(s, IncidentEvent)
    r = api.post(f"/incidents/{inc.id}/start", agent)
    assert r.status_code == 409 and error_of(r)["code"] == "concurrent_change"
    assert count(s, IncidentEvent) == before
    assert api.get(f"/incidents/{inc.id}", agent).get_json()["status"] == "new"


def test_refusals_are_clear(api, s, agent, lead, subscriber):
    inc = factories.incident(subscriber)
    api.post(f"/incidents/{inc.id}/escalate", agent, json={"tier": 4, "reason": "直接到四线", "assignee": "wang.qiang"})
    r = api.post(f"/incidents/{inc.id}/escalate", agent, json={"tier": 5, "reason": "再升级"})
    assert r.status_code == 400 and "tier" in error_of(r)["fields"]
    r = api.post(f"/incidents/{inc.id}/resolve", agent, json={})
    assert r.status_code == 400 and error_of(r)["fields"] == {"note": "required"}
    sol = factories.approved_article(agent, lead)
    done = factories.resolved_incident(agent, subscriber, sol)
    svc.verify_incident(s, done, subscriber, accepted=True)
    svc.close_incident(s, done, agent)
    r = api.post(f"/incidents/{done.id}/pend", agent, json={"reason": "等待用户"})
    assert r.status_code == 409 and error_of(r)["code"] == "invalid_transition"
    assert api.get(f"/incidents/{done.id}", agent).get_json()["sla"]["paused"] is False


def test_pending_pauses_the_sla_in_the_api(api, agent, subscriber):
    inc = factories.incident(subscriber)
    api.post(f"/incidents/{inc.id}/start", agent)
    r = api.post(f"/incidents/{inc.id}/pend", agent, json={"reason": "等待配件到货"})
    sla = r.get_json()["sla"]
    assert sla["paused"] is True and sla["state"] == "paused" and sla["paused_at"]
    assert _ids(api, agent, sla_state="paused") == [inc.id]
    sla = api.post(f"/incidents/{inc.id}/resume", agent).get_json()["sla"]
    assert sla["paused"] is False and sla["state"] == "on_track"


def test_documented_shapes(api, household, agent, subscriber):
    factories.user(Role.AGENT, "zhou.jie", display_name="周杰")
    inc = factories.incident(agent, reporter=subscriber, customer_account="CD-88001")
    check_schema(api, api.get("/incidents", agent, query={"sla_state": "on_track", "zone": "CD-01"}), "IncidentPage")
    check_schema(api, api.get(f"/incidents/{inc.id}", agent), "Incident")
    check_schema(api, api.post(f"/incidents/{inc.id}/start", agent, json={"version": 1}), "Error")


def test_sla_filter_agrees_with_each_incidents_own_state(api, agent, subscriber):
    """Windows of 2, 8 and 48 hours, at 5% to 95% of the way through: the SQL and sla_state agree."""
    now = utcnow()
    for hours in (2, 8, 48):
        for share_left in (0.05, 0.15, 0.25, 0.5, 0.95):
            inc = factories.incident(agent, reporter=subscriber, title=f"{hours}h {share_left}")
            window = timedelta(hours=hours)
            inc.resolve_by = now + window * share_left
            inc.created_at = inc.resolve_by - window
    states = {}
    for state in ("on_track", "at_risk"):
        for item in api.get("/incidents", agent, query={"sla_state": state, "per_page": 100}).get_json()["items"]:
            assert item["sla"]["state"] == state, item["title"]
            states[item["title"]] = state
    assert len(states) == 15
    assert {t for t, st in states.items() if st == "at_risk"} == {f"{h}h {s}" for h in (2, 8, 48) for s in (0.05, 0.15)}
