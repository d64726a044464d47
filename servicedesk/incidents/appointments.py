"""Counting the two appointment promises over a period (预约及时率, 履约准时率), for the dashboard and the API.

A fault or a request (an install, a move: what an engineer visits for) counts in the period when it was
dispatched in it (first given to a person, else its first response; see booking.dispatched_at). Each promise
is tallied as kept, missed or not yet judged, by the same judgement as the incident page's (booking.verdict),
for the desk and for each engineer (the engineer of the first window agreed, else the incident's assignee).
Read-only: the database judges the period's incidents and counts them per engineer in one statement (the
period's first assignments are one range of a partial index, migration 0038); a few hundred rows come back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select, text, union_all
from sqlalchemy.orm import Session, aliased

from kb.orm import UTCDateTime, utcnow
from servicedesk.figures.compute import epoch_seconds
from servicedesk.incidents import booking
from servicedesk.incidents.models import Appointment, FieldWork, Incident, IncidentEvent
from servicedesk.incidents.workflow import Category
from servicedesk.users.models import User

# The reports an engineer visits for (faults, installs and moves); complaints and questions are handled by phone.
VISITS = (Category.FAULT, Category.REQUEST)


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


_ASSIGNMENT = (IncidentEvent.field == "assignee") & IncidentEvent.new.is_not(None)


def _people(s: Session, ids: Iterable[int | None]) -> dict[int, tuple[str, str]]:
    wanted = [i for i in set(ids) if i is not None]
    return {i: (u, n or u) for i, u, n in s.execute(select(User.id, User.username, User.display_name)
                                                    .where(User.id.in_(wanted)))} if wanted else {}


def _judged(s: Session, since: datetime, until: datetime, now: datetime, within: int) -> Any:
    """The period's dispatched faults and requests judged by the database, counted per engineer: rows of
    (engineer id, dispatched, agreed kept, agreed missed, arrived kept, arrived missed). The same judgement as
    booking.verdict (which the incident page uses), written as SQL so a month of a large desk is counted where
    it lies (a few hundred rows come back, not one per incident)."""
    dialect = s.get_bind().dialect.name
    lo, hi = literal(since, UTCDateTime()), literal(until, UTCDateTime())
    first = (select(IncidentEvent.incident_id.label("incident_id"), func.min(IncidentEvent.at).label("at"))
             .where(_ASSIGNMENT, IncidentEvent.at >= lo, IncidentEvent.at < hi)
             .group_by(IncidentEvent.incident_id).cte("first_dispatch"))
    earlier = aliased(IncidentEvent)
    by_assignment = (select(first.c.incident_id, first.c.at.label("dispatched"), Incident.assignee_id)
                     .join(Incident, Incident.id == first.c.incident_id)
                     .where(Incident.category.in_(VISITS),
                            # only one reported before the period can have been dispatched before it
                            or_(Incident.created_at >= lo,
                                ~select(earlier.id).where(earlier.incident_id == Incident.id,
                                                          earlier.field == "assignee", earlier.new.is_not(None),
                                                          earlier.at < lo).exists())))
    ever = aliased(IncidentEvent)
    # Never assigned (so: no assignee now, and no assignment in the history): dispatched by the response.
    by_response = (select(Incident.id.label("incident_id"), Incident.responded_at.label("dispatched"),
                          Incident.assignee_id)
                   .where(Incident.responded_at >= lo, Incident.responded_at < hi, Incident.category.in_(VISITS),
                          Incident.assignee_id.is_(None),
                          ~select(ever.id).where(ever.incident_id == Incident.id, ever.field == "assignee",
                                                 ever.new.is_not(None)).exists()))
    d = union_all(by_assignment, by_response).subquery("dispatched")
    a = aliased(Appointment)
    window = select(a).where(a.incident_id == d.c.incident_id).order_by(a.made_at, a.id).limit(1)
    arrived = FieldWork.arrived_at
    st = aliased(Appointment)
    standing = (select(case((and_(st.starts_at <= arrived, arrived <= st.ends_at), 1), else_=0))
                .where(st.incident_id == d.c.incident_id, st.made_at <= arrived,
                       or_(st.ended_at.is_(None), st.ended_at > arrived))
                .order_by(st.made_at.desc(), st.id.desc()).limit(1).scalar_subquery())
    # Each incident's facts, looked up once (MATERIALIZED: the judgement below reads them several times).
    facts = (select(d.c.dispatched, d.c.assignee_id,
                    window.with_only_columns(a.made_at).scalar_subquery().label("first_made"),
                    window.with_only_columns(a.engineer_id).scalar_subquery().label("first_engineer"),
                    arrived.label("arrived"), standing.label("standing"))
             .select_from(d).outerjoin(FieldWork, FieldWork.incident_id == d.c.incident_id)
             .cte("facts").prefix_with("MATERIALIZED"))
    f = facts.c
    late = within * 60.0
    gap = epoch_seconds(f.first_made, dialect) - epoch_seconds(f.dispatched, dialect)
    waited = epoch_seconds(literal(now, UTCDateTime()), dialect) - epoch_seconds(f.dispatched, dialect)
    agreed = case((f.first_made.is_not(None), case((gap <= late, 1), else_=0)),
                  (waited > late, 0), else_=None)  # 1 kept, 0 missed, NULL not yet
    in_window = case((f.arrived.is_(None), None), else_=func.coalesce(f.standing, 0))
    per_incident = (select(func.coalesce(f.first_engineer, f.assignee_id).label("owner"),
                           agreed.label("agreed"), in_window.label("arrived")).subquery("judged"))
    j = per_incident.c

    def tally(column: Any, value: int) -> Any:
        return func.sum(case((column == value, 1), else_=0))

    if dialect == "postgresql":
        # The plan's estimated cost wakes PostgreSQL's JIT, which spent 0.6 s compiling a 0.9 s query.
        s.execute(text("SET LOCAL jit = off"))
    return s.execute(select(j.owner, func.count(), tally(j.agreed, 1), tally(j.agreed, 0), tally(j.arrived, 1),
                            tally(j.arrived, 0)).group_by(j.owner)).all()


def count_promises(s: Session, since: datetime, until: datetime, *, now: datetime | None = None) -> PromiseCounts:
    """The two promises over the incidents dispatched in [since, until), for the desk and each engineer."""
    now = now or utcnow()
    rows = _judged(s, since, until, now, booking.within_minutes())
    agreed, arrived = Tally(), Tally()
    engineers: dict[int | None, EngineerPromises] = {}
    for owner, dispatched, agreed_kept, agreed_missed, arrived_kept, arrived_missed in rows:
        row = EngineerPromises(owner, "", "", int(dispatched),
                               Tally(int(agreed_kept), int(agreed_missed),
                                     int(dispatched) - int(agreed_kept) - int(agreed_missed)),
                               Tally(int(arrived_kept), int(arrived_missed),
                                     int(dispatched) - int(arrived_kept) - int(arrived_missed)))
        engineers[owner] = row
        agreed = Tally(agreed.kept + row.agreed_in_time.kept, agreed.missed + row.agreed_in_time.missed,
                       agreed.pending + row.agreed_in_time.pending)
        arrived = Tally(arrived.kept + row.arrived_in_window.kept, arrived.missed + row.arrived_in_window.missed,
                        arrived.pending + row.arrived_in_window.pending)
    for user_id, (username, name) in _people(s, engineers).items():
        engineers[user_id].username, engineers[user_id].name = username, name
    ranked = sorted(engineers.values(), key=lambda e: (-e.dispatched, e.user_id is None, e.name))
    return PromiseCounts(agreed, arrived, sum(e.dispatched for e in ranked), tuple(ranked))
