"""What admins and users set: webhooks, message templates, each user's channel choices."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kb.actors import Role
from kb.errors import Forbidden, NotFound, ValidationError
from kb.orm import utcnow
from servicedesk.audit.services import created, diff, record_change
from servicedesk.notify.messages import DEFAULTS, EVENTS, LOCALES, WEBHOOK_EVENTS, placeholders
from servicedesk.notify.models import Channel, ChannelChoice, MessageTemplate, Webhook
from servicedesk.users.models import User

SECRET_MIN = 16
SECRET_MAX = 200
URL_MAX = 500
SUBJECT_MAX = 300
BODY_MAX = 2000
# What templates may mention (every event's data holds a subset of these).
PLACEHOLDERS = frozenset({"id", "number", "title", "status", "priority", "respond_by", "resolve_by", "assignee",
                          "link", "comment"})


def require_admin(actor: User) -> None:
    if actor.role != Role.ADMIN:
        raise Forbidden("Only an administrator manages notifications.")


def _host_port(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return (parts.hostname or "").lower().rstrip("."), port


def clean_webhook_url(value: object, own: Iterable[str]) -> str:
    """An http(s) URL with a host, not the desk's own address (own: the desk's base URLs)."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("A webhook needs a URL.", fields={"url": "required"})
    url = value.strip()
    if len(url) > URL_MAX or any(ord(c) < 33 for c in url):
        raise ValidationError("The URL is too long or holds spaces or control characters.",
                              fields={"url": "not a valid URL"})
    try:
        parts = urlsplit(url)
        host, port = _host_port(url)
    except ValueError:
        raise ValidationError("The URL is not valid.", fields={"url": "not a valid URL"}) from None
    if parts.scheme not in ("http", "https"):
        raise ValidationError("Webhooks are delivered over http or https only.", fields={"url": "must be http(s)"})
    if not host or parts.username or parts.password:
        raise ValidationError("The URL needs a host (and no user or password in it).",
                              fields={"url": "not a valid URL"})
    for base in own:
        if base and _host_port(base) == (host, port):
            raise ValidationError("A webhook cannot point at the service desk itself.",
                                  fields={"url": "points to this service desk"})
    try:
        if ipaddress.ip_address(host).is_unspecified:
            raise ValidationError("The URL's address cannot be reached.", fields={"url": "not a reachable address"})
    except ValueError:
        pass  # a host name
    return url


def clean_events(value: object) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValidationError("Choose at least one event.", fields={"events": "a non-empty list of event names"})
    unknown = sorted({v for v in value if v not in WEBHOOK_EVENTS})
    if unknown:
        raise ValidationError(f"Unknown event(s): {', '.join(unknown)}.",
                              fields={"events": f"unknown: {', '.join(unknown)}"})
    return sorted(set(value), key=WEBHOOK_EVENTS.index)


def clean_secret(value: object) -> str:
    if not isinstance(value, str) or len(value) < SECRET_MIN:
        raise ValidationError(f"The secret must be at least {SECRET_MIN} characters.",
                              fields={"secret": f"at least {SECRET_MIN} characters"})
    if len(value) > SECRET_MAX or any(ord(c) < 32 for c in value):
        raise ValidationError(f"The secret must be at most {SECRET_MAX} printable characters.",
                              fields={"secret": f"at most {SECRET_MAX} printable characters"})
    return value


def create_webhook(s: Session, actor: User, data: Mapping[str, Any], *, own: Iterable[str]) -> Webhook:
    """Registers a receiver for the chosen events; every field is checked and all problems reported at once."""
    require_admin(actor)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, clean in (("url", lambda v: clean_webhook_url(v, own)), ("events", clean_events),
                        ("secret", clean_secret)):
        try:
            values[name] = clean(data.get(name))
        except ValidationError as exc:
            errors.update(exc.fields)
    if errors:
        first = next(iter(errors))
        raise ValidationError(f"The webhook cannot be registered: {first}: {errors[first]}.", fields=errors)
    hook = Webhook(url=values["url"], events=" ".join(values["events"]), secret=values["secret"], active=True,
                   created_by_id=actor.id, created_at=utcnow())
    s.add(hook)
    s.flush()
    record_change(s, actor, "webhook.created", object_type="webhook", object_id=hook.id, object_label=hook.url,
                  changes=created({"url": hook.url, "events": hook.events, "active": True}))
    return hook


