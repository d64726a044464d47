"""The field engineer's record beyond text: site photos, the customer's signature, measurements."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.attachments import register_blob_reference
from kb.models import Blob
from kb.orm import Base, utcnow
from servicedesk.users.models import User

OPTICAL_POWER = "optical_power"  # received at the ONU, dBm
SPEED_DOWN = "speed_down"  # speed test, Mbps
SPEED_UP = "speed_up"
PING_LOSS = "ping_loss"  # % of 1472-byte pings lost
KINDS = (OPTICAL_POWER, SPEED_DOWN, SPEED_UP, PING_LOSS)


class FieldPhoto(Base):
    """A site photo taken by staff (arrival, equipment, labels, work done), kept in the stored-once blob store;
    staff only."""

    __tablename__ = "incident_field_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    blob_id: Mapped[int] = mapped_column(ForeignKey("blobs.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    blob: Mapped[Blob] = relationship(lazy="joined")
    uploaded_by: Mapped[User] = relationship()

    __table_args__ = (Index("ix_incident_field_photos_incident_id_id", "incident_id", "id"),)


class FieldSignature(Base):
    """The customer's signature drawn on the engineer's phone (a PNG in the blob store): one per incident,
    a later one replaces it (the history keeps who and when)."""

    __tablename__ = "incident_field_signatures"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    blob_id: Mapped[int] = mapped_column(ForeignKey("blobs.id"), index=True)
    signer_name: Mapped[str] = mapped_column(String(100))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    collected_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    collected_at: Mapped[datetime] = mapped_column(default=utcnow)

    blob: Mapped[Blob] = relationship(lazy="joined")
    collected_by: Mapped[User] = relationship()


class FieldMeasurement(Base):
    """One reading taken on site, with the limits in force when it was taken and whether it was inside them
    (a later change of the limits does not rewrite old readings)."""

    __tablename__ = "incident_field_measurements"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[float] = mapped_column(Float)
    contracted_mbps: Mapped[float | None] = mapped_column(Float)  # speed tests: the subscriber's bandwidth
    low: Mapped[float | None] = mapped_column(Float)  # inclusive lower limit, if any
    high: Mapped[float | None] = mapped_column(Float)  # upper limit, if any
    high_inclusive: Mapped[bool] = mapped_column(Boolean, default=True)
    in_range: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    recorded_by: Mapped[User] = relationship()

    __table_args__ = (
        CheckConstraint("kind IN ('optical_power', 'speed_down', 'speed_up', 'ping_loss')",
                        name="field_measurement_kind"),
        Index("ix_incident_field_measurements_incident_id_id", "incident_id", "id"),
    )


register_blob_reference(FieldPhoto.blob_id)
register_blob_reference(FieldSignature.blob_id)
