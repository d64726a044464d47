"""Hotline intake: the caller looked up by phone, account or name; the record fills the form; the area follows
the zone unless chosen on purpose; a caller without an account is still recorded; a repeat call about an open
incident is a chase (催修), counted, in the history, told to the engineer — through the service, the pages and
the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kb.actors import Role
from kb.errors import Conflict
from kb.orm import utcnow
from servicedesk.incidents import intake
from servicedesk.incidents.models import Incident, IncidentChase, IncidentEvent
from servicedesk.org import services as org
from servicedesk.org.models import Notification, Subscriber
from tests import factories
from tests.conftest import login_client
from tests.servicedesk.api.helpers import error_of


@pytest.fixture
def town(s, admin, agent):
    """An urban and a township zone (the township's manager is a field engineer), three subscriber records."""
    station = org.create_station(s, admin, "青山服务站")
    group = org.create_group(s, admin, station, "青山装维组", leader=admin)
    engineer = factories.user(Role.AGENT, "wang.gong", display_name="王工", email="wang.gong@example.cn")
    org.create_zone(s, admin, group, code="CD-01", name="城东一片区", manager=agent, area="urban")
    org.create_zone(s, admin, group, code="QS-01", name="青山镇柳河村", manager=engineer, area="township")
    subs = {
        "liu": org.upsert_subscriber(s, admin, {"account": "GD20240101", "name": "刘和平", "phone": "13912345678",
                                                "address": "青山镇柳河村 3 组 12 号", "zone": "QS-01"}),
        "zhang": org.upsert_subscriber(s, admin, {"account": "GD20240102", "name": "张建国", "phone": "13800005678",
                                                  "address": "城东幸福小区 5 栋 301", "zone": "CD-01",
                                                  "service_level": "vip"}),
        "li": org.upsert_subscriber(s, admin, {"account": "GD20240103", "name": "李刘氏", "phone": "13711112222",
                                               "address": "城东花园路 8 号", "zone": "CD-01"}),
    }
    s.commit()
    return {"engineer": engineer, **subs}


def test_a_caller_is_found_by_phone_its_last_digits_account_or_name(s, town):
    def found(q):
        return [sub.account for sub in intake.lookup_callers(s, q)]

    assert found("13912345678") == ["GD20240101"]
    assert found("5678") == ["GD20240101", "GD20240102"]  # the last four digits a caller reads out
    assert found("139 1234 5678") == ["GD20240101"]
    assert found("GD20240102") == ["GD20240102"]
    assert found("GD2024010") == ["GD20240101", "GD20240102", "GD20240103"]
    assert found("刘") == ["GD20240101", "GD20240103"]
    assert found("李刘氏") == ["GD20240103"]
    assert found("567") == []  # three digits match half the town: not a phone lookup
    assert found("%") == [] and found("") == []


def test_the_lookup_answers_staff_only_with_the_phone_masked(app, s, town, agent, subscriber):
    client = login_client(app, agent)
    items = client.get("/desk/callers?q=5678").get_json()["items"]
    assert [(i["account"], i["phone"], i["zone"], i["area"]) for i in items] == [
        ("GD20240101", "139****5678", "QS-01", "township"), ("GD20240102", "138****5678", "CD-01", "urban")]
    assert items[0]["address"] == "青山镇柳河村 3 组 12 号" and items[1]["service_level"] == "VIP"
    assert login_client(app, subscriber).get("/desk/callers?q=5678").status_code == 403


def test_without_script_the_page_lists_matches_and_a_pick_fills_the_form(app, s, town, agent):
    client = login_client(app, agent)
    page = client.get("/desk/incidents/new?q=5678").get_data(as_text=True)
    assert "刘和平" in page and "张建国" in page and "李刘氏" not in page
    liu = town["liu"]
    page = client.get(f"/desk/incidents/new?subscriber={liu.id}").get_data(as_text=True)
    assert 'value="GD20240101"' in page  # the account
    assert '<option selected value="QS-01">' in page  # the zone picked from the record
    assert "青山镇柳河村 3 组 12 号" in page and "139****5678" in page


def test_a_township_report_gets_the_township_target_unless_the_area_is_chosen(app, s, town, agent):
    client = login_client(app, agent)
    form = {"customer_account": "GD20240101", "title": "宽带断网，光猫 LOS 红灯", "service": "broadband",
            "category": "fault", "zone": "QS-01", "area": "", "channel": "hotline", "priority": "normal"}
    r = client.post("/desk/incidents/new", data=form)
    assert r.status_code == 302, r.get_data(as_text=True)
    incident = s.scalar(select(Incident).order_by(Incident.id.desc()))
    assert incident is not None and incident.area.value == "township"
    assert incident.resolve_by - incident.created_at == timedelta(hours=8)
    assert incident.assignee is not None and incident.assignee.username == "wang.gong"  # the zone's manager
    # An area chosen on purpose stands: this one is treated as urban (4 h).
    r = client.post("/desk/incidents/new", data={**form, "area": "urban", "title": "县城营业厅旁"})
    urban = s.scalar(select(Incident).order_by(Incident.id.desc()))
    assert r.status_code == 302 and urban is not None and urban.area.value == "urban"
    assert urban.resolve_by - urban.created_at == timedelta(hours=4)


def test_a_caller_who_is_not_the_holder_or_has_no_account_is_recorded(app, s, town, agent):
    client = login_client(app, agent)
    base = {"title": "电视没信号", "service": "cable_tv", "category": "fault", "channel": "hotline",
            "priority": "normal", "area": ""}
    r = client.post("/desk/incidents/new", data={**base, "customer_account": "GD20240101", "caller_name": "刘小军",
                                                 "caller_phone": "13688889999"})
    assert r.status_code == 302
    relative = s.scalar(select(Incident).order_by(Incident.id.desc()))
    assert relative is not None and relative.subscriber is not None
    assert (relative.caller_name, relative.caller_phone) == ("刘小军", "13688889999")
    assert relative.subscriber.name == "刘和平"  # the holder stays the holder
    page = client.get(f"/desk/incidents/{relative.id}").get_data(as_text=True)
    assert "刘小军" in page and "13688889999" in page
    r = client.post("/desk/incidents/new", data={**base, "caller_name": "路人甲", "caller_phone": "13511110000",
                                                 "zone": "CD-01"})
    stranger = s.scalar(select(Incident).order_by(Incident.id.desc()))
    assert r.status_code == 302 and stranger is not None and stranger.customer_account == ""
    assert stranger.caller_phone == "13511110000" and stranger.zone is not None
    # A bad phone: the form again, the error beside the field, the typed text kept, nothing stored.
    before = s.scalar(select(Incident.id).order_by(Incident.id.desc()))
    r = client.post("/desk/incidents/new", data={**base, "title": "留着我写的字", "caller_name": "王五",
                                                 "caller_phone": "call me"})
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and "留着我写的字" in page and 'id="caller_phone-err"' in page
    assert s.scalar(select(Incident.id).order_by(Incident.id.desc())) == before


def test_the_callers_open_and_recent_incidents_stand_beside_the_form(app, s, town, agent, lead, subscriber):
    open_one = factories.incident(agent, customer_account="GD20240102", title="网速慢，晚上看视频卡")
    solution = factories.approved_article(agent, lead)
    old = factories.closed_incident(agent, subscriber, solution)
    old.customer_account = "GD20240102"
    old.created_at = utcnow() - timedelta(days=45)
    recent = factories.closed_incident(agent, subscriber, solution)
    recent.customer_account = "GD20240102"
    by_phone = factories.incident(agent, customer_account="", caller_phone="13500001111", title="无账号来电")
    s.commit()
    found = intake.caller_incidents(s, account="GD20240102")
    assert [i.id for i in found.open] == [open_one.id] and [i.id for i in found.recent] == [recent.id]
    assert [i.id for i in intake.caller_incidents(s, phone="13500001111").open] == [by_phone.id]
    client = login_client(app, agent)
    page = client.get(f"/desk/incidents/new?subscriber={town['zhang'].id}").get_data(as_text=True)
    assert "网速慢，晚上看视频卡" in page and f'/desk/incidents/{open_one.id}/chase"' in page
    assert old.number not in page and recent.number in page
    fragment = client.get("/desk/callers/incidents?phone=13500001111").get_data(as_text=True)
    assert "无账号来电" in fragment


def test_a_chase_is_counted_recorded_and_told_to_the_engineer(app, s, town, agent):
    incident = factories.incident(agent, customer_account="GD20240101", zone="QS-01", area=None)
    s.commit()
    assert incident.assignee is not None and incident.assignee.username == "wang.gong"
    version = incident.version
    client = login_client(app, agent)
    back = f"/desk/incidents/new?subscriber={town['liu'].id}"
    r = client.post(f"/desk/incidents/{incident.id}/chase", data={"note": "第二次来电，很着急", "next": back})
    assert r.status_code == 302 and r.headers["Location"].endswith(back)
    r = client.post(f"/desk/incidents/{incident.id}/chase", data={"next": back}, follow_redirects=True)
    assert "2" in r.get_data(as_text=True)
    s.expire_all()
    incident = s.get(Incident, incident.id)
    assert incident is not None and incident.chase_count == 2
    assert incident.version == version  # an agent's open page is not made stale by a chase
    chases = s.scalars(select(IncidentChase).where(IncidentChase.incident_id == incident.id)).all()
    assert [c.note for c in chases] == ["第二次来电，很着急", ""]
    assert [e.note for e in incident.events if e.action == "chase"] == ["第二次来电，很着急", ""]
    told = s.scalars(select(Notification).where(Notification.user_id == town["engineer"].id,
                                                Notification.kind == "incident.chased")).all()
    assert len(told) == 2
    assert [(e.old, e.new) for e in incident.events if e.action == "chase"] == [("0", "1"), ("1", "2")]
    page = client.get(f"/desk/incidents/{incident.id}").get_data(as_text=True)
    assert "第二次来电，很着急" in page
    assert "1 → 2" in page and "— → —" not in page  # the history says how many calls it has now
    queue = client.get("/desk/incidents?tab=all").get_data(as_text=True)
    assert "催修 2 次" in queue  # the queue shows who keeps calling


def test_a_chase_on_a_resolved_incident_is_refused(s, town, agent, subscriber):
    incident = factories.resolved_incident(agent, subscriber)
    with pytest.raises(Conflict) as exc:
        intake.chase_incident(s, incident, agent, note="又来电")
    assert exc.value.code == "not_open"
    with pytest.raises(Exception):  # noqa: B017 - a subscriber records no chases (Forbidden)
        intake.chase_incident(s, factories.incident(agent), subscriber)


def test_the_api_takes_the_caller_and_records_chases(app, s, town, agent, subscriber):
    client = login_client(app, agent)
    r = client.post("/api/v1/incidents", json={"title": "户户通没信号", "service": "satellite_tv",
                                                "category": "fault", "caller_name": "邻居老赵",
                                                "caller_phone": "13344445555", "zone": "QS-01"})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert (body["caller_name"], body["caller_phone"], body["chase_count"]) == ("邻居老赵", "13344445555", 0)
    assert body["area"] == "township"
    iid = body["id"]
    r = client.post(f"/api/v1/incidents/{iid}/chases", json={"note": "又打来了", "caller_phone": "13344445555"})
    assert r.status_code == 201 and r.get_json()["chase_count"] == 1
    assert client.post(f"/api/v1/incidents/{iid}/chases", json={"caller_phone": "nope"}).status_code == 400
    listed = client.get("/api/v1/incidents", query_string={"q": "户户通没信号"}).get_json()["items"]
    assert listed[0]["caller_phone"] == "133****5555" and listed[0]["chase_count"] == 1
    r = login_client(app, subscriber).post(f"/api/v1/incidents/{iid}/chases", json={})
    assert r.status_code in (403, 404)
    bad = client.post("/api/v1/incidents", json={"title": "x", "service": "broadband", "category": "fault",
                                                  "caller_phone": "call me"})
    assert bad.status_code == 400 and "caller_phone" in error_of(bad)["fields"]
    assert s.scalar(select(Subscriber).where(Subscriber.account == "GD20240101")) is not None
    assert s.scalar(select(IncidentEvent).where(IncidentEvent.action == "chase")) is not None


def test_a_chase_on_an_incident_fixed_meanwhile_tells_the_agent_and_counts_nothing(app, s, town, agent, lead,
                                                                                  subscriber):
    """The intake page showed it open; it was resolved (or closed) before the agent pressed 催修."""
    resolved = factories.resolved_incident(agent, subscriber)
    closed = factories.closed_incident(agent, subscriber, factories.approved_article(agent, lead))
    s.commit()
    client = login_client(app, agent)
    back = f"/desk/incidents/new?subscriber={town['liu'].id}"
    r = client.post(f"/desk/incidents/{resolved.id}/chase", data={"note": "又来电", "next": back},
                    follow_redirects=True)
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and r.request.path == "/desk/incidents/new"
    assert f"{resolved.number} 已不在处理中" in page and "未记录催修" in page
    api = client.post(f"/api/v1/incidents/{closed.id}/chases", json={"note": "又来电"})
    assert api.status_code == 409 and error_of(api)["code"] == "not_open"
    s.expire_all()
    assert [s.get(Incident, i.id).chase_count for i in (resolved, closed)] == [0, 0]  # type: ignore[union-attr]
    assert s.scalar(select(IncidentChase.id)) is None


def test_the_api_finds_subscribers_by_the_last_digits_of_a_phone(app, s, town, agent, subscriber):
    client = login_client(app, agent)
    items = client.get("/api/v1/subscribers", query_string={"q": "5678"}).get_json()["items"]
    assert sorted(i["account"] for i in items) == ["GD20240101", "GD20240102"]
    assert all("****" in i["phone"] for i in items)  # masked in lists
    assert login_client(app, subscriber).get("/api/v1/subscribers", query_string={"q": "5678"}).status_code == 403
