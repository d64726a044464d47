"""Incidents, the verifications of their fixes, and their append-only history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.models import Article
from kb.orm import Base, enum_column, utcnow
from servicedesk.incidents.sla import SlaCalendar, SlaFlagKind
from servicedesk.incidents.workflow import (
    Area,
    AuditOutcome,
    CallbackOutcome,
    Category,
    Channel,
    IncidentStatus,
    Priority,
    VerificationMethod,
)
from servicedesk.org.models import MaintenanceGroup, Subscriber, Zone
from servicedesk.users.models import User


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(24), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    service: Mapped[str] = mapped_column(String(40))
    # The catalogue's report type under the service (servicedesk.catalogue), when one was chosen.
    report_type: Mapped[str | None] = mapped_column(String(40))
    category: Mapped[Category] = mapped_column(enum_column(Category, "incident_category"))
    area: Mapped[Area] = mapped_column(enum_column(Area, "incident_area"))
    customer_account: Mapped[str] = mapped_column(String(40), default="")
    # Who called, when not the account holder (a relative, a neighbour) or when there is no account at all.
    caller_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    caller_phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # Repeat calls about this incident while it is open (催修): one row each in incident_chases.
    chase_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "incident_channel"))
    priority: Mapped[Priority] = mapped_column(enum_column(Priority, "incident_priority"))
    status: Mapped[IncidentStatus] = mapped_column(enum_column(IncidentStatus, "incident_status"))
    tier: Mapped[int] = mapped_column(SmallInteger, default=1)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # One column, so an incident can never hold more than one solution.
    solution_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), index=True)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    resolution_note: Mapped[str] = mapped_column(Text, default="")
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    subscriber_id: Mapped[int | None] = mapped_column(ForeignKey("subscribers.id"), index=True)
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("maintenance_groups.id"))
    # An earlier closed incident of the same subscriber and service, when this one came within 30 days,
    # or the closed incident this one follows up (opened when the reopen window had passed).
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    # The parent this incident was merged into as a duplicate; it closes through the parent's solution.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    problem_id: Mapped[int | None] = mapped_column(ForeignKey("problems.id"), index=True)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    respond_by: Mapped[datetime]
    resolve_by: Mapped[datetime]
    # The calendar the due times were counted in, so a resume moves them on in the same one.
    sla_calendar: Mapped[SlaCalendar] = mapped_column(enum_column(SlaCalendar, "incident_sla_calendar"),
                                                      default=SlaCalendar.ALWAYS, server_default="24x7")
    paused_at: Mapped[datetime | None]
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
    repeat_of: Mapped[Incident | None] = relationship(remote_side="Incident.id", foreign_keys=[repeat_of_id])
    duplicate_of: Mapped[Incident | None] = relationship(remote_side="Incident.id", foreign_keys=[duplicate_of_id])
    field_work: Mapped[FieldWork | None] = relationship(back_populates="incident", cascade="all, delete-orphan")
    sla_breach: Mapped[SlaBreach | None] = relationship(cascade="all, delete-orphan")
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
        # Cancelled is its own ending, outside the close rule: it needs a reason and never counts as solved.
        CheckConstraint("status <> 'cancelled' OR cancel_reason <> ''", name="cancelled_has_reason"),
        CheckConstraint("status <> 'duplicate' OR duplicate_of_id IS NOT NULL", name="duplicate_has_parent"),
        CheckConstraint("duplicate_of_id IS NULL OR duplicate_of_id <> id", name="not_own_duplicate"),
        # The queues: every tab filters on status and reads in creation or due order. Each ordering index
        # ends with id, the list's tie-breaker, so PostgreSQL reads a page straight off the index instead
        # of sorting every match (SQLite's indexes carry the rowid anyway).
        Index("ix_incidents_status_created", "status", "created_at", "id"),
        # paused_at rides along so a paused incident's breach (resolve_by < paused_at) is judged in the index.
        Index("ix_incidents_open_resolve_by", "status", "resolve_by", "id", "paused_at"),
        Index("ix_incidents_assignee_status_created", "assignee_id", "status", "created_at", "id"),
        # The unassigned queue: PostgreSQL does not order by an index after "assignee_id IS NULL".
        Index("ix_incidents_unassigned", "status", "created_at", "id", postgresql_where=text("assignee_id IS NULL"),
              sqlite_where=text("assignee_id IS NULL")),
        # The awaiting-verification queue (and its count on every queue page): PostgreSQL takes "verified IS
        # false" for 15% of resolved incidents, when it is nearly all of them, and scanned the table.
        Index("ix_incidents_awaiting", "created_at", "id",
              postgresql_where=text("status = 'resolved' AND verified IS false"),
              sqlite_where=text("status = 'resolved' AND verified = 0")),
        Index("ix_incidents_group_status_resolve_by", "group_id", "status", "resolve_by", "id"),
        Index("ix_incidents_zone_status_created", "zone_id", "status", "created_at", "id"),
        # Repeat-report detection at creation and the account search of the queue.
        Index("ix_incidents_account_service_closed", "customer_account", "service", "closed_at"),
        # The period figures (escalation rate) and the call-back audit sample.
        Index("ix_incidents_created_at", "created_at", "id"),
        Index("ix_incidents_closed_at", "closed_at"),
        # The queue's and the API's report-type filter (a type is named within its service): over every state,
        # and each state's slice newest first (the work tabs merge their states' slices).
        Index("ix_incidents_service_report_type", "service", "report_type", "created_at"),
        Index("ix_incidents_type_status_created", "service", "report_type", "status", "created_at", "id"),
        # The queue sorted by tier or by chases: each state's slice read in that order.
        Index("ix_incidents_status_tier", "status", "tier", "id"),
        Index("ix_incidents_status_chases", "status", "chase_count", "id"),
        # Open incidents nobody has responded to, by respond-by: the SLA check's first-response judgement and
        # the queue's "response overdue" tab read only this small slice (nearly every incident has a response).
        Index("ix_incidents_unanswered", "status", "respond_by", "id", "paused_at",
              postgresql_where=text("responded_at IS NULL"), sqlite_where=text("responded_at IS NULL")),
    )
    __mapper_args__ = {"version_id_col": version}

    @property
    def breach_notified_at(self) -> datetime | None:
        """When `flask sla check` flagged this incident's breach to its group leader, if it did."""
        return self.sla_breach.notified_at if self.sla_breach is not None else None

    def __repr__(self) -> str:
        return f"<Incident {self.number} {self.status}>"


