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

from sqlalchemy import func, or_, select
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


def _dispatches(s: Session, since: datetime, until: datetime) -> dict[int, datetime]:
    """incident id → its dispatch, for the incidents dispatched in [since, until)."""
    assigned = (select(IncidentEvent.incident_id)
                .where(IncidentEvent.field == "assignee", IncidentEvent.new.is_not(None),
                       IncidentEvent.at >= since, IncidentEvent.at < until))
    responded = Incident.responded_at.is_not(None) & (Incident.responded_at >= since) & (Incident.responded_at < until)
    rows = s.execute(select(Incident.id, Incident.responded_at)
                     .where(or_(Incident.id.in_(assigned), responded), Incident.category.in_(VISITS))
                     .order_by(Incident.id).limit(MAX_INCIDENTS)).all()
    first: dict[int, datetime] = {}
    ids = [r.id for r in rows]
    for part in _chunks(ids):
        first.update((i, at) for i, at in s.execute(
            select(IncidentEvent.incident_id, func.min(IncidentEvent.at))
            .where(IncidentEvent.incident_id.in_(part), IncidentEvent.field == "assignee",
                   IncidentEvent.new.is_not(None))
            .group_by(IncidentEvent.incident_id)))
    out = {}
    for incident_id, responded_at in rows:
        dispatched = first.get(incident_id) or responded_at
        if dispatched is not None and since <= dispatched < until:
            out[incident_id] = dispatched  # dispatched earlier (reassigned in the period): its own period's
    return out


def _windows(s: Session, ids: Sequence[int]) -> dict[int, list[Appointment]]:
    found: dict[int, list[Appointment]] = defaultdict(list)
    for part in _chunks(ids):
        for appointment in s.scalars(select(Appointment).where(Appointment.incident_id.in_(part))
                                     .order_by(Appointment.made_at.desc(), Appointment.id.desc())):
            found[appointment.incident_id].append(appointment)
    return found


def _pairs(s: Session, column: Any, key: Any, ids: Sequence[int]) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for part in _chunks(ids):
        out.update((k, v) for k, v in s.execute(select(key, column).where(key.in_(part))))
    return out


def _people(s: Session, ids: Iterable[int | None]) -> dict[int, tuple[str, str]]:
    wanted = [i for i in set(ids) if i is not None]
    return {i: (u, n or u) for i, u, n in s.execute(select(User.id, User.username, User.display_name)
                                                    .where(User.id.in_(wanted)))} if wanted else {}


def count_promises(s: Session, since: datetime, until: datetime, *, now: datetime | None = None) -> PromiseCounts:
    """The two promises over the incidents dispatched in [since, until), for the desk and each engineer."""
    now = now or utcnow()
    within = booking.within_minutes()
    dispatched = _dispatches(s, since, until)
    ids = sorted(dispatched)
    windows = _windows(s, ids)
    arrivals = _pairs(s, FieldWork.arrived_at, FieldWork.incident_id, ids)
    assignees = _pairs(s, Incident.assignee_id, Incident.id, ids)
    agreed, arrived = Tally(), Tally()
    owners: dict[int, int | None] = {}
    verdicts: dict[int, booking.Judged] = {}
    for incident_id in ids:
        found = windows.get(incident_id, [])
        at = arrivals.get(incident_id)
        judged = booking.verdict(found, dispatched[incident_id], at, now, within)
        agreed, arrived = agreed.add(judged.agreed_in_time), arrived.add(judged.arrived_in_window)
        owner = found[-1].engineer_id if found else assignees.get(incident_id)
        owners[incident_id] = owner
        verdicts[incident_id] = judged
    people = _people(s, owners.values())
    engineers: dict[int | None, EngineerPromises] = {}
    for incident_id, owner in owners.items():
        row = engineers.get(owner)
        if row is None:
            username, name = people.get(owner, ("", "")) if owner is not None else ("", "")
            row = engineers[owner] = EngineerPromises(owner, username, name)
        judged = verdicts[incident_id]
        row.dispatched += 1
        row.agreed_in_time = row.agreed_in_time.add(judged.agreed_in_time)
        row.arrived_in_window = row.arrived_in_window.add(judged.arrived_in_window)
    ranked = sorted(engineers.values(), key=lambda e: (-e.dispatched, e.user_id is None, e.name))
    return PromiseCounts(agreed, arrived, len(ids), tuple(ranked))
