"""The desk's new pages and actions: cancel, duplicates, follow-ups, field work, stale versions, bulk assign,
the queue's new tabs and filters, notifications, call-back audits and the figures."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kb.actors import Role
from kb.orm import utcnow
from servicedesk.incidents import services as svc
from servicedesk.incidents.models import Incident, IncidentEvent
from servicedesk.incidents.workflow import IncidentStatus
from servicedesk.org import services as org
from servicedesk.org.models import Notification
from tests import factories
from tests.servicedesk.web_desk.conftest import plain, text

S = IncidentStatus


@pytest.fixture
def zone(s, admin, agent):
    leader = factories.user(Role.SPECIALIST, "zu.zhang", display_name="张组长")
    station = org.create_station(s, admin, "城东服务站")
    group = org.create_group(s, admin, station, "第一维护组", leader=leader)
    return org.create_zone(s, admin, group, code="CD-01", name="城东一片区", manager=agent, area="urban")


def _closed(s, agent, lead, subscriber):
    inc = factories.resolved_incident(agent, subscriber, factories.approved_article(agent, lead))
    svc.verify_incident(s, inc, subscriber, accepted=True)
    svc.close_incident(s, inc, agent)
    return inc


def _events(s, inc) -> int:
    return s.scalar(select(func.count()).select_from(IncidentEvent).where(IncidentEvent.incident_id == inc.id))


def test_cancel_needs_a_reason_then_ends_the_incident(s, page, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    desk = page(agent)
    assert "Cancel the incident" in text(desk.get(f"/desk/incidents/{inc.id}"))
    r = desk.post(f"/desk/incidents/{inc.id}/cancel", data={"cancel-reason": "  "})
    assert r.status_code == 400 and "Say why the incident is cancelled." in text(r)
    r = desk.post(f"/desk/incidents/{inc.id}/cancel", data={"cancel-reason": "用户已自行恢复，撤销报修"})
    assert r.status_code == 302
    s.expire_all()
    assert inc.status == S.CANCELLED
    body = plain(desk.get(f"/desk/incidents/{inc.id}"))
    assert "用户已自行恢复，撤销报修" in body and "Cancelled" in body
    r = desk.post(f"/desk/incidents/{inc.id}/pend", data={"pend-reason": "等待"})
    assert r.status_code == 409 and "This action is not possible while the incident is “Cancelled”." in text(r)


def test_duplicate_merges_and_closes_with_its_parent(s, page, agent, lead, subscriber):
    sol = factories.approved_article(agent, lead)
    parent = factories.incident(agent, reporter=subscriber, title="小区整片断网")
    child = factories.incident(agent, reporter=subscriber, title="同一故障再次来电")
    desk = page(agent)
    r = desk.post(f"/desk/incidents/{child.id}/duplicate", data={"dup-parent": "INC19990101-000001",
                                                                "dup-reason": "同一 OLT"})
    assert r.status_code == 400
    body = text(r)
    assert "No incident has this number." in body and "同一 OLT" in body  # the note is kept
    r = desk.post(f"/desk/incidents/{child.id}/duplicate", data={"dup-parent": parent.number.lower()})
    assert r.status_code == 302
    body = plain(desk.get(f"/desk/incidents/{child.id}"))
    assert f"Merged as a duplicate: it closes with {parent.number}" in body
    assert child.number in plain(desk.get(f"/desk/incidents/{parent.id}"))
    svc.link_solution(s, parent, agent, sol)
    svc.resolve_incident(s, parent, agent, "OLT 板卡更换")
    svc.verify_incident(s, parent, subscriber, accepted=True)
    s.commit()
    r = desk.post(f"/desk/incidents/{parent.id}/close")
    assert r.status_code == 302
    s.expire_all()
    assert child.status == S.CLOSED and child.solution_id == sol.id
    assert "Closed with its parent" in plain(desk.get(f"/desk/incidents/{child.id}"))


def test_reopen_window_then_a_follow_up_incident(s, app, page, agent, lead, subscriber):
    inc = _closed(s, agent, lead, subscriber)
    desk = page(agent)
    body = plain(desk.get(f"/desk/incidents/{inc.id}"))
    assert "It can be reopened until" in body and "Open a new incident linked" not in body
    inc.closed_at = utcnow() - timedelta(days=app.config["REOPEN_WINDOW_DAYS"] + 1)
    s.commit()
    body = plain(desk.get(f"/desk/incidents/{inc.id}"))
    assert "The reopen window has passed" in body and "Open a new incident linked to this one" in body
    r = desk.post(f"/desk/incidents/{inc.id}/reopen", data={"reopen-reason": "又坏了"})
    assert r.status_code == 409 and "closed too long ago" in text(r)
    r = desk.post(f"/desk/incidents/{inc.id}/follow-up", data={"follow-reason": "光猫又红灯"})
    assert r.status_code == 302
    new = s.scalar(select(Incident).where(Incident.repeat_of_id == inc.id))
    assert new is not None and r.headers["Location"].endswith(f"/desk/incidents/{new.id}")
    body = plain(desk.get(f"/desk/incidents/{new.id}"))
    assert inc.number in body and "光猫又红灯" in body


def test_field_work_form_keeps_input_and_refuses_future_times(s, page, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber, service="leased_line", title="专线中断")
    inc.created_at -= timedelta(hours=3)
    desk = page(agent)
    body = text(desk.get(f"/desk/incidents/{inc.id}"))
    assert 'name="fw-vlan"' in body and 'name="fw-arrived_at"' in body
    future = (utcnow() + timedelta(days=1)).astimezone().strftime("%Y-%m-%dT%H:%M")
    r = desk.post(f"/desk/incidents/{inc.id}/field-work", data={
        "fw-arrived_at": future, "fw-fault_cause": "光缆被施工挖断", "fw-vlan": "5000"})
    assert r.status_code == 400
    body = text(r)
    assert "光缆被施工挖断" in body and "5000" in body
    assert 'id="fw-arrived_at-err"' in body and 'id="fw-vlan-err"' in body
    s.expire_all()
    assert inc.field_work is None
    arrived = (utcnow() - timedelta(hours=1)).astimezone(app_zone(s)).strftime("%Y-%m-%dT%H:%M")
    r = desk.post(f"/desk/incidents/{inc.id}/field-work", data={
        "fw-arrived_at": arrived, "fw-fault_cause": "光缆被施工挖断", "fw-steps": "熔接", "fw-vlan": "1024",
        "fw-ip_address": "10.0.0.1/30", "fw-mac_address": "00-1a-2b-3c-4d-5e", "fw-a_end": "城东机房",
        "fw-z_end": "某银行"})
    assert r.status_code == 302
    s.expire_all()
    assert inc.field_work.vlan == 1024 and inc.field_work.mac_address == "00:1A:2B:3C:4D:5E"
    body = plain(desk.get(f"/desk/incidents/{inc.id}"))
    assert "Field work recorded" in body and "00:1A:2B:3C:4D:5E" in body
    plain_inc = factories.incident(agent, reporter=subscriber)
    assert 'name="fw-vlan"' not in text(desk.get(f"/desk/incidents/{plain_inc.id}"))


def app_zone(s):
    from zoneinfo import ZoneInfo
    return ZoneInfo("Asia/Shanghai")


def test_a_stale_version_is_refused_with_the_input_kept(s, page, agent, lead, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    desk = page(agent)
    body = text(desk.get(f"/desk/incidents/{inc.id}"))
    seen = re.search(r'name="resolve-version" type="hidden" value="(\d+)"', body).group(1)
    assert seen == str(inc.version)
    svc.assign_incident(s, inc, lead, lead)  # another agent acts meanwhile
    s.commit()
    before = _events(s, inc)
    r = desk.post(f"/desk/incidents/{inc.id}/resolve", data={"resolve-note": "已更换尾纤", "resolve-version": seen})
    assert r.status_code == 409
    body = text(r)
    assert "Someone else changed this incident while you were working on it" in body and "已更换尾纤" in body
    s.expire_all()
    assert inc.status == S.ASSIGNED and _events(s, inc) == before
    current = re.search(r'name="resolve-version" type="hidden" value="(\d+)"', body).group(1)
    assert current == str(inc.version)
    r = desk.post(f"/desk/incidents/{inc.id}/resolve", data={"resolve-note": "已更换尾纤", "resolve-version": current})
    assert r.status_code == 302
    s.expire_all()
    assert inc.status == S.RESOLVED


def test_bad_input_is_refused_beside_the_field(s, page, agent, lead, subscriber, zone):
    closed = _closed(s, agent, lead, subscriber)
    loose = factories.incident(agent, reporter=subscriber)  # no zone, no team of its own
    desk = page(agent)
    r = desk.post(f"/desk/incidents/{closed.id}/pend", data={"pend-reason": "等待用户"})
    assert r.status_code == 409 and "This action is not possible while the incident is “Closed”." in text(r)
    r = desk.post(f"/desk/incidents/{loose.id}/escalate", data={"esc-tier": "5", "esc-reason": "超过四线"})
    assert r.status_code == 400 and "The tier is a whole number from 1 to 4." in text(r)
    r = desk.post(f"/desk/incidents/{loose.id}/escalate", data={"esc-tier": "2", "esc-reason": "需要二线"})
    assert r.status_code == 400
    body = text(r)
    assert 'id="esc-group-err"' in body and "Name the team or the person" in body and "需要二线" in body
    r = desk.post(f"/desk/incidents/{loose.id}/escalate",
                  data={"esc-tier": "2", "esc-reason": "需要二线", "esc-group": str(zone.group_id)})
    assert r.status_code == 302
    s.expire_all()
    assert loose.tier == 2 and loose.group_id == zone.group_id
    r = desk.post(f"/desk/incidents/{loose.id}/resolve", data={"resolve-note": ""})
    assert r.status_code == 400 and "Write what was done to fix it." in text(r)
    done = factories.resolved_incident(agent, subscriber)
    s.commit()
    later = (utcnow() + timedelta(days=2)).astimezone(app_zone(s)).strftime("%Y-%m-%dT%H:%M")
    r = desk.post(f"/desk/incidents/{done.id}/callback", data={"cb-accepted": "yes", "cb-called_at": later})
    assert r.status_code == 400 and 'id="cb-called_at-err"' in text(r)
    s.expire_all()
    assert not done.verified


def test_queue_tabs_filters_masked_phones_and_bulk_assign(s, page, agent, lead, subscriber, zone):
    org.upsert_subscriber(s, agent, {"account": "GD20240555", "name": "刘洋", "phone": "13912345678", "zone": "CD-01"})
    a = factories.incident(agent, reporter=subscriber, customer_account="GD20240555", title="光猫红灯")
    b = factories.incident(agent, reporter=subscriber, title="网速慢")
    done = _closed(s, agent, lead, subscriber)
    desk = page(agent)
    body = text(desk.get("/desk/incidents?tab=team"))
    assert a.number in body and b.number not in body
    assert "139****5678" in body and "13912345678" not in body  # masked in the list
    assert "13912345678" in text(desk.get(f"/desk/incidents/{a.id}"))  # whole on the record
    assert a.number in text(desk.get("/desk/incidents?tab=all&q=139-1234-5678"))
    r = desk.get("/desk/incidents?zone=NOPE&assignee=nobody.here")
    assert r.status_code == 400
    assert "No zone has this code." in text(r) and "No active user has this username." in text(r)
    assert 'data-count="mine"' in text(desk.get("/desk/incidents"))

    before = {i.id: i.version for i in (a, b, done)}
    r = desk.post("/desk/incidents/bulk-assign", data={"ids": [str(b.id), str(done.id)], "assignee": str(lead.id),
                                                        "next": "/desk/incidents?tab=all"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/desk/incidents?tab=all")
    s.expire_all()
    assert b.assignee_id is None and {i.id: i.version for i in (a, b, done)} == before  # all or nothing
    assert "Nothing was assigned" in text(desk.get("/desk/incidents?tab=all"))
    r = desk.post("/desk/incidents/bulk-assign", data={"ids": [str(a.id), str(b.id)], "assignee": str(lead.id),
                                                        f"version-{a.id}": str(a.version)})
    assert r.status_code == 302
    s.expire_all()
    assert a.assignee_id == lead.id and b.assignee_id == lead.id
    assert "2 incidents assigned to 王强." in text(desk.get("/desk/incidents"))
    history = plain(desk.get(f"/desk/incidents/{a.id}"))
    assert "Assignee: 李娜 → 王强" in history and "→ wang.qiang" not in history  # the history names people
    r = desk.post("/desk/incidents/bulk-assign", data={"ids": [str(a.id)], "assignee": "",
                                                        f"version-{a.id}": str(before[a.id])})
    s.expire_all()
    assert a.assignee_id == lead.id  # a stale version: nothing changes
    assert "changed since the list was shown" in text(desk.get("/desk/incidents"))


def test_history_says_in_words_how_a_fix_was_verified(s, page, agent, lead, subscriber):
    inc = factories.resolved_incident(agent, subscriber, factories.approved_article(agent, lead))
    svc.verify_incident(s, inc, agent, accepted=False, comment="还是没信号", method="callback")
    svc.resolve_incident(s, inc, agent, "重新熔接")
    svc.verify_incident(s, inc, subscriber, accepted=True, comment="好了")
    history = plain(page(agent).get(f"/desk/incidents/{inc.id}"))
    assert "Call-back (回访): 还是没信号" in history and "Confirmed in self-service: 好了" in history
    assert "callback:" not in history and "self:" not in history  # the stored codes stay out of the page


def test_notifications_page_and_count_in_the_nav(s, page, agent, subscriber, zone):
    late = factories.incident(subscriber, zone="CD-01", title="超时未修")
    late.resolve_by = late.created_at - timedelta(minutes=1)
    org.check_sla(s)
    leader = zone.group.leader
    client = page(leader)
    body = text(client.get("/desk/incidents"))
    assert re.search(r'id="unread-count">1<', body)
    body = plain(client.get("/notifications"))
    assert f"SLA breached: {late.number} is past its resolve-by time." in body and "1 unread" in body
    [note] = s.scalars(select(Notification).where(Notification.user_id == leader.id)).all()
    assert client.post("/notifications/read", data={"id": str(note.id)}).status_code == 302
    s.expire_all()
    assert note.read_at is not None
    assert 'id="unread-count"' not in text(client.get("/desk/incidents"))
    assert page(agent).get("/notifications").status_code == 200
    assert page(None).get("/notifications").status_code in (302, 401)


def test_audit_page_draws_and_records(s, page, agent, lead, subscriber):
    inc = _closed(s, agent, lead, subscriber)
    agent_desk = page(agent)
    assert "Draw a sample" not in text(agent_desk.get("/desk/audits"))
    assert agent_desk.post("/desk/audits/sample", data={"size": "5", "days": "30"}).status_code == 403
    lead_desk = page(lead)
    r = lead_desk.post("/desk/audits/sample", data={"size": "0", "days": "30"})
    assert r.status_code == 400 and "Draw 1 to 200 at a time." in text(r)
    assert lead_desk.post("/desk/audits/sample", data={"size": "5", "days": "30"}).status_code == 302
    body = text(agent_desk.get("/desk/audits"))
    assert inc.number in body
    audit_id = re.search(r'action="/desk/audits/(\d+)"', body).group(1)
    r = agent_desk.post(f"/desk/audits/{audit_id}", data={f"a{audit_id}-outcome": "not_fixed"})
    assert r.status_code == 400 and "Say what is still wrong." in text(r)
    r = agent_desk.post(f"/desk/audits/{audit_id}", data={
        f"a{audit_id}-outcome": "not_fixed", f"a{audit_id}-comment": "晚上还是掉线", f"a{audit_id}-rating": "2"})
    assert r.status_code == 302
    body = plain(agent_desk.get("/desk/audits"))
    assert "晚上还是掉线" in body and "Nothing to call right now." in body
    assert "Audit call-back" in plain(agent_desk.get(f"/desk/incidents/{inc.id}"))


def test_figures_page(s, page, agent, lead, subscriber, zone):
    for n in range(3):
        inc = factories.incident(agent, reporter=subscriber, zone="CD-01", title=f"故障 {n}")
        if n == 0:
            svc.escalate_incident(s, inc, agent, tier=2, reason="需要二线", assignee=lead)
    desk = page(agent)
    body = text(desk.get("/desk/figures"))
    assert 'id="escalation-rate">33.3%' in body and 'id="first-line-rate">66.7%' in body
    assert desk.get("/desk/figures?from=2024-05-10&to=2024-05-01").status_code == 400
