"""The one rule: an incident closes only when verified and linked to one approved solution."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from kb import services as kb
from kb.errors import Conflict, Forbidden, ValidationError
from servicedesk import db
from servicedesk.incidents import services as svc
from servicedesk.incidents.models import Incident, IncidentEvent
from servicedesk.incidents.workflow import IncidentStatus
from tests import factories


def _codes(inc: Incident) -> list[str]:
    return [b.code for b in svc.close_blockers(inc)]


def test_close_refusals_come_in_order_and_then_close(s, agent, lead, subscriber):
    inc = factories.resolved_incident(agent, subscriber)
    with pytest.raises(Conflict) as exc:
        svc.close_incident(s, inc, agent)
    assert exc.value.code == "no_solution"

    draft = factories.article(agent)
    svc.link_solution(s, inc, agent, draft)
    with pytest.raises(Conflict) as exc:
        svc.close_incident(s, inc, agent)
    assert exc.value.code == "solution_not_approved"

    kb.submit_article(s, draft, agent)
    kb.review_article(s, draft, lead, content_ok=True, form_ok=True, decision="approve", comment="好")
    with pytest.raises(Conflict) as exc:
        svc.close_incident(s, inc, agent)
    assert exc.value.code == "not_verified"

    svc.verify_incident(s, inc, subscriber, accepted=True, rating=5, comment="已恢复，谢谢")
    svc.close_incident(s, inc, agent)
    assert inc.status == IncidentStatus.CLOSED
    assert inc.closed_at is not None
    assert _codes(inc) == []


def test_all_blockers_are_listed_for_the_page(agent, subscriber):
    inc = factories.resolved_incident(agent, subscriber)
    assert _codes(inc) == ["no_solution", "not_verified"]


def test_verified_without_solution_still_refused(s, agent, subscriber):
    inc = factories.resolved_incident(agent, subscriber)
    svc.verify_incident(s, inc, subscriber, accepted=True)
    with pytest.raises(Conflict) as exc:
        svc.close_incident(s, inc, agent)
    assert exc.value.code == "no_solution"
    assert inc.status == IncidentStatus.RESOLVED


def test_callback_verification_by_staff_counts(s, agent, lead, subscriber):
    sol = factories.approved_article(agent, lead)
    inc = factories.resolved_incident(agent, subscriber, sol)
    with pytest.raises(ValidationError):
        svc.verify_incident(s, inc, agent, accepted=True)  # staff must say it is a call-back
    v = svc.verify_incident(s, inc, agent, accepted=True, method="callback", rating=4, comment="回访：已恢复")
    assert v.method.value == "callback"
    svc.close_incident(s, inc, agent)
    assert inc.status == IncidentStatus.CLOSED


def test_subscriber_cannot_record_callback_or_close(s, agent, lead, subscriber):
    sol = factories.approved_article(agent, lead)
    inc = factories.resolved_incident(agent, subscriber, sol)
    with pytest.raises(Forbidden):
        svc.verify_incident(s, inc, subscriber, accepted=True, method="callback")
    svc.verify_incident(s, inc, subscriber, accepted=True)
    with pytest.raises(Forbidden):
        svc.close_incident(s, inc, subscriber)


def test_other_subscriber_cannot_verify(s, agent, lead, subscriber):
    other = factories.user(factories.Role.USER, "other.user")
    inc = factories.resolved_incident(agent, subscriber)
    with pytest.raises(Forbidden):
        svc.verify_incident(s, inc, other, accepted=True)


def test_rejecting_the_fix_needs_a_reason_and_reopens(s, agent, subscriber):
    inc = factories.resolved_incident(agent, subscriber)
    with pytest.raises(ValidationError) as exc:
        svc.verify_incident(s, inc, subscriber, accepted=False, comment="  ")
    assert "comment" in exc.value.fields
    svc.verify_incident(s, inc, subscriber, accepted=False, comment="还是上不了网")
    assert inc.status == IncidentStatus.IN_PROGRESS
    assert inc.verified is False
    assert inc.reopen_count == 1


def test_relinking_replaces_the_one_solution(s, agent, lead, subscriber):
    first = factories.approved_article(agent, lead)
    second = factories.approved_article(agent, lead, title="光猫 PON 灯闪烁处理")
    inc = factories.incident(agent, reporter=subscriber)
    svc.link_solution(s, inc, agent, first)
    svc.link_solution(s, inc, agent, second)
    assert inc.solution_id == second.id
    events = s.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == inc.id,
                                                   IncidentEvent.action == "link_solution")).all()
    assert [(e.old, e.new) for e in events] == [(None, str(first.id)), (str(first.id), str(second.id))]


def test_one_solution_serves_many_incidents(s, agent, lead, subscriber):
    sol = factories.approved_article(agent, lead)
    incidents = [factories.incident(agent, reporter=subscriber) for _ in range(3)]
    for inc in incidents:
        svc.link_solution(s, inc, agent, sol)
    assert svc.incident_counts_for(s, [sol.id]) == {sol.id: 3}


def test_only_solutions_link_and_retired_ones_do_not(s, agent, lead, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    proc = factories.article(agent, type="procedure", title="用户报修处理程序", body="受理、派单、回访")
    with pytest.raises(ValidationError):
        svc.link_solution(s, inc, agent, proc)
    sol = factories.approved_article(agent, lead)
    kb.retire_article(s, sol, lead)
    with pytest.raises(Conflict) as exc:
        svc.link_solution(s, inc, agent, sol)
    assert exc.value.code == "article_retired"


def test_closed_incident_keeps_retired_solution_link(s, agent, lead, subscriber):
    sol = factories.approved_article(agent, lead)
    inc = factories.resolved_incident(agent, subscriber, sol)
    svc.verify_incident(s, inc, subscriber, accepted=True)
    svc.close_incident(s, inc, agent)
    kb.retire_article(s, sol, lead)
    s.expire_all()
    assert s.get(Incident, inc.id).solution_id == sol.id


def test_database_refuses_a_closed_incident_without_solution(s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    s.flush()
    with pytest.raises(IntegrityError), s.begin_nested():
        s.execute(text("UPDATE incidents SET status = 'closed', verified = :v WHERE id = :id"),
                  {"v": True, "id": inc.id})


def test_illegal_moves_are_conflicts(s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    with pytest.raises(Conflict) as exc:
        svc.verify_incident(s, inc, subscriber, accepted=True)
    assert exc.value.code == "invalid_transition"
    with pytest.raises(Conflict):
        svc.reopen_incident(s, inc, agent, "再次故障")


def test_close_twice_is_refused(s, agent, lead, subscriber):
    sol = factories.approved_article(agent, lead)
    inc = factories.resolved_incident(agent, subscriber, sol)
    svc.verify_incident(s, inc, subscriber, accepted=True)
    svc.close_incident(s, inc, agent)
    with pytest.raises(Conflict) as exc:
        svc.close_incident(s, inc, agent)
    assert exc.value.code == "already_closed"


def test_reopen_a_closed_incident_clears_verification(s, agent, lead, subscriber):
    sol = factories.approved_article(agent, lead)
    inc = factories.resolved_incident(agent, subscriber, sol)
    svc.verify_incident(s, inc, subscriber, accepted=True)
    svc.close_incident(s, inc, agent)
    svc.reopen_incident(s, inc, subscriber, "又断网了")
    assert inc.status == IncidentStatus.IN_PROGRESS
    assert not inc.verified
    assert "not_verified" in _codes(inc)


def test_history_records_every_step(s, agent, lead, subscriber):
    sol = factories.approved_article(agent, lead)
    inc = factories.incident(agent, reporter=subscriber)
    svc.start_work(s, inc, agent)
    svc.escalate_incident(s, inc, agent, tier=2, reason="需要二线检查 OLT 端口", assignee=lead)
    svc.link_solution(s, inc, agent, sol)
    svc.resolve_incident(s, inc, agent, "已处理")
    svc.verify_incident(s, inc, subscriber, accepted=True)
    svc.close_incident(s, inc, agent)
    actions = [e.action for e in db.session.scalars(
        select(IncidentEvent).where(IncidentEvent.incident_id == inc.id).order_by(IncidentEvent.id))]
    assert actions == ["create", "assign", "start", "escalate", "assign", "escalate", "link_solution",
                       "resolve", "verify", "close"]


def test_writing_a_solution_from_an_incident_links_the_draft(s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    article = svc.write_solution(s, inc, agent, {k: v for k, v in factories.SOLUTION.items() if k != "type"})
    assert article.type.value == "solution" and article.status.value == "draft"
    assert inc.solution_id == article.id
    assert _codes(inc)[0] == "solution_not_approved"
