"""The desk's other moves over HTTP: cancel, merge as a duplicate, follow up, field work, escalation to a
team, and the second call-back audit; each with its refusals (subscriber, unknown id, bad body, stale
version, illegal move)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kb.actors import Role
from kb.orm import utcnow
from servicedesk.incidents import services as svc
from servicedesk.incidents.models import CallbackAudit, Incident, IncidentEvent
from servicedesk.org import services as org
from tests import factories
from tests.servicedesk.api.helpers import check_schema, count, error_of


def _closed(s, agent, lead, subscriber):
    inc = factories.resolved_incident(agent, subscriber, factories.approved_article(agent, lead))
    svc.verify_incident(s, inc, subscriber, accepted=True)
    svc.close_incident(s, inc, agent)
    return inc


def _refused(r, status: int, code: str | None = None, fields: set[str] | None = None) -> None:
    assert r.status_code == status, r.get_json()
    err = error_of(r)
    assert code is None or err["code"] == code, err
    assert fields is None or set(err["fields"]) == fields, err


# --- cancel -------------------------------------------------------------------------------------------

def test_cancel_with_a_reason(api, s, agent, subscriber):
    inc = factories.incident(subscriber)
    other = factories.incident(factories.user(Role.USER, "zhao.min"))
    _refused(api.post(f"/incidents/{inc.id}/cancel", agent, json={}), 400, fields={"reason"})
    _refused(api.post(f"/incidents/{inc.id}/cancel", agent, json={"reason": "重复报障", "why": 1}), 400,
             fields={"why"})
    _refused(api.post(f"/incidents/{inc.id}/cancel", subscriber, json={"reason": "不需要了"}), 403)
    _refused(api.post(f"/incidents/{other.id}/cancel", subscriber, json={"reason": "不需要了"}), 404)
    _refused(api.post("/incidents/999999/cancel", agent, json={"reason": "重复报障"}), 404)
    _refused(api.post(f"/incidents/{inc.id}/cancel", agent, json={"reason": "重复报障", "version": inc.version + 5}),
             409, "stale_version")
    r = api.post(f"/incidents/{inc.id}/cancel", agent, json={"reason": "用户重复报障，已撤销", "version": inc.version})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["status"] == "cancelled" and body["cancel_reason"] == "用户重复报障，已撤销"
    assert body["history"][-1]["action"] == "cancel"
    check_schema(api, r, "Incident")
    _refused(api.post(f"/incidents/{inc.id}/cancel", agent, json={"reason": "再撤销"}), 409, "invalid_transition")


# --- duplicate ----------------------------------------------------------------------------------------

def test_duplicate_closes_through_the_parents_solution(api, s, agent, lead, subscriber):
    sol = factories.approved_article(agent, lead)
    parent = factories.incident(subscriber, title="小区光缆中断")
    child = factories.incident(agent, reporter=factories.user(Role.USER, "zhao.min"), title="同一小区无法上网")
    r = api.post(f"/incidents/{child.id}/duplicate", agent,
                 json={"parent": parent.number, "reason": "同一光缆故障", "version": child.version})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["status"] == "duplicate" and body["duplicate_of"] == {"id": parent.id, "number": parent.number}
    assert body["sla"]["paused"] is True
    check_schema(api, r, "Incident")
    api.put(f"/incidents/{parent.id}/solution", agent, json={"article_id": sol.id})
    api.post(f"/incidents/{parent.id}/resolve", agent, json={"note": "光缆已熔接"})
    api.post(f"/incidents/{parent.id}/verify", subscriber, json={"accepted": True, "rating": 5})
    assert api.post(f"/incidents/{parent.id}/close", agent).get_json()["status"] == "closed"
    closed = api.get(f"/incidents/{child.id}", agent).get_json()
    assert closed["status"] == "closed" and closed["solution_id"] == sol.id and closed["verified"] is True


def test_duplicate_refusals(api, s, agent, lead, subscriber):
    inc = factories.incident(subscriber)
    done = _closed(s, agent, lead, subscriber)
    before = count(s, IncidentEvent)
    _refused(api.post(f"/incidents/{inc.id}/duplicate", subscriber, json={"parent": done.number}), 403)
    _refused(api.post(f"/incidents/{inc.id}/duplicate", agent, json={"parent": "INC20990101-9999999"}), 400,
             fields={"parent"})
    _refused(api.post(f"/incidents/{inc.id}/duplicate", agent, json={"parent": 10**12}), 400, fields={"parent"})
    _refused(api.post(f"/incidents/{inc.id}/duplicate", agent, json={"parent": ["x"]}), 400, fields={"parent"})
    _refused(api.post(f"/incidents/{inc.id}/duplicate", agent, json={}), 400, fields={"parent"})
    _refused(api.post(f"/incidents/{inc.id}/duplicate", agent, json={"parent": inc.id}), 400, fields={"parent"})
    _refused(api.post(f"/incidents/{inc.id}/duplicate", agent, json={"parent": done.id}), 409, "parent_ended")
    _refused(api.post(f"/incidents/{done.id}/duplicate", agent, json={"parent": inc.id}), 409, "invalid_transition")
    _refused(api.post(f"/incidents/{inc.id}/duplicate", agent, json={"parent": done.id, "version": 99}), 409,
             "stale_version")
    assert count(s, IncidentEvent) == before


# --- follow-up ----------------------------------------------------------------------------------------

def test_follow_up_opens_a_linked_incident(api, s, agent, lead, subscriber):
    old = _closed(s, agent, lead, subscriber)
    old.closed_at = utcnow() - timedelta(days=10)
    _refused(api.post(f"/incidents/{old.id}/reopen", agent, json={"reason": "又断网了"}), 409)
    _refused(api.post(f"/incidents/{old.id}/follow-up", subscriber, json={"reason": "又断网了"}), 403)
    _refused(api.post(f"/incidents/{old.id}/follow-up", agent, json={"reason": ""}), 400, fields={"reason"})
    before = count(s, Incident)
    r = api.post(f"/incidents/{old.id}/follow-up", agent, json={"reason": "用户来电：又断网了", "version": old.version})
    assert r.status_code == 201, r.get_json()
    new = r.get_json()
    assert new["id"] != old.id and new["status"] in ("new", "assigned") and new["reporter"] == "zhang.wei"
    assert new["repeat_of"]["id"] == old.id and new["description"] == "用户来电：又断网了"
    assert count(s, Incident) == before + 1
    check_schema(api, r, "Incident")
    open_one = factories.incident(subscriber)
    _refused(api.post(f"/incidents/{open_one.id}/follow-up", agent, json={"reason": "跟进"}), 409,
             "invalid_transition")


# --- field work ---------------------------------------------------------------------------------------

def test_field_work_is_read_and_written_by_staff(api, s, agent, subscriber):
    line = factories.incident(agent, reporter=subscriber, service="leased_line", title="集客专线中断")
    line.created_at -= timedelta(hours=3)
    empty = api.get(f"/incidents/{line.id}/field-work", agent)
    assert empty.status_code == 200 and empty.get_json()["arrived_at"] is None
    assert empty.get_json()["leased_line"] is True and empty.get_json()["vlan"] is None
    check_schema(api, empty, "FieldWork")
    arrived = (utcnow() - timedelta(hours=1)).isoformat()
    r = api.patch(f"/incidents/{line.id}/field-work", agent, json={
        "arrived_at": arrived, "completed_at": utcnow().isoformat(), "fault_cause": "光缆被施工挖断",
        "steps": "1. 熔接光缆\n2. 测试收光", "ip_address": "10.1.2.3/30", "vlan": 1024,
        "mac_address": "001a2b3c4d5e", "a_end": "城东机房 OLT-01", "z_end": "某银行城东支行", "version": line.version})
    assert r.status_code == 200, r.get_json()
    work = r.get_json()
    assert work["vlan"] == 1024 and work["mac_address"] == "00:1A:2B:3C:4D:5E" and work["updated_by"] == "li.na"
    check_schema(api, r, "FieldWork")
    r = api.patch(f"/incidents/{line.id}/field-work", agent,
                  json={"steps": "熔接后测试正常", "version": work["version"]})
    assert r.get_json()["fault_cause"] == "光缆被施工挖断" and r.get_json()["steps"] == "熔接后测试正常"
    stale = {"steps": "旧版本", "version": work["version"]}
    _refused(api.patch(f"/incidents/{line.id}/field-work", agent, json=stale), 409, "stale_version")
    history = api.get(f"/incidents/{line.id}", agent).get_json()["history"]
    assert {e["field"] for e in history if e["action"] == "field_work"} >= {"vlan", "ip_address", "steps"}
    _refused(api.get(f"/incidents/{line.id}/field-work", subscriber), 403)
    _refused(api.patch(f"/incidents/{line.id}/field-work", subscriber, json={"steps": "我自己修好了"}), 403)
    stranger = factories.incident(factories.user(Role.USER, "zhao.min"))
    _refused(api.get(f"/incidents/{stranger.id}/field-work", subscriber), 404)
    _refused(api.get("/incidents/999999/field-work", agent), 404)


def test_a_field_work_patch_that_changes_nothing_shows_texts_empty(api, agent, subscriber):
    # Found by the schemathesis run: a first PATCH that changes nothing answered null for the texts.
    inc = factories.incident(agent, reporter=subscriber)
    for sent in ({"vlan": None}, {"arrived_at": None, "version": inc.version}):
        r = api.patch(f"/incidents/{inc.id}/field-work", agent, json=sent)
        assert r.status_code == 200, r.get_json()
        body = r.get_json()
        assert body["fault_cause"] == body["steps"] == body["a_end"] == body["mac_address"] == ""
        assert body["vlan"] is None and body["arrived_at"] is None
        check_schema(api, r, "FieldWork")


def test_field_work_refusals_name_each_bad_field_and_save_nothing(api, s, agent, subscriber):
    line = factories.incident(agent, reporter=subscriber, service="leased_line", title="集客专线中断")
    home = factories.incident(agent, reporter=subscriber)
    before = count(s, IncidentEvent)
    r = api.patch(f"/incidents/{line.id}/field-work", agent, json={
        "arrived_at": (utcnow() + timedelta(hours=2)).isoformat(), "vlan": 5000, "ip_address": "10.0.0.300",
        "mac_address": "zz:zz", "fault_cause": "入户光纤弯折"})
    _refused(r, 400, fields={"arrived_at", "vlan", "ip_address", "mac_address"})
    assert error_of(r)["fields"]["arrived_at"] == "in the future"
    _refused(api.patch(f"/incidents/{line.id}/field-work", agent, json={"arrived_at": "昨天下午"}), 400,
             fields={"arrived_at"})
    _refused(api.patch(f"/incidents/{line.id}/field-work", agent, json={"arrived_at": "2024-05-01T08:00:00"}), 400,
             fields={"arrived_at"})
    _refused(api.patch(f"/incidents/{line.id}/field-work", agent, json={"photo": "x.jpg"}), 400, fields={"photo"})
    line.created_at -= timedelta(hours=1)
    now = utcnow()
    backwards = {"arrived_at": (now - timedelta(minutes=5)).isoformat(),
                 "completed_at": (now - timedelta(minutes=10)).isoformat()}
    _refused(api.patch(f"/incidents/{line.id}/field-work", agent, json=backwards), 400, fields={"completed_at"})
    _refused(api.patch(f"/incidents/{home.id}/field-work", agent, json={"vlan": 100, "ip_address": "10.0.0.1"}),
             400, fields={"vlan", "ip_address"})
    assert count(s, IncidentEvent) == before
    assert api.get(f"/incidents/{line.id}/field-work", agent).get_json()["fault_cause"] == ""
    api.post(f"/incidents/{home.id}/cancel", agent, json={"reason": "误报"})
    _refused(api.patch(f"/incidents/{home.id}/field-work", agent, json={"fault_cause": "无"}), 409,
             "invalid_transition")


# --- escalation to a team -----------------------------------------------------------------------------

@pytest.fixture
def second_group(s, admin, zone):
    return org.create_group(s, admin, zone.group.station, "第二维护组 (光缆)")


def test_escalate_to_a_maintenance_group(api, s, zone, second_group, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber, zone="CD-01")
    _refused(api.post(f"/incidents/{inc.id}/escalate", agent, json={"tier": 2, "reason": "需光缆班组",
                                                                    "group": 999999}), 404, fields={"group"})
    _refused(api.post(f"/incidents/{inc.id}/escalate", agent, json={"tier": 2, "reason": "需光缆班组",
                                                                    "group": "光缆组"}), 400, fields={"group"})
    r = api.post(f"/incidents/{inc.id}/escalate", agent,
                 json={"tier": 2, "reason": "需光缆班组熔接", "group": second_group.id, "version": inc.version})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["tier"] == 2 and body["group"] == {"id": second_group.id, "name": "第二维护组 (光缆)"}
    assert body["assignee"] is None and body["status"] == "new"
    assert any(e["field"] == "group" and e["new"] == "第二维护组 (光缆)" for e in body["history"])


# --- the second call-back audit -----------------------------------------------------------------------

def test_audit_sample_and_record(api, s, agent, lead, subscriber):
    closed = [_closed(s, agent, lead, subscriber) for _ in range(3)]
    _refused(api.post("/audits/sample", agent, json={"size": 2}), 403)
    _refused(api.post("/audits/sample", subscriber, json={"size": 2}), 403)
    _refused(api.post("/audits/sample", lead, json={"size": 0, "days": 400}), 400, fields={"size", "days"})
    _refused(api.post("/audits/sample", lead, json={"size": "2"}), 400, fields={"size"})
    r = api.post("/audits/sample", lead, json={"size": 2, "days": 30})
    assert r.status_code == 201, r.get_json()
    drawn = r.get_json()["items"]
    assert r.get_json()["total"] == 2 and {a["incident"]["id"] for a in drawn} <= {c.id for c in closed}
    assert all(a["outcome"] is None and a["sampled_by"] == "wang.qiang" for a in drawn)
    check_schema(api, r, "AuditList")
    again = api.post("/audits/sample", lead, json={"size": 5}).get_json()
    assert again["total"] == 1  # never one drawn before
    assert api.post("/audits/sample", lead, json={"size": 5}).get_json() == {"items": [], "total": 0}

    pending = api.get("/audits", agent)
    assert pending.status_code == 200 and pending.get_json()["total"] == 3
    check_schema(api, pending, "AuditPage")
    _refused(api.get("/audits", subscriber), 403)
    _refused(api.get("/audits", agent, query={"state": "open"}), 400, fields={"state"})

    audit_id = drawn[0]["id"]
    _refused(api.post(f"/audits/{audit_id}", subscriber, json={"outcome": "confirmed"}), 403)
    _refused(api.post("/audits/999999", agent, json={"outcome": "confirmed"}), 404)
    _refused(api.post(f"/audits/{audit_id}", agent, json={"outcome": "maybe"}), 400, fields={"outcome"})
    _refused(api.post(f"/audits/{audit_id}", agent, json={"outcome": "not_fixed"}), 400, fields={"comment"})
    _refused(api.post(f"/audits/{audit_id}", agent, json={
        "outcome": "confirmed", "called_at": (utcnow() + timedelta(days=1)).isoformat()}), 400, fields={"called_at"})
    _refused(api.post(f"/audits/{audit_id}", agent, json={"outcome": "confirmed", "called_at": 5}), 400,
             fields={"called_at"})
    r = api.post(f"/audits/{audit_id}", agent, json={"outcome": "not_fixed", "rating": 2,
                                                     "comment": "用户说晚上还是掉线"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["outcome"] == "not_fixed" and r.get_json()["auditor"] == "li.na"
    check_schema(api, r, "Audit")
    _refused(api.post(f"/audits/{audit_id}", agent, json={"outcome": "confirmed"}), 409, "audit_recorded")
    audited = s.get(CallbackAudit, audit_id).incident_id
    incident = api.get(f"/incidents/{audited}", agent).get_json()
    assert incident["reopen_count"] == 1 and incident["history"][-1]["action"] == "audit"
    recorded = api.get("/audits", agent, query={"state": "recorded"}).get_json()
    assert [a["id"] for a in recorded["items"]] == [audit_id] and recorded["outcomes"] == {"not_fixed": 1}
    assert api.get(f"/audits/{audit_id}", agent).get_json()["comment"] == "用户说晚上还是掉线"
    _refused(api.get(f"/audits/{audit_id}", subscriber), 403)
