"""The SLA state as SQL, for the queue and the API list: computed by the database, not per row.

The SLA conditions mirror servicedesk.incidents.sla.sla_state, so an incident found with
sla_state=at_risk shows "at_risk" in its own `sla.state`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, literal, not_, or_

from kb.orm import UTCDateTime
from servicedesk.incidents.models import Incident
from servicedesk.incidents.sla import AT_RISK_SHARE
from servicedesk.incidents.workflow import OPEN_STATES

SLA_STATES = ("on_track", "at_risk", "breached", "paused")
# Judged apart from the resolve window: an open incident nobody has responded to by respond-by.
RESPONSE_OVERDUE = "response_overdue"


def _epoch(value: Any, dialect: str) -> Any:
    """A number that grows linearly with time (days on SQLite, seconds on PostgreSQL)."""
    if dialect == "sqlite":
        return func.julianday(value)
    return func.extract("epoch", value)


def unanswered(dialect: str) -> ColumnElement[bool]:
    """No first response yet. On SQLite said as likely(...): its planner, whose statistics say a responded_at
    value matches a row or two, would otherwise read every incident ever left unanswered (cancelled ones too)
    off an index led by responded_at, instead of the partial index of them by state and respond-by."""
    condition = Incident.responded_at.is_(None)
    return func.likely(condition) if dialect == "sqlite" else condition


def response_overdue_condition(now: datetime, dialect: str) -> ColumnElement[bool]:
    """Open, unpaused incidents without a first response whose respond-by time has passed (mirrors
    servicedesk.incidents.sla.response_overdue). Every column it reads is in ix_incidents_unanswered."""
    inc = Incident
    return and_(inc.status.in_(sorted(st.value for st in OPEN_STATES)), unanswered(dialect),
                inc.respond_by < literal(now, UTCDateTime()), inc.paused_at.is_(None))


def sla_condition(state: str, now: datetime, dialect: str) -> ColumnElement[bool]:
    """Incidents whose SLA is in this state at now (on_track, at_risk, breached or paused; or
    response_overdue, which is judged on the respond-by time instead)."""
    inc = Incident
    if state == RESPONSE_OVERDUE:
        return response_overdue_condition(now, dialect)
    is_open = inc.status.in_([st.value for st in OPEN_STATES])
    done = not_(is_open)
    # A paused incident's clock stopped at paused_at: it is judged at that moment.
    clock = func.coalesce(inc.paused_at, literal(now, UTCDateTime()))
    running = and_(is_open, inc.resolve_by >= clock)  # open and not yet past due
    # resolve_by - now <= share * (resolve_by - created_at), rearranged so it holds for any linear time scale.
    late = ((1 - AT_RISK_SHARE) * _epoch(inc.resolve_by, dialect) + AT_RISK_SHARE * _epoch(inc.created_at, dialect)
            <= _epoch(literal(now, UTCDateTime()), dialect))
    at_risk_window = and_(inc.resolve_by > inc.created_at, late)
    if state == "breached":
        return or_(and_(is_open, inc.resolve_by < clock), and_(done, inc.resolved_at > inc.resolve_by))
    if state == "paused":
        return and_(running, inc.paused_at.is_not(None))
    if state == "at_risk":
        return and_(running, inc.paused_at.is_(None), at_risk_window)
    if state == "on_track":
        return or_(and_(done, inc.resolved_at <= inc.resolve_by),
                   and_(running, inc.paused_at.is_(None), not_(at_risk_window)))
    return false()
