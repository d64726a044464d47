"""Outage notices: the portal shows them to the subscribers of their zones before they report; a report made
during the outage for one of its services and zones joins its problem at once and the subscriber is told it is a
known outage; resolving the problem resolves those reports and tells each reporter. Bad notices are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kb.actors import Role
from kb.errors import ValidationError
from kb.orm import utcnow
from servicedesk.incidents.workflow import IncidentStatus
from servicedesk.notify.models import OutboxMessage
from servicedesk.org import services as org
from servicedesk.problems import outages
from servicedesk.problems import services as problems
from tests import factories
from tests.conftest import login_client
from tests.servicedesk.api.helpers import error_of


@pytest.fixture
def village(s, admin, agent):
    station = org.create_station(s, admin, "青山镇服务站")
    group = org.create_group(s, admin, station, "青山装维组", leader=agent)
    org.create_zone(s, admin, group, code="QS-01", name="柳河村", manager=agent, area="township")
    org.create_zone(s, admin, group, code="QS-02", name="青山镇区", manager=agent, area="township")
    return group


def _notice(s, agent, problem=None, **over):
    return outages.create_outage(s, agent, {
        "title": "柳河村主干光缆中断", "message": "施工挖断光缆，正在抢修。", "services": ["broadband", "cable_tv"],
        "zones": ["QS-01"], "starts_at": utcnow() - timedelta(minutes=30), "ends_at": utcnow() + timedelta(hours=4),
        "problem_id": problem.id if problem else None, **over})


def test_a_report_during_the_outage_joins_its_problem(app, s, agent, lead, village):
    problem = problems.create_problem(s, agent, {"title": "柳河村断网", "service": "broadband", "zone": "QS-01"})
    _notice(s, agent, problem)
    reporter = factories.user(Role.USER, "wang.xiuying", email="wxy@example.cn")
    app.config["SMTP_URL"] = "smtp://127.0.0.1:1"
    inside = factories.incident(agent, reporter=reporter, zone="QS-01")
    elsewhere = factories.incident(agent, reporter=reporter, zone="QS-02")
    other_service = factories.incident(agent, reporter=reporter, zone="QS-01", service="iptv")
    assert inside.problem_id == problem.id
    assert elsewhere.problem_id is None and other_service.problem_id is None
    assert "join_problem" in [e.action for e in inside.events]
    problems.set_solution(s, problem, agent, factories.approved_article(agent, lead))
    problems.resolve_problem(s, problem, agent, "熔接完成，业务恢复")
    s.commit()
    assert inside.status == IncidentStatus.RESOLVED and elsewhere.status != IncidentStatus.RESOLVED
    told = s.scalars(select(OutboxMessage).where(OutboxMessage.event == "incident.resolved",
                                                 OutboxMessage.incident_id == inside.id)).all()
    assert [m.address for m in told] == ["wxy@example.cn"]  # the reporter learns it is fixed


def test_bad_notices_are_refused_naming_the_field(s, agent, village):
    for over, field in (({"zones": ["NOPE-9"]}, "zones"), ({"services": ["telegraph"]}, "services"),
                        ({"ends_at": utcnow() - timedelta(hours=2)}, "ends_at"), ({"zones": []}, "zones"),
                        ({"starts_at": "soon"}, "starts_at"), ({"problem_id": 999_999}, "problem_id")):
        with pytest.raises(ValidationError) as refused:
            _notice(s, agent, **over)
        assert field in refused.value.fields, over


def test_the_portal_tells_the_subscribers_of_the_zone(app, s, admin, agent, village):
    problem = problems.create_problem(s, agent, {"title": "柳河村断网", "service": "broadband"})
    _notice(s, agent, problem)
    near = factories.user(Role.USER, "liu.he")
    far = factories.user(Role.USER, "zhen.qu")
    org.upsert_subscriber(s, admin, {"account": "KD-1", "name": "刘和", "zone": "QS-01"}).user_id = near.id
    org.upsert_subscriber(s, admin, {"account": "KD-2", "name": "甄区", "zone": "QS-02"}).user_id = far.id
    s.commit()
    home = login_client(app, near).get("/").get_data(as_text=True)
    assert "柳河村主干光缆中断" in home and "柳河村" in home
    assert "柳河村主干光缆中断" not in login_client(app, far).get("/").get_data(as_text=True)
    assert "柳河村主干光缆中断" in login_client(app, near).get("/report").get_data(as_text=True)


def test_the_api_and_the_staff_page(app, s, agent, subscriber, village):
    s.commit()
    client = login_client(app, agent)
    starts = (utcnow() - timedelta(minutes=5)).isoformat()
    made = client.post("/api/v1/outages", json={"title": "青山镇区停电", "message": "供电局检修",
                                                "services": ["broadband"], "zones": ["QS-02"], "starts_at": starts})
    assert made.status_code == 201, made.get_json()
    oid = made.get_json()["id"]
    assert [o["id"] for o in client.get("/api/v1/outages").get_json()["items"]] == [oid]
    bad = client.post("/api/v1/outages", json={"title": "x", "services": ["broadband"], "zones": ["NOPE"],
                                               "starts_at": starts})
    assert bad.status_code == 400 and "zones" in error_of(bad)["fields"]
    assert login_client(app, subscriber).post("/api/v1/outages", json={}).status_code in (400, 403)
    page = client.get("/desk/outages").get_data(as_text=True)
    assert "青山镇区停电" in page
    assert client.post(f"/api/v1/outages/{oid}/end").status_code == 200
    again = client.post(f"/api/v1/outages/{oid}/end")
    assert again.status_code == 409 and error_of(again)["code"] == "outage_ended"
    assert client.get("/api/v1/outages").get_json()["items"] == []


def test_a_report_during_an_outage_with_no_problem_is_only_tagged(app, s, agent, subscriber, village):
    outage = _notice(s, agent)
    inside = factories.incident(agent, reporter=subscriber, zone="QS-01")
    assert inside.problem_id is None  # no problem is made for it
    [tag] = [e for e in inside.events if e.action == "known_outage"]
    assert tag.new == str(outage.id) and tag.note == "柳河村主干光缆中断"
    before = factories.incident(agent, reporter=subscriber, zone="QS-02")
    assert "known_outage" not in [e.action for e in before.events]


def test_a_notice_not_yet_started_or_ended_changes_nothing(s, agent, subscriber, village):
    problem = problems.create_problem(s, agent, {"title": "计划割接", "service": "broadband", "zone": "QS-01"})
    later = _notice(s, agent, problem, starts_at=utcnow() + timedelta(hours=1),
                    ends_at=utcnow() + timedelta(hours=3))
    assert factories.incident(agent, reporter=subscriber, zone="QS-01").problem_id is None
    assert outages.list_outages(s, state="upcoming") == [later] and outages.active(s) == []
    now = _notice(s, agent, problem)
    outages.end_outage(s, now, agent)
    assert factories.incident(agent, reporter=subscriber, zone="QS-01").problem_id is None


def test_patch_moves_the_end_ends_or_withdraws(app, s, agent, village):
    s.commit()
    client = login_client(app, agent)
    starts = utcnow() - timedelta(minutes=5)
    oid = client.post("/api/v1/outages", json={"title": "青山镇区停电", "services": ["broadband"], "zones": ["QS-02"],
                                               "starts_at": starts.isoformat()}).get_json()["id"]
    early = client.patch(f"/api/v1/outages/{oid}", json={"ends_at": (starts - timedelta(hours=1)).isoformat()})
    assert early.status_code == 400 and "ends_at" in error_of(early)["fields"]
    later = (starts + timedelta(hours=6)).isoformat()
    moved = client.patch(f"/api/v1/outages/{oid}", json={"ends_at": later})
    assert moved.status_code == 200 and moved.get_json()["ends_at"] is not None
    assert client.patch(f"/api/v1/outages/{oid}", json={"action": "explode"}).status_code == 400
    gone = client.patch(f"/api/v1/outages/{oid}", json={"action": "cancel"})
    assert gone.status_code == 200 and gone.get_json()["cancelled_at"] and gone.get_json()["ended_at"]
    again = client.patch(f"/api/v1/outages/{oid}", json={"action": "end"})
    assert again.status_code == 409 and error_of(again)["code"] == "outage_ended"
    assert client.get("/api/v1/outages").get_json()["items"] == []
    assert [o["id"] for o in client.get("/api/v1/outages?state=ended").get_json()["items"]] == [oid]
    assert [o["id"] for o in client.get("/api/v1/outages?state=all").get_json()["items"]] == [oid]
    assert client.get("/api/v1/outages?state=soon").status_code == 400
    assert client.get(f"/api/v1/outages/{oid}").get_json()["cancelled_at"] is not None
    assert client.patch("/api/v1/outages/999999", json={"action": "end"}).status_code == 404


def test_the_staff_page_withdraws_a_notice(app, s, agent, village):
    outage = _notice(s, agent)
    s.commit()
    client = login_client(app, agent)
    assert client.post(f"/desk/outages/{outage.id}/cancel").status_code == 302
    s.expire_all()
    assert outage.cancelled_at is not None and outage.ended_at is not None
    assert client.post(f"/desk/outages/{outage.id}/end").status_code == 409


def test_anonymous_visitors_see_the_notices_with_their_zones_by_name(app, s, agent, village):
    _notice(s, agent)
    s.commit()
    home = app.test_client().get("/").get_data(as_text=True)
    assert "柳河村主干光缆中断" in home and "柳河村" in home
