"""What the service figures need stored beside the incidents: the paying-subscriber base per month (the
denominator of 万投比), the targets the figures are held against, the operator's rules for counting, and
the indexes on incidents that let a month's figures be counted from an index range at a million incidents.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.orm import Base, utcnow
from servicedesk.incidents.models import Incident, IncidentEvent, Verification
from servicedesk.org.models import Zone

MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


class SubscriberMonth(Base):
    """A month whose paying-subscriber counts are stored. Its row is also what two writers of the same month
    take turns on (SELECT … FOR UPDATE), so a replacement of the month's counts is never interleaved."""

    __tablename__ = "subscriber_months"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # 'YYYY-MM'
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    counts: Mapped[list[SubscriberCount]] = relationship(back_populates="month_row", cascade="all, delete-orphan",
                                                          passive_deletes=True)

    __table_args__ = (CheckConstraint("month LIKE '____-__'", name="month_format"),)


class SubscriberCount(Base):
    """Paying subscribers of one month, for one zone and one service; NULL zone (service) means all zones
    (services). One row per (month, zone, service): a plain UNIQUE lets NULLs repeat, so the key is also kept
    as scope ('<zone id or 0>|<service or empty>', never NULL), unique with the month on SQLite and PostgreSQL
    alike (an index on coalesced expressions would do the same, but is not reflected by SQLAlchemy, which the
    benchmarks' schema top-up relies on)."""

    __tablename__ = "subscriber_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(ForeignKey("subscriber_months.month", ondelete="CASCADE"))
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id", ondelete="CASCADE"))
    service: Mapped[str | None] = mapped_column(String(40))
    paying: Mapped[int] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(String(60))

    month_row: Mapped[SubscriberMonth] = relationship(back_populates="counts")
    zone: Mapped[Zone | None] = relationship()

    __table_args__ = (
        CheckConstraint("paying >= 0", name="paying_not_negative"),
        UniqueConstraint("month", "scope", name="uq_subscriber_counts_month_scope"),
        CheckConstraint("scope = COALESCE(CAST(zone_id AS VARCHAR(20)), '0') || '|' || COALESCE(service, '')",
                        name="scope_is_key"),
    )

    @staticmethod
    def key_scope(zone_id: int | None, service: str | None) -> str:
        return f"{zone_id or 0}|{service or ''}"

    @classmethod
    def of(cls, month: str, zone_id: int | None, service: str | None, paying: int) -> SubscriberCount:
        return cls(month=month, zone_id=zone_id, service=service, paying=paying, scope=cls.key_scope(zone_id, service))


class FigureTarget(Base):
    """The target a figure is held against (a rate in [0, 1], or 万投比 per 10,000), set by a manager."""

    __tablename__ = "figure_targets"

    figure: Mapped[str] = mapped_column(String(40), primary_key=True)
    target: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class FigureRule(Base):
    """An operator's counting rule, by name (e.g. unrated_as: the stars an unrated closure counts as in
    satisfaction, NULL for "left out")."""

    __tablename__ = "figure_rules"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


# The figures count each set from its own moment: reported (created_at, indexed already), resolved, first
# response and closed (closed_at indexed already). Declared here, beside the queries that need them; the
# table is the incidents' own. The last columns ride along so the counts are read from the index alone.
FIGURE_INDEXES = (
    Index("ix_incidents_resolved_at", Incident.resolved_at, Incident.category, Incident.resolve_by),
    Index("ix_incidents_responded_at", Incident.responded_at, Incident.respond_by),
    # The later reports naming an incident as their repeat (repeat_rate); partial, so the planner always sees it
    # as the selective index it is (most incidents repeat nothing: the plain index's statistics say otherwise).
    Index("ix_incidents_repeats", Incident.repeat_of_id, Incident.created_at,
          sqlite_where=Incident.repeat_of_id.is_not(None), postgresql_where=Incident.repeat_of_id.is_not(None)),
    # The last link of a solution (kb_reuse) and the latest accepted verification (ratings) of an incident.
    Index("ix_incident_events_incident_action_at", IncidentEvent.incident_id, IncidentEvent.action,
          IncidentEvent.at),
    Index("ix_incident_verifications_incident_accepted", Verification.incident_id, Verification.accepted,
          Verification.id),
    # The period's dispatches (first assignments) for the appointment promises: a partial index, the assignment
    # entries alone, by time (servicedesk.incidents.appointments).
    Index("ix_incident_events_assigned_at", IncidentEvent.at, IncidentEvent.incident_id,
          sqlite_where=(IncidentEvent.field == "assignee") & IncidentEvent.new.is_not(None),
          postgresql_where=(IncidentEvent.field == "assignee") & IncidentEvent.new.is_not(None)),
)
