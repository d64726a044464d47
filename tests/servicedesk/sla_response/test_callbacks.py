"""Call-backs that can fail: attempts logged with time and caller; a lead records "unreachable" only once the
operator's rule is met; the close gate still needs a recorded verification and an approved solution."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kb import services as kb_services
from kb.errors import Conflict, Forbidden, ValidationError
from kb.orm import utcnow
from servicedesk.incidents import callbacks
from servicedesk.incidents import services as svc
from servicedesk.incidents.workflow import IncidentStatus, VerificationMethod
from tests import factories


def _fail(s, inc, agent, *hours_ago, outcome="unreachable"):
    for h in hours_ago:
        callbacks.log_callback_attempt(s, inc, agent, outcome=outcome, note="无人接听",
                                       called_at=utcnow() - timedelta(hours=h))


def test_unreachable_is_refused_until_the_rule_is_met_then_allowed(s, awaiting, agent, lead):
    inc = awaiting()
    with pytest.raises(Conflict) as exc:
        callbacks.record_unreachable(s, inc, lead)
    assert exc.value.code == "callback_rule_not_met" and exc.value.status == 409
    _fail(s, inc, agent, 60, 30)  # two attempts: one short
    with pytest.raises(Conflict) as exc:
        callbacks.record_unreachable(s, inc, lead)
    assert exc.value.code == "callback_rule_not_met"
    _fail(s, inc, agent, 29)  # three attempts, but only 31 hours apart
    assert callbacks.rule_progress(s, inc).failed == 3 and not callbacks.rule_progress(s, inc).met
    with pytest.raises(Conflict):
        callbacks.record_unreachable(s, inc, lead)
    _fail(s, inc, agent, 1)  # now 59 hours from the first to the last
    assert callbacks.rule_progress(s, inc).met
    v = callbacks.record_unreachable(s, inc, lead, comment="三次电话均未接通，短信已告知")
    assert (v.method, v.accepted, v.rating, v.by_id) == (VerificationMethod.UNREACHABLE, True, None, lead.id)
    assert inc.verified and inc.status == IncidentStatus.RESOLVED
    assert [e.action for e in inc.events][-1] == "verify"
    svc.close_incident(s, inc, agent)  # an unreachable verification counts as recorded
    assert inc.status == IncidentStatus.CLOSED


def test_the_close_gate_still_needs_an_approved_solution(s, awaiting, agent, lead):
    inc = awaiting(approved=False)
    _fail(s, inc, agent, 60, 40, 2)
    callbacks.record_unreachable(s, inc, lead)
    with pytest.raises(Conflict) as exc:
        svc.close_incident(s, inc, agent)
    assert exc.value.code == "solution_not_approved"
    kb_services.submit_article(s, inc.solution, agent)
    kb_services.review_article(s, inc.solution, lead, content_ok=True, form_ok=True, decision="approve",
                               comment="符合")
    svc.close_incident(s, inc, agent)
    assert inc.status == IncidentStatus.CLOSED


def test_a_reached_subscriber_starts_the_count_again(s, awaiting, agent, lead):
    inc = awaiting()
    _fail(s, inc, agent, 70, 60, 50)
    _fail(s, inc, agent, 40, outcome="reached")  # answered, said they would check and call back
    _fail(s, inc, agent, 30, 20)
    progress = callbacks.rule_progress(s, inc)
    assert (progress.failed, progress.met) == (2, False)
    with pytest.raises(Conflict):
        callbacks.record_unreachable(s, inc, lead)


def test_attempts_before_the_fix_do_not_count(s, awaiting, agent, lead):
    inc = awaiting(ago=timedelta(hours=10))
    with pytest.raises(ValidationError) as exc:
        _fail(s, inc, agent, 20)  # called before the fix
    assert "called_at" in exc.value.fields
    with pytest.raises(ValidationError):
        callbacks.log_callback_attempt(s, inc, agent, outcome="unreachable",
                                       called_at=utcnow() + timedelta(hours=1))  # in the future
    with pytest.raises(ValidationError):
        callbacks.log_callback_attempt(s, inc, agent, outcome="busy")


def test_the_rule_is_the_operators(s, app, awaiting, agent, lead):
    app.config.update(CALLBACK_UNREACHABLE_ATTEMPTS=1, CALLBACK_UNREACHABLE_HOURS=0)
    inc = awaiting()
    _fail(s, inc, agent, 1)
    callbacks.record_unreachable(s, inc, lead)
    assert inc.verified
    app.config["CALLBACK_UNREACHABLE_ATTEMPTS"] = 0
    with pytest.raises(ValueError, match="CALLBACK_UNREACHABLE_ATTEMPTS"):
        callbacks.rule_in_force()


def test_who_may_do_what(s, awaiting, agent, lead, admin, subscriber):
    inc = awaiting()
    with pytest.raises(Forbidden):
        callbacks.log_callback_attempt(s, inc, subscriber, outcome="unreachable")
    _fail(s, inc, agent, 60, 40, 2)
    with pytest.raises(Forbidden):
        callbacks.record_unreachable(s, inc, agent)  # agents log attempts; leads decide
    # Through the verification service too: accepted, unrated, by a lead or an admin.
    with pytest.raises(ValidationError):
        svc.verify_incident(s, inc, admin, accepted=True, rating=3, method="unreachable")
    with pytest.raises(ValidationError):
        svc.verify_incident(s, inc, admin, accepted=False, comment="x", method="unreachable")
    v = svc.verify_incident(s, inc, admin, accepted=True, method="unreachable")
    assert v.method == VerificationMethod.UNREACHABLE
    with pytest.raises(Conflict) as exc:
        callbacks.record_unreachable(s, inc, lead)
    assert exc.value.code == "already_verified"
    with pytest.raises(Conflict) as exc:
        callbacks.log_callback_attempt(s, inc, agent, outcome="unreachable")
    assert exc.value.code == "already_verified"


def test_attempts_only_while_awaiting_verification(s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    with pytest.raises(Conflict) as exc:
        callbacks.log_callback_attempt(s, inc, agent, outcome="unreachable")
    assert exc.value.code == "not_awaiting_verification"


def test_reopening_needs_the_rule_met_again(s, awaiting, agent, lead):
    inc = awaiting()
    _fail(s, inc, agent, 60, 40, 2)
    callbacks.record_unreachable(s, inc, lead)
    svc.reopen_incident(s, inc, agent, "用户来电仍无法上网")
    svc.resolve_incident(s, inc, agent, "更换光猫")
    assert not callbacks.rule_progress(s, inc).met  # the old attempts were before this fix
    with pytest.raises(Conflict):
        callbacks.record_unreachable(s, inc, lead)
