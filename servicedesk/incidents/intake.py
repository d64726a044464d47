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
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, union_all, update
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


def _starts_with(column: Any, start: str) -> ColumnElement[bool]:
    """column starts with start, as an index range (the LIKE keeps it exact under any collation)."""
    within = [column >= start, column.like(_escaped(start) + "%", escape="\\")]
    if ord(start[-1]) < 0x10FFFF:  # the last code point has no next one: the range is then open above
        within.append(column < start[:-1] + chr(ord(start[-1]) + 1))
    return and_(*within)


def _first(where: ColumnElement[bool], order: Any, limit: int) -> Select[int]:
    """The ids of one kind of match: its own LIMIT, so its index is read only as far as needed."""
    stmt = select(Subscriber.id).where(where)
    return (stmt.order_by(order) if order is not None else stmt).limit(limit)


def lookup_callers(s: Session, query: str, *, limit: int = LOOKUP_LIMIT) -> list[Subscriber]:
    """Subscriber records matching what the agent typed: a phone (whole, or at least its last MIN_DIGITS
    digits), an account (exact first, then its start), or a name (its start, else a part of it). Exact hits
    first."""
    text = query.strip()[:100]
    if not text:
        return []
    digits = re.sub(r"[\s\-+]", "", text)
    # One select per kind of match, each read from its own index and cut at its own LIMIT, then one UNION:
    # an OR of them all read the whole table (hundreds of ms at 500k subscribers).
    n = limit * 3
    branches: list[Select[int]] = []
    account = func.lower(Subscriber.account)
    if text.isascii():  # lower() is the same in Python and in both databases for ASCII only
        branches.append(_first(_starts_with(account, text.lower()), account, n))
    else:
        branches.append(_first(Subscriber.account == text, None, n))
    if digits.isdigit() and len(digits) >= MIN_DIGITS:
        # The last digits, or the whole number: phone_rev starts with them reversed. Or the number's start.
        branches.append(_first(_starts_with(Subscriber.phone_rev, digits[::-1]), Subscriber.phone_rev, n))
        branches.append(_first(_starts_with(Subscriber.phone, digits), Subscriber.phone, n))
    names = not any(c.isdigit() for c in text)  # names hold no digits: a phone or an account is not a name
    if names:  # a surname, a whole name, its first characters: the start of a name (an exact one first)
        branches.append(_first(_starts_with(Subscriber.name, text), Subscriber.name, n))
    found = _subscribers(s, branches)
    if names and len(found) < limit:
        # A part of a name (a given name): no index serves one or two Chinese characters (a trigram needs
        # three), so a scan, stopped by its LIMIT once it has found enough; asked only when the indexed
        # matches are too few, as a name nobody has costs the whole table (~50 ms at 500k).
        seen = {sub.id for sub in found}
        found += [sub for sub in _subscribers(s, [_first(_name_contains(s, text), None, n)]) if sub.id not in seen]

    def rank(sub: Subscriber) -> tuple[int, str]:
        exact = sub.account.lower() == text.lower() or sub.phone == digits or sub.name == text
        return (0 if exact else 1, sub.account)

    return sorted(found, key=rank)[:limit]


def _name_contains(s: Session, text: str) -> ColumnElement[bool]:
    pattern = "%" + _escaped(text) + "%"
    # ILIKE costs a lower() of every name it reads: only when the query has letters with a case. SQLite's
    # LIKE ignores ASCII case itself (and its lower() folds nothing else).
    if text.lower() == text.upper() or s.get_bind().dialect.name == "sqlite":
        return Subscriber.name.like(pattern, escape="\\")
    return Subscriber.name.ilike(pattern, escape="\\")


def _subscribers(s: Session, branches: list[Select[int]]) -> list[Subscriber]:
    ids = union_all(*(select(b.subquery().c.id) for b in branches)).subquery()
    return list(s.scalars(select(Subscriber).where(Subscriber.id.in_(select(ids.c.id)))
                          .options(selectinload(Subscriber.zone))))


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
    # The count as this transaction left it (the row stays locked by the UPDATE until the commit).
    s.refresh(incident, ["chase_count"])
    chase = IncidentChase(incident_id=incident.id, by_id=actor.id, at=now, caller_phone=phone, note=text)
    s.add(chase)
    # The history line ("chases: 1 → 2"); the notification hook tells the assignee (incident.chased).
    s.add(IncidentEvent(incident=incident, actor_id=actor.id, at=now, action="chase", field="chase_count",
                        old=str(incident.chase_count - 1), new=str(incident.chase_count), note=text))
    s.flush()
    return chase


def chases_of(s: Session, incident: Incident) -> Sequence[IncidentChase]:
    return list(s.scalars(select(IncidentChase).where(IncidentChase.incident_id == incident.id)
                          .options(selectinload(IncidentChase.by)).order_by(IncidentChase.id)))
