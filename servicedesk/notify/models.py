"""The outbox (every message the desk sends, written with the change that causes it), the delivery log,
admin-registered webhooks, edited message templates and each user's channel choices."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.orm import Base, enum_column, utcnow


class Channel(StrEnum):
    MAIL = "mail"
    SMS = "sms"
    WEBHOOK = "webhook"


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt (or claimed by a worker until next_attempt_at)
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt


class Webhook(Base):
    """A receiver an admin registered: the events it wants and the shared secret its deliveries are signed with."""

    __tablename__ = "notify_webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    events: Mapped[str] = mapped_column(Text)  # space-separated event names
    # A shared secret: kept as given, because the desk must compute the same HMAC the receiver checks.
    secret: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def event_list(self) -> list[str]:
        return self.events.split()


class OutboxMessage(Base):
    """One message to one recipient on one channel; delivered by the worker, retried with backoff."""

    __tablename__ = "notify_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)  # the delivery id receivers may dedupe on
    event: Mapped[str] = mapped_column(String(40))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "notify_channel"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    webhook_id: Mapped[int | None] = mapped_column(ForeignKey("notify_webhooks.id", ondelete="CASCADE"), index=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"))
    address: Mapped[str] = mapped_column(String(500))  # e-mail address, phone number or webhook URL
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)  # the text, or the webhook's JSON body exactly as signed
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus, "notify_status"),
                                                 default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claim: Mapped[str | None] = mapped_column(String(36))  # the worker's token while it sends
    last_error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    webhook: Mapped[Webhook | None] = relationship()

    # The worker's question: what is due now.
    __table_args__ = (Index("ix_notify_outbox_due", "status", "next_attempt_at"),)


class DeliveryAttempt(Base):
    """One try at delivering an outbox message: when, whether it worked, what the receiver said."""

    __tablename__ = "notify_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("notify_outbox.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[str] = mapped_column(String(500), default="")


class MessageTemplate(Base):
    """An admin's wording of one event's message in one language (the shipped default otherwise)."""

    __tablename__ = "notify_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(40))
    locale: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("event", "locale"),)


class ChannelChoice(Base):
    """A user's choice for one event on one channel (mail or SMS); without a row the default applies."""

    __tablename__ = "notify_choices"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    event: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "notify_choice_channel"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
