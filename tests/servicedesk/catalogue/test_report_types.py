"""Report types as data: under each service, what callers report, each counting as an SLA category. An
administrator adds one (page and API) and it is offered at once on the desk's and the portal's forms for its
service only; a report of a type takes the type's SLA category (and its targets) unless the agent chooses one;
a type of another service, or an inactive one, is refused beside the field with the agent's text kept; the
queue, the API and the figures filter and break down by it; duplicates and stale copies are 409; two
administrators adding one code at once end with one type."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from sqlalchemy import select

from kb import vocabulary
from kb.actors import Role
from kb.errors import Conflict, Forbidden, ValidationError
from servicedesk import db
from servicedesk.catalogue import registry
from servicedesk.catalogue import services as catalogue
from servicedesk.catalogue.models import CatalogueReportType
from servicedesk.figures import compute, desk_timezone
from servicedesk.figures.compute import incidents_behind
from servicedesk.figures.definitions import NONE_KEY
from servicedesk.incidents import services as svc
from servicedesk.incidents.models import Incident, IncidentEvent
from servicedesk.users.models import User
from tests import factories
from tests.conftest import login_client
from tests.servicedesk.api.helpers import error_of
from tests.servicedesk.catalogue.conftest import two_admins_at_once
from tests.servicedesk.web_desk.conftest import text

ROUTER = {"code": "router_offline", "label_zh": "网关离线", "label_en": "Gateway offline", "sla_category": "fault"}
DESK_REPORT = {"title": "光猫 LOS 红灯闪，上不了网", "service": "broadband", "category": "", "channel": "hotline",
               "priority": "normal", "area": ""}


def _incident(s, report_type: str) -> Incident:
    found = s.scalar(select(Incident).where(Incident.report_type == report_type).order_by(Incident.id.desc()))
    assert found is not None
    return found


def test_the_shipped_types_stand_under_their_services(s):
    rows = catalogue.report_types(s, "broadband")
    assert [r.code for r in rows][:3] == ["no_internet", "los_red", "slow"]
    assert {r.code: r.sla_category for r in rows}["billing"] == "consultation"
    assert vocabulary.offered_types("cable_tv")[:2] == ["no_signal", "mosaic"]
    assert vocabulary.report_type_label("broadband", "los_red", "en") == "Modem LOS light red"


def test_a_report_takes_its_types_sla_category_unless_one_is_chosen(s, agent):
    question = factories.incident(agent, service="broadband", report_type="billing", category=None)
    fault = factories.incident(agent, service="broadband", report_type="los_red", category=None)
    chosen = factories.incident(agent, service="broadband", report_type="billing", category="complaint")
    plain = factories.incident(agent, service="broadband", category=None)
    assert question.report_type == "billing" and question.category.value == "consultation"
    assert fault.category.value == "fault" and chosen.category.value == "complaint"
    assert plain.report_type is None and plain.category.value == "fault"  # the service's default
    # A consultation answers in a day, a fault in 4 hours in town: the type set the targets.
    assert question.resolve_by - question.created_at > fault.resolve_by - fault.created_at


def test_a_type_of_another_service_or_an_inactive_one_is_refused(s, admin, agent):
    with pytest.raises(ValidationError) as wrong:
        factories.incident(agent, service="broadband", report_type="mosaic")
    assert "report_type" in wrong.value.fields and "los_red" in wrong.value.fields["report_type"]
    row = catalogue.get_report_type(s, "broadband", "wifi")
    catalogue.update_report_type(s, admin, row, {"active": False}, row.version)
    assert "wifi" not in vocabulary.offered_types("broadband")
    with pytest.raises(ValidationError) as gone:
        factories.incident(agent, service="broadband", report_type="wifi")
    assert "report_type" in gone.value.fields
    # Kept for what names it: the label still reads.
    assert vocabulary.report_type_label("broadband", "wifi") == "无线WiFi问题"


def test_an_added_type_is_offered_at_once_for_its_service_only(app, s, page, admin, agent, subscriber):
    client = page(admin)
    assert "Report types" in text(client.get("/admin/catalogue"))
    r = client.post("/admin/catalogue/broadband/types", data={**ROUTER, "sort": "5", "active": "y"})
    assert r.status_code == 302, text(r)
    html = text(client.get("/admin/catalogue/broadband/types"))
    assert "router_offline" in html and "Gateway offline" in html
    assert vocabulary.offered_types("broadband")[0] == "router_offline"
    desk = page(agent)
    form = text(desk.get("/desk/incidents/new"))
    assert '<option value="broadband:router_offline">Gateway offline</option>' in form
    assert 'value="cable_tv:router_offline"' not in form
    r = desk.post("/desk/incidents/new", data={**DESK_REPORT, "report_type": "broadband:router_offline"})
    assert r.status_code == 302, text(r)
    made = _incident(s, "router_offline")
    assert made.service == "broadband" and made.category.value == "fault"
    assert "Gateway offline" in text(desk.get(f"/desk/incidents/{made.id}"))
    assert 'value="broadband:router_offline"' in text(page(subscriber).get("/report"))


def test_the_intake_form_names_a_mismatched_type_beside_the_field_and_keeps_the_text(page, agent):
    r = page(agent).post("/desk/incidents/new", data={**DESK_REPORT, "title": "电视马赛克（报错了业务）",
                                                      "report_type": "cable_tv:mosaic"})
    html = text(r)
    assert r.status_code == 400
    assert 'id="report_type-err"' in html and "电视马赛克（报错了业务）" in html


def test_a_subscriber_asking_about_a_bill_in_the_portal_files_a_consultation(app, s, subscriber):
    client = login_client(app, subscriber)
    r = client.post("/report", data={"service": "broadband", "report_type": "broadband:billing",
                                     "area": "urban", "title": "这个月账单多扣了20元", "contact_phone": "13812345678",
                                     "address": "幸福小区 3 栋 2 单元 501"})
    assert r.status_code == 302, text(r)
    made = _incident(s, "billing")
    assert made.category.value == "consultation" and made.channel.value == "portal"
    plain = client.post("/report", data={"service": "broadband", "area": "urban", "title": "宽带又断了",
                                         "contact_phone": "13812345678", "address": "幸福小区 3 栋 2 单元 501"})
    assert plain.status_code == 302
    last = s.scalar(select(Incident).where(Incident.title == "宽带又断了"))
    assert last is not None and last.report_type is None and last.category.value == "fault"


def test_the_queue_api_and_figures_read_the_type(app, s, page, agent, subscriber):
    los = [factories.incident(agent, service="broadband", report_type="los_red", category=None) for _ in range(3)]
    slow = factories.incident(agent, service="broadband", report_type="slow", category=None)
    mosaic = factories.incident(agent, service="cable_tv", report_type="mosaic", category=None)
    untyped = factories.incident(agent, service="broadband", category=None)
    s.commit()
    queue = text(page(agent).get("/desk/incidents", query_string={"tab": "all", "report_type": "broadband:los_red"}))
    for inc in los:
        assert inc.number in queue
    assert slow.number not in queue and mosaic.number not in queue and untyped.number not in queue
    assert "Modem LOS light red" in queue  # under the service in each row
    api = login_client(app, agent)
    listed = api.get("/api/v1/incidents", query_string={"report_type": "los_red,mosaic", "per_page": 50})
    assert sorted(i["id"] for i in listed.get_json()["items"]) == sorted([*(i.id for i in los), mosaic.id])
    assert listed.get_json()["items"][0]["report_type"] in ("los_red", "mosaic")
    bad = api.get("/api/v1/incidents", query_string={"report_type": "telegram"})
    assert bad.status_code == 400 and "report_type" in error_of(bad)["fields"]
    made = api.post("/api/v1/incidents", json={"title": "IPTV 点播一直转圈", "service": "iptv",
                                               "report_type": "playback"})
    assert made.status_code == 201 and made.get_json()["report_type"] == "playback"
    assert made.get_json()["category"] == "fault"
    wrong = api.post("/api/v1/incidents", json={"title": "x", "service": "iptv", "report_type": "los_red"})
    assert wrong.status_code == 400 and "report_type" in error_of(wrong)["fields"]

    today = datetime.now(desk_timezone()).date()
    rows = {r.key: r for r in compute(s, today, today, "report_type")}
    assert rows["broadband.los_red"].values["reported"] == 3
    assert rows["broadband.slow"].values["reported"] == 1 and rows["cable_tv.mosaic"].values["reported"] == 1
    assert rows["iptv.playback"].values["reported"] == 1
    assert rows[NONE_KEY].values["reported"] == 1 and "LOS" in rows["broadband.los_red"].label
    behind = s.scalars(incidents_behind(s, today, today, "reported", by="report_type", key="broadband.los_red"))
    assert sorted(i.id for i in behind) == sorted(i.id for i in los)
    figures = api.get("/api/v1/reports/figures", query_string={"from": today.isoformat(), "to": today.isoformat(),
                                                               "by": "report_type"})
    by_key = {r["key"]: r for r in figures.get_json()["rows"]}
    assert figures.status_code == 200 and by_key["broadband.los_red"]["reported"] == 3


def test_the_api_adds_and_changes_types_for_administrators_only(app, s, admin, lead):
    api = login_client(app, admin)
    made = api.post("/api/v1/catalogue/services/broadband/report-types", json=ROUTER)
    assert made.status_code == 201 and made.get_json()["sla_category"] == "fault"
    again = api.post("/api/v1/catalogue/services/broadband/report-types", json={**ROUTER, "label_zh": "又一个"})
    assert again.status_code == 409 and error_of(again)["code"] == "duplicate_code"
    # The same code under another service is another type.
    assert api.post("/api/v1/catalogue/services/iptv/report-types", json=ROUTER).status_code == 201
    listed = api.get("/api/v1/catalogue/services/broadband/report-types").get_json()["items"]
    assert listed[-1]["code"] == "router_offline"
    version = made.get_json()["version"]
    moved = api.patch("/api/v1/catalogue/services/broadband/report-types/router_offline",
                      json={"sla_category": "request", "version": version})
    assert moved.status_code == 200 and moved.get_json()["sla_category"] == "request"
    stale = api.patch("/api/v1/catalogue/services/broadband/report-types/router_offline",
                      json={"label_zh": "旧副本", "version": version})
    assert stale.status_code == 409 and error_of(stale)["code"] == "stale_version"
    assert api.get("/api/v1/catalogue/services/telex/report-types").status_code == 404
    assert api.patch("/api/v1/catalogue/services/broadband/report-types/nothing", json={}).status_code == 404
    bad = api.post("/api/v1/catalogue/services/broadband/report-types", json={**ROUTER, "code": "Router X"})
    assert bad.status_code == 400 and "code" in error_of(bad)["fields"]
    lead_api = login_client(app, lead)
    assert lead_api.post("/api/v1/catalogue/services/broadband/report-types",
                         json={**ROUTER, "code": "other"}).status_code == 403
    assert lead_api.get("/api/v1/catalogue/services/broadband/report-types").status_code == 200
    with pytest.raises(Forbidden):
        catalogue.create_report_type(s, lead, catalogue.get_service(s, "broadband"), {**ROUTER, "code": "x2"})


def test_the_admin_page_keeps_the_text_and_names_the_error(page, admin):
    client = page(admin)
    clash = client.post("/admin/catalogue/broadband/types", data={**ROUTER, "code": "los_red", "label_zh": "我的名字"})
    assert clash.status_code == 409 and 'id="code-err"' in text(clash) and "我的名字" in text(clash)
    empty = client.post("/admin/catalogue/broadband/types", data={**ROUTER, "label_en": ""})
    assert empty.status_code == 400 and 'id="label_en-err"' in text(empty) and "网关离线" in text(empty)
    stale = client.post("/admin/catalogue/broadband/types/slow", data={
        "t-slow-label_zh": "网速慢（改）", "t-slow-label_en": "Slow", "t-slow-sla_category": "fault",
        "t-slow-active": "y", "t-slow-version": "99"})
    assert stale.status_code == 409 and "网速慢（改）" in text(stale)
    assert client.get("/admin/catalogue/telex/types").status_code == 404


def test_another_process_sees_a_type_added_elsewhere(s):
    before = registry.stamp(s)
    s.add(CatalogueReportType(service="voice", code="crosstalk", label_zh="串线", label_en="Crosstalk",
                              sla_category="fault", active=True, sort=5, version=1))
    s.flush()
    assert registry.stamp(s) != before
    registry.refresh(s, force=True)
    assert vocabulary.offered_types("voice")[0] == "crosstalk"


def test_two_administrators_adding_one_type_at_once_end_with_one(committed):
    def add(s, me, n):
        with db.reading():
            service = catalogue.get_service(s, "broadband")
        catalogue.create_report_type(s, me, service, {**ROUTER, "label_zh": f"网关离线{n}"})

    outcomes = two_admins_at_once(committed, "type.admin", add)
    assert outcomes.count("ok") == 1, outcomes
    [lost] = [o for o in outcomes if o != "ok"]
    assert isinstance(lost, Conflict) and lost.code in ("duplicate_code", "concurrent_change"), lost
    check = committed()
    found = check.scalars(select(CatalogueReportType).where(CatalogueReportType.code == "router_offline")).all()
    assert len(found) == 1
    check.close()


def test_an_agent_corrects_the_report_type_and_keeps_the_targets(app, s, page, agent, subscriber):
    incident = factories.incident(agent, reporter=subscriber, service="broadband", report_type="no_internet",
                                  category=None)
    due = incident.resolve_by
    client = page(agent)
    html = text(client.get(f"/desk/incidents/{incident.id}"))
    assert "Correct the report type" in html and '<option selected value="no_internet">' in html
    r = client.post(f"/desk/incidents/{incident.id}/report-type",
                    data={"rtype-report_type": "wifi", "rtype-version": str(incident.version)})
    assert r.status_code == 302, text(r)
    s.expire_all()
    assert incident.report_type == "wifi" and incident.resolve_by == due and incident.category.value == "fault"
    assert "No internet → Wi-Fi trouble" in text(client.get(f"/desk/incidents/{incident.id}"))
    # A type of another service: refused beside the field, nothing changed.
    wrong = client.post(f"/desk/incidents/{incident.id}/report-type",
                        data={"rtype-report_type": "mosaic", "rtype-version": str(incident.version)})
    assert wrong.status_code == 400 and 'id="rtype-report_type-err"' in text(wrong)
    # From a stale page: 409, nothing changed.
    stale = client.post(f"/desk/incidents/{incident.id}/report-type",
                        data={"rtype-report_type": "slow", "rtype-version": str(incident.version - 1)})
    assert stale.status_code == 409
    s.expire_all()
    assert incident.report_type == "wifi"
    api = login_client(app, agent)
    r = api.put(f"/api/v1/incidents/{incident.id}/report-type", json={"report_type": None,
                                                                      "version": incident.version})
    assert r.status_code == 200 and r.get_json()["report_type"] is None
    bad = api.put(f"/api/v1/incidents/{incident.id}/report-type", json={"report_type": "mosaic"})
    assert bad.status_code == 400 and "report_type" in error_of(bad)["fields"]
    assert login_client(app, subscriber).put(f"/api/v1/incidents/{incident.id}/report-type",
                                             json={"report_type": "slow"}).status_code == 403


def test_two_agents_correcting_the_type_at_once_end_with_one(committed):
    setup = committed()
    agents = [User(username=f"rtype.agent{n}", display_name="坐席", role=Role.AGENT,
                   password_hash=factories.password_hash()) for n in range(2)]
    setup.add_all(agents)
    setup.flush()
    made = svc.create_incident(setup, agents[0], {**factories.INCIDENT, "report_type": "no_internet"})
    setup.commit()
    incident_id, ids = made.id, [a.id for a in agents]
    setup.close()
    gate = threading.Barrier(2, timeout=30)
    outcomes: list[object] = [None, None]

    def correct(n: int, kind: str) -> None:
        s = committed()
        try:
            with db.reading():
                incident = s.get(Incident, incident_id)
                me = s.get(User, ids[n])
            gate.wait()
            svc.reclassify_incident(s, incident, me, kind)
            s.commit()
            outcomes[n] = "ok"
        except Exception as exc:
            s.rollback()
            outcomes[n] = svc.concurrent_change(exc) or exc
        finally:
            s.close()

    threads = [threading.Thread(target=correct, args=(n, kind)) for n, kind in enumerate(("wifi", "slow"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert outcomes.count("ok") == 1, outcomes
    [lost] = [o for o in outcomes if o != "ok"]
    assert isinstance(lost, Conflict) and lost.code == "concurrent_change" and lost.status == 409
    check = committed()
    final = check.get(Incident, incident_id)
    events = check.scalars(select(IncidentEvent.new).where(IncidentEvent.incident_id == incident_id,
                                                           IncidentEvent.field == "report_type")).all()
    assert final is not None and events == [final.report_type]  # one result, and only its history
    check.close()
