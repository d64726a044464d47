"""Call-backs that can fail (回访未接通): the attempts to reach the subscriber after a fix, and the operator's
rule after which a lead may record the verification as "unreachable".

The rule (config CALLBACK_UNREACHABLE_ATTEMPTS, CALLBACK_UNREACHABLE_HOURS): since the fix, and since the
last time the subscriber was reached, at least that many attempts failed, the last at least that many hours
after the first. Then a lead (or an admin) may record an accepted, unrated verification with method
"unreachable"; the close gate counts it as recorded and still asks for an approved solution.

Services flush; callers commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.actors import Role, is_staff
from kb.errors import Conflict, Forbidden
from kb.orm import utcnow
from kb.validation import clean_text, parse_enum
from servicedesk.incidents.models import CallbackAttempt, Incident, IncidentEvent, Verification
from servicedesk.incidents.services import NOTE_MAX, _move, _require_staff, _set_status, check_past
from servicedesk.incidents.workflow import CallbackOutcome, IncidentStatus, VerificationMethod
from servicedesk.users.models import User

DEFAULT_ATTEMPTS = 3
DEFAULT_HOURS = 48.0
ATTEMPTS_SHOWN = 200  # an incident's list of attempts on its page and in the API


@dataclass(frozen=True)
class UnreachableRule:
    """After how many failed call-back attempts, spread over how many hours, a subscriber counts as unreachable."""

    attempts: int = DEFAULT_ATTEMPTS
    hours: float = DEFAULT_HOURS

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> UnreachableRule:
        """CALLBACK_UNREACHABLE_ATTEMPTS (1 to 20) and CALLBACK_UNREACHABLE_HOURS (0 to 720); a bad value
        raises ValueError with its name."""
        raw_attempts = config.get("CALLBACK_UNREACHABLE_ATTEMPTS", DEFAULT_ATTEMPTS)
        raw_hours = config.get("CALLBACK_UNREACHABLE_HOURS", DEFAULT_HOURS)
        try:
            attempts = int(str(raw_attempts))
            hours = float(str(raw_hours))
        except ValueError as exc:
            raise ValueError("CALLBACK_UNREACHABLE_ATTEMPTS is a whole number and CALLBACK_UNREACHABLE_HOURS a "
                             f"number of hours (got {raw_attempts!r}, {raw_hours!r})") from exc
        if not 1 <= attempts <= 20:
            raise ValueError(f"CALLBACK_UNREACHABLE_ATTEMPTS: {attempts} is not between 1 and 20")
        if not 0 <= hours <= 720:
            raise ValueError(f"CALLBACK_UNREACHABLE_HOURS: {hours} is not between 0 and 720")
        return cls(attempts, hours)


def rule_in_force() -> UnreachableRule:
    """The operator's rule from the app's configuration (the defaults outside an app)."""
    return UnreachableRule.from_config(current_app.config) if has_app_context() else UnreachableRule()


@dataclass(frozen=True)
class RuleProgress:
    """How far an incident is along the unreachable rule."""

    rule: UnreachableRule
    failed: int  # failed attempts that count (since the fix and since the subscriber was last reached)
    first_at: datetime | None
    last_at: datetime | None

    @property
    def attempts_left(self) -> int:
        return max(0, self.rule.attempts - self.failed)

    @property
    def ready_at(self) -> datetime | None:
        """When the attempts will have spread over enough hours (the first counted one plus the hours)."""
        return self.first_at + timedelta(hours=self.rule.hours) if self.first_at is not None else None

    @property
    def met(self) -> bool:
        return (self.attempts_left == 0 and self.first_at is not None and self.last_at is not None
                and self.last_at - self.first_at >= timedelta(hours=self.rule.hours))


def can_log_attempt(user: User | None) -> bool:
    return user is not None and is_staff(user)


def can_record_unreachable(user: User | None) -> bool:
    """Leads and administrators decide that a subscriber cannot be reached."""
    return user is not None and user.role in (Role.LEAD, Role.ADMIN)


def attempts_for(s: Session, incident: Incident) -> list[CallbackAttempt]:
    """The incident's call-back attempts, newest first."""
    return list(s.scalars(select(CallbackAttempt).where(CallbackAttempt.incident_id == incident.id)
                          .order_by(CallbackAttempt.at.desc(), CallbackAttempt.id.desc()).limit(ATTEMPTS_SHOWN)))


