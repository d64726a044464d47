"""The caller's in-app notifications (e.g. SLA breaches escalated to a group leader): unread first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from kb.errors import NotFound, ValidationError
from kb.orm import utcnow
from servicedesk.api import bp
from servicedesk.api import schemas as sch
from servicedesk.api import serializers as ser
from servicedesk.api.common import choice_arg, commit, id_exists, page_args, session, user
from servicedesk.api.contract import Empty, operation
from servicedesk.incidents.models import Incident
from servicedesk.org.models import Notification


def _number(incident_id: int | None) -> str | None:
    return session().scalar(select(Incident.number).where(Incident.id == incident_id)) if incident_id else None


@bp.get("/me/notifications")
@operation("list_notifications", tag="users", summary="The caller's notifications, unread first",
           query=sch.NotificationQuery, responses={200: sch.NotificationPage}, errors=(401,))
def list_notifications() -> dict[str, Any]:
    me = user()
    errors: dict[str, str] = {}
    page, per_page = page_args(errors)
    unread_only = choice_arg("unread", ["true", "false"], errors)
    if errors:
        raise ValidationError("Bad filter or paging values.", fields=errors)
    mine = Notification.user_id == me.id
    where = [mine, Notification.read_at.is_(None)] if unread_only == ["true"] else [mine]
    total = session().scalar(select(func.count()).select_from(Notification).where(*where)) or 0
    unread = session().scalar(select(func.count()).select_from(Notification)
                              .where(mine, Notification.read_at.is_(None))) or 0
    rows = session().execute(
        select(Notification, Incident.number).outerjoin(Incident, Incident.id == Notification.incident_id)
        .where(*where)
        .order_by(Notification.read_at.is_not(None), Notification.created_at.desc(), Notification.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    return {"items": [ser.notification(n, number) for n, number in rows], "total": int(total), "page": page,
            "per_page": per_page, "unread": int(unread)}


@bp.post("/me/notifications/<int:notification_id>/read")
@operation("read_notification", tag="users", summary="Mark a notification read (idempotent)", body=Empty,
           responses={200: sch.Notification}, errors=(401, 404))
def read_notification(notification_id: int) -> dict[str, Any]:
    me = user()
    n = session().get(Notification, notification_id) if id_exists(notification_id) else None
    if n is None or n.user_id != me.id:
        raise NotFound("No such notification.")
    if n.read_at is None:  # reading twice keeps the first time
        n.read_at = utcnow()
        commit()
    return ser.notification(n, _number(n.incident_id))
