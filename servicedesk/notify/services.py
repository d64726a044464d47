"""Writing messages to the outbox, in the caller's transaction: nothing goes out for a change that rolls back.

In-app notifications are rows the user reads, written at once; mail, SMS and webhooks wait in the outbox
for the delivery worker (servicedesk.notify.worker).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.orm import utcnow
from servicedesk.notify.messages import locale_of, render
from servicedesk.notify.models import Channel, ChannelChoice, OutboxMessage, Webhook
from servicedesk.notify.settings import mail_on, sms_on
from servicedesk.org.models import Notification
from servicedesk.users.models import User

if TYPE_CHECKING:
    from servicedesk.incidents.models import Incident



def default_locale() -> str:
    return str(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_CN")) if has_app_context() else "zh_CN"


def local_time(at: datetime | None) -> str:
    """at in the desk's time zone, as the messages show it."""
    if at is None:
        return ""
    zone = current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai") if has_app_context() else "UTC"
    return at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def incident_data(incident: Incident) -> dict[str, Any]:
    """What messages and webhooks say about an incident."""
    return {
        "id": incident.id, "number": incident.number or "", "title": incident.title,
        "status": incident.status.value, "priority": incident.priority.value,
        "respond_by": local_time(incident.respond_by), "resolve_by": local_time(incident.resolve_by),
        "assignee": incident.assignee.username if incident.assignee is not None else None,
    }


def wants(s: Session, user: User, event: str, channel: Channel) -> bool:
    """Whether user receives event on channel: their choice, else mail when they have an address and SMS
    only when they have no e-mail address (subscribers reached by phone)."""
    with s.no_autoflush:
        choice = s.get(ChannelChoice, (user.id, event, channel)) if user.id is not None else None
    if choice is not None:
        return choice.enabled
    return channel == Channel.MAIL or not user.email


def notify_user(s: Session, user: User, event: str, data: dict[str, Any], *, incident_id: int | None = None,
                phone: str = "", in_app: bool = True) -> None:
    """Tells one user about event: in-app always, mail and SMS as they chose and as the desk is set up."""
    if not user.active:
        return
    locale = locale_of(user.locale, default_locale())
    subject, body = render(s, event, locale, data)
    if in_app:
        s.add(Notification(user_id=user.id, incident_id=incident_id, kind=event[:30], message=subject[:500],
                           created_at=utcnow()))
    if user.email and mail_on() and wants(s, user, event, Channel.MAIL):
        _enqueue(s, event, Channel.MAIL, user.email, subject, body, user_id=user.id, incident_id=incident_id)
    phone = user.phone or phone
    if phone and sms_on() and wants(s, user, event, Channel.SMS):
        _enqueue(s, event, Channel.SMS, phone, "", body, user_id=user.id, incident_id=incident_id)


def sms_phone(s: Session, phone: str, event: str, data: dict[str, Any], *, incident_id: int | None = None) -> None:
    """An SMS to a phone number with no account behind it (a subscriber who called), in the site's language."""
    if sms_on():
        _, body = render(s, event, locale_of(None, default_locale()), data)
        _enqueue(s, event, Channel.SMS, phone, "", body, incident_id=incident_id)


def notify_users(s: Session, users: Iterable[User], event: str, data: dict[str, Any], *,
                 incident_id: int | None = None) -> None:
    seen: set[int] = set()
    for user in users:
        if user.id not in seen:
            seen.add(user.id)
            notify_user(s, user, event, data, incident_id=incident_id)


def mail_sla_breaches(s: Session, at: datetime) -> int:
    """Mail and SMS to the group leaders of the incidents `flask sla check` flagged at `at` (their in-app
    notification is written by the check itself); returns how many leaders were told."""
    from servicedesk.incidents.models import SlaBreach

    return _mail_group_leaders(s, "sla.breached", SlaBreach, SlaBreach.notified_at == at)


def flag_message_parts(s: Session, event: str) -> tuple[str, str]:
    """The in-app notification of an SLA warning in the desk's language, as the text before and after the
    incident number: the SLA check writes one per incident in a single statement."""
    marker = "\x00"
    subject, _ = render(s, event, locale_of(None, default_locale()), {"number": marker})
    before, _sep, after = subject.partition(marker)
    return before, after


def mail_sla_flags(s: Session, event: str, run: str) -> int:
    """Mail and SMS (event sla.response_missed or sla.at_risk) to the group leaders of the incidents the SLA
    check run `run` flagged (their in-app notification is written by the check); returns how many were told."""
    from servicedesk.incidents.models import SlaFlag

    return _mail_group_leaders(s, event, SlaFlag, SlaFlag.run == run)


def _mail_group_leaders(s: Session, event: str, flags: Any, flagged: Any) -> int:
    """Mail and SMS of event to the group leader of each incident in the flag table `flags` matching
    `flagged` (one check run's flags), through the outbox; returns how many were told."""
    from servicedesk.incidents.models import Incident
    from servicedesk.notify.settings import link
    from servicedesk.org.models import MaintenanceGroup

    if not (mail_on() or sms_on()):
        return 0
    rows = s.execute(select(User, Incident).select_from(flags)
                     .join(Incident, Incident.id == flags.incident_id)
                     .join(MaintenanceGroup, MaintenanceGroup.id == Incident.group_id)
                     .join(User, User.id == MaintenanceGroup.leader_id)
                     .where(flagged).order_by(Incident.id)).all()
    for leader, incident in rows:
        notify_user(s, leader, event, {**incident_data(incident), "link": link(f"/desk/incidents/{incident.id}")},
                    incident_id=incident.id, in_app=False)
    return len(rows)


def emit_webhooks(s: Session, event: str, data: dict[str, Any], *, incident_id: int | None = None) -> int:
    """Queues one signed delivery of event to every active webhook that asked for it; returns how many."""
    with s.no_autoflush:
        hooks = s.scalars(select(Webhook).where(Webhook.active.is_(True)).order_by(Webhook.id)).all()
    count = 0
    for hook in hooks:
        if event not in hook.event_list:
            continue
        delivery = str(uuid.uuid4())
        body = json.dumps({"id": delivery, "event": event, "occurred_at": utcnow().isoformat(), "data": data},
                          ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        _enqueue(s, event, Channel.WEBHOOK, hook.url, "", body, webhook_id=hook.id, incident_id=incident_id,
                 delivery=delivery)
        count += 1
    return count


def _enqueue(s: Session, event: str, channel: Channel, address: str, subject: str, body: str, *,
             user_id: int | None = None, webhook_id: int | None = None, incident_id: int | None = None,
             delivery: str | None = None) -> OutboxMessage:
    now = utcnow()
    message = OutboxMessage(uuid=delivery or str(uuid.uuid4()), event=event, channel=channel, address=address,
                            subject=subject[:300], body=body, user_id=user_id, webhook_id=webhook_id,
                            incident_id=incident_id, next_attempt_at=now, created_at=now, attempts=0,
                            last_error="")
    s.add(message)
    return message