def get_webhook(s: Session, actor: User, webhook_id: int) -> Webhook:
    require_admin(actor)
    hook = s.get(Webhook, webhook_id)
    if hook is None:
        raise NotFound("No such webhook.")
    return hook


def delete_webhook(s: Session, actor: User, webhook_id: int) -> None:
    """Removes the webhook and its queued deliveries (deleting one already gone is a 404)."""
    hook = get_webhook(s, actor, webhook_id)
    before = {"url": hook.url, "events": hook.events, "active": hook.active}
    gone = s.execute(delete(Webhook).where(Webhook.id == webhook_id)).rowcount  # type: ignore[attr-defined]
    if not gone:
        raise NotFound("No such webhook.")
    record_change(s, actor, "webhook.deleted", object_type="webhook", object_id=webhook_id,
                  object_label=before["url"], changes=diff(before, dict.fromkeys(before)))


def save_template(s: Session, actor: User, event: str, locale: str, subject: str, body: str) -> MessageTemplate:
    """Stores the admin's wording of event in locale (empty subject and body: back to the shipped default)."""
    require_admin(actor)
    if event not in DEFAULTS or locale not in LOCALES:
        raise NotFound("No such message.")
    errors: dict[str, str] = {}
    for name, text, limit in (("subject", subject, SUBJECT_MAX), ("body", body, BODY_MAX)):
        if not text.strip():
            errors[name] = "required"
        elif len(text) > limit:
            errors[name] = f"at most {limit} characters"
        else:
            try:
                unknown = placeholders(text) - PLACEHOLDERS
            except ValueError:
                errors[name] = "a { without its } (write {{ for a brace)"
                continue
            if unknown:
                errors[name] = f"unknown placeholder(s): {', '.join(sorted(unknown))}"
    if errors:
        raise ValidationError("The message cannot be saved.", fields=errors)
    row = s.scalar(select(MessageTemplate).where(MessageTemplate.event == event, MessageTemplate.locale == locale))
    if row is None:
        row = MessageTemplate(event=event, locale=locale)
        s.add(row)
    before = {"subject": row.subject, "body": row.body}
    row.subject, row.body, row.updated_at = subject.strip(), body.strip(), utcnow()
    s.flush()
    record_change(s, actor, "template.updated", object_type="message_template", object_id=f"{event}/{locale}",
                  object_label=f"{event} ({locale})", changes=diff(before, {"subject": row.subject, "body": row.body}))
    return row


def reset_template(s: Session, actor: User, event: str, locale: str) -> None:
    require_admin(actor)
    row = s.scalar(select(MessageTemplate).where(MessageTemplate.event == event, MessageTemplate.locale == locale))
    if row is None:
        return  # already the shipped wording
    before = {"subject": row.subject, "body": row.body}
    s.delete(row)
    s.flush()
    record_change(s, actor, "template.reset", object_type="message_template", object_id=f"{event}/{locale}",
                  object_label=f"{event} ({locale})", changes=diff(before, dict.fromkeys(before)))


def set_choices(s: Session, user: User, enabled: set[tuple[str, Channel]]) -> None:
    """Records the user's mail and SMS choice for every event (in-app notifications are always on)."""
    existing = {(c.event, c.channel): c for c in s.scalars(select(ChannelChoice)
                                                           .where(ChannelChoice.user_id == user.id))}
    for event in EVENTS:
        for channel in (Channel.MAIL, Channel.SMS):
            row = existing.get((event, channel))
            on = (event, channel) in enabled
            if row is None:
                s.add(ChannelChoice(user_id=user.id, event=event, channel=channel, enabled=on))
            else:
                row.enabled = on
    s.flush()
