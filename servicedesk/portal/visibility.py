"""What of an incident's history a subscriber sees, on the portal's page and through the API alike: the
steps that mean something to them, never staff names, internal notes or the desk's own bookkeeping."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from servicedesk.incidents.models import IncidentEvent

# What each history entry means to the subscriber; staff names and internal notes stay on the staff pages.
EVENT_LABELS: dict[str, Any] = {
    "create": _l("Report received"),
    "assign": _l("Assigned to an engineer"),
    "route": _l("Assigned to an engineer"),
    "start": _l("An engineer is working on it"),
    "pend": _l("On hold"),
    "resume": _l("Work resumed"),
    "escalate": _l("Handed to a specialist team"),
    "link_solution": _l("A solution was found"),
    "resolve": _l("Fixed: waiting for your confirmation"),
    "verify": _l("Fix confirmed"),
    "reject_fix": _l("Not fixed: sent back to the engineers"),
    "close": _l("Closed"),
    "reopen": _l("Reopened"),
}
NOTES_SHOWN = frozenset({"resolve", "reopen"})


def subscriber_sees(event: IncidentEvent) -> bool:
    """Whether the subscriber's view of the incident shows this history event."""
    return event.action in EVENT_LABELS and not (event.action == "assign" and not event.new)


def note_for_subscriber(event: IncidentEvent) -> str:
    """The event's note as the subscriber may read it: the resolution and the reopening reason, else nothing."""
    return event.note if event.action in NOTES_SHOWN else ""
