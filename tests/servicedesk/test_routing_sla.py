"""Zones route incidents to their manager; the SLA clock pauses while pending; breaches are flagged once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kb.errors import ValidationError
from servicedesk.incidents import services as svc
from servicedesk.incidents.models import IncidentEvent
from servicedesk.incidents.workflow import IncidentStatus
from servicedesk.org import services as org
from servicedesk.org.models import Notification, mask_phone
from tests import factories


@pytest.fixture
def zone(s, admin, agent):
    leader = factories.user(factories.Role.SPECIALIST, "zu.zhang", display_name="组长")
    station = org.create_station(s, admin, "城东服务站")
    group = org.create_group(s, admin, station, "第一维护组", leader=leader)
    return org.create_zone(s, admin, group, code="CD-01", name="城东一片区", manager=agent, area="township")


def test_new_incident_routes_to_the_zone_manager(s, zone, agent, subscriber):
    inc = factories.incident(subscriber, zone="CD-01", area=None)  # the zone says township
    assert inc.assignee_id == agent.id and inc.status == IncidentStatus.ASSIGNED
    assert inc.group_id == zone.group_id and inc.area.value == "township"
    assert inc.resolve_by - inc.created_at == timedelta(hours=8)  # township fault
    # The history names the zone as the operators write it, in no one language's words.
    route = [e for e in inc.events if e.action == "route"]
    assert [(e.new, e.note) for e in route] == [(agent.username, "城东一片区 (CD-01)")]


def test_subscriber_record_gives_zone_and_enterprise_level(s, zone, agent, admin):
    org.upsert_subscriber(s, admin, {"account": "JK-0001", "name": "某银行城东支行", "phone": "13812345678",
                                     "zone": "CD-01", "service_level": "enterprise"})
    inc = factories.incident(agent, customer_account="JK-0001", service="broadband")
    assert inc.zone_id == zone.id and inc.subscriber is not None
    assert inc.respond_by - inc.created_at == timedelta(minutes=5)


def test_unknown_zone_is_a_clear_error_and_creates_nothing(s, agent):
    before = s.scalar(select(func.count()).select_from(IncidentEvent))
    with pytest.raises(ValidationError) as exc:
        factories.incident(agent, zone="NOPE")
    assert exc.value.fields == {"zone": "unknown zone"}
    assert s.scalar(select(func.count()).select_from(IncidentEvent)) == before


def test_pending_pauses_the_clock(s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    svc.start_work(s, inc, agent)
    due = inc.resolve_by
    svc.pend_incident(s, inc, agent, "等待用户在家")
    inc.paused_at -= timedelta(hours=2)  # two hours waiting for the subscriber
    svc.resume_incident(s, inc, agent)
    assert inc.resolve_by - due == pytest.approx(timedelta(hours=2), abs=timedelta(seconds=5))
    assert inc.paused_at is None
    with pytest.raises(ValidationError):
        svc.pend_incident(s, inc, agent, "")


def test_repeat_report_within_30_days_is_linked(s, agent, lead, subscriber):
    sol = factories.approved_article(agent, lead)
    first = factories.resolved_incident(agent, subscriber, sol)
    svc.verify_incident(s, first, subscriber, accepted=True)
    svc.close_incident(s, first, agent)
    again = factories.incident(agent, reporter=subscriber)
    assert again.repeat_of_id == first.id
    repeat = [e for e in again.events if e.action == "repeat"]
    assert [(e.new, e.note) for e in repeat] == [(first.number, "")]  # the page's label says what it means
    other_service = factories.incident(agent, reporter=subscriber, service="iptv")
    assert other_service.repeat_of_id is None


def test_sla_check_flags_once_and_notifies_the_leader(s, app, zone, agent, subscriber):
    late = factories.incident(subscriber, zone="CD-01")
    late.resolve_by = late.created_at - timedelta(minutes=1)
    on_time = factories.incident(subscriber, zone="CD-01")
    paused = factories.incident(subscriber, zone="CD-01")
    svc.start_work(s, paused, agent)
    svc.pend_incident(s, paused, agent, "等待配件")
    paused.resolve_by = paused.created_at - timedelta(minutes=1)
    s.flush()
    report = org.check_sla(s)
    assert (report.breached, report.notified) == (1, 1)
    note = s.scalar(select(Notification).where(Notification.kind == "sla_breach"))
    assert note.user_id == zone.group.leader_id and note.incident_id == late.id
    assert [e.action for e in s.get(type(late), late.id).events][-1] == "sla_breach"
    assert org.check_sla(s).breached == 0  # idempotent
    assert on_time.breach_notified_at is None
    result = app.test_cli_runner().invoke(args=["sla", "check"])
    assert result.exit_code == 0 and "newly breached: 0" in result.output


def test_phone_numbers_are_masked():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("12345") == "*****"


def test_sla_states():
    from datetime import UTC, datetime

    from servicedesk.incidents.sla import sla_state

    t0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    due = t0 + timedelta(hours=4)
    assert sla_state(now=t0 + timedelta(hours=1), created_at=t0, resolve_by=due, resolved_at=None) == "on_track"
    assert sla_state(now=t0 + timedelta(hours=3, minutes=30), created_at=t0, resolve_by=due,
                     resolved_at=None) == "at_risk"
    assert sla_state(now=t0 + timedelta(hours=5), created_at=t0, resolve_by=due, resolved_at=None) == "breached"
    assert sla_state(now=t0 + timedelta(hours=5), created_at=t0, resolve_by=due,
                     resolved_at=t0 + timedelta(hours=2)) == "on_track"
    assert sla_state(now=t0 + timedelta(hours=3, minutes=30), created_at=t0, resolve_by=due, resolved_at=None,
                     paused_at=t0 + timedelta(hours=3)) == "paused"
