"""/api/v1/sla-policies: staff read, administrators write; refusals name the field and save nothing."""

from __future__ import annotations

from servicedesk.org.models import SlaPolicyRule
from tests.servicedesk.api.helpers import check_schema, count, error_of

BODY = {"category": "complaint", "area": "township", "service_level": "enterprise", "respond_minutes": 5,
        "resolve_minutes": 180, "calendar": "24x7"}


def test_admin_writes_and_staff_read_the_policies(api, s, admin, agent):
    r = api.post("/sla-policies", admin, json=BODY)
    assert r.status_code == 201, r.get_json()
    check_schema(api, r, "SlaPolicy")
    policy = r.get_json()
    assert {k: policy[k] for k in BODY} == BODY
    r = api.get("/sla-policies", agent)
    assert r.status_code == 200 and r.get_json()["total"] == 1
    check_schema(api, r, "SlaPolicyPage")
    r = api.patch(f"/sla-policies/{policy['id']}", admin, json={"calendar": "business", "resolve_minutes": 240})
    assert r.status_code == 200 and r.get_json()["calendar"] == "business" and r.get_json()["respond_minutes"] == 5
    assert api.get(f"/sla-policies/{policy['id']}", agent).get_json()["resolve_minutes"] == 240
    # An enterprise complaint in the township is now timed by it, in business hours.
    inc = api.post("/incidents", agent, json={"title": "投诉专线维修慢", "service": "leased_line",
                                              "category": "complaint", "area": "township"}).get_json()
    assert inc["sla"]["calendar"] == "business"
    r = api.delete(f"/sla-policies/{policy['id']}", admin)
    assert r.status_code == 200 and count(s, SlaPolicyRule) == 0
    assert api.get(f"/sla-policies/{policy['id']}", agent).status_code == 404


def test_policy_refusals_save_nothing(api, s, admin, agent, subscriber):
    api.post("/sla-policies", admin, json=BODY)
    cases = [
        (agent, {**BODY, "service_level": "vip"}, 403, None, None),
        (admin, BODY, 409, "category", "policy_exists"),
        (admin, {**BODY, "respond_minutes": 0}, 400, "respond_minutes", None),
        (admin, {**BODY, "resolve_minutes": "4h"}, 400, "resolve_minutes", None),
        (admin, {**BODY, "respond_minutes": 600}, 400, "respond_minutes", None),
        (admin, {**BODY, "area": "moon"}, 400, "area", None),
        (admin, {**BODY, "calendar": "5x8"}, 400, "calendar", None),
        (admin, {**BODY, "priority": "high"}, 400, "priority", None),
        (admin, {"category": "fault"}, 400, "area", None),
    ]
    for who, body, status, field, code in cases:
        r = api.post("/sla-policies", who, json=body)
        assert r.status_code == status, (body, r.get_json())
        if field:
            assert field in error_of(r)["fields"], body
        if code:
            assert error_of(r)["code"] == code
    assert count(s, SlaPolicyRule) == 1
    only = s.query(SlaPolicyRule).one()
    assert api.patch(f"/sla-policies/{only.id}", agent, json={"resolve_minutes": 60}).status_code == 403
    assert api.patch(f"/sla-policies/{only.id}", admin, json={"resolve_minutes": 0}).status_code == 400
    assert api.patch("/sla-policies/99999999999999", admin, json={}).status_code == 404
    assert api.delete(f"/sla-policies/{only.id}", agent).status_code == 403
    assert api.get("/sla-policies", subscriber).status_code == 403
    s.expire_all()
    assert only.resolve_minutes == 180
