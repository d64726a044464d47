"""Each channel (configured or off), the outbox backlog and the last failures: for health and the admin page."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from servicedesk import db
from servicedesk.notify.models import DeliveryAttempt, OutboxMessage
from servicedesk.notify.settings import mail_on, sms_on
from servicedesk.notify.worker import backlog

log = logging.getLogger(__name__)


def channels() -> dict[str, str]:
    return {"mail": "configured" if mail_on() else "off", "sms": "configured" if sms_on() else "off",
            "webhooks": "configured", "in_app": "configured"}


def notify_health(database_ok: bool) -> dict[str, Any]:
    """The health check's part: channels always; the backlog when the database answers."""
    out: dict[str, Any] = {"channels": channels(), "outbox": None}
    if database_ok:
        try:
            out["outbox"] = backlog(db.session())
        except SQLAlchemyError:
            log.exception("health: reading the outbox failed")
            db.session.rollback()
    return out


def last_failures(s: Session, limit: int = 20) -> list[tuple[DeliveryAttempt, OutboxMessage]]:
    rows = s.execute(select(DeliveryAttempt, OutboxMessage).join(OutboxMessage,
                                                                 OutboxMessage.id == DeliveryAttempt.message_id)
                     .where(DeliveryAttempt.ok.is_(False)).order_by(DeliveryAttempt.id.desc()).limit(limit)).all()
    return [(a, m) for a, m in rows]