def rule_progress(s: Session, incident: Incident, rule: UnreachableRule | None = None) -> RuleProgress:
    """The failed attempts that count towards the rule: made since the fix, after the last one that reached
    the subscriber (a subscriber who answered is not unreachable)."""
    rule = rule or rule_in_force()
    since = incident.resolved_at
    if since is None:
        return RuleProgress(rule, 0, None, None)
    rows = s.execute(select(CallbackAttempt.at, CallbackAttempt.outcome)
                     .where(CallbackAttempt.incident_id == incident.id, CallbackAttempt.at >= since)
                     .order_by(CallbackAttempt.at, CallbackAttempt.id)).all()
    failed = [at for at, outcome in rows if outcome == CallbackOutcome.UNREACHABLE]
    reached = [at for at, outcome in rows if outcome == CallbackOutcome.REACHED]
    if reached:
        failed = [at for at in failed if at > reached[-1]]
    return RuleProgress(rule, len(failed), failed[0] if failed else None, failed[-1] if failed else None)


def _awaiting_callback(incident: Incident) -> None:
    if incident.status != IncidentStatus.RESOLVED:
        raise Conflict("Call-backs are made once the incident is resolved and waits for its verification.",
                       code="not_awaiting_verification")
    if incident.verified:
        raise Conflict("The fix is already verified; no call-back is needed.", code="already_verified")


def log_callback_attempt(s: Session, incident: Incident, actor: User, *, outcome: object, note: object = "",
                         called_at: datetime | None = None) -> CallbackAttempt:
    """Records one call-back attempt (who called: the actor; when: called_at, default now, never in the
    future nor before the fix; the outcome and a note) and its history entry. Two agents logging at once
    both land: the incident row itself is not changed."""
    _require_staff(actor, "record call-back attempts")
    _awaiting_callback(incident)
    how = parse_enum(CallbackOutcome, outcome, "outcome")
    text = clean_text(note, "note", max_len=NOTE_MAX, required=False)
    at = utcnow()
    if called_at is not None:
        check_past(called_at, "called_at", not_before=incident.resolved_at, before_what="the fix")
        at = called_at
    attempt = CallbackAttempt(incident_id=incident.id, by_id=actor.id, at=at, outcome=how, note=text,
                              recorded_at=utcnow())
    s.add(attempt)
    # The action names the outcome, so the page's label says it in the reader's language.
    s.add(IncidentEvent(incident_id=incident.id, actor_id=actor.id, at=utcnow(), action=f"callback_{how.value}",
                        note=text))
    s.flush()
    return attempt


def record_unreachable(s: Session, incident: Incident, actor: User, *, comment: object = "",
                       rule: UnreachableRule | None = None) -> Verification:
    """A lead records that the subscriber could not be reached: an accepted, unrated verification, allowed
    only once the operator's rule is met (409 callback_rule_not_met before). The close gate still asks for
    an approved solution."""
    if not can_record_unreachable(actor):
        raise Forbidden("Only a technical lead or an administrator records a subscriber as unreachable.")
    target = _move(incident, "verify_accept")
    if incident.verified:
        raise Conflict("The fix is already verified.", code="already_verified")
    progress = rule_progress(s, incident, rule)
    if not progress.met:
        hours = f"{progress.rule.hours:g}"
        raise Conflict(f"The subscriber counts as unreachable after {progress.rule.attempts} failed call-back "
                       f"attempts over {hours} hours since the fix; so far {progress.failed}.",
                       code="callback_rule_not_met")
    text = clean_text(comment, "comment", max_len=NOTE_MAX, required=False)
    verification = Verification(incident=incident, by_id=actor.id, method=VerificationMethod.UNREACHABLE,
                                accepted=True, rating=None, comment=text, at=utcnow())
    s.add(verification)
    incident.verified = True
    how = VerificationMethod.UNREACHABLE.value
    _set_status(s, incident, actor, "verify", target, note=f"{how}: {text}" if text else how)
    s.flush()
    return verification
