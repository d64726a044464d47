"""The organisation, subscriber records and notifications over HTTP."""

from __future__ import annotations

from datetime import timedelta

from kb.actors import Role
from servicedesk.org import services as org
from servicedesk.org.models import MaintenanceGroup, Notification, ServiceStation, Subscriber, Zone
from tests import factories
from tests.servicedesk.api.helpers import check_schema, count, error_of


def test_admin_builds_the_organisation(api, s, admin, agent, lead, subscriber):
    r = api.post("/stations", admin, json={"name": "城西服务站"})
    assert r.status_code == 201 and r.get_json()["groups"] == []
    check_schema(api, r, "Station")
    station_id = r.get_json()["id"]
    r = api.post(f"/stations/{station_id}/groups", admin, json={"name": "城西维护二组", "leader": "wang.qiang"})
    assert r.status_code == 201, r.get_json()
    group = r.get_json()
    assert group["leader"] == "wang.qiang" and group["station"] == {"id": station_id, "name": "城西服务站"}
    check_schema(api, r, "Group")
    r = api.post(f"/groups/{group['id']}/zones", admin, json={"code": "CX-02", "name": "城西二片区",
                                                               "manager": "li.na", "area": "urban"})
    assert r.status_code == 201, r.get_json()
    z = r.get_json()
    assert z["manager"] == "li.na" and z["area"] == "urban" and z["group"]["leader"] == "wang.qiang"
    assert z["group"]["station"]["name"] == "城西服务站"
    check_schema(api, r, "Zone")
    r = api.get("/stations", agent)
    assert r.status_code == 200 and r.get_json()["total"] == 1
    assert r.get_json()["items"][0]["groups"][0]["zones"] == [{"id": z["id"], "code": "CX-02", "name": "城西二片区",
                                                               "manager": "li.na"}]
    check_schema(api, r, "StationPage")
    # A zone reports straight away to new incidents.
    r = api.post("/incidents", subscriber, json={"title": "宽带断网", "service": "broadband", "category": "fault",
                                                 "zone": "CX-02"})
    assert r.get_json()["assignee"] == "li.na" and r.get_json()["group"]["name"] == "城西维护二组"


def test_organisation_refusals_save_nothing(api, s, admin, agent, subscriber, zone):
    before = (count(s, ServiceStation), count(s, MaintenanceGroup), count(s, Zone))
    cases = [
        (agent, "/stations", {"name": "新站"}, 403, None),
        (admin, "/stations", {"name": "城东服务站"}, 409, "name"),
        (admin, "/stations", {}, 400, "name"),
        (admin, "/stations", {"name": "站", "city": "杭州"}, 400, "city"),
        (admin, f"/stations/{zone.group.station_id}/groups", {"name": "组", "leader": "ghost"}, 404, "leader"),
        (admin, f"/stations/{zone.group.station_id}/groups", {"name": "组", "leader": "zhang.wei"}, 400, "leader"),
        (admin, "/stations/424242/groups", {"name": "组"}, 404, None),
        (agent, f"/stations/{zone.group.station_id}/groups", {"name": "组"}, 403, None),
        (admin, f"/groups/{zone.group_id}/zones", {"code": "CD-01", "name": "重复"}, 409, "code"),
        (admin, f"/groups/{zone.group_id}/zones", {"code": "CD-09", "name": "片区", "area": "moon"}, 400, "area"),
        (admin, f"/groups/{zone.group_id}/zones", {"code": "", "name": "片区"}, 400, "code"),
        (admin, f"/groups/{zone.group_id}/zones", {"code": "CD-09", "name": "片区", "manager": "zhang.wei"}, 400,
         "manager"),
        (admin, "/groups/99999999999999/zones", {"code": "CD-09", "name": "片区"}, 404, None),
    ]
    for who, path, body, status, field in cases:
        r = api.post(path, who, json=body)
        assert r.status_code == status, (path, body, r.get_json())
        if field:
            assert field in error_of(r)["fields"], (path, body)
    assert (count(s, ServiceStation), count(s, MaintenanceGroup), count(s, Zone)) == before
    assert api.get("/stations", subscriber).status_code == 403
    assert api.get("/zones", subscriber).status_code == 403


def test_zones_with_group_and_manager(api, s, admin, agent, zone):
    other = org.create_zone(s, admin, zone.group, code="CD-02", name="城东二片区")
    r = api.get("/zones", agent)
    assert r.status_code == 200
    items = r.get_json()["items"]
    assert [z["code"] for z in items] == ["CD-01", "CD-02"]
    assert items[0]["manager"] == "li.na" and items[1]["manager"] is None
    assert items[0]["group"] == {"id": zone.group_id, "name": "第一维护组", "leader": "zu.zhang",
                                 "station": {"id": zone.group.station_id, "name": "城东服务站"}}
    check_schema(api, r, "ZonePage")
    assert [z["id"] for z in api.get("/zones", agent, query={"q": "二片"}).get_json()["items"]] == [other.id]
    assert api.get("/zones", agent, query={"group": str(zone.group_id)}).get_json()["total"] == 2
    assert api.get("/zones", agent, query={"group": "424242"}).get_json()["total"] == 0
    r = api.get("/zones", agent, query={"group": "第一组"})
    assert r.status_code == 400 and "group" in error_of(r)["fields"]