class IncidentTerm(Base):
    """One word of an incident's title (as the search analyzer cuts it), so the queue finds any incident by
    the words of its title through an index, however old. Kept by servicedesk.incidents.terms at flush."""

    __tablename__ = "incident_terms"

    term: Mapped[str] = mapped_column(String(40), primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True,
                                             index=True)

    # The rows are the index: on SQLite the table is clustered on (term, incident_id), no rowid beside it.
    __table_args__ = {"sqlite_with_rowid": False}


class SlaBreach(Base):
    """An incident flagged once by the SLA check. A narrow table of its own: flagging a hundred thousand
    breaches inserts small rows here instead of rewriting wide, heavily indexed incident rows."""

    __tablename__ = "incident_sla_breaches"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    notified_at: Mapped[datetime] = mapped_column(index=True)


class SlaFlag(Base):
    """A warning the SLA check raised once for an incident: first response missed, or resolve window at risk.
    Its primary key makes it once per incident and kind, however many checks run at the same moment; `run`
    names the check that raised it, so that check (and no other) writes its history entry and messages."""

    __tablename__ = "incident_sla_flags"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[SlaFlagKind] = mapped_column(enum_column(SlaFlagKind, "sla_flag_kind"), primary_key=True)
    flagged_at: Mapped[datetime]
    run: Mapped[str] = mapped_column(String(32), index=True)


class CallbackAttempt(Base):
    """One try at calling the subscriber back after the fix: when, who called, whether they were reached."""

    __tablename__ = "incident_callback_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]
    outcome: Mapped[CallbackOutcome] = mapped_column(enum_column(CallbackOutcome, "callback_outcome"))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    by: Mapped[User] = relationship()

    __table_args__ = (Index("ix_incident_callback_attempts_incident_at", "incident_id", "at", "id"),)


