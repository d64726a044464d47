"""A problem (PRB…) and its history."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.models import Article
from kb.orm import Base, enum_column, utcnow
from servicedesk.org.models import Zone
from servicedesk.users.models import User


class ProblemStatus(StrEnum):
    OPEN = "open"
    KNOWN_ERROR = "known_error"  # root cause and workaround known, the permanent fix not yet in place
    RESOLVED = "resolved"
    CLOSED = "closed"


class Problem(Base):
    __tablename__ = "problems"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(24), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    service: Mapped[str] = mapped_column(String(40))
    status: Mapped[ProblemStatus] = mapped_column(enum_column(ProblemStatus, "problem_status"),
                                                  default=ProblemStatus.OPEN)
    root_cause: Mapped[str] = mapped_column(Text, default="")
    workaround: Mapped[str] = mapped_column(Text, default="")
    solution_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    # The zones where it strikes (none: anywhere); gathering an incident adds its zone.
    zones: Mapped[list[Zone]] = relationship(secondary="problem_zones", order_by="Zone.code")
    solution: Mapped[Article | None] = relationship()
    created_by: Mapped[User] = relationship()
    events: Mapped[list[ProblemEvent]] = relationship(order_by="ProblemEvent.id", cascade="all, delete-orphan",
                                                      back_populates="problem")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_problems_status_service", "status", "service"),)


class ProblemZone(Base):
    __tablename__ = "problem_zones"

    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id", ondelete="CASCADE"), primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"), primary_key=True, index=True)


class ProblemEvent(Base):
    __tablename__ = "problem_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")

    problem: Mapped[Problem] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class Outage(Base):
    """A notice of an outage (a cut fibre, a failed OLT, a planned cut-over): which services in which zones,
    from when and until when it is expected to last, optionally the problem behind it. While it stands, the
    portal shows it to the subscribers of those zones, and a report for one of its services there joins its
    problem."""

    __tablename__ = "outages"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text, default="")
    services: Mapped[list[str]]
    zones: Mapped[list[str]]  # zone codes
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]  # expected end; None: not known yet
    ended_at: Mapped[datetime | None]  # declared over (or cancelled)
    cancelled_at: Mapped[datetime | None]  # withdrawn: the notice was a mistake (ended_at is set too)
    problem_id: Mapped[int | None] = mapped_column(ForeignKey("problems.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    problem: Mapped[Problem | None] = relationship()
    created_by: Mapped[User] = relationship()

    __table_args__ = (Index("ix_outages_ended_starts", "ended_at", "starts_at"),)


class ChangeKind(StrEnum):
    STANDARD = "standard"  # pre-approved routine work (still recorded and approved here)
    NORMAL = "normal"
    EMERGENCY = "emergency"


class ChangeRisk(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ChangeStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"


class Change(Base):
    """A change (CHG…): planned work on services in zones within a window, resting on reviewed knowledge-base
    artefacts (change request, test plan, technical plan, cut-over plan), approved by a lead or an administrator
    who is not its requester. A cut-over (割接: the service is interrupted) gets its outage notice on approval."""

    __tablename__ = "changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(24), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[ChangeKind] = mapped_column(enum_column(ChangeKind, "change_type"), default=ChangeKind.NORMAL)
    risk: Mapped[ChangeRisk] = mapped_column(enum_column(ChangeRisk, "change_risk"), default=ChangeRisk.MEDIUM)
    cutover: Mapped[bool] = mapped_column(default=False)  # interrupts the service: an outage notice on approval
    services: Mapped[list[str]]
    zones: Mapped[list[str]]  # zone codes
    artefact_ids: Mapped[list[int]] = mapped_column(JSON)  # knowledge-base change articles it rests on
    planned_start: Mapped[datetime]
    planned_end: Mapped[datetime]
    status: Mapped[ChangeStatus] = mapped_column(enum_column(ChangeStatus, "change_status"),
                                                 default=ChangeStatus.REQUESTED)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    implementer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    outage_id: Mapped[int | None] = mapped_column(ForeignKey("outages.id"))
    review: Mapped[str] = mapped_column(Text, default="")  # the post-implementation review
    reviewed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    implementer: Mapped[User | None] = relationship(foreign_keys=[implementer_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    outage: Mapped[Outage | None] = relationship()
    events: Mapped[list[ChangeEvent]] = relationship(order_by="ChangeEvent.id", cascade="all, delete-orphan",
                                                     back_populates="change")

    __mapper_args__ = {"version_id_col": version}
    # The calendar reads windows by their start.
    __table_args__ = (Index("ix_changes_planned_start", "planned_start", "planned_end"),)


class ChangeEvent(Base):
    __tablename__ = "change_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")

    change: Mapped[Change] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class ChangeIncident(Base):
    """An incident caused by a change (at most one change per incident)."""

    __tablename__ = "change_incidents"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id", ondelete="CASCADE"), index=True)
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)
