"""The SLA policy pages of the organisation section: list, add, edit and delete, with errors beside fields."""

from __future__ import annotations

from sqlalchemy import select

from servicedesk.org.models import SlaPolicyRule
from tests.servicedesk.web_desk.conftest import plain, text

VIP_FAULTS = {"category": "fault", "area": "any", "service_level": "vip", "respond_minutes": "10",
              "resolve_hours": "3.5", "calendar": "business"}


def test_admin_adds_edits_and_deletes_a_policy(s, page, admin):
    desk = page(admin)
    assert "No policy stored" in text(desk.get("/desk/org/sla"))
    r = desk.post("/desk/org/sla", data={**VIP_FAULTS, "respond_minutes": "0", "resolve_hours": "3.5"})
    assert r.status_code == 400 and "A whole number of minutes, at least 1." in text(r)
    assert 'id="respond_minutes-err"' in text(r) and 'value="3.5"' in text(r)  # the form keeps what was typed
    r = desk.post("/desk/org/sla", data={**VIP_FAULTS, "respond_minutes": "300"})
    assert r.status_code == 400 and "cannot be later than the resolve target" in text(r)
    assert desk.post("/desk/org/sla", data=VIP_FAULTS).status_code == 302
    rule = s.scalar(select(SlaPolicyRule))
    assert (rule.service_level, rule.respond_minutes, rule.resolve_minutes, rule.calendar.value) == (
        "vip", 10, 210, "business")
    r = desk.post("/desk/org/sla", data={**VIP_FAULTS, "respond_minutes": "15"})
    assert r.status_code == 409 and "A policy for this category, area and service level exists" in text(r)
    assert 'id="category-err"' in text(r) and 'value="15"' in text(r)
    body = plain(desk.get("/desk/org/sla"))
    assert "VIP" in body and "210 min" in body and "Business hours" in body and "08:30–17:30" in body

    edit = desk.get(f"/desk/org/sla/{rule.id}")
    assert edit.status_code == 200 and 'value="3.50"' in text(edit)
    r = desk.post(f"/desk/org/sla/{rule.id}", data={**VIP_FAULTS, "resolve_hours": "-1"})
    assert r.status_code == 400 and "greater than 0" in text(r)
    assert desk.post(f"/desk/org/sla/{rule.id}", data={**VIP_FAULTS, "resolve_hours": "6"}).status_code == 302
    s.expire_all()
    assert rule.resolve_minutes == 360
    assert desk.post(f"/desk/org/sla/{rule.id}/delete").status_code == 302
    assert s.scalar(select(SlaPolicyRule)) is None
    assert desk.get("/desk/org/sla/424242").status_code == 404


def test_the_page_speaks_chinese_and_is_for_admins_only(s, page, admin, agent):
    desk = page(admin)
    desk.set_cookie("lang", "zh_CN")
    body = plain(desk.get("/desk/org/sla"))
    assert "SLA 策略" in body and "新增 SLA 策略" in body and "响应时限（分钟）" in body
    assert "SLA 策略" in plain(desk.get("/desk/org"))  # linked from the organisation page
    other = page(agent)
    assert other.get("/desk/org/sla").status_code == 403
    assert other.post("/desk/org/sla", data=VIP_FAULTS).status_code == 403
    assert s.scalar(select(SlaPolicyRule)) is None


def test_forms_carry_csrf(app, s, page, admin):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        desk = page(admin)
        assert 'name="csrf_token"' in text(desk.get("/desk/org/sla"))
        assert desk.post("/desk/org/sla", data=VIP_FAULTS).status_code == 400
        assert s.scalar(select(SlaPolicyRule)) is None
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_the_portal_promises_the_stored_response_time(s, page, admin):
    visitor = page(None)
    assert "within 30 minutes" in plain(visitor.get("/"))
    desk = page(admin)
    assert desk.post("/desk/org/sla", data={**VIP_FAULTS, "service_level": "any", "respond_minutes": "20"}
                     ).status_code == 302
    assert "within 20 minutes" in plain(page(None).get("/"))
