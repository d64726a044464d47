"""The service catalogue as data: an administrator adds 智慧家庭 (page and API) and it is offered at once on the
desk's and the portal's report forms, takes its default SLA category, shows in filters and search; deactivated,
it is kept for what names it and no longer offered; duplicates and stale copies are refused; another process
sees the change; two administrators adding one code at once end with one service."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from kb import vocabulary
from kb.errors import Conflict, Forbidden
from servicedesk.catalogue import registry
from servicedesk.catalogue import services as catalogue
from servicedesk.catalogue.models import CatalogueService
from servicedesk.incidents.models import Incident
from tests import factories
from tests.conftest import login_client
from tests.servicedesk.api.helpers import error_of
from tests.servicedesk.catalogue.conftest import two_admins_at_once
from tests.servicedesk.web_desk.conftest import text

SMART_HOME = {"code": "smart_home", "label_zh": "智慧家庭", "label_en": "Smart home", "default_category": "request"}


def test_the_shipped_services_are_the_catalogue(s):
    codes = [r.code for r in catalogue.services(s)]
    assert codes == ["broadband", "iptv", "cable_tv", "satellite_tv", "leased_line", "voice", "mobile"]


def test_an_added_service_is_offered_at_once_with_its_default_category(app, s, page, admin, agent, subscriber):
    client = page(admin)
    r = client.post("/admin/catalogue", data={**SMART_HOME, "sort": "75", "active": "y"})
    assert r.status_code == 302, text(r)
    assert "smart_home" in text(client.get("/admin/catalogue")) and vocabulary.ACTIVE[-1] == "smart_home"
    desk = page(agent)
    assert '<option value="smart_home">Smart home</option>' in text(desk.get("/desk/incidents/new"))
    r = desk.post("/desk/incidents/new", data={"title": "智能门锁连不上家里 WiFi", "service": "smart_home",
                                               "category": "", "channel": "hotline", "priority": "normal",
                                               "area": ""})
    assert r.status_code == 302, text(r)
    made = s.scalar(select(Incident).where(Incident.service == "smart_home"))
    assert made is not None and made.category.value == "request"  # the service's default SLA category
    assert "Smart home" in text(desk.get(f"/desk/incidents/{made.id}"))
    assert "Smart home" in text(page(subscriber).get("/report"))
    api = login_client(app, agent)
    listed = api.get("/api/v1/incidents", query_string={"service": "smart_home"}).get_json()
    assert [i["id"] for i in listed["items"]] == [made.id]
    assert api.get("/api/v1/incidents", query_string={"service": "telegraph"}).status_code == 400


def test_only_administrators_change_it_and_duplicates_are_named(app, s, page, admin, lead):
    assert page(lead).get("/admin/catalogue").status_code == 403
    with pytest.raises(Forbidden):
        catalogue.create_service(s, lead, SMART_HOME)
    api = login_client(app, admin)
    assert api.post("/api/v1/catalogue/services", json=SMART_HOME).status_code == 201
    again = api.post("/api/v1/catalogue/services", json=SMART_HOME)
    assert again.status_code == 409 and error_of(again)["code"] == "duplicate_code"
    clash = page(admin).post("/admin/catalogue", data={**SMART_HOME, "label_zh": "别的名字"})
    assert clash.status_code == 409 and 'id="code-err"' in text(clash) and "别的名字" in text(clash)
    bad = api.post("/api/v1/catalogue/services", json={**SMART_HOME, "code": "5G 基站"})
    assert bad.status_code == 400 and "code" in error_of(bad)["fields"]
    assert login_client(app, lead).post("/api/v1/catalogue/services", json={**SMART_HOME, "code": "x5g"}) \
        .status_code == 403
    assert [r["code"] for r in login_client(app, lead).get("/api/v1/catalogue/services").get_json()["items"]][-1] \
        == "smart_home"


def test_an_inactive_service_is_kept_but_no_longer_offered(app, s, admin, agent):
    api = login_client(app, admin)
    api.post("/api/v1/catalogue/services", json=SMART_HOME)
    old = factories.incident(agent, service="smart_home", title="旧的智慧家庭报障")
    s.commit()
    version = api.get("/api/v1/catalogue/services/smart_home").get_json()["version"]
    r = api.patch("/api/v1/catalogue/services/smart_home", json={"active": False, "version": version})
    assert r.status_code == 200 and r.get_json()["active"] is False
    stale = api.patch("/api/v1/catalogue/services/smart_home", json={"label_zh": "全屋智能", "version": version})
    assert stale.status_code == 409 and error_of(stale)["code"] == "stale_version"
    assert "smart_home" in vocabulary.SERVICES and "smart_home" not in vocabulary.ACTIVE
    refused = login_client(app, agent).post("/api/v1/incidents", json={"title": "新报障", "service": "smart_home",
                                                                        "category": "fault"})
    assert refused.status_code == 400 and "service" in error_of(refused)["fields"]
    agent_api = login_client(app, agent)
    assert agent_api.get(f"/api/v1/incidents/{old.id}").get_json()["service"] == "smart_home"
    assert agent_api.get("/api/v1/incidents", query_string={"service": "smart_home"}).status_code == 200


def test_another_process_sees_a_service_added_elsewhere(s):
    s.execute(insert(CatalogueService), [{"code": "fiveg", "label_zh": "5G 基站", "label_en": "5G site",
                                          "default_category": "fault", "active": True, "sort": 5, "version": 1}])
    s.flush()
    registry.refresh(s)  # a look within the second: may keep what it has
    registry.refresh(s, force=True)  # the next look (or a second later): reads it
    assert vocabulary.SERVICES["fiveg"] == ("5G 基站", "5G site") and vocabulary.ACTIVE[0] == "fiveg"
    from kb.search.query import _service_by_label

    assert _service_by_label()["5g 基站"] == "fiveg"  # a filter typed by its name finds its code


def test_two_administrators_adding_one_code_at_once_end_with_one(committed):
    outcomes = two_admins_at_once(committed, "cat.admin", lambda s, me, n: catalogue.create_service(
        s, me, {**SMART_HOME, "label_zh": f"智慧家庭{n}"}))
    assert outcomes.count("ok") == 1, outcomes
    [lost] = [o for o in outcomes if o != "ok"]
    assert isinstance(lost, Conflict) and lost.code in ("duplicate_code", "concurrent_change"), lost
    check = committed()
    assert len(check.scalars(select(CatalogueService).where(CatalogueService.code == "smart_home")).all()) == 1
    check.close()
    registry.refresh(committed(), force=True)
