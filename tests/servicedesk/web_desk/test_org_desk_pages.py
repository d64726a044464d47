"""Organisation admin pages (stations, groups, zones) and subscriber records, through the pages."""

from __future__ import annotations

from sqlalchemy import select

from kb.actors import Role
from servicedesk.org import services as org
from servicedesk.org.models import MaintenanceGroup, ServiceStation, Subscriber, Zone
from tests import factories
from tests.servicedesk.web_desk.conftest import plain, text


def test_admin_builds_the_organisation(s, page, admin, agent):
    leader = factories.user(Role.SPECIALIST, "zu.zhang", display_name="张组长")
    desk = page(admin)
    assert "No service station yet" in text(desk.get("/desk/org"))
    r = desk.post("/desk/org/stations", data={"name": ""})
    assert r.status_code == 400 and "Name the station." in text(r)
    assert desk.post("/desk/org/stations", data={"name": "城东服务站"}).status_code == 302
    r = desk.post("/desk/org/stations", data={"name": "城东服务站"})
    assert r.status_code == 409  # the name is taken: said beside the field, the form kept
    station = s.scalar(select(ServiceStation))
    r = desk.post("/desk/org/groups", data={"station": str(station.id), "name": "第一维护组", "leader": str(leader.id)})
    assert r.status_code == 302
    group = s.scalar(select(MaintenanceGroup))
    assert group.leader_id == leader.id
    r = desk.post("/desk/org/zones", data={"group": str(group.id), "code": "CD-01", "name": "城东一片区",
                                           "manager": str(agent.id), "area": "township"})
    assert r.status_code == 302
    r = desk.post("/desk/org/zones", data={"group": str(group.id), "code": "CD-01", "name": "重复的片区",
                                           "area": "urban"})
    assert r.status_code == 409 and "重复的片区" in text(r) and 'id="code-err"' in text(r)
    body = plain(desk.get("/desk/org"))
    assert "城东服务站" in body and "第一维护组" in body and "张组长" in body and "CD-01" in body and "李娜" in body

    zone = s.scalar(select(Zone))
    r = desk.post(f"/desk/org/zones/{zone.id}", data={"name": "城东一片区（新）", "manager": "", "area": "urban",
                                                      "group": str(group.id)})
    assert r.status_code == 302
    s.expire_all()
    assert zone.manager_id is None and zone.area.value == "urban" and zone.code == "CD-01"
    r = desk.post(f"/desk/org/groups/{group.id}", data={"name": "", "leader": ""})
    assert r.status_code == 400
    assert desk.post(f"/desk/org/groups/{group.id}", data={"name": "第一维护组", "leader": ""}).status_code == 302
    s.expire_all()
    assert group.leader_id is None
    assert desk.get("/desk/org/zones/987654").status_code == 404


def test_only_admins_manage_the_organisation(s, page, agent):
    desk = page(agent)
    assert desk.get("/desk/org").status_code == 403
    assert desk.post("/desk/org/stations", data={"name": "城西服务站"}).status_code == 403
    assert s.scalar(select(ServiceStation)) is None
    assert page(None).get("/desk/org").status_code in (302, 401)


def test_subscriber_records_masked_in_the_list_whole_on_the_record(s, page, admin, agent):
    station = org.create_station(s, admin, "城东服务站")
    group = org.create_group(s, admin, station, "第一维护组")
    org.create_zone(s, admin, group, code="CD-01", name="城东一片区")
    desk = page(admin)  # service levels are set by administrators (tests/servicedesk/security)
    r = desk.post("/desk/subscribers/new", data={"account": "GD20240001", "name": "刘洋", "phone": "138-1234-5678x",
                                                  "address": "城东路 8 号", "zone": "NOPE", "service_level": "vip"})
    assert r.status_code == 400
    body = text(r)
    assert 'id="zone-err"' in body and 'id="phone-err"' in body and "城东路 8 号" in body
    assert s.scalar(select(Subscriber)) is None
    r = desk.post("/desk/subscribers/new", data={"account": "GD20240001", "name": "刘洋", "phone": "13812345678",
                                                  "address": "城东路 8 号", "zone": "CD-01", "service_level": "vip"})
    assert r.status_code == 302
    sub = s.scalar(select(Subscriber))
    assert sub.zone.code == "CD-01" and sub.service_level.value == "vip"
    r = desk.post("/desk/subscribers/new", data={"account": "GD20240001", "name": "重复"})
    assert r.status_code == 409 and "A subscriber with this account exists." in text(r)

    body = text(desk.get("/desk/subscribers"))
    assert "138****5678" in body and "13812345678" not in body
    assert "GD20240001" in text(desk.get("/desk/subscribers?q=138123"))
    assert "GD20240001" in text(desk.get("/desk/subscribers?q=gd2024"))
    assert "GD20240001" in text(desk.get("/desk/subscribers?q=刘"))
    assert "No subscriber matches." in text(desk.get("/desk/subscribers?q=139"))
    record = desk.get("/desk/subscribers/GD20240001")
    assert "13812345678" in text(record)
    r = desk.post("/desk/subscribers/GD20240001", data={"account": "OTHER", "name": "刘洋", "phone": "0571-86001234",
                                                         "zone": "", "service_level": "enterprise"})
    assert r.status_code == 302
    s.expire_all()
    assert sub.account == "GD20240001" and sub.phone == "0571-86001234" and sub.zone is None
    assert desk.get("/desk/subscribers/NOPE").status_code == 404
    assert page(factories.user(Role.USER, "wang.fang")).get("/desk/subscribers").status_code == 403
