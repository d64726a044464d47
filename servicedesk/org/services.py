"""Organisation and subscriber records, routing of new incidents, and the SLA breach check."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, insert, literal, null, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from kb.actors import Role
from kb.errors import Conflict, Forbidden, ValidationError
from kb.orm import UTCDateTime, utcnow
from kb.validation import clean_text, parse_enum
from servicedesk.audit.services import created, diff, record_change
from servicedesk.incidents.models import Incident, IncidentEvent, SlaBreach, SlaFlag
from servicedesk.incidents.sla import SlaFlagKind
from servicedesk.incidents.sla_sql import response_overdue_condition, sla_condition
from servicedesk.incidents.workflow import OPEN_STATES, Area
from servicedesk.org.models import MaintenanceGroup, Notification, ServiceLevel, ServiceStation, Subscriber, Zone
from servicedesk.users.models import User


def _require_admin(actor: User) -> None:
    if actor.role != Role.ADMIN:
        raise Forbidden("Only an administrator manages the organisation.")


def can_set_service_level(actor: User) -> bool:
    """A subscriber's service level picks the SLA policy of their incidents: administrators set it."""
    return actor.role == Role.ADMIN


def create_station(s: Session, actor: User, name: object) -> ServiceStation:
    """A new service station with a unique name."""
    _require_admin(actor)
    text = clean_text(name, "name", max_len=100)
    if s.scalar(select(ServiceStation.id).where(ServiceStation.name == text)) is not None:
        raise Conflict("A station with this name exists.", code="name_taken", fields={"name": "already exists"})
    station = ServiceStation(name=text)
    s.add(station)
    s.flush()
    record_change(s, actor, "station.created", object_type="station", object_id=station.id, object_label=text,
                  changes=created({"name": text}))
    return station


def _group_view(group: MaintenanceGroup) -> dict[str, Any]:
    return {"name": group.name, "station": group.station.name if group.station else None,
            "leader": group.leader.username if group.leader else None}


def _zone_view(zone: Zone) -> dict[str, Any]:
    return {"code": zone.code, "name": zone.name, "group": zone.group.name if zone.group else None,
            "manager": zone.manager.username if zone.manager else None, "area": zone.area}


def _subscriber_view(sub: Subscriber | None) -> dict[str, Any]:
    if sub is None:
        return {}
    return {"account": sub.account, "name": sub.name, "phone": sub.phone, "address": sub.address,
            "zone": sub.zone.code if sub.zone else None, "service_level": sub.service_level}


def create_group(s: Session, actor: User, station: ServiceStation, name: object,
                 leader: User | None = None) -> MaintenanceGroup:
    """A maintenance group of a station, led by a staff member."""
    _require_admin(actor)
    if leader is not None and not leader.is_staff:
        raise ValidationError("The group leader must be staff.", fields={"leader": "not staff"})
    group = MaintenanceGroup(station=station, name=clean_text(name, "name", max_len=100), leader=leader)
    s.add(group)
    s.flush()
    record_change(s, actor, "group.created", object_type="group", object_id=group.id, object_label=group.name,
                  changes=created(_group_view(group)))
    return group


def create_zone(s: Session, actor: User, group: MaintenanceGroup, *, code: object, name: object,
                manager: User | None = None, area: object = "urban") -> Zone:
    """A zone (片区) of a group with its responsible community manager."""
    _require_admin(actor)
    code_text = clean_text(code, "code", max_len=40)
    if s.scalar(select(Zone.id).where(Zone.code == code_text)) is not None:
        raise Conflict("A zone with this code exists.", code="code_taken", fields={"code": "already exists"})
    if manager is not None and not manager.is_staff:
        raise ValidationError("The zone manager must be staff.", fields={"manager": "not staff"})
    zone = Zone(code=code_text, name=clean_text(name, "name", max_len=100), group=group, manager=manager,
                area=parse_enum(Area, area, "area"))
    s.add(zone)
    s.flush()
    record_change(s, actor, "zone.created", object_type="zone", object_id=zone.id, object_label=zone.code,
                  changes=created(_zone_view(zone)))
    return zone


def update_group(s: Session, actor: User, group: MaintenanceGroup, *, name: object,
                 leader: User | None) -> MaintenanceGroup:
    """Renames a maintenance group and (re)names its leader, who must be staff."""
    _require_admin(actor)
    text = clean_text(name, "name", max_len=100)
    if leader is not None and not leader.is_staff:
        raise ValidationError("The group leader must be staff.", fields={"leader": "not staff"})
    before = _group_view(group)
    group.name = text
    group.leader = leader
    s.flush()
    changes = diff(before, _group_view(group))
    if changes:
        record_change(s, actor, "group.updated", object_type="group", object_id=group.id, object_label=group.name,
                      changes=changes)
    return group


