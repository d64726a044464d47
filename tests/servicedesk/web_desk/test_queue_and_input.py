"""The staff queue (tabs, filters, paging, SLA marker) and bad input that must change nothing."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask

from kb.orm import utcnow
from servicedesk.incidents import services as svc
from servicedesk.incidents.models import Incident, IncidentEvent
from servicedesk.incidents.workflow import IncidentStatus
from tests import factories
from tests.servicedesk.web_desk.conftest import text


def _rows(body: str) -> int:
    return len(re.findall(r'class="queue-table__title" href="/desk/incidents/\d+"', body))


def test_queue_tabs_filters_and_paging(s, page, agent, lead, subscriber):
    for n in range(27):
        factories.incident(agent, reporter=subscriber, title=f"宽带断网 {n:02d}", customer_account=f"GD2024{n:04d}")
    tv = factories.incident(agent, reporter=subscriber, title="电视没信号", service="cable_tv", area="township",
                            customer_account="HZ88880001")
    mine = factories.incident(agent, reporter=subscriber, title="我的工单：IPTV 卡顿", service="iptv")
    svc.assign_incident(s, mine, agent, agent)
    client = page(agent)

    body = text(client.get("/desk/incidents"))
    assert "29 incidents" in body and "Page 1 of 2" in body and _rows(body) == 25
    body = text(client.get("/desk/incidents?page=2"))
    assert _rows(body) == 4 and "Page 2 of 2" in body

    body = text(client.get("/desk/incidents?service=cable_tv"))
    assert _rows(body) == 1 and tv.number in body
    body = text(client.get("/desk/incidents?q=hz8888"))  # account, case-insensitive
    assert _rows(body) == 1 and tv.number in body
    body = text(client.get(f"/desk/incidents?q={tv.number}"))
    assert _rows(body) == 1
    body = text(client.get("/desk/incidents?area=township&category=fault&status=new&tier=1"))
    assert _rows(body) == 1

    body = text(client.get("/desk/incidents?tab=mine"))
    assert _rows(body) == 1 and mine.number in body
    body = text(client.get("/desk/incidents?tab=unassigned"))
    assert "28 incidents" in body
    # Tab counts follow the filters.
    body = text(client.get("/desk/incidents?tab=mine&service=cable_tv"))
    assert "No incidents here." in body

    # Sorting: due soonest puts the complaint (2 h) first; oldest first starts with the first report.
    complaint = factories.incident(agent, reporter=subscriber, title="投诉：装机超时", category="complaint")
    first = re.compile(r'class="queue-table__title" href="/desk/incidents/(\d+)"')
    client = page(agent)
    assert first.search(text(client.get("/desk/incidents?sort=resolve_by"))).group(1) == str(complaint.id)
    assert first.search(text(client.get("/desk/incidents"))).group(1) == str(complaint.id)
    oldest = s.query(Incident).order_by(Incident.id).first()
    assert first.search(text(client.get("/desk/incidents?sort=oldest"))).group(1) == str(oldest.id)


def test_queue_awaiting_resolved_closed_tabs_and_breach(s, page, agent, lead, subscriber):
    sol = factories.approved_article(agent, lead)
    waiting = factories.resolved_incident(agent, subscriber, sol)
    closed = factories.resolved_incident(agent, subscriber, sol)
    svc.verify_incident(s, closed, subscriber, accepted=True)
    svc.close_incident(s, closed, agent)
    late = factories.incident(agent, reporter=subscriber, title="超时未修复")
    late.resolve_by = utcnow() - timedelta(hours=1)
    client = page(agent)
    body = text(client.get("/desk/incidents?tab=awaiting"))
    assert waiting.number in body and closed.number not in body
    body = text(client.get("/desk/incidents?tab=closed"))
    assert closed.number in body and waiting.number not in body
    body = text(client.get("/desk/incidents?tab=open"))
    assert late.number in body and "SLA breached" in body


def test_bad_queue_filter_is_shown_not_applied(s, page, agent, subscriber):
    factories.incident(agent, reporter=subscriber)
    r = page(agent).get("/desk/incidents?tier=9&service=broadband")
    assert r.status_code == 400
    body = text(r)
    assert "Not a valid choice" in body
    assert _rows(body) == 1
    # The filters keep what was chosen, and the bad one is marked for assistive technology too.
    html = r.get_data(as_text=True)
    assert '<option selected value="broadband">' in html
    assert re.search(r'<select aria-describedby="tier-err" aria-invalid="true" id="tier" name="tier">', html)
    # The bulk-assign picker lists the active staff, "nobody" chosen.
    picker = re.search(r'<select id="assignee" name="assignee">(.*?)</select>', html, re.S)
    assert picker is not None and f'<option value="{agent.id}">' in picker.group(1)
    assert picker.group(1).count("selected") == 1 and '<option value="" selected>' in picker.group(1)


def _snapshot(s, inc: Incident) -> tuple:
    s.expire_all()
    events = s.query(IncidentEvent).filter_by(incident_id=inc.id).count()
    return inc.status, inc.tier, inc.solution_id, inc.resolution_note, inc.verified, inc.assignee_id, events


def test_bad_input_gives_a_clear_message_and_changes_nothing(s, page, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    client = page(agent)
    before = _snapshot(s, inc)

    r = client.post(f"/desk/incidents/{inc.id}/resolve", data={"resolve-note": "   "})
    assert r.status_code == 400
    assert "Write what was done to fix it." in text(r)
    assert _snapshot(s, inc) == before

    r = client.post(f"/desk/incidents/{inc.id}/escalate", data={"esc-tier": "9", "esc-reason": "需要专家"})
    assert r.status_code == 400
    assert "The tier is a whole number from 1 to 4." in text(r)
    assert "需要专家" in text(r)  # the reason is kept
    assert _snapshot(s, inc) == before

    r = client.post(f"/desk/incidents/{inc.id}/escalate", data={"esc-tier": "1", "esc-reason": "回到一线"})
    assert r.status_code == 400
    assert "The incident is already at L1; escalate to a higher tier." in text(r)
    assert _snapshot(s, inc) == before

    r = client.post(f"/desk/incidents/{inc.id}/solution", data={"link-article_id": "987654"})
    assert r.status_code == 400
    assert "There is no article with this number." in text(r)
    assert _snapshot(s, inc) == before

    r = client.post(f"/desk/incidents/{inc.id}/solution", data={"link-article_id": "abc"})
    assert r.status_code == 400
    assert _snapshot(s, inc) == before

    r = client.post(f"/desk/incidents/{inc.id}/pend", data={"pend-reason": ""})
    assert r.status_code == 400
    assert "Say what the incident waits for." in text(r)

    r = client.post(f"/desk/incidents/{inc.id}/assign", data={"assign-assignee": str(subscriber.id)})
    assert r.status_code == 400
    assert _snapshot(s, inc) == before

    # An action the state does not allow: a clear reason, never a bare error page.
    r = client.post(f"/desk/incidents/{inc.id}/resume")
    assert r.status_code == 409
    assert "This action is not possible while the incident is “New”." in text(r)
    assert _snapshot(s, inc) == before


def test_linking_a_non_solution_is_refused(s, page, agent, lead, subscriber):
    proc = factories.approved_article(agent, lead, type="procedure", title="宽带网维护抢修规范", body="## 规范",
                                      symptom="", cause="", steps="")
    inc = factories.incident(agent, reporter=subscriber)
    r = page(agent).post(f"/desk/incidents/{inc.id}/solution", data={"link-article_id": str(proc.id)})
    assert r.status_code == 400
    assert "Only a solution article can solve an incident." in text(r)
    s.expire_all()
    assert inc.solution_id is None


def test_callback_rejection_needs_a_reason(s, page, agent, lead, subscriber):
    inc = factories.resolved_incident(agent, subscriber)
    client = page(agent)
    r = client.post(f"/desk/incidents/{inc.id}/callback", data={"cb-accepted": "no", "cb-rating": "2"})
    assert r.status_code == 400
    assert "Say why the subscriber rejects the fix." in text(r)
    s.expire_all()
    assert inc.status == IncidentStatus.RESOLVED and not inc.verifications
    r = client.post(f"/desk/incidents/{inc.id}/callback",
                    data={"cb-accepted": "no", "cb-comment": "用户说晚上还是断网"})
    assert r.status_code == 302
    s.expire_all()
    assert inc.status == IncidentStatus.IN_PROGRESS and not inc.verified
    r = client.post(f"/desk/incidents/{inc.id}/callback", data={"cb-accepted": "yes", "cb-rating": "7"})
    assert r.status_code in (400, 409)


def test_action_forms_carry_csrf_tokens(app: Flask, s, page, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    app.config["WTF_CSRF_ENABLED"] = True
    client = page(agent)
    assert client.post(f"/desk/incidents/{inc.id}/resolve", data={"resolve-note": "已修复"}).status_code == 400
    body = text(client.get(f"/desk/incidents/{inc.id}"))
    token = re.search(r'name="resolve-csrf_token" type="hidden" value="([^"]+)"', body).group(1)
    r = client.post(f"/desk/incidents/{inc.id}/resolve", data={"resolve-note": "已修复", "resolve-csrf_token": token})
    assert r.status_code == 302
    s.expire_all()
    assert inc.status == IncidentStatus.RESOLVED


def test_sla_state_badges(s, page, agent, subscriber):
    paused = factories.incident(agent, reporter=subscriber, title="等待用户在家")
    svc.start_work(s, paused, agent)
    svc.pend_incident(s, paused, agent, "用户出差，下周一上门")
    risky = factories.incident(agent, reporter=subscriber, title="快到期的故障")
    risky.created_at = utcnow() - timedelta(hours=4)
    risky.resolve_by = utcnow() + timedelta(minutes=10)
    client = page(agent)
    assert "SLA paused" in text(client.get(f"/desk/incidents/{paused.id}"))
    assert "SLA at risk" in text(client.get(f"/desk/incidents/{risky.id}"))
    body = text(client.get("/desk/incidents"))
    assert "SLA paused" in body and "SLA at risk" in body
