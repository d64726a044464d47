"""One message on an incident: a public reply (the reporter sees it) or an internal note (staff only)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.attachments import register_blob_reference
from kb.models import Blob
from kb.orm import Base, utcnow
from servicedesk.incidents.models import Incident
from servicedesk.users.models import User

PUBLIC = "public"
INTERNAL = "internal"
KINDS = (PUBLIC, INTERNAL)


class IncidentMessage(Base):
    """Never edited: the body (Markdown) and its sanitised HTML are written once."""

    __tablename__ = "incident_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    incident: Mapped[Incident] = relationship()
    author: Mapped[User] = relationship()
    attachments: Mapped[list[IncidentMessageAttachment]] = relationship(
        back_populates="message", order_by="IncidentMessageAttachment.id", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint("kind IN ('public', 'internal')", name="incident_message_kind"),
        Index("ix_incident_messages_incident_id_id", "incident_id", "id"),
    )


class IncidentMessageAttachment(Base):
    """A file on a staff message (site photo, test reading, screenshot), kept in the knowledge base's
    stored-once blob store; visible to whoever may see the message."""

    __tablename__ = "incident_message_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("incident_messages.id", ondelete="CASCADE"), index=True)
    blob_id: Mapped[int] = mapped_column(ForeignKey("blobs.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    message: Mapped[IncidentMessage] = relationship(back_populates="attachments")
    blob: Mapped[Blob] = relationship(lazy="joined")


register_blob_reference(IncidentMessageAttachment.blob_id)
