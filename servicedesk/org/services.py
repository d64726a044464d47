"""Organisation and subscriber records, routing of new incidents, and the SLA breach check."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, literal, select, update
from sqlalchemy.orm import Session

from kb.actors import Role
from kb.errors import Conflict, Forbidden, ValidationError
from kb.orm import UTCDateTime, utcnow
from kb.validation import clean_text, parse_enum
from servicedesk.incidents.models import Incident, IncidentEvent
from servicedesk.incidents.workflow import OPEN_STATES, Area
from servicedesk.org.models import MaintenanceGroup, Notification, ServiceLevel, ServiceStation, Subscriber, Zone
from servicedesk.users.models import User


def _require_admin(actor: User) -> None:
    if actor.role != Role.ADMIN:
        raise Forbidden("Only an administrator manages the organisation.")


def create_station(s: Session, actor: User, name: object) -> ServiceStation:
    """A new service station with a unique name."""
    _require_admin(actor)
    text = clean_text(name, "name", max_len=100)
    if s.scalar(select(ServiceStation.id).where(ServiceStation.name == text)) is not None:
        raise Conflict("A station with this name exists.", code="name_taken", fields={"name": "taken"})
    station = ServiceStation(name=text)
    s.add(station)
    s.flush()
    return station


def create_group(s: Session, actor: User, station: ServiceStation, name: object,
                 leader: User | None = None) -> MaintenanceGroup:
    """A maintenance group of a station, led by a staff member."""
    _require_admin(actor)
    if leader is not None and not leader.is_staff:
        raise ValidationError("The group leader must be staff.", fields={"leader": "not staff"})
    group = MaintenanceGroup(station=station, name=clean_text(name, "name", max_len=100), leader=leader)
    s.add(group)
    s.flush()
    return group


def create_zone(s: Session, actor: User, group: MaintenanceGroup, *, code: object, name: object,
                manager: User | None = None, area: object = "urban") -> Zone:
    """A zone (片区) of a group with its responsible community manager."""
    _require_admin(actor)
    code_text = clean_text(code, "code", max_len=40)
    if s.scalar(select(Zone.id).where(Zone.code == code_text)) is not None:
        raise Conflict("A zone with this code exists.", code="code_taken", fields={"code": "taken"})
    if manager is not None and not manager.is_staff:
        raise ValidationError("The zone manager must be staff.", fields={"manager": "not staff"})
    zone = Zone(code=code_text, name=clean_text(name, "name", max_len=100), group=group, manager=manager,
                area=parse_enum(Area, area, "area"))
    s.add(zone)
    s.flush()
    return zone


def upsert_subscriber(s: Session, actor: User, data: Mapping[str, Any]) -> Subscriber:
    """Creates or updates the subscriber record with this account number (staff only)."""
    if not actor.is_staff:
        raise Forbidden("Only staff maintain subscriber records.")
    account = clean_text(data.get("account"), "account", max_len=40)
    sub = s.scalar(select(Subscriber).where(Subscriber.account == account))
    if sub is None:
        sub = Subscriber(account=account, name="")
        s.add(sub)
    sub.name = clean_text(data.get("name", sub.name), "name", max_len=100)
    sub.phone = clean_text(data.get("phone", sub.phone), "phone", max_len=40, required=False)
    sub.address = clean_text(data.get("address", sub.address), "address", max_len=300, required=False)
    if "service_level" in data:
        sub.service_level = parse_enum(ServiceLevel, data["service_level"], "service_level")
    if "zone" in data:
        sub.zone = zone_by_code(s, data["zone"]) if data["zone"] else None
    s.flush()
    return sub


def zone_by_code(s: Session, code: object) -> Zone:
    zone = s.scalar(select(Zone).where(Zone.code == code)) if isinstance(code, str) else None
    if zone is None:
        raise ValidationError(f"Unknown zone '{code}'.", fields={"zone": "unknown zone"})
    return zone


@dataclass(frozen=True)
class Route:
    zone: Zone | None
    group: MaintenanceGroup | None
    assignee: User | None


def route_for(zone: Zone | None) -> Route:
    """The zone's manager when there is an active one, else the group's queue."""
    if zone is None:
        return Route(None, None, None)
    manager = zone.manager if zone.manager is not None and zone.manager.active else None
    return Route(zone, zone.group, manager)


@dataclass(frozen=True)
class BreachReport:
    breached: int
    notified: int


def check_sla(s: Session, *, now: datetime | None = None) -> BreachReport:
    """Flags every open, unpaused incident past its resolve-by time once: a history entry and a
    notification to its group's leader. Set-based and idempotent (cron-friendly)."""
    now = now or utcnow()
    at = literal(now, UTCDateTime())
    due = and_(Incident.status.in_([st.value for st in OPEN_STATES]), Incident.paused_at.is_(None),
               Incident.resolve_by < now, Incident.breach_notified_at.is_(None))
    s.flush()
    s.execute(insert(IncidentEvent).from_select(
        ["incident_id", "at", "action", "field", "old", "new", "note"],
        select(Incident.id, at, literal("sla_breach"), literal("sla"), literal("on_track"), literal("breached"),
               literal("resolve-by time passed; escalated to the group leader")).where(due),
    ))
    leaders = (select(MaintenanceGroup.leader_id, Incident.id, at, literal("sla_breach"),
                      func.coalesce(Incident.number, "") + literal(" SLA breached"))
               .join(MaintenanceGroup, MaintenanceGroup.id == Incident.group_id)
               .where(due, MaintenanceGroup.leader_id.is_not(None)))
    notified = s.scalar(select(func.count()).select_from(leaders.subquery())) or 0
    s.execute(insert(Notification).from_select(["user_id", "incident_id", "created_at", "kind", "message"], leaders))
    flagged = s.execute(update(Incident).where(due).values(breach_notified_at=now)
                        .execution_options(synchronize_session=False))
    s.expire_all()
    return BreachReport(int(flagged.rowcount or 0), int(notified))  # type: ignore[attr-defined]
