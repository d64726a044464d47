"""First response judged: a missed respond-by is flagged once, escalated to the group leader, shown in the
queue (tab and badge) and counted; the last 20 % of the resolve window warns the leader once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from kb.orm import utcnow
from servicedesk.incidents import services as svc
from servicedesk.incidents.models import Incident, IncidentEvent, SlaFlag
from servicedesk.incidents.queries import QueueFilters, queue_page
from servicedesk.incidents.sla import SlaFlagKind
from servicedesk.notify.models import OutboxMessage
from servicedesk.org import services as org
from servicedesk.org.models import Notification
from tests import factories
from tests.servicedesk.sla_response.conftest import shift


def _events(s, inc, action):
    return s.scalar(select(func.count()).select_from(IncidentEvent)
                    .where(IncidentEvent.incident_id == inc.id, IncidentEvent.action == action))


def _notes(s, kind):
    return list(s.scalars(select(Notification).where(Notification.kind == kind).order_by(Notification.id)))


def test_late_first_response_is_flagged_once_and_escalated(s, app, reported, agent, leader):
    app.config["SMTP_URL"] = "smtp://127.0.0.1:1"  # mail on: the leader's copy waits in the outbox
    late = reported()  # routed to li.na at 08:00-ish; respond by +30 min
    answered = reported()
    svc.start_work(s, answered, agent)
    leased = reported(service="leased_line")  # enterprise: respond within 5 minutes
    now = late.created_at + timedelta(minutes=10)
    report = org.check_sla(s, now=now)
    # At +10 min only the leased line is late (5 min); the ordinary faults still have 20 minutes.
    assert (report.response_missed, report.breached) == (1, 0)
    assert s.get(SlaFlag, (leased.id, SlaFlagKind.RESPONSE_MISSED)) is not None
    report = org.check_sla(s, now=late.created_at + timedelta(minutes=31))
    assert (report.response_missed, report.flags_notified) == (1, 1)
    assert org.check_sla(s, now=late.created_at + timedelta(minutes=45)).response_missed == 0  # once
    assert _events(s, late, "sla_response_missed") == 1
    assert _events(s, answered, "sla_response_missed") == 0
    notes = [n for n in _notes(s, "sla_response_missed") if n.incident_id == late.id]
    assert len(notes) == 1 and notes[0].user_id == leader.id
    assert late.number in notes[0].message and "响应超时" in notes[0].message  # the desk's language
    mails = list(s.scalars(select(OutboxMessage).where(OutboxMessage.event == "sla.response_missed",
                                                       OutboxMessage.incident_id == late.id)))
    assert [(m.address, m.channel.value) for m in mails] == [("zu.zhang@example.cn", "mail")]
    assert late.number in mails[0].subject
    # The resolve-by breach is still judged on its own, later.
    assert org.check_sla(s, now=late.resolve_by + timedelta(minutes=1)).breached == 3


def test_a_response_after_respond_by_still_counts_as_late(s, reported, agent):
    inc = reported(ago=timedelta(hours=1))
    svc.assign_incident(s, inc, agent, agent)
    assert inc.responded_at is not None and inc.responded_at > inc.respond_by  # what the figures count as late
    assert org.check_sla(s).response_missed == 0  # responded: nothing left to flag


def test_responded_at_is_stamped_by_the_first_response_only(s, reported, agent, lead):
    routed = reported()
    assert routed.responded_at is None  # routing to the zone manager is not a response
    for act in (lambda i: svc.assign_incident(s, i, lead, agent), lambda i: svc.start_work(s, i, agent),
                lambda i: svc.pend_incident(s, i, agent, "等待用户在家"),
                lambda i: svc.escalate_incident(s, i, agent, tier=2, reason="需要 L2", assignee=lead),
                lambda i: svc.resolve_incident(s, i, agent, "远程重启光猫后恢复")):
        inc = reported()
        act(inc)
        assert inc.responded_at is not None
        first = inc.responded_at
        if inc.status.value != "resolved":
            svc.assign_incident(s, inc, lead, lead)
        assert inc.responded_at == first  # the first response, never moved by later ones


def test_response_overdue_queue_tab_counts_and_lists(s, reported, agent, zone):
    late = reported(ago=timedelta(hours=1))
    fresh = reported()
    started = reported(ago=timedelta(hours=1))
    svc.start_work(s, started, agent)
    page = queue_page(s, agent.id, tab="response_overdue")
    assert [i.id for i in page.items] == [late.id] and page.tab_counts["response_overdue"] == 1
    # The same judgement as a filter of any tab, at any moment.
    ids = {i.id for i in queue_page(s, agent.id, tab="open", filters=QueueFilters(sla="response_overdue"),
                                    now=fresh.respond_by + timedelta(minutes=1)).items}
    assert ids == {late.id, fresh.id}


def test_at_risk_warns_the_leader_once(s, reported, leader):
    inc = reported()  # urban fault: 4 hours
    shift(inc, utcnow())
    window = inc.resolve_by - inc.created_at
    assert org.check_sla(s, now=inc.created_at + window * 0.5).at_risk == 0
    inc.responded_at = inc.created_at + timedelta(minutes=5)
    report = org.check_sla(s, now=inc.created_at + window * 0.85)
    assert (report.at_risk, report.response_missed) == (1, 0)
    assert org.check_sla(s, now=inc.created_at + window * 0.9).at_risk == 0  # once
    notes = _notes(s, "sla_at_risk")
    assert [(n.user_id, n.incident_id) for n in notes] == [(leader.id, inc.id)]
    assert "即将超时" in notes[0].message
    assert _events(s, inc, "sla_at_risk") == 1
    report = org.check_sla(s, now=inc.resolve_by + timedelta(minutes=1))
    assert (report.breached, report.at_risk) == (1, 0)


def test_resolved_paused_and_ended_incidents_are_not_warned(s, reported, agent, lead, subscriber):
    paused = reported()
    svc.pend_incident(s, paused, agent, "等待配件")
    done = factories.resolved_incident(agent, subscriber)
    shift(done, paused.created_at)
    s.flush()
    now = paused.created_at + (paused.resolve_by - paused.created_at) * 0.9
    report = org.check_sla(s, now=now)
    assert (report.at_risk, report.response_missed) == (0, 0)
    assert s.scalar(select(func.count()).select_from(SlaFlag)) == 0
    assert isinstance(s.get(Incident, paused.id), Incident)


def test_the_cli_reports_both_new_judgements(s, app, reported):
    late = reported(ago=timedelta(hours=1))
    s.commit()
    result = app.test_cli_runner().invoke(args=["sla", "check"])
    assert result.exit_code == 0, result.output
    assert "first responses missed: 1" in result.output and "at risk: 0" in result.output
    assert s.get(SlaFlag, (late.id, SlaFlagKind.RESPONSE_MISSED)) is not None
