"""Shapes of the call-back attempts API (servicedesk.api.callbacks), declared once: they validate and document."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from servicedesk.api.contract import Input, Output
from servicedesk.incidents.services import NOTE_MAX
from servicedesk.incidents.workflow import CallbackOutcome


class CallbackAttemptInput(Input):
    outcome: CallbackOutcome = Field(description="unreachable: no answer, switched off or wrong number")
    note: str | None = Field(None, max_length=NOTE_MAX)
    called_at: datetime | None = Field(None, description="When the call was made, with its offset (default now); "
                                                         "not in the future nor before the fix")


class CallbackAttempt(Output):
    id: int
    incident_id: int
    at: datetime
    by: str = Field(description="Username of who called")
    outcome: CallbackOutcome
    note: str
    recorded_at: datetime


class UnreachableRule(Output):
    attempts: int = Field(description="Failed attempts needed (CALLBACK_UNREACHABLE_ATTEMPTS)")
    hours: float = Field(description="Hours the failed attempts must spread over (CALLBACK_UNREACHABLE_HOURS)")
    failed: int = Field(description="Failed attempts that count: since the fix and since the subscriber was last "
                                    "reached")
    met: bool = Field(description="Whether a lead may now record the verification as 'unreachable'")


class CallbackAttemptList(Output):
    items: list[CallbackAttempt] = Field(description="Newest first")
    rule: UnreachableRule
