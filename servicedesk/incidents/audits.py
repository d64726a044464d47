"""The second call-back: closed incidents drawn at random and called again, to catch closures that were
not really fixed. Drawing is one set-based statement; each outcome is recorded once, in the history too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from kb.actors import Role, is_staff
from kb.errors import Conflict, Forbidden, ValidationError
from kb.orm import utcnow
from kb.validation import clean_text, parse_enum
from servicedesk.incidents.models import CallbackAudit, Incident
from servicedesk.incidents.services import NOTE_MAX, _record, check_past
from servicedesk.incidents.workflow import AuditOutcome, IncidentStatus
from servicedesk.users.models import User

SAMPLE_MAX = 200


def can_sample(user: User | None) -> bool:
    """Technical leads and administrators draw audit samples; every staff member may make the calls."""
    return user is not None and user.role in (Role.LEAD, Role.ADMIN)


def sample_for_audit(s: Session, actor: User, *, size: object, days: object = 30,
                     now: datetime | None = None) -> list[CallbackAudit]:
    """Draws up to size closed incidents at random among those closed in the last days, never one
    drawn before; returns the new audits (fewer when fewer are left)."""
    if not can_sample(actor):
        raise Forbidden("Only a technical lead or an administrator draws an audit sample.")
    errors: dict[str, str] = {}
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= SAMPLE_MAX:
        errors["size"] = f"1 to {SAMPLE_MAX}"
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 366:
        errors["days"] = "1 to 366"
    if errors:
        raise ValidationError("Please correct the sample's size or period.", fields=errors)
    assert isinstance(size, int) and isinstance(days, int)
    now = now or utcnow()
    drawn = select(CallbackAudit.id).where(CallbackAudit.incident_id == Incident.id).exists()
    ids = list(s.scalars(
        select(Incident.id)
        .where(Incident.status == IncidentStatus.CLOSED, Incident.closed_at >= now - timedelta(days=days),
               Incident.closed_at <= now, ~drawn)
        .order_by(func.random()).limit(size)
    ))
    audits = [CallbackAudit(incident_id=i, sampled_by_id=actor.id, sampled_at=now) for i in sorted(ids)]
    s.add_all(audits)
    s.flush()
    return audits


def record_audit(s: Session, audit: CallbackAudit, actor: User, *, outcome: object, rating: object = None,
                 comment: object = "", called_at: datetime | None = None) -> CallbackAudit:
    """Records what the second call-back found, once; "not fixed" needs a comment. The incident's history
    shows it; a closure found not fixed counts against the incident's solution as a reopen would."""
    if not is_staff(actor):
        raise Forbidden("Only service-desk staff record call-backs.")
    if audit.outcome is not None:
        raise Conflict("This audit call-back is already recorded.", code="audit_recorded")
    result = parse_enum(AuditOutcome, outcome, "outcome")
    if rating is not None and (not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5):
        raise ValidationError("The rating is 1 to 5 stars.", fields={"rating": "1 to 5"})
    text = clean_text(comment, "comment", max_len=NOTE_MAX, required=result == AuditOutcome.NOT_FIXED)
    when = called_at or utcnow()
    check_past(when, "called_at", not_before=audit.sampled_at, before_what="the sample was drawn")
    audit.outcome = result
    audit.auditor_id = actor.id
    audit.called_at = when
    audit.rating = rating
    audit.comment = text
    incident = audit.incident
    _record(s, incident, actor, "audit", field="audit", new=result.value, note=text)
    if result == AuditOutcome.NOT_FIXED:
        # The quality signals count reopened incidents per solution; a closure that did not hold is one.
        incident.reopen_count += 1
    s.flush()
    return audit


@dataclass
class AuditSummary:
    pending: list[CallbackAudit]
    done: list[CallbackAudit]
    counts: dict[str, int]

    @property
    def reached(self) -> int:
        return self.counts.get("confirmed", 0) + self.counts.get("not_fixed", 0)

    @property
    def confirmed_rate(self) -> float | None:
        """Share of reached subscribers who confirm the fix held (None before anyone was reached)."""
        return self.counts.get("confirmed", 0) / self.reached if self.reached else None


def audit_summary(s: Session, *, recent: int = 50) -> AuditSummary:
    """The audits still to call (oldest first), the latest recorded ones, and the outcome counts."""
    opts = (selectinload(CallbackAudit.incident).selectinload(Incident.subscriber),
            selectinload(CallbackAudit.incident).selectinload(Incident.reporter),
            selectinload(CallbackAudit.auditor))
    pending = list(s.scalars(select(CallbackAudit).where(CallbackAudit.outcome.is_(None))
                             .order_by(CallbackAudit.sampled_at, CallbackAudit.id).options(*opts)))
    done = list(s.scalars(select(CallbackAudit).where(CallbackAudit.outcome.is_not(None))
                          .order_by(CallbackAudit.called_at.desc(), CallbackAudit.id.desc()).limit(recent)
                          .options(*opts)))
    counts = {str(getattr(k, "value", k)): int(n) for k, n in s.execute(
        select(CallbackAudit.outcome, func.count()).where(CallbackAudit.outcome.is_not(None))
        .group_by(CallbackAudit.outcome))}
    return AuditSummary(pending=pending, done=done, counts=counts)