def test_subscriber_records(api, s, agent, lead, admin, subscriber, zone):
    r = api.put("/subscribers/CD-66001", admin, json={"name": "某银行城东支行", "phone": "13912345678",
                                                      "address": "城东大道 1 号", "zone": "CD-01",
                                                      "service_level": "enterprise"})
    assert r.status_code == 201, r.get_json()
    rec = r.get_json()
    assert rec["phone"] == "13912345678" and rec["zone"] == {"code": "CD-01", "name": "城东一片区"}
    assert rec["service_level"] == "enterprise" and rec["account"] == "CD-66001"
    check_schema(api, r, "Subscriber")
    r = api.put("/subscribers/CD-66001", lead, json={"phone": "0571-86001234"})
    assert r.status_code == 200 and r.get_json()["name"] == "某银行城东支行"
    assert r.get_json()["phone"] == "0571-86001234" and r.get_json()["service_level"] == "enterprise"
    api.put("/subscribers/CD-66002", agent, json={"name": "王芳", "phone": "13700001111"})
    r = api.get("/subscribers", agent)
    assert r.status_code == 200 and r.get_json()["total"] == 2
    assert [x["phone"] for x in r.get_json()["items"]] == ["057******1234", "137****1111"]
    check_schema(api, r, "SubscriberPage")
    assert [x["account"] for x in api.get("/subscribers", agent, query={"q": "王"}).get_json()["items"]] == [
        "CD-66002"]
    assert [x["account"] for x in api.get("/subscribers", agent, query={"q": "0000"}).get_json()["items"]] == [
        "CD-66002"]
    r = api.get("/subscribers/CD-66002", agent)
    assert r.status_code == 200 and r.get_json()["phone"] == "13700001111"
    assert api.get("/subscribers/CD-00000", agent).status_code == 404
    # An enterprise record gets the 5-minute response target.
    inc = api.post("/incidents", agent, json={"title": "专线中断", "service": "broadband", "category": "fault",
                                              "customer_account": "CD-66001"}).get_json()
    assert inc["subscriber"]["service_level"] == "enterprise" and inc["zone"]["code"] == "CD-01"


def test_subscriber_record_refusals(api, s, agent, subscriber, zone):
    before = count(s, Subscriber)
    for who, account, body, status, field in (
        (subscriber, "CD-1", {"name": "张伟"}, 403, None),
        (agent, "CD-1", {"phone": "13800000000"}, 400, "name"),
        (agent, "CD-1", {"name": "张伟", "zone": "NOPE"}, 400, "zone"),
        (agent, "CD-1", {"name": "张伟", "service_level": "gold"}, 400, "service_level"),
        (agent, "CD-1", {"name": "张伟", "account": "CD-2"}, 400, "account"),
        (agent, "CD-1", {"name": ["张伟"]}, 400, "name"),
        (agent, "X" * 41, {"name": "张伟"}, 400, "account"),
        (agent, "CD%201%20", {"name": "张伟"}, 400, "account"),
    ):
        r = api.put(f"/subscribers/{account}", who, json=body)
        assert r.status_code == status, (account, body, r.get_json())
        if field:
            assert field in error_of(r)["fields"], (account, body)
    assert count(s, Subscriber) == before
    assert api.get("/subscribers", subscriber).status_code == 403
    assert api.get("/subscribers/CD-1", subscriber).status_code == 403


def test_notifications_unread_first_and_marked_read(api, s, zone, agent, group_leader, subscriber):
    first = factories.incident(subscriber, zone="CD-01", title="超时一")
    second = factories.incident(subscriber, zone="CD-01", title="超时二")
    for inc in (first, second):
        inc.resolve_by = inc.created_at - timedelta(minutes=1)
    assert org.check_sla(s).notified == 2
    s.add(Notification(user_id=agent.id, kind="info", message="别人的通知"))
    s.flush()
    r = api.get("/me/notifications", group_leader)
    assert r.status_code == 200
    body = r.get_json()
    assert body["total"] == 2 and body["unread"] == 2
    assert {n["incident"]["number"] for n in body["items"]} == {first.number, second.number}
    assert all(n["kind"] == "sla_breach" and n["read"] is False for n in body["items"])
    check_schema(api, r, "NotificationPage")
    older = body["items"][-1]
    r = api.post(f"/me/notifications/{older['id']}/read", group_leader)
    assert r.status_code == 200 and r.get_json()["read"] is True and r.get_json()["read_at"]
    check_schema(api, r, "Notification")
    read_at = r.get_json()["read_at"]
    assert api.post(f"/me/notifications/{older['id']}/read", group_leader).get_json()["read_at"] == read_at
    body = api.get("/me/notifications", group_leader).get_json()
    assert body["unread"] == 1 and [n["read"] for n in body["items"]] == [False, True]
    unread = api.get("/me/notifications", group_leader, query={"unread": "true"}).get_json()
    assert unread["total"] == 1 and unread["items"][0]["id"] != older["id"]
    assert api.get("/me/notifications", group_leader, query={"per_page": 1, "page": 2}).get_json()["items"][0][
        "id"] == older["id"]
    theirs = api.get("/me/notifications", agent).get_json()["items"][0]
    assert theirs["incident"] is None
    assert api.post(f"/me/notifications/{theirs['id']}/read", group_leader).status_code == 404
    assert api.post("/me/notifications/424242/read", group_leader).status_code == 404
    r = api.get("/me/notifications", group_leader, query={"unread": "yes"})
    assert r.status_code == 400 and "unread" in error_of(r)["fields"]
    assert api.get("/me/notifications").status_code == 401
    assert api.get("/me/notifications", factories.user(Role.USER, "wu.di")).get_json()["total"] == 0
