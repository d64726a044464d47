"""Repeat calls (催修) taken at the same moment, on two real sessions in two threads over data committed for
the occasion: two agents chasing one incident both count; a chase racing the fix either comes before it or is
refused (409), never counted on an incident already resolved; and a chase from a page read before the fix is
refused too, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.actors import Role
from kb.errors import Conflict, DomainError
from servicedesk import db
from servicedesk.incidents import intake
from servicedesk.incidents import services as svc
from servicedesk.incidents.models import Incident, IncidentChase, IncidentEvent
from servicedesk.incidents.workflow import IncidentStatus
from servicedesk.users.models import User
from tests import factories


def _setup(make: Callable[[], Session], tag: str = "") -> tuple[int, int, int]:
    """Two agents and an open incident assigned to the first; their ids."""
    s = make()
    a = User(username=f"chase.a{tag}", display_name="甲", role=Role.AGENT, password_hash=factories.password_hash())
    b = User(username=f"chase.b{tag}", display_name="乙", role=Role.AGENT, password_hash=factories.password_hash())
    reporter = User(username=f"chase.user{tag}", display_name="刘和平", role=Role.USER,
                    password_hash=factories.password_hash())
    s.add_all([a, b, reporter])
    s.flush()
    incident = svc.create_incident(s, a, factories.INCIDENT, reporter=reporter)
    svc.assign_incident(s, incident, a, a)
    s.commit()
    return incident.id, a.id, b.id


Move = Callable[[Session, Incident, User], Any]


def _at_once(make: Callable[[], Session], incident_id: int, *moves: tuple[int, Move]) -> list[Any]:
    """Each (user id, move) in its own thread and session, released together; each takes the incident as the
    desk's write requests do (locked: on PostgreSQL its row, on SQLite the write lock)."""
    ready = threading.Barrier(len(moves), timeout=30)
    results: list[Any] = [None] * len(moves)

    def run(n: int, who: int, move: Move) -> None:
        s = make()
        try:
            ready.wait()
            me = s.get(User, who)
            assert me is not None
            move(s, svc.get_incident(s, me, incident_id, for_update=True), me)
            s.commit()
            results[n] = "ok"
        except Exception as exc:  # the loser: what the person is told
            s.rollback()
            results[n] = svc.concurrent_change(exc) or exc
        finally:
            s.close()

    threads = [threading.Thread(target=run, args=(n, who, move)) for n, (who, move) in enumerate(moves)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def chase(note: str) -> Move:
    return lambda s, incident, me: intake.chase_incident(s, incident, me, note=note)


def resolve(s: Session, incident: Incident, me: User) -> None:
    svc.resolve_incident(s, incident, me, "已更换尾纤，恢复正常")


def _reader(make: Callable[[], Session]) -> Session:
    """A session whose transaction only reads (begun deferred on SQLite: it never blocks the writers)."""
    s = make()
    with db.reading():
        s.connection()
    return s


def _tally(s: Session, incident_id: int) -> tuple[int, int, int]:
    """(chase_count, chase rows, chase history lines): always equal. Read in a session opened under
    db.reading(), so that it holds no write lock (SQLite) while the next race runs."""
    count = s.scalar(select(Incident.chase_count).where(Incident.id == incident_id))
    rows = s.scalar(select(func.count()).select_from(IncidentChase).where(IncidentChase.incident_id == incident_id))
    events = s.scalar(select(func.count()).select_from(IncidentEvent)
                      .where(IncidentEvent.incident_id == incident_id, IncidentEvent.action == "chase"))
    return int(count or 0), int(rows or 0), int(events or 0)


def test_two_agents_recording_a_chase_at_once_both_count(committed):
    incident_id, a_id, b_id = _setup(committed)
    results = _at_once(committed, incident_id, (a_id, chase("第二次来电")), (b_id, chase("老人又打来了")))
    assert results == ["ok", "ok"], results
    assert _tally(_reader(committed), incident_id) == (2, 2, 2)
    results = _at_once(committed, incident_id, *((who, chase(f"第 {n} 次")) for n, who in
                                                 enumerate((a_id, b_id, a_id, b_id))))
    assert results == ["ok"] * 4, results
    assert _tally(_reader(committed), incident_id) == (6, 6, 6)


def test_a_chase_racing_the_fix_comes_before_it_or_is_refused(committed):
    for n in range(4):
        incident_id, a_id, b_id = _setup(committed, tag=str(n))
        chased, resolved = _at_once(committed, incident_id, (b_id, chase("催修")), (a_id, resolve))
        assert resolved == "ok", resolved
        s = _reader(committed)
        incident = s.get(Incident, incident_id)
        assert incident is not None and incident.status == IncidentStatus.RESOLVED
        if chased == "ok":  # the call came first: counted, and before the fix in the history
            assert _tally(s, incident_id) == (1, 1, 1)
            order = list(s.scalars(select(IncidentEvent.action).where(IncidentEvent.incident_id == incident_id,
                                                                      IncidentEvent.action.in_(["chase", "resolve"]))
                                   .order_by(IncidentEvent.id)))
            assert order == ["chase", "resolve"]
        else:  # the fix came first: the agent is told (409 not_open), nothing counted
            assert isinstance(chased, Conflict) and chased.code == "not_open" and chased.status == 409, chased
            assert _tally(s, incident_id) == (0, 0, 0)
        s.close()


def test_a_chase_from_a_page_read_before_the_fix_is_refused(committed):
    """The intake page showed the incident open; the engineer resolved it before the agent pressed 催修."""
    incident_id, a_id, b_id = _setup(committed)
    agent = committed()
    with db.reading():  # what the agent's page read
        incident = agent.get(Incident, incident_id)
        me = agent.get(User, b_id)
    assert incident is not None and me is not None and incident.status != IncidentStatus.RESOLVED
    engineer = committed()
    fixer = engineer.get(User, a_id)
    assert fixer is not None
    resolve(engineer, svc.get_incident(engineer, fixer, incident_id, for_update=True), fixer)
    engineer.commit()
    try:
        intake.chase_incident(agent, incident, me, note="又来电")
        agent.commit()
        refused: DomainError | None = None
    except Exception as exc:  # PostgreSQL: the UPDATE finds it no longer open; SQLite: the snapshot is stale
        agent.rollback()
        found = svc.concurrent_change(exc) or exc
        assert isinstance(found, DomainError), found
        refused = found
    assert refused is not None and refused.status == 409 and refused.code in ("not_open", "concurrent_change")
    assert _tally(_reader(committed), incident_id) == (0, 0, 0)
