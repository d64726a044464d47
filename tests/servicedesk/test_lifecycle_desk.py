"""The lifecycle beyond resolve/close: cancel, duplicates, reopen window and follow-ups, call-backs with their
time, the second call-back audit, escalation targets and figures, field work, bulk assign."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from kb.actors import Role
from kb.errors import Conflict, Forbidden, ValidationError
from kb.orm import utcnow
from servicedesk.incidents import audits, fieldwork, lifecycle, queries
from servicedesk.incidents import services as svc
from servicedesk.incidents.models import CallbackAudit, Incident, IncidentEvent
from servicedesk.incidents.workflow import AuditOutcome, IncidentStatus
from servicedesk.org import services as org
from tests import factories

S = IncidentStatus


@pytest.fixture
def group(s, admin, agent):
    leader = factories.user(Role.SPECIALIST, "zu.zhang", display_name="张组长")
    station = org.create_station(s, admin, "城东服务站")
    g = org.create_group(s, admin, station, "第一维护组", leader=leader)
    org.create_zone(s, admin, g, code="CD-01", name="城东一片区", manager=agent, area="urban")
    return g


def _closed(s, agent, lead, subscriber, sol=None):
    sol = sol or factories.approved_article(agent, lead)
    inc = factories.resolved_incident(agent, subscriber, sol)
    svc.verify_incident(s, inc, subscriber, accepted=True)
    svc.close_incident(s, inc, agent)
    return inc


def _events(s, inc) -> list[str]:
    return list(s.scalars(select(IncidentEvent.action).where(IncidentEvent.incident_id == inc.id)
                          .order_by(IncidentEvent.id)))


# --- cancel -----------------------------------------------------------------------------------------

def test_cancel_needs_a_reason_and_ends_the_incident(s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    with pytest.raises(ValidationError) as exc:
        lifecycle.cancel_incident(s, inc, agent, "  ")
    assert exc.value.fields == {"reason": "required"} and inc.status == S.NEW
    lifecycle.cancel_incident(s, inc, agent, "用户来电撤销：已自行恢复")
    assert inc.status == S.CANCELLED and inc.cancel_reason == "用户来电撤销：已自行恢复"
    assert inc.solution_id is None and not inc.verified  # cancelled is not closed: no close rule applies
    assert _events(s, inc)[-1] == "cancel"
    for action in (lambda: svc.resolve_incident(s, inc, agent, "修好了"),
                   lambda: lifecycle.cancel_incident(s, inc, agent, "再撤销"),
                   lambda: svc.pend_incident(s, inc, agent, "等待")):
        with pytest.raises(Conflict) as refused:
            action()
        assert refused.value.code == "invalid_transition"


def test_subscribers_do_not_cancel(s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    with pytest.raises(Forbidden):
        lifecycle.cancel_incident(s, inc, subscriber, "不想修了")


def test_database_refuses_a_cancelled_incident_without_reason(s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    s.flush()
    with pytest.raises(IntegrityError), s.begin_nested():
        s.execute(text("UPDATE incidents SET status = 'cancelled' WHERE id = :id"), {"id": inc.id})
    with pytest.raises(IntegrityError), s.begin_nested():
        s.execute(text("UPDATE incidents SET status = 'duplicate' WHERE id = :id"), {"id": inc.id})
    with pytest.raises(IntegrityError), s.begin_nested():
        s.execute(text("UPDATE incidents SET duplicate_of_id = id WHERE id = :id"), {"id": inc.id})


# --- duplicates -------------------------------------------------------------------------------------

def test_duplicate_closes_through_the_parents_solution(s, agent, lead, subscriber):
    sol = factories.approved_article(agent, lead)
    parent = factories.incident(agent, reporter=subscriber, title="小区整片断网")
    child = factories.incident(agent, reporter=subscriber, title="家里断网（同一故障）", customer_account="GD20240002")
    lifecycle.mark_duplicate(s, child, agent, lifecycle.incident_by_number(s, parent.number), "同一 OLT 故障")
    assert child.status == S.DUPLICATE and child.duplicate_of_id == parent.id and child.paused_at is not None
    assert svc.duplicates_of(s, parent) == [child]
    assert "merge" in _events(s, parent)
    with pytest.raises(Conflict):
        svc.resolve_incident(s, child, agent, "单独处理")  # a duplicate follows its parent
    svc.link_solution(s, parent, agent, sol)
    svc.resolve_incident(s, parent, agent, "OLT 板卡更换")
    svc.verify_incident(s, parent, subscriber, accepted=True)
    svc.close_incident(s, parent, agent)
    assert child.status == S.CLOSED and child.solution_id == sol.id and child.verified
    assert child.closed_at == parent.closed_at and child.resolved_at == parent.resolved_at
    assert _events(s, child)[-1] == "close_with_parent"
    s.flush()  # the close rule's CHECK holds for the child too


def test_duplicate_of_a_duplicate_merges_into_the_root_and_children_follow(s, agent, subscriber):
    root = factories.incident(agent, reporter=subscriber, title="根")
    middle = factories.incident(agent, reporter=subscriber, title="中")
    leaf = factories.incident(agent, reporter=subscriber, title="叶")
    lifecycle.mark_duplicate(s, leaf, agent, middle)
    lifecycle.mark_duplicate(s, middle, agent, root)
    s.expire_all()
    assert leaf.duplicate_of_id == root.id and middle.duplicate_of_id == root.id
    other = factories.incident(agent, reporter=subscriber, title="另一")
    lifecycle.mark_duplicate(s, other, agent, leaf)  # points at a duplicate: lands on the root
    assert other.duplicate_of_id == root.id


def test_duplicate_refusals(s, agent, lead, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    with pytest.raises(ValidationError) as exc:
        lifecycle.mark_duplicate(s, inc, agent, None)
    assert exc.value.fields == {"parent": "no such incident"}
    with pytest.raises(ValidationError):
        lifecycle.mark_duplicate(s, inc, agent, inc)
    closed = _closed(s, agent, lead, subscriber)
    with pytest.raises(Conflict) as ended:
        lifecycle.mark_duplicate(s, inc, agent, closed)
    assert ended.value.code == "parent_ended"
    assert inc.status == S.NEW and inc.duplicate_of_id is None


def test_cancelling_a_parent_sends_its_duplicates_back_to_work(s, agent, subscriber):
    parent = factories.incident(agent, reporter=subscriber)
    child = factories.incident(agent, reporter=subscriber)
    lifecycle.mark_duplicate(s, child, agent, parent)
    child.paused_at -= timedelta(hours=1)
    due = child.resolve_by
    lifecycle.cancel_incident(s, parent, agent, "误报")
    assert child.status == S.IN_PROGRESS and child.duplicate_of_id is None and child.paused_at is None
    assert child.resolve_by - due >= timedelta(minutes=59)  # the clock stood still while merged


# --- reopen window and follow-ups ----------------------------------------------------------------------

def test_reopen_within_the_window_then_a_follow_up(s, app, agent, lead, subscriber):
    inc = _closed(s, agent, lead, subscriber)
    assert svc.reopen_deadline(inc, 7) == inc.closed_at + timedelta(days=7)
    svc.reopen_incident(s, inc, subscriber, "又断网了", window_days=7)
    assert inc.status == S.IN_PROGRESS and inc.reopen_count == 1

    old = _closed(s, agent, lead, subscriber)
    old.closed_at = utcnow() - timedelta(days=8)
    with pytest.raises(Conflict) as exc:
        svc.reopen_incident(s, old, agent, "又断网了", window_days=7)
    assert exc.value.code == "reopen_window_passed" and old.status == S.CLOSED
    new = lifecycle.follow_up_incident(s, old, agent, "用户反映光猫又红灯")
    assert new.id != old.id and new.repeat_of_id == old.id and new.status in (S.NEW, S.ASSIGNED)
    assert new.reporter_id == old.reporter_id and new.service == old.service and new.title == old.title
    assert new.description == "用户反映光猫又红灯"
    assert old.status == S.CLOSED and _events(s, old)[-1] == "follow_up"
    with pytest.raises(Conflict):
        lifecycle.follow_up_incident(s, new, agent, "不是关闭状态")


# --- call-backs and the audit ----------------------------------------------------------------------------

def test_callback_records_when_and_refuses_future_or_early_times(s, agent, subscriber):
    inc = factories.resolved_incident(agent, subscriber)
    with pytest.raises(ValidationError) as exc:
        svc.verify_incident(s, inc, agent, accepted=True, method="callback", called_at=utcnow() + timedelta(hours=1))
    assert exc.value.fields == {"called_at": "in the future"}
    with pytest.raises(ValidationError) as exc:
        svc.verify_incident(s, inc, agent, accepted=True, method="callback",
                            called_at=inc.resolved_at - timedelta(hours=1))
    assert exc.value.fields == {"called_at": "before the fix"}
    assert not inc.verifications and not inc.verified
    when = utcnow() - timedelta(minutes=5)
    v = svc.verify_incident(s, inc, agent, accepted=True, rating=5, comment="用户表示满意", method="callback",
                            called_at=max(when, inc.resolved_at))
    assert v.by_id == agent.id and v.at == max(when, inc.resolved_at) and v.rating == 5 and inc.verified


def test_audit_sample_draws_closed_incidents_at_random_once(s, agent, lead, admin, subscriber):
    sol = factories.approved_article(agent, lead)
    closed = [_closed(s, agent, lead, subscriber, sol) for _ in range(4)]
    closed[3].closed_at = utcnow() - timedelta(days=40)  # outside the period
    factories.resolved_incident(agent, subscriber, sol)  # not closed: never drawn
    with pytest.raises(Forbidden):
        audits.sample_for_audit(s, agent, size=5)
    with pytest.raises(ValidationError) as exc:
        audits.sample_for_audit(s, lead, size=0, days=400)
    assert set(exc.value.fields) == {"size", "days"}
    drawn = audits.sample_for_audit(s, lead, size=2, days=30)
    assert len(drawn) == 2 and {a.incident_id for a in drawn} <= {i.id for i in closed[:3]}
    more = audits.sample_for_audit(s, admin, size=10, days=30)
    assert len(more) == 1 and more[0].incident_id not in {a.incident_id for a in drawn}
    assert audits.sample_for_audit(s, lead, size=10, days=30) == []


def test_audit_outcome_is_recorded_once_in_the_history(s, agent, lead, subscriber):
    inc = _closed(s, agent, lead, subscriber)
    [audit] = audits.sample_for_audit(s, lead, size=1)
    with pytest.raises(ValidationError) as exc:
        audits.record_audit(s, audit, agent, outcome="not_fixed", comment="")
    assert exc.value.fields == {"comment": "required"}
    with pytest.raises(ValidationError):
        audits.record_audit(s, audit, agent, outcome="maybe")
    with pytest.raises(ValidationError):
        audits.record_audit(s, audit, agent, outcome="confirmed", called_at=utcnow() + timedelta(days=1))
    assert audit.outcome is None
    audits.record_audit(s, audit, agent, outcome="not_fixed", rating=2, comment="用户说晚上还是掉线")
    assert audit.outcome == AuditOutcome.NOT_FIXED and audit.auditor_id == agent.id and audit.called_at
    assert inc.reopen_count == 1 and _events(s, inc)[-1] == "audit"
    with pytest.raises(Conflict):
        audits.record_audit(s, audit, agent, outcome="confirmed")
    summary = audits.audit_summary(s)
    assert summary.counts == {"not_fixed": 1} and summary.confirmed_rate == 0 and not summary.pending
    s.flush()
    with pytest.raises(IntegrityError), s.begin_nested():
        s.add(CallbackAudit(incident_id=inc.id, sampled_by_id=lead.id))  # drawn once only
        s.flush()


# --- escalation -------------------------------------------------------------------------------------

def test_escalation_needs_a_target_team_or_person(s, agent, lead, subscriber, group):
    loose = factories.incident(agent, reporter=subscriber)  # no zone, so no team of its own
    with pytest.raises(ValidationError) as exc:
        svc.escalate_incident(s, loose, agent, tier=2, reason="需要二线")
    assert exc.value.fields == {"group": "a team or a person"} and loose.tier == 1
    with pytest.raises(ValidationError):
        svc.escalate_incident(s, loose, agent, tier=5, reason="超出", group=group)
    svc.escalate_incident(s, loose, agent, tier=2, reason="OLT 侧排查", group=group)
    assert loose.tier == 2 and loose.group_id == group.id and loose.assignee_id is None and loose.status == S.NEW
    routed = factories.incident(agent, reporter=subscriber, zone="CD-01")  # has its group: may stay there
    svc.escalate_incident(s, routed, agent, tier=3, reason="需要三线")
    assert routed.tier == 3 and routed.group_id == group.id
    with pytest.raises(ValidationError) as beyond:
        svc.escalate_incident(s, routed, agent, tier=4 + 1, reason="超过四线", assignee=lead)
    assert beyond.value.fields == {"tier": "1 to 4"}


def test_escalation_and_first_line_rates_for_a_period(s, agent, lead, subscriber, group):
    incs = [factories.incident(agent, reporter=subscriber, zone="CD-01") for _ in range(4)]
    svc.escalate_incident(s, incs[0], agent, tier=2, reason="二线", assignee=lead)
    lifecycle.cancel_incident(s, incs[3], agent, "误报")  # left out of the figures
    old = factories.incident(agent, reporter=subscriber)
    old.created_at = utcnow() - timedelta(days=60)
    s.flush()
    figures = queries.tier_figures(s, utcnow() - timedelta(days=1), utcnow() + timedelta(minutes=1))
    assert (figures.incidents, figures.escalated) == (3, 1)
    assert figures.escalation_rate == pytest.approx(1 / 3) and figures.first_line_rate == pytest.approx(2 / 3)
    empty = queries.tier_figures(s, utcnow() + timedelta(days=1), utcnow() + timedelta(days=2))
    assert empty.escalation_rate is None and empty.first_line_rate is None


# --- field work --------------------------------------------------------------------------------------

def test_field_work_record_with_history(s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber, service="leased_line", title="专线中断")
    inc.created_at -= timedelta(hours=2)
    arrived = utcnow() - timedelta(minutes=30)
    work = fieldwork.record_field_work(s, inc, agent, {
        "arrived_at": arrived, "completed_at": utcnow(), "fault_cause": "光缆被施工挖断",
        "steps": "1. 熔接光缆\n2. 测试收光", "ip_address": "10.1.2.3/30", "vlan": "1024",
        "mac_address": "001a2b3c4d5e", "a_end": "城东机房 OLT-01", "z_end": "某银行城东支行"})
    assert work.vlan == 1024 and work.mac_address == "00:1A:2B:3C:4D:5E" and work.ip_address == "10.1.2.3/30"
    changes = [e.field for e in inc.events if e.action == "field_work"]
    assert set(changes) == {"arrived_at", "completed_at", "fault_cause", "steps", "ip_address", "vlan",
                            "mac_address", "a_end", "z_end"}
    before = len(inc.events)
    fieldwork.record_field_work(s, inc, agent, {"fault_cause": "光缆被施工挖断"})  # unchanged: no history
    assert len(inc.events) == before
    fieldwork.record_field_work(s, inc, agent, {"steps": "熔接后测试正常"})
    assert work.fault_cause == "光缆被施工挖断" and work.vlan == 1024  # fields not given stay


def test_field_work_refuses_bad_times_and_values_and_saves_nothing(s, agent, subscriber):
    line = factories.incident(agent, reporter=subscriber, service="leased_line", title="专线中断")
    bad = {"arrived_at": utcnow() + timedelta(hours=2), "completed_at": line.created_at - timedelta(hours=1),
           "vlan": "5000", "ip_address": "10.0.0.300", "mac_address": "zz:zz", "fault_cause": "入户光纤弯折"}
    with pytest.raises(ValidationError) as exc:
        fieldwork.record_field_work(s, line, agent, bad)
    assert exc.value.fields == {"arrived_at": "in the future", "completed_at": "before the report",
                                "vlan": "1 to 4094", "ip_address": "an IPv4 or IPv6 address",
                                "mac_address": "like 00:1A:2B:3C:4D:5E"}
    assert line.field_work is None
    inc = factories.incident(agent, reporter=subscriber)  # broadband: no leased-line data
    with pytest.raises(ValidationError) as exc:
        fieldwork.record_field_work(s, inc, agent, {"vlan": "100", "ip_address": "10.0.0.1", "a_end": ""})
    assert exc.value.fields == {"vlan": "for leased lines only", "ip_address": "for leased lines only"}
    inc.created_at -= timedelta(hours=1)
    now = utcnow()
    with pytest.raises(ValidationError) as exc:
        fieldwork.record_field_work(s, inc, agent, {"arrived_at": now - timedelta(minutes=1),
                                                    "completed_at": now - timedelta(minutes=2)})
    assert exc.value.fields == {"completed_at": "before the arrival"}
    with pytest.raises(ValidationError):
        fieldwork.record_field_work(s, inc, agent, {"arrived_at": "yesterday"})
    assert inc.field_work is None and not [e for e in inc.events if e.action == "field_work"]


def test_field_work_only_while_the_incident_is_worked_on(s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    lifecycle.cancel_incident(s, inc, agent, "误报")
    with pytest.raises(Conflict):
        fieldwork.record_field_work(s, inc, agent, {"fault_cause": "无"})


# --- bulk assign --------------------------------------------------------------------------------------

def test_bulk_assign_is_all_or_nothing(s, agent, lead, subscriber):
    a = factories.incident(agent, reporter=subscriber)
    b = factories.incident(agent, reporter=subscriber)
    lifecycle.bulk_assign(s, agent, [a, b], lead)
    assert a.assignee_id == lead.id and b.assignee_id == lead.id
    done = factories.resolved_incident(agent, subscriber)
    s.commit()
    events = s.scalar(select(func.count()).select_from(IncidentEvent))
    with pytest.raises(Conflict) as exc:
        lifecycle.bulk_assign(s, agent, [a, done], agent)
    assert done.number in exc.value.message and exc.value.code == "invalid_transition"
    s.rollback()
    assert a.assignee_id == lead.id  # the caller rolled back: the first one is not assigned either
    assert s.scalar(select(func.count()).select_from(IncidentEvent)) == events
    with pytest.raises(ValidationError):
        lifecycle.bulk_assign(s, agent, [], agent)
    with pytest.raises(ValidationError) as missing:
        lifecycle.incidents_by_ids(s, [a.id, 987654])
    assert "987654" in missing.value.fields["ids"]
    assert [i.id for i in lifecycle.incidents_by_ids(s, [b.id, a.id])] == [b.id, a.id]
    assert s.get(Incident, a.id) is a
