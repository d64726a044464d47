"""Two agents acting on the same incident at once end with one consistent result, and the loser is told.

The first tests use two real sessions on two connections racing in two threads, on data committed for
the occasion (and removed afterwards); the last ones replay the same race on one connection.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from kb.actors import Role
from kb.errors import Conflict, DomainError
from kb.models import Article, ArticleRevision
from kb.orm import utcnow
from servicedesk import db
from servicedesk.incidents import services as svc
from servicedesk.incidents.models import Incident, IncidentEvent
from servicedesk.incidents.workflow import IncidentStatus
from servicedesk.users.models import User
from tests import factories


def _setup(make: Callable[[], Session], *, approved: bool = False) -> tuple[int, int, int]:
    """Two agents and a resolved, verified incident (with an approved solution when asked); their ids."""
    s = make()
    a = User(username="race.a", display_name="甲", role=Role.AGENT, password_hash=factories.password_hash())
    b = User(username="race.b", display_name="乙", role=Role.AGENT, password_hash=factories.password_hash())
    reporter = User(username="race.user", display_name="张伟", role=Role.USER, password_hash=factories.password_hash())
    s.add_all([a, b, reporter])
    s.flush()
    inc = svc.create_incident(s, a, factories.INCIDENT, reporter=reporter)
    if approved:
        now = utcnow()
        article_id = s.scalar(insert(Article).returning(Article.id), {
            "type": "solution", "status": "draft", "author_id": a.id, "created_at": now, "updated_at": now,
            "view_count": 0, "helpful_count": 0})
        rev = s.scalar(insert(ArticleRevision).returning(ArticleRevision.id), {
            "article_id": article_id, "number": 1, "status": "approved", "title": "光猫 LOS 处理", "body": "",
            "symptom": "", "cause": "", "steps": "", "services": [], "category": "", "tags": [], "fault_codes": [],
            "device_models": [], "visibility": "public", "extra": {}, "author_id": a.id, "created_at": now,
            "updated_at": now, "version": 1})
        s.execute(update(Article).where(Article.id == article_id).values(status="approved", live_revision_id=rev))
        inc.solution_id = article_id
        svc.resolve_incident(s, inc, a, "已更换尾纤")
        svc.verify_incident(s, inc, reporter, accepted=True)
    s.commit()
    return inc.id, a.id, b.id


def _race(make: Callable[[], Session], incident_id: int, *moves: Callable[[Session, Incident], Any]) -> list[Any]:
    """Runs each move in its own thread and session, all starting from the same read of the incident."""
    ready = threading.Barrier(len(moves), timeout=30)
    results: list[Any] = [None] * len(moves)

    def run(n: int, move: Callable[[Session, Incident], Any]) -> None:
        s = make()
        try:
            # Both read first, as two agents' pages did; on SQLite a transaction that begins by reading
            # begins deferred (the desk's requests that write take the lock up front and queue instead:
            # tests/servicedesk/test_live_concurrency.py races those).
            with db.reading():
                incident = s.get(Incident, incident_id)
            assert incident is not None
            ready.wait()
            move(s, incident)
            s.commit()
            results[n] = "ok"
        except Exception as exc:  # the loser: translate what the database said
            s.rollback()
            results[n] = svc.concurrent_change(exc) or exc
        finally:
            s.close()

    threads = [threading.Thread(target=run, args=(n, m)) for n, m in enumerate(moves)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _outcome(results: list[Any]) -> tuple[int, list[DomainError]]:
    lost = [r for r in results if r != "ok"]
    assert all(isinstance(r, DomainError) for r in lost), lost
    return results.count("ok"), lost


def test_two_agents_escalating_at_once(committed):
    incident_id, a_id, b_id = _setup(committed)

    def escalate(tier: int, who: int) -> Callable[[Session, Incident], Any]:
        def move(s: Session, incident: Incident) -> None:
            me = s.get(User, who)
            assert me is not None
            svc.escalate_incident(s, incident, me, tier=tier, reason=f"转 L{tier}", assignee=me)
        return move

    won, lost = _outcome(_race(committed, incident_id, escalate(2, a_id), escalate(3, b_id)))
    assert won == 1 and len(lost) == 1 and lost[0].code == "concurrent_change" and lost[0].status == 409
    s = committed()
    incident = s.get(Incident, incident_id)
    assert incident is not None
    # One consistent result: the winner's tier and assignee, and only the winner's history.
    assert (incident.tier, incident.assignee_id) in ((2, a_id), (3, b_id))
    notes = list(s.scalars(select(IncidentEvent.note).where(IncidentEvent.incident_id == incident_id,
                                                            IncidentEvent.field == "tier")))
    assert notes == [f"转 L{incident.tier}"]


def test_two_agents_closing_at_once(committed):
    incident_id, a_id, b_id = _setup(committed, approved=True)

    def close(who: int) -> Callable[[Session, Incident], Any]:
        def move(s: Session, incident: Incident) -> None:
            me = s.get(User, who)
            assert me is not None
            svc.close_incident(s, incident, me)
        return move

    won, lost = _outcome(_race(committed, incident_id, close(a_id), close(b_id)))
    assert won == 1 and [e.code for e in lost] == ["concurrent_change"]
    s = committed()
    assert s.get(Incident, incident_id).status == IncidentStatus.CLOSED  # type: ignore[union-attr]
    closes = s.scalar(select(func.count()).select_from(IncidentEvent)
                      .where(IncidentEvent.incident_id == incident_id, IncidentEvent.action == "close"))
    assert closes == 1


def test_a_row_lock_makes_the_second_agent_see_the_first_ones_change(committed, engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite locks the whole database on write; row locks are PostgreSQL's")
    incident_id, a_id, b_id = _setup(committed, approved=True)
    first = committed()
    locked = svc.get_incident(first, first.get(User, a_id), incident_id, for_update=True)
    outcome: list[Any] = []

    def second() -> None:
        s = committed()
        try:
            me = s.get(User, b_id)
            incident = svc.get_incident(s, me, incident_id, for_update=True)  # waits for the first agent
            svc.close_incident(s, incident, me)  # type: ignore[arg-type]
            s.commit()
            outcome.append("ok")
        except DomainError as exc:
            s.rollback()
            outcome.append(exc)

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(0.5)
    assert thread.is_alive()  # blocked on the row lock
    svc.close_incident(first, locked, first.get(User, a_id))  # type: ignore[arg-type]
    first.commit()
    thread.join(30)
    assert len(outcome) == 1 and isinstance(outcome[0], Conflict) and outcome[0].code == "already_closed"


def test_a_stale_version_is_refused(s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    seen = inc.version
    svc.start_work(s, inc, agent)
    with pytest.raises(Conflict) as exc:
        svc.check_version(inc, seen)
    assert exc.value.code == "stale_version" and exc.value.fields == {"version": f"now {inc.version}"}
    svc.check_version(inc, str(inc.version))
    svc.check_version(inc, None)


def test_a_change_committed_meanwhile_makes_the_flush_fail(s, agent, lead, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    s.flush()
    # Another agent's change lands between our read and our write.
    s.execute(update(Incident).where(Incident.id == inc.id).values(version=Incident.version + 1)
              .execution_options(synchronize_session=False))
    with pytest.raises(Exception) as exc:
        svc.escalate_incident(s, inc, agent, tier=2, reason="需要二线", assignee=lead)
    conflict = svc.concurrent_change(exc.value)
    assert conflict is not None and conflict.code == "concurrent_change"