class Verification(Base):
    """The reporter's confirmation, or an agent's recorded call-back (回访), accepting or rejecting a fix."""

    __tablename__ = "incident_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    method: Mapped[VerificationMethod] = mapped_column(enum_column(VerificationMethod, "verification_method"))
    accepted: Mapped[bool] = mapped_column(Boolean)
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    incident: Mapped[Incident] = relationship(back_populates="verifications")
    by: Mapped[User] = relationship()

    __table_args__ = (
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_range"),
        # Nobody answered, so nobody rated: an unreachable subscriber's verification is accepted and unrated.
        CheckConstraint("method <> 'unreachable' OR (accepted AND rating IS NULL)", name="unreachable_unrated"),
    )


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


class IncidentChase(Base):
    """A repeat call about an open incident (催修): the caller chases instead of reporting anew."""

    __tablename__ = "incident_chases"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    caller_phone: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[str] = mapped_column(Text, default="")

    by: Mapped[User] = relationship()


class QueueView(Base):
    """A queue view a staff member saved under a name: the tab, filters, sort and columns, as a query string."""

    __tablename__ = "queue_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    query: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_queue_views_user_name"),)


class FieldWork(Base):
    """The field engineer's record of a visit (optional): times, cause, steps and leased-line data."""

    __tablename__ = "incident_field_work"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    arrived_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    fault_cause: Mapped[str] = mapped_column(Text, default="")
    steps: Mapped[str] = mapped_column(Text, default="")
    # Enterprise leased lines (集客专线): the circuit's addressing and its A-end / Z-end route.
    ip_address: Mapped[str] = mapped_column(String(64), default="")
    vlan: Mapped[int | None] = mapped_column(Integer)
    mac_address: Mapped[str] = mapped_column(String(17), default="")
    a_end: Mapped[str] = mapped_column(String(300), default="")
    z_end: Mapped[str] = mapped_column(String(300), default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    incident: Mapped[Incident] = relationship(back_populates="field_work")
    updated_by: Mapped[User | None] = relationship()

    __table_args__ = (
        CheckConstraint("vlan IS NULL OR vlan BETWEEN 1 AND 4094", name="vlan_range"),
        CheckConstraint("completed_at IS NULL OR arrived_at IS NULL OR completed_at >= arrived_at",
                        name="completed_after_arrival"),
    )


class CallbackAudit(Base):
    """A closed incident drawn at random for a second call-back; the outcome is filled in when made."""

    __tablename__ = "callback_audits"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), unique=True)
    sampled_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    sampled_at: Mapped[datetime] = mapped_column(default=utcnow)
    auditor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    called_at: Mapped[datetime | None]
    outcome: Mapped[AuditOutcome | None] = mapped_column(enum_column(AuditOutcome, "audit_outcome"))
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")

    incident: Mapped[Incident] = relationship()
    sampled_by: Mapped[User] = relationship(foreign_keys=[sampled_by_id])
    auditor: Mapped[User | None] = relationship(foreign_keys=[auditor_id])

    __table_args__ = (
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_range"),
        # Recorded all at once: an outcome always has its auditor and call time.
        CheckConstraint("(outcome IS NULL) = (auditor_id IS NULL) AND (outcome IS NULL) = (called_at IS NULL)",
                        name="outcome_complete"),
        Index("ix_callback_audits_pending", "outcome", "sampled_at"),
    )


# The flush hooks that keep incident_terms in step with the titles (registered on import).
from servicedesk.incidents import terms as _terms  # noqa: E402,F401


class Appointment(Base):
    """A time window agreed with the subscriber for the engineer's visit (预约). A reschedule supersedes the
    window in force (its row stays, with the reason of the new one); a cancel ends it."""

    __tablename__ = "incident_appointments"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    agreed_with: Mapped[str] = mapped_column(String(100), default="")
    engineer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")  # why this window replaced the one before
    made_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    made_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]  # superseded by a reschedule, or cancelled
    cancel_reason: Mapped[str] = mapped_column(Text, default="")

    engineer: Mapped[User] = relationship(foreign_keys=[engineer_id])
    made_by: Mapped[User] = relationship(foreign_keys=[made_by_id])

    __table_args__ = (
        Index("ix_incident_appointments_incident_made", "incident_id", "made_at", "id"),
        CheckConstraint("ends_at > starts_at", name="window_ends_after_start"),
    )
