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
    CANCELLED = "cancelled"  # withdrawn or reported in error; has a reason, never a solution
    DUPLICATE = "duplicate"  # merged into a parent incident; closes when the parent closes


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
    # A lead recorded that the subscriber could not be reached once the operator's rule was met (so many
    # failed call-back attempts over so many hours): accepted, never rated.
    UNREACHABLE = "unreachable"


class CallbackOutcome(StrEnum):
    """How one call-back attempt went."""

    REACHED = "reached"  # the subscriber answered
    UNREACHABLE = "unreachable"  # no answer, switched off, wrong number


class AuditOutcome(StrEnum):
    """What a second call-back (audit of a closed incident) found."""

    CONFIRMED = "confirmed"  # the subscriber confirms the problem is gone
    NOT_FIXED = "not_fixed"  # the closure was premature: the problem is still there
    UNREACHABLE = "unreachable"  # nobody answered


S = IncidentStatus
OPEN_STATES = frozenset({S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.PENDING})
# Ended: no more work happens on them (a closed one may still be reopened within the window).
ENDED_STATES = frozenset({S.CLOSED, S.CANCELLED})
# States in which the field-work record may still be written.
FIELD_WORK_STATES = frozenset({*OPEN_STATES, S.RESOLVED})

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
    "cancel": dict.fromkeys(OPEN_STATES, S.CANCELLED),
    "mark_duplicate": dict.fromkeys(OPEN_STATES, S.DUPLICATE),
    # A duplicate follows its parent: closed with it, or back to work when the parent is cancelled.
    "close_with_parent": {S.DUPLICATE: S.CLOSED},
    "release_duplicate": {S.DUPLICATE: S.IN_PROGRESS},
    # After the reopen window a closed incident stays closed; a new one is opened and linked to it.
    "follow_up": {S.CLOSED: S.CLOSED},
    "field_work": {s: s for s in FIELD_WORK_STATES},
}


def next_status(action: str, current: IncidentStatus) -> IncidentStatus | None:
    """Where action leads from current, or None when the move is not allowed."""
    return TRANSITIONS[action].get(current)


def allowed_actions(current: IncidentStatus) -> list[str]:
    return [action for action, moves in TRANSITIONS.items() if current in moves]
