"""Hotline intake: finding the caller's subscriber record, the caller's open and recent incidents, and the
repeat call (催修) that chases an open incident instead of opening a second one.

A caller is looked up by phone (the whole number or its last digits), account or name. Beside the form the agent
sees the caller's open incidents and those of the last RECENT_DAYS days; a repeat call about an open one is a
chase: a row in incident_chases, a line in the incident's history, the assignee told, and the incident's
chase_count raised by one in the database (UPDATE … SET chase_count = chase_count + 1), so two agents taking
two calls about it at the same moment both count and neither is refused.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session, selectinload

from kb.errors import Conflict
from kb.orm import utcnow
from kb.validation import clean_text
from servicedesk.incidents.models import Incident, IncidentChase, IncidentEvent
from servicedesk.incidents.services import NOTE_MAX, _require_staff, clean_phone
from servicedesk.incidents.workflow import OPEN_STATES
from servicedesk.org.models import Subscriber
from servicedesk.users.models import User

LOOKUP_LIMIT = 10
RECENT_DAYS = 30
PANEL_LIMIT = 20
MIN_DIGITS = 4  # "5678": the last digits a caller reads out; fewer match half the town


def _escaped(text: str) -> str:
    return re.sub(r"([%_\\])", r"\\\1", text)


def lookup_callers(s: Session, query: str, *, limit: int = LOOKUP_LIMIT) -> list[Subscriber]:
    """Subscriber records matching what the agent typed: a phone (whole, or at least its last MIN_DIGITS
    digits), an account (exact first, then its start), or a name (part of it). Exact hits first."""
    text = query.strip()[:100]
    if not text:
        return []
    digits = re.sub(r"[\s\-+]", "", text)
    conditions: list[ColumnElement[bool]] = [Subscriber.account.ilike(_escaped(text) + "%", escape="\\"),
                                             Subscriber.name.ilike("%" + _escaped(text) + "%", escape="\\")]
    if digits.isdigit() and len(digits) >= MIN_DIGITS:
        conditions.append(Subscriber.phone.like("%" + digits))
        conditions.append(Subscriber.phone.like(digits + "%"))
    found = list(s.scalars(select(Subscriber).where(or_(*conditions)).options(selectinload(Subscriber.zone))
                           .order_by(Subscriber.account).limit(limit * 3)))

    def rank(sub: Subscriber) -> tuple[int, str]:
        exact = sub.account.lower() == text.lower() or sub.phone == digits or sub.name == text
        return (0 if exact else 1, sub.account)

    return sorted(found, key=rank)[:limit]


@dataclass(frozen=True)
class CallerIncidents:
    open: list[Incident]
    recent: list[Incident]  # ended or resolved within RECENT_DAYS


def caller_incidents(s: Session, *, account: str = "", phone: str = "",
                     days: int = RECENT_DAYS) -> CallerIncidents:
    """The caller's open incidents and those of the last `days` days, newest first: by the subscriber's account
    and, for a caller without one, by the phone they gave before."""
    who: list[ColumnElement[bool]] = []
    if account.strip():
        who.append(Incident.customer_account == account.strip())
    digits = re.sub(r"\D", "", phone)
    if len(digits) >= 7:
        who.append(Incident.caller_phone == phone.strip())
        who.append(Incident.subscriber.has(Subscriber.phone == phone.strip()))
    if not who:
        return CallerIncidents([], [])
    since = utcnow() - timedelta(days=days)
    rows = list(s.scalars(
        select(Incident).where(or_(*who), or_(Incident.status.in_([st.value for st in OPEN_STATES]),
                                               Incident.created_at >= since))
        .order_by(Incident.created_at.desc(), Incident.id.desc()).limit(PANEL_LIMIT)))
    return CallerIncidents([i for i in rows if i.status in OPEN_STATES],
                           [i for i in rows if i.status not in OPEN_STATES])


def chase_incident(s: Session, incident: Incident, actor: User, *, note: object = "",
                   caller_phone: object = "") -> IncidentChase:
    """Records a repeat call about an open incident (催修). 409 not_open once it is resolved or ended: the
    caller then confirms the fix, or reports anew."""
    _require_staff(actor, "record chases")
    if incident.status not in OPEN_STATES:
        raise Conflict("This incident is no longer open; confirm its fix with the caller, or record a new one.",
                       code="not_open")
    text = clean_text(note or "", "note", max_len=NOTE_MAX, required=False)
    phone = clean_phone(caller_phone, "caller_phone") if caller_phone not in (None, "") else ""
    now = utcnow()
    # Counted by the database, not read-modify-write: two calls taken at once both count, and the incident's
    # version is left alone (a chase does not make an agent's open page stale). The UPDATE asks again that the
    # incident be open: one resolved or ended by someone else since it was read is not chased (PostgreSQL
    # re-reads a row another transaction changed before it updates it).
    counted = s.execute(update(Incident)
                        .where(Incident.id == incident.id,
                               Incident.status.in_([st.value for st in OPEN_STATES]))
                        .values(chase_count=Incident.chase_count + 1).execution_options(synchronize_session=False))
    if getattr(counted, "rowcount", 1) != 1:
        raise Conflict("This incident was resolved or ended a moment ago; reload it, then confirm its fix with "
                       "the caller or record a new one.", code="not_open")
    chase = IncidentChase(incident_id=incident.id, by_id=actor.id, at=now, caller_phone=phone, note=text)
    s.add(chase)
    # The history line; the notification hook tells the assignee (incident.chased).
    s.add(IncidentEvent(incident=incident, actor_id=actor.id, at=now, action="chase", field="chase_count",
                        note=text))
    s.flush()
    s.refresh(incident, ["chase_count"])
    return chase


def chases_of(s: Session, incident: Incident) -> Sequence[IncidentChase]:
    return list(s.scalars(select(IncidentChase).where(IncidentChase.incident_id == incident.id)
                          .options(selectinload(IncidentChase.by)).order_by(IncidentChase.id)))
