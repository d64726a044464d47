"""Incidents, the verifications of their fixes, and their append-only history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Enum, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.models import Article
from kb.orm import Base, utcnow
from servicedesk.incidents.workflow import (
    Area,
    Category,
    Channel,
    IncidentStatus,
    Priority,
    VerificationMethod,
)
from servicedesk.org.models import MaintenanceGroup, Subscriber, Zone
from servicedesk.users.models import User


def _enum(cls: type, name: str) -> Enum:
    return Enum(cls, name=name, native_enum=False, create_constraint=True, length=20,
                values_callable=lambda e: [m.value for m in e])


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(24), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    service: Mapped[str] = mapped_column(String(40))
    category: Mapped[Category] = mapped_column(_enum(Category, "incident_category"))
    area: Mapped[Area] = mapped_column(_enum(Area, "incident_area"))
    customer_account: Mapped[str] = mapped_column(String(40), default="")
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "incident_channel"))
    priority: Mapped[Priority] = mapped_column(_enum(Priority, "incident_priority"))
    status: Mapped[IncidentStatus] = mapped_column(_enum(IncidentStatus, "incident_status"))
    tier: Mapped[int] = mapped_column(SmallInteger, default=1)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # One column, so an incident can never hold more than one solution.
    solution_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), index=True)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    resolution_note: Mapped[str] = mapped_column(Text, default="")
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    subscriber_id: Mapped[int | None] = mapped_column(ForeignKey("subscribers.id"), index=True)
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("maintenance_groups.id"), index=True)
    # An earlier closed incident of the same subscriber and service, when this one came within 30 days.
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    respond_by: Mapped[datetime]
    resolve_by: Mapped[datetime]
    paused_at: Mapped[datetime | None]
    breach_notified_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    solution: Mapped[Article | None] = relationship()
    subscriber: Mapped[Subscriber | None] = relationship()
    zone: Mapped[Zone | None] = relationship()
    group: Mapped[MaintenanceGroup | None] = relationship()
    repeat_of: Mapped[Incident | None] = relationship(remote_side="Incident.id")
    verifications: Mapped[list[Verification]] = relationship(
        back_populates="incident", order_by="Verification.at", cascade="all, delete-orphan"
    )
    events: Mapped[list[IncidentEvent]] = relationship(
        back_populates="incident", order_by="IncidentEvent.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("tier BETWEEN 1 AND 4", name="tier_range"),
        CheckConstraint(
            "status <> 'closed' OR (solution_id IS NOT NULL AND verified)",
            name="closed_needs_solution_and_verification",
        ),
        CheckConstraint("status <> 'resolved' OR resolved_at IS NOT NULL", name="resolved_has_time"),
        Index("ix_incidents_status_created", "status", "created_at"),
        Index("ix_incidents_open_resolve_by", "status", "resolve_by"),
    )
    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Incident {self.number} {self.status}>"


class Verification(Base):
    """The reporter's confirmation, or an agent's recorded call-back (回访), accepting or rejecting a fix."""

    __tablename__ = "incident_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    method: Mapped[VerificationMethod] = mapped_column(_enum(VerificationMethod, "verification_method"))
    accepted: Mapped[bool] = mapped_column(Boolean)
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    incident: Mapped[Incident] = relationship(back_populates="verifications")
    by: Mapped[User] = relationship()

    __table_args__ = (CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_range"),)


class IncidentEvent(Base):
    """One entry of an incident's history: who did what, when, from what to what. Never updated."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(30))
    field: Mapped[str | None] = mapped_column(String(40))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")

    incident: Mapped[Incident] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
