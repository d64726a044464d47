"""A problem (PRB…) and its history."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
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
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"))
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

    zone: Mapped[Zone | None] = relationship()
    solution: Mapped[Article | None] = relationship()
    created_by: Mapped[User] = relationship()
    events: Mapped[list[ProblemEvent]] = relationship(order_by="ProblemEvent.id", cascade="all, delete-orphan",
                                                      back_populates="problem")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_problems_status_service", "status", "service"),)


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
    problem_id: Mapped[int | None] = mapped_column(ForeignKey("problems.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    problem: Mapped[Problem | None] = relationship()
    created_by: Mapped[User] = relationship()

    __table_args__ = (Index("ix_outages_ended_starts", "ended_at", "starts_at"),)