def update_zone(s: Session, actor: User, zone: Zone, *, name: object, manager: User | None, area: object,
                group: MaintenanceGroup | None = None) -> Zone:
    """Changes a zone's name, community manager, area and (optionally) its group. New incidents route to
    the new manager; incidents already routed keep their assignee."""
    _require_admin(actor)
    text = clean_text(name, "name", max_len=100)
    if manager is not None and not manager.is_staff:
        raise ValidationError("The zone manager must be staff.", fields={"manager": "not staff"})
    before = _zone_view(zone)
    zone.name = text
    zone.manager = manager
    zone.area = parse_enum(Area, area, "area")
    if group is not None:
        zone.group = group
    s.flush()
    changes = diff(before, _zone_view(zone))
    if changes:
        record_change(s, actor, "zone.updated", object_type="zone", object_id=zone.id, object_label=zone.code,
                      changes=changes)
    return zone


def mark_notifications_read(s: Session, user: User, ids: list[int] | None = None) -> int:
    """Marks the user's unread notifications (these ids, or all) read; returns how many changed."""
    where = [Notification.user_id == user.id, Notification.read_at.is_(None)]
    if ids is not None:
        where.append(Notification.id.in_(ids))
    result = s.execute(update(Notification).where(*where).values(read_at=utcnow())
                       .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


_PHONE = re.compile(r"^\+?[\d][\d\s()-]{2,39}$")


def upsert_subscriber(s: Session, actor: User, data: Mapping[str, Any]) -> Subscriber:
    """Creates or updates the subscriber record with this account number (staff only); every bad field
    is reported at once and nothing is saved until all are right. Only an administrator gives a level other
    than the one the record has (normal for a new record): others get a 403 and nothing is saved."""
    if not actor.is_staff:
        raise Forbidden("Only staff maintain subscriber records.")
    account = clean_text(data.get("account"), "account", max_len=40)
    sub = s.scalar(select(Subscriber).where(Subscriber.account == account))
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, max_len, required in (("name", 100, True), ("phone", 40, False), ("address", 300, False)):
        try:
            values[name] = clean_text(data.get(name, getattr(sub, name, "")), name, max_len=max_len,
                                      required=required)
        except ValidationError as exc:
            errors.update(exc.fields)
    if values.get("phone") and not _PHONE.match(values["phone"]):
        errors["phone"] = "digits, spaces and dashes"
    if "service_level" in data:
        try:
            values["service_level"] = parse_enum(ServiceLevel, data["service_level"], "service_level")
        except ValidationError as exc:
            errors.update(exc.fields)
        level_now = sub.service_level if sub is not None else ServiceLevel.NORMAL
        if values.get("service_level", level_now) != level_now and not can_set_service_level(actor):
            raise Forbidden("Only an administrator changes a subscriber's service level.",
                            code="admin_only", fields={"service_level": "administrators only"})
    if "zone" in data:
        try:
            values["zone"] = zone_by_code(s, data["zone"]) if data["zone"] else None
        except ValidationError as exc:
            errors.update(exc.fields)
    if errors:
        first = next(iter(errors))
        raise ValidationError(f"Please correct the subscriber record ({first}: {errors[first]}).", fields=errors)
    before = _subscriber_view(sub)
    if sub is None:
        sub = Subscriber(account=account)
        s.add(sub)
    for name, value in values.items():
        setattr(sub, name, value)
    s.flush()
    changes = diff(before, _subscriber_view(sub))
    if changes:
        record_change(s, actor, "subscriber.updated" if before else "subscriber.created", object_type="subscriber",
                      object_id=sub.id, object_label=sub.account, changes=changes)
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
    response_missed: int = 0  # first responses newly judged late
    at_risk: int = 0  # incidents newly warned about (the last 20 % of their resolve window)
    flags_notified: int = 0  # leaders' in-app notifications for those two


def check_sla(s: Session, *, now: datetime | None = None) -> BreachReport:
    """Flags every open, unpaused incident past its resolve-by time once: a history entry and a
    notification to its group's leader. Then, the same way and once per incident, a first response missed
    (nobody responded by respond-by) and a resolve window entering its last 20 % (at risk). Set-based and
    idempotent (cron-friendly); checks running at the same moment on several nodes flag each incident once."""
    now = now or utcnow()
    breached, notified = _flag_breaches(s, now)
    dialect = s.get_bind().dialect.name
    missed, told_missed = _raise_flags(s, SlaFlagKind.RESPONSE_MISSED, response_overdue_condition(now, dialect), now)
    # resolve_by >= now is implied by at_risk; said plainly it lets the (status, resolve_by) index work.
    risky = and_(Incident.resolve_by >= literal(now, UTCDateTime()), sla_condition("at_risk", now, dialect))
    at_risk, told_risky = _raise_flags(s, SlaFlagKind.AT_RISK, risky, now)
    s.expire_all()
    return BreachReport(breached, notified, missed, at_risk, told_missed + told_risky)


def _flag_breaches(s: Session, now: datetime) -> tuple[int, int]:
    at = literal(now, UTCDateTime())
    due = and_(Incident.status.in_([st.value for st in OPEN_STATES]), Incident.paused_at.is_(None),
               Incident.resolve_by < now)
    s.flush()
    # One breach row per incident, ever: the ones flagged before are skipped by their primary key. (Not
    # "WHERE NOT EXISTS" on the same table: PostgreSQL may plan that as a scan of the very table the
    # statement fills, once per incident.)
    #
    # Every statement below inserts in incident id order. Each inserted row's foreign key is checked (and
    # the incident row locked) by PostgreSQL one row at a time; in id order those checks walk the incidents
    # table and its primary key front to back instead of jumping around them, which at 100,000 breaches
    # is most of the run.
    dialect_insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    flagged = len(s.execute(
        dialect_insert(SlaBreach).from_select(["incident_id", "notified_at"],
                                              select(Incident.id, at).where(due).order_by(Incident.id))
        .on_conflict_do_nothing(index_elements=["incident_id"]).returning(SlaBreach.incident_id)).all())
    if not flagged:
        # Nothing new. (And a check run at the very same moment as one that just committed must not read
        # that one's rows back as its own.)
        return 0, 0
    # Everything else reads back what this run flagged from the narrow breach rows it just wrote.
    this_run = SlaBreach.notified_at == at
    s.execute(insert(IncidentEvent).from_select(
        ["incident_id", "at", "action", "field", "old", "new", "note"],
        select(SlaBreach.incident_id, at, literal("sla_breach"), literal("sla"), literal("on_track"),
               literal("breached"), literal("resolve-by time passed; escalated to the group leader"))
        .where(this_run).order_by(SlaBreach.incident_id),
    ))
    leaders = (select(MaintenanceGroup.leader_id, Incident.id, at, literal("sla_breach"),
                      func.coalesce(Incident.number, "") + literal(" SLA breached"))
               .select_from(SlaBreach).join(Incident, Incident.id == SlaBreach.incident_id)
               .join(MaintenanceGroup, MaintenanceGroup.id == Incident.group_id)
               .where(this_run, MaintenanceGroup.leader_id.is_not(None)).order_by(Incident.id))
    notified = len(s.execute(insert(Notification).from_select(
        ["user_id", "incident_id", "created_at", "kind", "message"], leaders).returning(Notification.id)).all())
    from servicedesk.notify.services import mail_sla_breaches  # the notify package imports this module's models

    mail_sla_breaches(s, now)  # mail and SMS through the outbox, in this transaction
    return int(flagged), int(notified)


# kind -> (history action and the leader's notification kind, the notify event). The history entry carries
# no note: the page's label for the action says what happened, in the reader's language.
_FLAGS: dict[SlaFlagKind, tuple[str, str]] = {
    SlaFlagKind.RESPONSE_MISSED: ("sla_response_missed", "sla.response_missed"),
    SlaFlagKind.AT_RISK: ("sla_at_risk", "sla.at_risk"),
}


def _raise_flags(s: Session, kind: SlaFlagKind, due: ColumnElement[bool], now: datetime) -> tuple[int, int]:
    """Flags once every incident matching due with kind, as the breach is flagged: a history entry, the
    group leader's in-app notification, and their mail or SMS through the outbox. Returns (flagged, told).

    The flag's primary key keeps it once per incident; this run's own token (not its time, which another
    run may share) picks the rows it raised, so a second check at the same moment writes nothing more."""
    action, event = _FLAGS[kind]
    run = uuid.uuid4().hex
    at = literal(now, UTCDateTime())
    dialect_insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    flagged = len(s.execute(
        dialect_insert(SlaFlag).from_select(
            ["incident_id", "kind", "flagged_at", "run"],
            select(Incident.id, literal(kind.value), at, literal(run)).where(due).order_by(Incident.id))
        .on_conflict_do_nothing(index_elements=["incident_id", "kind"]).returning(SlaFlag.incident_id)).all())
    if not flagged:
        return 0, 0
    this_run = SlaFlag.run == run
    s.execute(insert(IncidentEvent).from_select(
        ["incident_id", "at", "action", "field", "old", "new", "note"],
        select(SlaFlag.incident_id, at, literal(action), null(), null(), null(), literal(""))
        .where(this_run).order_by(SlaFlag.incident_id),
    ))
    from servicedesk.notify.services import flag_message_parts, mail_sla_flags

    before, after = flag_message_parts(s, event)
    leaders = (select(MaintenanceGroup.leader_id, Incident.id, at, literal(action),
                      func.substr(literal(before) + func.coalesce(Incident.number, "") + literal(after), 1, 500))
               .select_from(SlaFlag).join(Incident, Incident.id == SlaFlag.incident_id)
               .join(MaintenanceGroup, MaintenanceGroup.id == Incident.group_id)
               .where(this_run, MaintenanceGroup.leader_id.is_not(None)).order_by(Incident.id))
    told = len(s.execute(insert(Notification).from_select(
        ["user_id", "incident_id", "created_at", "kind", "message"], leaders).returning(Notification.id)).all())
    mail_sla_flags(s, event, run)  # mail and SMS through the outbox, in this transaction
    return flagged, told
