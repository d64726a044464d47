"""Counting the two appointment promises over a period (预约及时率, 履约准时率), for figures and reports.

An incident counts in the period when it was dispatched in it (first given to a person; see
booking.dispatched_at). Each promise is tallied as kept, missed or not yet judged (booking.judge).
Read-only; one query for the incidents, then the judgement per incident.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from servicedesk.incidents import booking
from servicedesk.incidents.models import Incident, IncidentEvent

MAX_INCIDENTS = 20_000  # a period's incidents judged at most (figures over longer periods use smaller steps)


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


@dataclass(frozen=True)
class PromiseCounts:
    agreed_in_time: Tally
    arrived_in_window: Tally


def count_promises(s: Session, since: datetime, until: datetime) -> PromiseCounts:
    """The two promises over the incidents dispatched in [since, until)."""
    assigned = (select(IncidentEvent.incident_id)
                .where(IncidentEvent.field == "assignee", IncidentEvent.new.is_not(None),
                       IncidentEvent.at >= since, IncidentEvent.at < until))
    responded = Incident.responded_at.is_not(None) & (Incident.responded_at >= since) & (Incident.responded_at < until)
    candidates = s.scalars(select(Incident).where(or_(Incident.id.in_(assigned), responded))
                           .order_by(Incident.id).limit(MAX_INCIDENTS))
    agreed, arrived = Tally(), Tally()
    for incident in candidates:
        dispatched = booking.dispatched_at(s, incident)
        if dispatched is None or not since <= dispatched < until:
            continue  # dispatched earlier (reassigned in the period): counted in its own period
        judged = booking.judge(s, incident)
        agreed, arrived = agreed.add(judged.agreed_in_time), arrived.add(judged.arrived_in_window)
    return PromiseCounts(agreed, arrived)
