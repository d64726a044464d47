"""Changes: CHG… records approved by a lead or an administrator who is not the requester, through their states to a
post-implementation review; an approved cut-over announces its outage; overlapping windows on the same service
and zone are flagged; incidents are linked to the change that caused them. Services, API, pages, and races."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.actors import Role
from kb.errors import Conflict, Forbidden, ValidationError
from kb.orm import utcnow
from servicedesk.incidents.models import Incident
from servicedesk.org import services as org
from servicedesk.org.models import MaintenanceGroup, ServiceStation, Zone
from servicedesk.problems import changes, outages
from servicedesk.problems.models import Change, ChangeIncident, ChangeStatus, Outage
from servicedesk.users.models import User
from tests import factories
from tests.conftest import login_client
from tests.servicedesk.api.helpers import error_of


@pytest.fixture
def zones(s, admin, lead):
    station = org.create_station(s, admin, "青山镇服务站")
    group = org.create_group(s, admin, station, "青山装维组", leader=lead)
    org.create_zone(s, admin, group, code="QS-01", name="柳河村", area="township")
    org.create_zone(s, admin, group, code="QS-02", name="青山镇区", area="township")
    return group


def _plan(agent: User, **over: Any) -> Any:
    return factories.article(agent, type="change", title="青山镇 OLT 割接方案", body="割接步骤……",
                             change_kind="cutover_plan", **over)


def _data(**over: Any) -> dict[str, Any]:
    start = utcnow() + timedelta(days=2)
    return {"title": "青山镇 OLT 板卡更换割接", "description": "更换 3 号板卡，业务中断约 2 小时。", "kind": "normal",
            "risk": "high", "cutover": True, "services": ["broadband", "iptv"], "zones": ["QS-01"],
            "planned_start": start, "planned_end": start + timedelta(hours=2), **over}


def test_a_cut_over_from_request_to_review(s, agent, lead, zones):
    plan = _plan(agent)
    change = changes.create_change(s, agent, _data(artefact_ids=[plan.id], implementer=agent.username))
    assert change.number and change.number.startswith("CHG") and change.status == ChangeStatus.REQUESTED
    with pytest.raises(Forbidden):
        changes.approve_change(s, change, agent)  # an agent does not approve
    own_change = changes.create_change(s, lead, _data(title="组长自己的变更"))
    with pytest.raises(Conflict) as own:
        changes.approve_change(s, own_change, lead)
    assert own.value.code == "own_change" and own_change.status == ChangeStatus.REQUESTED
    changes.approve_change(s, change, lead, "同意，注意回退方案")
    assert change.status == ChangeStatus.APPROVED and change.approved_by_id == lead.id
    notice = change.outage
    assert notice is not None and notice.starts_at == change.planned_start and notice.ends_at == change.planned_end
    assert notice.zones == ["QS-01"] and notice.services == ["broadband", "iptv"]
    assert outages.list_outages(s, state="upcoming") == [notice]  # the portal shows it once the window begins
    with pytest.raises(Conflict) as early:
        changes.start_change(s, change, agent)
    assert early.value.code == "invalid_transition"
    changes.schedule_change(s, change, agent)
    changes.start_change(s, change, agent)
    with pytest.raises(Conflict) as not_yet:
        changes.review_change(s, change, lead, "顺利")
    assert not_yet.value.code == "change_not_ended"
    with pytest.raises(ValidationError):
        changes.finish_change(s, change, agent, "exploded", "x")
    changes.finish_change(s, change, agent, "rolled_back", "新板卡不识别，已回退")
    assert change.status == ChangeStatus.ROLLED_BACK and notice.ended_at is not None
    changes.review_change(s, change, lead, "板卡固件版本不符；下次割接前先核对固件。")
    assert change.reviewed_at is not None
    assert [e.action for e in change.events] == ["request", "approve", "outage", "schedule", "start", "rolled_back",
                                                 "review"]


def test_a_change_that_is_not_a_cut_over_announces_nothing(s, agent, lead, zones):
    change = changes.create_change(s, agent, _data(cutover=False, implementer=agent.username))
    changes.approve_change(s, change, lead)
    assert change.outage is None and outages.list_outages(s, state="all") == []


def test_bad_changes_are_refused_naming_every_field(s, agent, zones):
    procedure = factories.article(agent, type="procedure", title="普通操作规程", body="步骤")
    now = utcnow() + timedelta(days=1)
    with pytest.raises(ValidationError) as bad:
        changes.create_change(s, agent, _data(title="", kind="whenever", risk="extreme", services=["telegraph"],
                                              zones=["NOPE"], planned_start=now, planned_end=now - timedelta(hours=1),
                                              artefact_ids=[procedure.id], implementer="nobody"))
    assert set(bad.value.fields) == {"title", "kind", "risk", "services", "zones", "planned_end", "artefact_ids",
                                     "implementer"}
    unstaffed = changes.create_change(s, agent, _data())
    changes.approve_change(s, unstaffed, factories.user(Role.LEAD, "zhao.lei"))
    with pytest.raises(ValidationError) as no_one:
        changes.schedule_change(s, unstaffed, agent)
    assert "implementer" in no_one.value.fields and unstaffed.status == ChangeStatus.APPROVED


def test_overlapping_windows_on_the_same_service_and_zone_are_flagged(s, agent, zones):
    first = changes.create_change(s, agent, _data())
    second = changes.create_change(s, agent, _data(title="同一窗口的光缆迁改", services=["broadband"],
                                                   planned_start=first.planned_start + timedelta(hours=1),
                                                   planned_end=first.planned_end + timedelta(hours=1)))
    elsewhere = changes.create_change(s, agent, _data(title="镇区变更", zones=["QS-02"]))
    later = changes.create_change(s, agent, _data(title="之后的变更", planned_start=second.planned_end,
                                                  planned_end=second.planned_end + timedelta(hours=1)))
    assert changes.overlapping(s, first) == [second]
    assert changes.overlapping(s, elsewhere) == [] and changes.overlapping(s, later) == []
    found = changes.overlaps(changes.in_window(s, first.planned_start - timedelta(days=1),
                                               first.planned_end + timedelta(days=1)))
    assert [(o.first.id, o.second.id, o.services, o.zones) for o in found] == [
        (first.id, second.id, ["broadband"], ["QS-01"])]


def test_incidents_are_linked_to_the_change_that_caused_them(s, agent, subscriber, zones):
    first, second = changes.create_change(s, agent, _data()), changes.create_change(s, agent, _data(title="另一个"))
    incident = factories.incident(agent, reporter=subscriber, zone="QS-01")
    changes.link_incidents(s, first, agent, [incident.id])
    changes.link_incidents(s, first, agent, [incident.id])  # again: fine
    with pytest.raises(Conflict) as taken:
        changes.link_incidents(s, second, agent, [incident.id])
    assert taken.value.code == "already_linked_change" and first.number in taken.value.message
    assert changes.change_of(s, incident.id) is first and changes.incidents_of(s, first) == [incident]
    assert changes.caused_count(s, utcnow() - timedelta(hours=1), utcnow() + timedelta(hours=1)) == 1


def test_the_api(app, s, agent, lead, zones):
    plan = _plan(agent)
    s.commit()
    client = login_client(app, agent)
    data = {**_data(artefact_ids=[plan.id], implementer=agent.username)}
    data["planned_start"], data["planned_end"] = data["planned_start"].isoformat(), data["planned_end"].isoformat()
    made = client.post("/api/v1/changes", json=data)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["status"] == "requested" and body["number"].startswith("CHG") and body["artefact_ids"] == [plan.id]
    cid = body["id"]
    own = client.post(f"/api/v1/changes/{cid}/approve", json={})
    assert own.status_code == 403  # an agent never approves
    approved = login_client(app, lead).post(f"/api/v1/changes/{cid}/approve", json={"note": "同意"})
    assert approved.status_code == 200 and approved.get_json()["outage_id"] is not None
    assert client.post(f"/api/v1/changes/{cid}/schedule", json={}).get_json()["status"] == "scheduled"
    assert client.post(f"/api/v1/changes/{cid}/start").get_json()["status"] == "in_progress"
    bad = client.post(f"/api/v1/changes/{cid}/finish", json={"outcome": "meh", "note": "x"})
    assert bad.status_code == 400
    done = client.post(f"/api/v1/changes/{cid}/finish", json={"outcome": "completed", "note": "割接成功"})
    assert done.status_code == 200 and done.get_json()["status"] == "completed"
    assert client.post(f"/api/v1/changes/{cid}/review", json={"review": "按计划完成"}).status_code == 200
    again = client.post(f"/api/v1/changes/{cid}/start")
    assert again.status_code == 409 and error_of(again)["code"] == "invalid_transition"
    lead_own = login_client(app, lead).post("/api/v1/changes", json={**data, "title": "组长自己的变更"}).get_json()
    mine = login_client(app, lead).post(f"/api/v1/changes/{lead_own['id']}/approve", json={})
    assert mine.status_code == 409 and error_of(mine)["code"] == "own_change"
    wrong = client.post("/api/v1/changes", json={**data, "planned_end": data["planned_start"], "zones": ["NOPE"]})
    assert wrong.status_code == 400 and {"planned_end", "zones"} <= set(error_of(wrong)["fields"])
    listed = client.get("/api/v1/changes?status=completed").get_json()
    assert [c["id"] for c in listed["items"]] == [cid]
    assert client.get(f"/api/v1/changes/{cid}").get_json()["review"] == "按计划完成"
    assert client.get("/api/v1/changes/999999").status_code == 404


def test_the_pages(app, s, agent, lead, subscriber, zones):
    first = changes.create_change(s, agent, _data())
    changes.create_change(s, agent, _data(title="同一窗口的光缆迁改", services=["broadband"]))
    incident = factories.incident(agent, reporter=subscriber, zone="QS-01")
    s.commit()
    client = login_client(app, agent)
    week = client.get(f"/desk/changes?view=week&start={first.planned_start.date().isoformat()}")
    text = week.get_data(as_text=True)
    assert week.status_code == 200 and first.number in text and "同一窗口的光缆迁改" in text
    assert 'class="overlap' in text  # the overlap is warned
    assert client.get("/desk/changes?view=month").status_code == 200
    assert client.get("/desk/changes?view=week&start=nonsense").status_code == 200
    start = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    end = (utcnow() + timedelta(days=3, hours=2)).strftime("%Y-%m-%dT%H:%M")
    bad = client.post("/desk/changes/new", data={"title": "", "kind": "normal", "risk": "low", "services": "broadband",
                                                 "zones": "QS-01", "planned_start": start, "planned_end": end})
    assert bad.status_code == 400
    made = client.post("/desk/changes/new", data={"title": "镇区机房 UPS 更换", "kind": "normal", "risk": "low",
                                                  "services": "broadband", "zones": "QS-02", "planned_start": start,
                                                  "planned_end": end, "implementer": agent.username})
    assert made.status_code == 302, made.get_data(as_text=True)
    cid = int(made.headers["Location"].rstrip("/").split("/")[-1])
    page = client.get(f"/desk/changes/{cid}").get_data(as_text=True)
    assert "镇区机房 UPS 更换" in page
    assert client.post(f"/desk/changes/{cid}/approve", data={}).status_code == 403
    assert login_client(app, lead).post(f"/desk/changes/{cid}/approve", data={}).status_code == 302
    assert client.post(f"/desk/changes/{first.id}/incidents", data={"numbers": incident.number}).status_code == 302
    s.expire_all()
    assert s.get(Change, cid).status == ChangeStatus.APPROVED  # type: ignore[union-attr]
    assert s.get(ChangeIncident, incident.id) is not None
    assert login_client(app, subscriber).get("/desk/changes").status_code in (302, 403)


def test_two_leads_approving_at_once_approve_once(committed: Callable[[], Session]) -> None:
    from tests.servicedesk.test_desk_races import _race

    s = committed()
    requester = User(username="chg.agent", display_name="甲", role=Role.AGENT, password_hash=factories.password_hash())
    one = User(username="chg.lead1", display_name="乙", role=Role.LEAD, password_hash=factories.password_hash())
    two = User(username="chg.lead2", display_name="丙", role=Role.ADMIN, password_hash=factories.password_hash())
    reporter = User(username="chg.user", display_name="张伟", role=Role.USER, password_hash=factories.password_hash())
    s.add_all([requester, one, two, reporter])
    s.flush()
    station = ServiceStation(name="变更测试站")  # rows, not the audited org services: the test deletes its rows
    s.add(station)
    s.flush()
    group = MaintenanceGroup(station_id=station.id, name="变更测试组", leader_id=one.id)
    s.add(group)
    s.flush()
    s.add(Zone(code="CHG-T1", name="测试片区", group_id=group.id))
    incident = factories_incident(s, requester, reporter)
    change = changes.create_change(s, requester, _data(zones=["CHG-T1"]))
    s.commit()
    ids = (incident.id, one.id, two.id, change.id)

    def approve(who: int) -> Callable[[Session, Incident], Any]:
        def move(session: Session, _incident: Incident) -> None:
            me, found = session.get(User, who), session.get(Change, ids[3])
            assert me is not None and found is not None
            changes.approve_change(session, found, me)
        return move

    results = _race(committed, ids[0], approve(ids[1]), approve(ids[2]))
    assert results.count("ok") == 1, results
    [lost] = [r for r in results if r != "ok"]
    assert isinstance(lost, Conflict) and lost.code in ("invalid_transition", "concurrent_change"), lost
    check = committed()
    assert check.get(Change, ids[3]).status == ChangeStatus.APPROVED  # type: ignore[union-attr]
    number = check.get(Change, ids[3]).number  # type: ignore[union-attr]
    notices = check.scalars(select(Outage).where(Outage.title.startswith(f"{number} "))).all()
    assert len(notices) == 1  # one cut-over, one notice
    approvals = [e for e in check.get(Change, ids[3]).events if e.action == "approve"]  # type: ignore[union-attr]
    assert len(approvals) == 1


def factories_incident(s: Session, actor: User, reporter: User) -> Incident:
    from servicedesk.incidents import services as svc

    return svc.create_incident(s, actor, factories.INCIDENT, reporter=reporter)


def test_a_change_freeze_admits_only_emergencies(app, s, agent, zones):
    start = utcnow() + timedelta(days=10)
    app.config["CHANGE_FREEZES"] = f"{start.isoformat()}/{(start + timedelta(days=7)).isoformat()}, nonsense"
    inside = {"planned_start": start + timedelta(days=1), "planned_end": start + timedelta(days=1, hours=2)}
    with pytest.raises(Conflict) as frozen:
        changes.create_change(s, agent, _data(**inside))
    assert frozen.value.code == "frozen_period"
    assert changes.create_change(s, agent, _data(kind="emergency", **inside)).status == ChangeStatus.REQUESTED
    assert changes.create_change(s, agent, _data()).status == ChangeStatus.REQUESTED  # before the freeze


def test_the_demo_holds_a_scheduled_cut_over_with_its_notice(s, admin, lead):
    from servicedesk.demo_problems import load_problems

    station = org.create_station(s, admin, "城东服务站")
    group = org.create_group(s, admin, station, "城东装维一组", leader=lead)
    for code, name in (("CD-01", "幸福片区"), ("CD-02", "东湖花园片区")):
        org.create_zone(s, admin, group, code=code, name=name, area="urban")
    users = {name: factories.user(role, name) for name, role in (
        ("spec.huang", Role.SPECIALIST), ("lead.zhao", Role.LEAD), ("spec.sun", Role.SPECIALIST),
        ("agent.chen", Role.AGENT), ("agent.zhou", Role.AGENT))}
    cutover, standard = load_problems(s, users, {})
    assert cutover.status == ChangeStatus.SCHEDULED and cutover.outage is not None
    assert cutover.outage.starts_at == cutover.planned_start > utcnow()
    assert changes.overlapping(s, cutover) == [standard]


def test_the_incident_page_partial_names_its_problem_and_change(app, s, agent, subscriber, zones):
    from flask import render_template

    from servicedesk.problems import services as problems

    change = changes.create_change(s, agent, _data())
    problem = problems.create_problem(s, agent, {"title": "青山镇区宽带中断", "service": "broadband"})
    incident = factories.incident(agent, reporter=subscriber, zone="QS-01")
    alone = factories.incident(agent, reporter=subscriber, zone="QS-02")
    problems.add_incidents(s, problem, agent, [incident.id])
    changes.link_incidents(s, change, agent, [incident.id])
    s.commit()
    with app.test_request_context("/"):
        html = render_template("problems/_incident_links.html", incident=incident)
        assert problem.number in html and change.number in html
        assert render_template("problems/_incident_links.html", incident=alone).strip() == ""
