"""Issue 12, finding 4: a subscriber's service level picks the SLA of their incidents, so only an
administrator sets it; the rule lives in org.services.upsert_subscriber and the API and pages agree."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.errors import Forbidden
from servicedesk.org import services as org
from servicedesk.org.models import ServiceLevel, Subscriber
from tests.servicedesk.api.helpers import Api, error_of
from tests.servicedesk.security.conftest import Desk

ACCOUNT = "GD20240001"  # the desk's record: vip, set by the admin


def _record(s: Session, account: str = ACCOUNT) -> Subscriber | None:
    s.expire_all()
    found: Subscriber | None = s.scalar(select(Subscriber).where(Subscriber.account == account))
    return found


@pytest.mark.parametrize("role", ["agent", "lead"])
def test_staff_other_than_admins_cannot_change_a_level_through_the_api(api: Api, s: Session, desk: Desk,
                                                                       role: str) -> None:
    who = desk.people[role]
    r = api.put(f"/subscribers/{ACCOUNT}", who, json={"service_level": "enterprise"})
    assert r.status_code == 403 and "service_level" in error_of(r)["fields"]
    r = api.put(f"/subscribers/{ACCOUNT}", who, json={"service_level": "normal", "phone": "13900000000"})
    assert r.status_code == 403
    record = _record(s)
    assert record is not None and record.service_level == ServiceLevel.VIP and record.phone == "13812345678"
    # A new record: the normal level is the default, any other needs an administrator.
    r = api.put("/subscribers/GD20249999", who, json={"name": "刘洋", "service_level": "enterprise"})
    assert r.status_code == 403 and _record(s, "GD20249999") is None
    # What they may do is unchanged: keep the record's other fields, name the level it already has.
    r = api.put(f"/subscribers/{ACCOUNT}", who, json={"phone": "13900000000", "service_level": "vip"})
    assert r.status_code == 200 and r.get_json()["service_level"] == "vip"
    r = api.put("/subscribers/GD20249999", who, json={"name": "刘洋", "service_level": "normal", "zone": "CD-01"})
    assert r.status_code == 201 and r.get_json()["service_level"] == "normal"


def test_an_admin_sets_levels(api: Api, s: Session, desk: Desk) -> None:
    r = api.put(f"/subscribers/{ACCOUNT}", desk.people["admin"], json={"service_level": "enterprise"})
    assert r.status_code == 200 and r.get_json()["service_level"] == "enterprise"
    r = api.put("/subscribers/JK-0002", desk.people["admin"], json={"name": "某银行", "service_level": "enterprise"})
    assert r.status_code == 201 and r.get_json()["service_level"] == "enterprise"


def test_the_rule_is_the_services(s: Session, desk: Desk) -> None:
    agent, admin = desk.people["agent"], desk.people["admin"]
    assert agent is not None and admin is not None
    with pytest.raises(Forbidden):
        org.upsert_subscriber(s, agent, {"account": ACCOUNT, "service_level": "normal"})
    assert org.can_set_service_level(admin) and not org.can_set_service_level(agent)


def test_the_page_shows_the_level_to_agents_and_refuses_a_changed_one(s: Session, desk: Desk,
                                                                       as_user: Callable[..., FlaskClient]) -> None:
    agent = as_user(desk.people["agent"])
    html = agent.get(f"/desk/subscribers/{ACCOUNT}").get_data(as_text=True)
    assert 'name="service_level"' not in html and "Only an administrator changes the service level" in html
    # Saving the record without the level keeps it.
    r = agent.post(f"/desk/subscribers/{ACCOUNT}", data={"name": "张伟", "phone": "13700000000", "zone": "CD-01"})
    assert r.status_code == 302
    record = _record(s)
    assert record is not None and record.phone == "13700000000" and record.service_level == ServiceLevel.VIP
    # A level sent anyway (a hand-made form) is refused, and nothing is saved.
    r = agent.post(f"/desk/subscribers/{ACCOUNT}", data={"name": "张伟", "phone": "13600000000", "zone": "CD-01",
                                                         "service_level": "enterprise"})
    assert r.status_code == 403
    assert "Only an administrator changes a subscriber&#39;s service level." in r.get_data(as_text=True)
    record = _record(s)
    assert record is not None and record.phone == "13700000000" and record.service_level == ServiceLevel.VIP
    r = agent.post("/desk/subscribers/new", data={"account": "GD20248888", "name": "刘洋", "zone": "CD-01"})
    assert r.status_code == 302
    new = _record(s, "GD20248888")
    assert new is not None and new.service_level == ServiceLevel.NORMAL


def test_the_page_lets_an_admin_change_the_level(s: Session, desk: Desk, as_user: Callable[..., FlaskClient]) -> None:
    admin = as_user(desk.people["admin"])
    assert 'name="service_level"' in admin.get(f"/desk/subscribers/{ACCOUNT}").get_data(as_text=True)
    r = admin.post(f"/desk/subscribers/{ACCOUNT}", data={"name": "张伟", "phone": "13812345678", "zone": "CD-01",
                                                         "service_level": "enterprise"})
    assert r.status_code == 302
    record = _record(s)
    assert record is not None and record.service_level == ServiceLevel.ENTERPRISE
