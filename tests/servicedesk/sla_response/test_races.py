"""Concurrency with real threads and sessions on their own connections (SQLite and PostgreSQL): SLA checks
running at once flag and warn each incident once; two agents logging attempts at once both land; two leads
recording "unreachable" at once: one wins, the other gets a 409."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.actors import Role
from kb.errors import DomainError
from kb.orm import utcnow
from servicedesk import db
from servicedesk.incidents import callbacks
from servicedesk.incidents import services as svc
from servicedesk.incidents.models import CallbackAttempt, Incident, IncidentEvent, SlaBreach, SlaFlag, Verification
from servicedesk.org import services as org
from servicedesk.org.models import MaintenanceGroup, Notification, ServiceStation, Zone
from servicedesk.users.models import User
from tests import factories


def _people(s: Session) -> dict[str, User]:
    made = {}
    for name, role in (("race.admin", Role.ADMIN), ("race.a", Role.AGENT), ("race.b", Role.AGENT),
                       ("race.lead1", Role.LEAD), ("race.lead2", Role.LEAD), ("race.leader", Role.SPECIALIST),
                       ("race.user", Role.USER)):
        made[name] = User(username=name, display_name=name, role=role, password_hash=factories.password_hash())
        s.add(made[name])
    s.flush()
    return made


def _together(n: int, work: Callable[[int, Session], Any], make: Callable[[], Session]) -> list[Any]:
    """Runs work(i, session) in n threads released at the same moment; each commits its own unit of work."""
    ready = threading.Barrier(n, timeout=30)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        s = make()
        try:
            ready.wait()
            work(i, s)
            s.commit()
            results[i] = "ok"
        except Exception as exc:
            s.rollback()
            results[i] = svc.concurrent_change(exc) or exc
        finally:
            s.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_sla_checks_at_once_flag_and_warn_each_incident_once(committed):
    s = committed()
    p = _people(s)
    # Written directly: the organisation services keep an append-only audit log this fixture could not remove.
    group = MaintenanceGroup(station=ServiceStation(name="竞态服务站"), name="竞态维护组", leader=p["race.leader"])
    s.add(Zone(code="RACE-01", name="竞态片区", group=group, manager=p["race.a"], area="urban"))
    s.flush()
    now = utcnow()
    late, risky, breached = (svc.create_incident(s, p["race.user"], factories.INCIDENT | {"zone": "RACE-01"})
                             for _ in range(3))
    for inc, created in ((late, now - timedelta(hours=1)), (risky, now - timedelta(hours=3, minutes=30)),
                         (breached, now - timedelta(hours=5))):
        inc.respond_by += created - inc.created_at
        inc.resolve_by += created - inc.created_at
        inc.created_at = created
    risky.responded_at = breached.responded_at = now - timedelta(hours=1)
    s.commit()
    ids = [late.id, risky.id, breached.id]

    reports: list[Any] = [None] * 4

    def check(i: int, sess: Session) -> None:
        reports[i] = org.check_sla(sess, now=now)  # the same moment on every node

    assert _together(4, check, committed) == ["ok"] * 4
    assert sum(r.response_missed for r in reports) == 1 and sum(r.at_risk for r in reports) == 1
    assert sum(r.breached for r in reports) == 1
    s = committed()
    assert s.scalar(select(func.count()).select_from(SlaFlag).where(SlaFlag.incident_id.in_(ids))) == 2
    assert s.scalar(select(func.count()).select_from(SlaBreach).where(SlaBreach.incident_id.in_(ids))) == 1
    events = s.execute(select(IncidentEvent.incident_id, IncidentEvent.action, func.count())
                       .where(IncidentEvent.incident_id.in_(ids), IncidentEvent.action.like("sla%"))
                       .group_by(IncidentEvent.incident_id, IncidentEvent.action)).all()
    assert sorted((i, a, n) for i, a, n in events) == sorted([
        (late.id, "sla_response_missed", 1), (risky.id, "sla_at_risk", 1), (breached.id, "sla_breach", 1)])
    notes = s.execute(select(Notification.kind, func.count()).where(Notification.incident_id.in_(ids),
                                                                    Notification.kind.like("sla%"))
                      .group_by(Notification.kind)).all()
    assert dict(notes) == {"sla_response_missed": 1, "sla_at_risk": 1, "sla_breach": 1}


def _awaiting(make: Callable[[], Session], attempts: int) -> tuple[int, dict[str, User]]:
    s = make()
    p = _people(s)
    inc = svc.create_incident(s, p["race.a"], factories.INCIDENT, reporter=p["race.user"])
    svc.resolve_incident(s, inc, p["race.a"], "已更换尾纤")
    inc.resolved_at = utcnow() - timedelta(days=3)
    for h in (60, 30, 2)[:attempts]:
        callbacks.log_callback_attempt(s, inc, p["race.a"], outcome="unreachable",
                                       called_at=utcnow() - timedelta(hours=h))
    s.commit()
    return inc.id, p


def test_two_agents_logging_attempts_at_once_both_land(committed):
    incident_id, p = _awaiting(committed, 0)
    callers = [p["race.a"].id, p["race.b"].id]

    def log(i: int, s: Session) -> None:
        me = s.get(User, callers[i])
        incident = svc.get_incident(s, me, incident_id, for_update=True)  # as the page and the API load it
        callbacks.log_callback_attempt(s, incident, me, outcome="unreachable", note=f"第{i + 1}次")

    assert _together(2, log, committed) == ["ok", "ok"]
    s = committed()
    rows = s.scalars(select(CallbackAttempt).where(CallbackAttempt.incident_id == incident_id)).all()
    assert sorted(a.by_id for a in rows) == sorted(callers)
    assert s.scalar(select(func.count()).select_from(IncidentEvent).where(
        IncidentEvent.incident_id == incident_id, IncidentEvent.action == "callback_unreachable")) == 2


@pytest.mark.parametrize("read_first", [False, True], ids=["locked", "read-then-write"])
def test_two_leads_recording_unreachable_at_once_one_wins(committed, read_first):
    incident_id, p = _awaiting(committed, 3)
    leads = [p["race.lead1"].id, p["race.lead2"].id]

    def record(i: int, s: Session) -> None:
        me = s.get(User, leads[i])
        if read_first:  # both pages were read before either lead pressed the button
            with db.reading():
                incident = s.get(Incident, incident_id)
            assert incident is not None
        else:
            incident = svc.get_incident(s, me, incident_id, for_update=True)
        callbacks.record_unreachable(s, incident, me, comment=f"组长{i + 1}")

    results = _together(2, record, committed)
    assert results.count("ok") == 1
    lost = [r for r in results if r != "ok"]
    assert all(isinstance(r, DomainError) and r.status == 409 for r in lost), lost
    assert lost[0].code in ("already_verified", "concurrent_change")
    s = committed()
    assert s.scalar(select(func.count()).select_from(Verification)
                    .where(Verification.incident_id == incident_id)) == 1
    assert s.get(Incident, incident_id).verified  # type: ignore[union-attr]
