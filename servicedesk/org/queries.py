"""Read-only look-ups behind the organisation, subscriber and notification pages. Set-based, capped counts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from servicedesk.incidents.models import Incident
from servicedesk.org.models import MaintenanceGroup, Notification, ServiceStation, Subscriber, Zone

COUNT_CAP = 1000
_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{1,39}$")
_DIGITS = re.compile(r"^\+?[\d\s-]{3,}$")


@dataclass
class Page:
    items: list[Any]
    total: int  # counted no further than COUNT_CAP + 1
    page: int
    per_page: int

    @property
    def capped(self) -> bool:
        return self.total > COUNT_CAP

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total


def organisation(s: Session) -> list[ServiceStation]:
    """Every station with its groups (and leaders) and their zones (and managers), by name."""
    return list(s.scalars(select(ServiceStation).order_by(ServiceStation.name).options(
        selectinload(ServiceStation.groups).selectinload(MaintenanceGroup.leader),
        selectinload(ServiceStation.groups).selectinload(MaintenanceGroup.zones).selectinload(Zone.manager),
    )))


def _prefix(column: Any, text: str) -> ColumnElement[bool]:
    """column starts with text, as an index range."""
    upper = text[:-1] + chr(ord(text[-1]) + 1)
    return and_(column >= text, column < upper)


def subscriber_condition(q: str) -> ColumnElement[bool]:
    """Account or phone by prefix (indexed), else a part of the name."""
    terms: list[ColumnElement[bool]] = []
    if _IDENTIFIER.match(q):
        terms += [_prefix(Subscriber.account, t) for t in dict.fromkeys((q, q.upper()))]
    if _DIGITS.match(q):
        digits = re.sub(r"[\s-]", "", q)
        terms += [_prefix(Subscriber.phone, t) for t in dict.fromkeys((q, digits))]
    if not terms:
        terms.append(Subscriber.name.icontains(q, autoescape=True))
    return or_(*terms)


def subscribers_page(s: Session, q: str = "", *, page: int = 1, per_page: int = 25) -> Page:
    """One page of subscriber records by account, searched by account, phone or name."""
    stmt = select(Subscriber)
    q = q.strip()[:100]
    if q:
        stmt = stmt.where(subscriber_condition(q))
    sub = stmt.with_only_columns(Subscriber.id).limit(COUNT_CAP + 1).subquery()
    total = int(s.scalar(select(func.count()).select_from(sub)) or 0)
    items = list(s.scalars(stmt.options(selectinload(Subscriber.zone)).order_by(Subscriber.account)
                           .limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, total=total, page=page, per_page=per_page)


def notifications_page(s: Session, user_id: int, *, page: int = 1, per_page: int = 25) -> Page:
    """The user's notifications, unread first, newest first, with the incident each is about."""
    mine = Notification.user_id == user_id
    total = int(s.scalar(select(func.count()).select_from(
        select(Notification.id).where(mine).limit(COUNT_CAP + 1).subquery())) or 0)
    rows = s.execute(
        select(Notification, Incident.number).outerjoin(Incident, Incident.id == Notification.incident_id)
        .where(mine)
        .order_by(Notification.read_at.is_not(None), Notification.created_at.desc(), Notification.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(items=[(n, number) for n, number in rows], total=total, page=page, per_page=per_page)


def unread_count(s: Session, user_id: int, *, cap: int = 99) -> int:
    """How many notifications the user has not read, counted up to cap + 1 (the nav shows "99+")."""
    sub = select(Notification.id).where(Notification.user_id == user_id, Notification.read_at.is_(None)) \
        .limit(cap + 1).subquery()
    return int(s.scalar(select(func.count()).select_from(sub)) or 0)


def notification_of(s: Session, user_id: int, notification_id: int) -> Notification | None:
    """The user's own notification with this id; None for anyone else's (the pages answer 404 alike)."""
    found = s.get(Notification, notification_id) if 0 < notification_id < 2**31 else None
    return found if found is not None and found.user_id == user_id else None


def unread_ids_for_incident(s: Session, user_id: int, incident_id: int) -> list[int]:
    """The user's unread notifications about one incident (read once they open its page)."""
    return list(s.scalars(select(Notification.id).where(
        Notification.user_id == user_id, Notification.incident_id == incident_id, Notification.read_at.is_(None))))


def incidents_with_unread(s: Session, user_id: int, incident_ids: list[int]) -> set[int]:
    """Which of these incidents the user has unread notifications about (a "new" mark on their list)."""
    if not incident_ids:
        return set()
    return set(s.scalars(select(Notification.incident_id).distinct().where(
        Notification.user_id == user_id, Notification.read_at.is_(None),
        Notification.incident_id.in_(incident_ids))))
