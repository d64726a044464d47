"""The audit log as administrators read it: the page and GET /api/v1/audit, their filters, paging and refusals;
changes made through the API and the pages say so; two administrators at once are both recorded."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.actors import Role
from kb.orm import Base, use_clock
from servicedesk import db
from servicedesk.audit.models import AuditEvent
from servicedesk.org import services as org
from servicedesk.users import services as users
from tests import factories
from tests.conftest import login_client
from tests.live import own_database
from tests.servicedesk.api.helpers import Api


@pytest.fixture
def api(app, s) -> Api:
    return Api(app.test_client(), s)


@pytest.fixture
def history(s, admin, agent):
    """Three changes by admin0: a station on 3 June, a role change of li.na on 5 June, a zone on 7 June."""
    def on(day: int) -> datetime:
        return datetime(2025, 6, day, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    with use_clock(lambda: on(3)):
        station = org.create_station(s, admin, "城东服务站")
    with use_clock(lambda: on(5)):
        users.update_user(s, admin, agent, role=Role.SPECIALIST)
    with use_clock(lambda: on(7)):
        group = org.create_group(s, admin, station, "光网一组")
        org.create_zone(s, admin, group, code="Z-01", name="乡南小区")
    s.commit()
    return station


def test_only_admins_read_the_page(app, admin, agent, lead, history):
    assert login_client(app, agent).get("/admin/audit").status_code == 403
    assert login_client(app, lead).get("/admin/audit").status_code == 403
    r = login_client(app, admin).get("/admin/audit")
    assert r.status_code == 200
    assert "审计日志" in r.get_data(as_text=True)  # zh_CN by default; the navigation links the page
    assert 'href="/admin/audit"' in r.get_data(as_text=True)
    english = login_client(app, admin).get("/admin/audit", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Audit log" in english and "Before → after" in english
    page = r.get_data(as_text=True).split('id="audit-events"')[1]
    assert "user.role_changed" in page and "agent → specialist" in page and "城东服务站" in page
    assert page.index("zone.created") < page.index("user.role_changed") < page.index("station.created")


def table(response) -> str:
    """The events table of the page (the filter form's hints name actions too)."""
    return response.get_data(as_text=True).partition('id="audit-events"')[2]


def test_the_page_filters_and_blank_filters_mean_none(app, admin, agent, history):
    client = login_client(app, admin)
    page = table(client.get("/admin/audit?actor=&action=user&object_type=&object_id=&since=&until="))
    assert "user.role_changed" in page and "station.created" not in page
    page = table(client.get("/admin/audit?since=2025-06-04&until=2025-06-05"))
    assert "user.role_changed" in page and "zone.created" not in page and "station.created" not in page
    page = table(client.get(f"/admin/audit?object_type=user&object_id={agent.id}"))
    assert "user.role_changed" in page and "zone.created" not in page
    page = table(client.get("/admin/audit?actor=li.na"))
    assert "station.created" not in page


def test_a_bad_date_gives_the_page_with_an_error(app, admin, history):
    r = login_client(app, admin).get("/admin/audit?since=2025-13-40")
    assert r.status_code == 400 and "YYYY-MM-DD" in r.get_data(as_text=True)
    r = login_client(app, admin).get("/admin/audit?since=2025-06-07&until=2025-06-03&page=abc")
    assert r.status_code == 400


def test_the_api_filters_and_pages(api, admin, agent, history):
    r = api.get("/audit?action=station.created", admin)
    assert r.status_code == 200
    body = r.get_json()
    assert body["total"] == 1 and body["items"][0]["object_label"] == "城东服务站"
    assert body["items"][0]["changes"] == {"name": [None, "城东服务站"]} and body["items"][0]["actor"] == "admin0"
    r = api.get(f"/audit?object_type=user&object_id={agent.id}&since=2025-06-05&until=2025-06-05", admin)
    assert [e["action"] for e in r.get_json()["items"]] == ["user.role_changed"]
    r = api.get("/audit?since=2025-06-01T00:00:00%2B08:00&until=2025-06-30&per_page=2&page=2", admin)
    body = r.get_json()
    assert (body["total"], body["page"], body["per_page"]) == (4, 2, 2)
    assert [e["action"] for e in body["items"]] == ["user.role_changed", "station.created"]


def test_the_api_refuses_bad_values_and_non_admins(api, admin, lead, history):
    r = api.get("/audit?since=yesterday&per_page=500", admin)
    assert r.status_code == 400
    assert set(r.get_json()["error"]["fields"]) == {"since", "per_page"}
    assert api.get("/audit", lead).status_code == 403
    assert api.get("/audit").status_code == 401


def test_changes_say_where_they_came_from(app, api, s, admin):
    r = api.post("/sla-policies", admin, json={"category": "fault", "area": "urban", "service_level": "vip",
                                                "respond_minutes": 10, "resolve_minutes": 120, "calendar": "24x7"})
    assert r.status_code == 201, r.get_json()
    event = s.scalars(select(AuditEvent).where(AuditEvent.action == "sla_policy.created")).one()
    assert (event.via, event.actor_id) == ("api", admin.id)
    r = login_client(app, admin).post("/desk/org/stations", data={"name": "城南服务站"})
    assert r.status_code in (200, 302)
    event = s.scalars(select(AuditEvent).where(AuditEvent.action == "station.created")).one()
    assert (event.via, event.actor_name, event.object_label) == ("web", "admin0", "城南服务站")


def test_two_admins_at_once_are_both_recorded(database_url: str, tmp_path: Path):
    with own_database(database_url, tmp_path, "audit_race") as url:
        engine = db.make_engine(url)
        try:
            Base.metadata.create_all(engine)
            with Session(engine) as s:
                one = factories_user(s, "admin1")
                two = factories_user(s, "admin2")
                target = factories_user(s, "chen.jing", Role.AGENT)
                s.commit()
                ids = (one.id, two.id, target.id)
            start = threading.Barrier(2)
            failures: list[BaseException] = []

            def change(admin_id: int, role: Role, station: str) -> None:
                try:
                    with db.writing(), Session(engine) as ts:
                        start.wait(timeout=10)
                        admin = ts.get_one(users.User, admin_id)
                        users.update_user(ts, admin, ts.get_one(users.User, ids[2]), role=role)
                        org.create_station(ts, admin, station)
                        ts.commit()
                except BaseException as exc:  # reported below
                    failures.append(exc)

            threads = [threading.Thread(target=change, args=(ids[0], Role.LEAD, "城东服务站")),
                       threading.Thread(target=change, args=(ids[1], Role.SPECIALIST, "城西服务站"))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=30)
            assert failures == []
            with Session(engine) as s:
                got = sorted((e.actor_name, e.action) for e in s.scalars(select(AuditEvent)))
            assert got == [("admin1", "station.created"), ("admin1", "user.role_changed"),
                           ("admin2", "station.created"), ("admin2", "user.role_changed")]
        finally:
            engine.dispose()


def factories_user(s: Session, name: str, role: Role = Role.ADMIN) -> users.User:
    user = users.User(username=name, role=role, password_hash=factories.password_hash())
    s.add(user)
    s.flush()
    return user


def test_dates_are_the_desks_days(api, s, admin):
    # 23:30 UTC on 4 June is 07:30 on 5 June in Shanghai: the desk's 5 June.
    with use_clock(lambda: datetime(2025, 6, 4, 23, 30, tzinfo=UTC)):
        org.create_station(s, admin, "乡镇服务站")
    s.commit()
    r = api.get("/audit?action=station&since=2025-06-05&until=2025-06-05", admin)
    assert r.get_json()["total"] == 1
    assert api.get("/audit?action=station&until=2025-06-04", admin).get_json()["total"] == 0
