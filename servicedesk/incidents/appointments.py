"""Counting the two appointment promises over a period (预约及时率, 履约准时率), for the dashboard and the API.

A fault or a request (an install, a move: what an engineer visits for) counts in the period when it was
dispatched in it (first given to a person, else its first response; see booking.dispatched_at). Each promise
is tallied as kept, missed or not yet judged, by the same judgement as the incident page's (booking.verdict),
for the desk and for each engineer (the engineer of the first window agreed, else the incident's assignee).
Read-only, and set-based: a handful of queries for the period whatever its size (the candidates, their first
assignments, their windows, their arrivals).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.orm import utcnow
from servicedesk.incidents import booking
from servicedesk.incidents.models import Appointment, FieldWork, Incident, IncidentEvent
from servicedesk.incidents.workflow import Category
from servicedesk.users.models import User

# The reports an engineer visits for (faults, installs and moves); complaints and questions are handled by phone.
VISITS = (Category.FAULT, Category.REQUEST)
MAX_INCIDENTS = 200_000  # a period's dispatched incidents judged at most
_CHUNK = 1_000  # ids per IN list


@dataclass(frozen=True)
class Tally:
    kept: int = 0
    missed: int = 0
    pending: int = 0

    @property
    def judged(self) -> int:
        return self.kept + self.missed

    @property
    def rate(self) -> float | None:
        """Kept over judged (None when nothing is judged yet)."""
        return self.kept / self.judged if self.judged else None

    def add(self, verdict: bool | None) -> Tally:
        if verdict is None:
            return Tally(self.kept, self.missed, self.pending + 1)
        return Tally(self.kept + verdict, self.missed + (not verdict), self.pending)

    def as_dict(self) -> dict[str, int | float | None]:
        return {"kept": self.kept, "missed": self.missed, "pending": self.pending, "rate": self.rate}


@dataclass
class EngineerPromises:
    user_id: int | None
    username: str
    name: str
    dispatched: int = 0
    agreed_in_time: Tally = field(default_factory=Tally)
    arrived_in_window: Tally = field(default_factory=Tally)


@dataclass(frozen=True)
class PromiseCounts:
    agreed_in_time: Tally
    arrived_in_window: Tally
    dispatched: int = 0
    engineers: tuple[EngineerPromises, ...] = ()  # the most dispatched first


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]


@dataclass
class _Dispatch:
    at: datetime
    assignee_id: int | None
    arrived_at: datetime | None


def _assigned(s: Session, ids: Sequence[int], before: datetime | None = None) -> set[int]:
    """Those of the incidents with an assignment (before a moment, when given): few are asked (see below)."""
    found: set[int] = set()
    for part in _chunks(ids):
        query = select(IncidentEvent.incident_id).where(IncidentEvent.incident_id.in_(part), _ASSIGNMENT)
        found.update(s.scalars(query.where(IncidentEvent.at < before) if before is not None else query))
    return found


_ASSIGNMENT = (IncidentEvent.field == "assignee") & IncidentEvent.new.is_not(None)


def _dispatches(s: Session, since: datetime, until: datetime) -> tuple[dict[int, _Dispatch], Any, list[int]]:
    """incident id → its dispatch, for the faults and requests dispatched in [since, until); the period's
    assignments as a subquery (incident_id), for joining the windows to; and those dispatched by a response.

    The period's assignments are one range of a partial index; an incident among them was dispatched in the
    period unless it had been assigned before (only one created before the period can have been: those few are
    looked up). An incident responded to in the period without any assignment ever counts from its response."""
    first = (select(IncidentEvent.incident_id.label("incident_id"), func.min(IncidentEvent.at).label("at"))
             .where(_ASSIGNMENT, IncidentEvent.at >= since, IncidentEvent.at < until)
             .group_by(IncidentEvent.incident_id).subquery())
    rows = s.execute(select(first.c.incident_id, first.c.at, Incident.created_at, Incident.assignee_id,
                            FieldWork.arrived_at)
                     .join(Incident, Incident.id == first.c.incident_id)
                     .outerjoin(FieldWork, FieldWork.incident_id == first.c.incident_id)
                     .where(Incident.category.in_(VISITS)).limit(MAX_INCIDENTS)).all()
    older = [r.incident_id for r in rows if r.created_at < since]
    earlier = _assigned(s, older, before=since) if older else set()
    out = {r.incident_id: _Dispatch(r.at, r.assignee_id, r.arrived_at) for r in rows if r.incident_id not in earlier}
    responded = s.execute(select(Incident.id, Incident.responded_at, Incident.assignee_id, FieldWork.arrived_at)
                          .outerjoin(FieldWork, FieldWork.incident_id == Incident.id)
                          .outerjoin(first, first.c.incident_id == Incident.id)
                          .where(Incident.responded_at >= since, Incident.responded_at < until,
                                 Incident.category.in_(VISITS), first.c.incident_id.is_(None))
                          .limit(MAX_INCIDENTS)).all()
    ever = _assigned(s, [r.id for r in responded]) if responded else set()
    by_response = [r.id for r in responded if r.id not in ever]
    out.update({r.id: _Dispatch(r.responded_at, r.assignee_id, r.arrived_at) for r in responded if r.id not in ever})
    return out, first, by_response


def _windows(s: Session, first: Any, by_response: list[int], wanted: set[int]) -> dict[int, list[Appointment]]:
    """The windows of the period's dispatched incidents, newest first: one join on the period's assignments,
    and the few dispatched by a response alone looked up by id."""
    found: dict[int, list[Appointment]] = defaultdict(list)
    order = (Appointment.made_at.desc(), Appointment.id.desc())
    for appointment in s.scalars(select(Appointment).join(first, first.c.incident_id == Appointment.incident_id)
                                 .order_by(*order)):
        if appointment.incident_id in wanted:
            found[appointment.incident_id].append(appointment)
    for part in _chunks(by_response):
        for appointment in s.scalars(select(Appointment).where(Appointment.incident_id.in_(part)).order_by(*order)):
            found[appointment.incident_id].append(appointment)
    return found


def _people(s: Session, ids: Iterable[int | None]) -> dict[int, tuple[str, str]]:
    wanted = [i for i in set(ids) if i is not None]
    return {i: (u, n or u) for i, u, n in s.execute(select(User.id, User.username, User.display_name)
                                                    .where(User.id.in_(wanted)))} if wanted else {}


def count_promises(s: Session, since: datetime, until: datetime, *, now: datetime | None = None) -> PromiseCounts:
    """The two promises over the incidents dispatched in [since, until), for the desk and each engineer."""
    now = now or utcnow()
    within = booking.within_minutes()
    dispatched, first, by_response = _dispatches(s, since, until)
    windows = _windows(s, first, by_response, set(dispatched))
    agreed, arrived = Tally(), Tally()
    engineers: dict[int | None, EngineerPromises] = {}
    for incident_id, d in sorted(dispatched.items()):
        found = windows.get(incident_id, [])
        judged = booking.verdict(found, d.at, d.arrived_at, now, within)
        agreed, arrived = agreed.add(judged.agreed_in_time), arrived.add(judged.arrived_in_window)
        owner = found[-1].engineer_id if found else d.assignee_id
        row = engineers.get(owner)
        if row is None:
            row = engineers[owner] = EngineerPromises(owner, "", "")
        row.dispatched += 1
        row.agreed_in_time = row.agreed_in_time.add(judged.agreed_in_time)
        row.arrived_in_window = row.arrived_in_window.add(judged.arrived_in_window)
    for user_id, (username, name) in _people(s, engineers).items():
        engineers[user_id].username, engineers[user_id].name = username, name
    ranked = sorted(engineers.values(), key=lambda e: (-e.dispatched, e.user_id is None, e.name))
    return PromiseCounts(agreed, arrived, len(dispatched), tuple(ranked))
