"""Incident states and the legal moves between them, as a table."""

from __future__ import annotations

from enum import StrEnum


class IncidentStatus(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Category(StrEnum):
    FAULT = "fault"
    COMPLAINT = "complaint"
    REQUEST = "request"
    CONSULTATION = "consultation"


class Area(StrEnum):
    URBAN = "urban"
    TOWNSHIP = "township"


class Channel(StrEnum):
    HOTLINE = "hotline"
    PORTAL = "portal"
    FIELD = "field"
    API = "api"
    EMAIL = "email"
    WECHAT = "wechat"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class VerificationMethod(StrEnum):
    SELF = "self"  # the reporter confirmed in the portal or API
    CALLBACK = "callback"  # an agent called the subscriber back (回访)


S = IncidentStatus
OPEN_STATES = frozenset({S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.PENDING})

# action -> {state it may start from: state it leads to}
TRANSITIONS: dict[str, dict[IncidentStatus, IncidentStatus]] = {
    "assign": {S.NEW: S.ASSIGNED, S.ASSIGNED: S.ASSIGNED, S.IN_PROGRESS: S.IN_PROGRESS, S.PENDING: S.PENDING},
    "start": {S.NEW: S.IN_PROGRESS, S.ASSIGNED: S.IN_PROGRESS},
    "pend": {S.ASSIGNED: S.PENDING, S.IN_PROGRESS: S.PENDING},
    "resume": {S.PENDING: S.IN_PROGRESS},
    "escalate": {S.NEW: S.ASSIGNED, S.ASSIGNED: S.ASSIGNED, S.IN_PROGRESS: S.ASSIGNED, S.PENDING: S.ASSIGNED},
    "link_solution": {s: s for s in (*OPEN_STATES, S.RESOLVED)},
    "resolve": {S.NEW: S.RESOLVED, S.ASSIGNED: S.RESOLVED, S.IN_PROGRESS: S.RESOLVED, S.PENDING: S.RESOLVED},
    "verify_accept": {S.RESOLVED: S.RESOLVED},
    "verify_reject": {S.RESOLVED: S.IN_PROGRESS},
    "close": {S.RESOLVED: S.CLOSED},
    "reopen": {S.RESOLVED: S.IN_PROGRESS, S.CLOSED: S.IN_PROGRESS},
}


def next_status(action: str, current: IncidentStatus) -> IncidentStatus | None:
    """Where action leads from current, or None when the move is not allowed."""
    return TRANSITIONS[action].get(current)


def allowed_actions(current: IncidentStatus) -> list[str]:
    return [action for action, moves in TRANSITIONS.items() if current in moves]
