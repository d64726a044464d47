"""Service station → maintenance group (one leader, 3–5 zones) → zone (one community manager).

"区域划片，人员包干": every zone has a responsible person; incidents route to them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint, func
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from kb.orm import Base, enum_column, utcnow
from servicedesk.incidents.sla import ANY, SlaCalendar, SlaRule
from servicedesk.incidents.workflow import Area, Category
from servicedesk.users.models import User


class ServiceLevel(StrEnum):
    NORMAL = "normal"
    VIP = "vip"
    ENTERPRISE = "enterprise"


class ServiceStation(Base):
    __tablename__ = "service_stations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)

    groups: Mapped[list[MaintenanceGroup]] = relationship(back_populates="station", order_by="MaintenanceGroup.name")


class MaintenanceGroup(Base):
    __tablename__ = "maintenance_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("service_stations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    station: Mapped[ServiceStation] = relationship(back_populates="groups")
    leader: Mapped[User | None] = relationship()
    zones: Mapped[list[Zone]] = relationship(back_populates="group", order_by="Zone.code")


class Zone(Base):
    """片区: an area of subscribers with one responsible community manager (社区经理)."""

    __tablename__ = "zones"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    group_id: Mapped[int] = mapped_column(ForeignKey("maintenance_groups.id"), index=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    area: Mapped[Area] = mapped_column(enum_column(Area, "zone_area"), default=Area.URBAN)

    group: Mapped[MaintenanceGroup] = relationship(back_populates="zones")
    manager: Mapped[User | None] = relationship()


def reversed_digits(phone: str) -> str:
    """The phone's digits, last first: "the last digits" of a number become the start of this, an index range."""
    return "".join(c for c in phone if c in "0123456789")[::-1]


def _lookup_text(length: int) -> String:
    """Text the caller lookup reads as index ranges ("starts with" = from the start up to its successor): in byte
    order ("C") on PostgreSQL, whatever collation the database was made with. Under a zh_CN or en_US collation a
    range is not a prefix: ':' (after '9') sorts before the digits and 玌 (after 王) before 王芳, so the lookup
    found nobody."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def _phone_rev_default(context: DefaultExecutionContext) -> str:
    # Core inserts (the benchmarks' bulk loads) do not pass through @validates; the default derives it per row.
    return reversed_digits(context.get_current_parameters().get("phone") or "")


class Subscriber(Base):
    """A customer account of the operator; the portal user, if any, who owns it."""

    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(_lookup_text(40), unique=True)
    name: Mapped[str] = mapped_column(_lookup_text(100))
    phone: Mapped[str] = mapped_column(_lookup_text(40), default="", index=True)
    # The caller lookup's "last digits": phone_rev LIKE '8765%' instead of phone LIKE '%5678' (a full scan).
    phone_rev: Mapped[str] = mapped_column(_lookup_text(40), default=_phone_rev_default, server_default="",
                                           index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"), index=True)
    service_level: Mapped[ServiceLevel] = mapped_column(enum_column(ServiceLevel, "service_level"),
                                                        default=ServiceLevel.NORMAL)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    zone: Mapped[Zone | None] = relationship()
    user: Mapped[User | None] = relationship()

    @validates("phone")
    def _keep_phone_rev(self, _key: str, phone: str) -> str:
        self.phone_rev = reversed_digits(phone or "")
        return phone


# The caller lookup: an account's start, whatever its case, and a name's start, as index ranges.
Index("ix_subscribers_account_lower", func.lower(Subscriber.account))
Index("ix_subscribers_name", Subscriber.name)


class Notification(Base):
    """An in-app message to one user (e.g. an SLA breach escalated to a group leader)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    message: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    # The unread count in every page's navigation, and the list newest first.
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at", "created_at"),)


def _one_of(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in [ANY, *values])})"


class SlaPolicyRule(Base):
    """An SLA policy: respond-by and resolve-by targets for a category, area and service level (each
    may be 'any'), counted in a calendar. The most specific row matching an incident applies."""

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(20))
    area: Mapped[str] = mapped_column(String(20))
    service_level: Mapped[str] = mapped_column(String(20))
    respond_minutes: Mapped[int] = mapped_column(Integer)
    resolve_minutes: Mapped[int] = mapped_column(Integer)
    calendar: Mapped[SlaCalendar] = mapped_column(enum_column(SlaCalendar, "sla_calendar"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("category", "area", "service_level"),  # one row per key
        CheckConstraint("respond_minutes > 0 AND resolve_minutes > 0", name="positive_minutes"),
        CheckConstraint(_one_of("category", [c.value for c in Category]), name="category_known"),
        CheckConstraint(_one_of("area", [a.value for a in Area]), name="area_known"),
        CheckConstraint(_one_of("service_level", [v.value for v in ServiceLevel]), name="service_level_known"),
    )

    def as_rule(self) -> SlaRule:
        return SlaRule(self.category, self.area, self.service_level, self.respond_minutes, self.resolve_minutes,
                       self.calendar)


def mask_phone(phone: str) -> str:
    """138****5678: enough for an agent to recognise, not enough to copy from a list."""
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
