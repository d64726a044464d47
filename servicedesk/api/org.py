"""The organisation (service stations → maintenance groups → zones) and subscriber records.

Administrators build the organisation and the SLA policies, and staff read them; staff keep subscriber
records, whose phone numbers are masked in lists and shown whole only on the single record.
"""

from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from kb.actors import is_staff
from kb.errors import NotFound, ValidationError
from kb.validation import clean_text
from servicedesk.api import bp
from servicedesk.api import serializers as ser
from servicedesk.api.common import (
    commit,
    id_arg,
    id_exists,
    json_body,
    like_pattern,
    name_value,
    page_args,
    paginate,
    require,
    session,
    user,
    user_by_name,
)
from servicedesk.org import services as org
from servicedesk.org import sla_policies
from servicedesk.org.models import MaintenanceGroup, ServiceStation, SlaPolicyRule, Subscriber, Zone
from servicedesk.users.models import User

Reply = tuple[dict[str, Any], int]
SUBSCRIBER_FIELDS = ("name", "phone", "address", "zone", "service_level")


def _staff() -> User:
    me = user()
    require(is_staff(me), "Only service-desk staff see the organisation and subscriber records.")
    return me


def _load(model: type[ServiceStation] | type[MaintenanceGroup] | type[SlaPolicyRule], object_id: int,
          what: str) -> Any:
    found = session().get(model, object_id) if id_exists(object_id) else None
    if found is None:
        raise NotFound(f"No such {what}.")
    return found


@bp.get("/stations")
def list_stations() -> dict[str, Any]:
    _staff()
    page, per_page = page_args()
    stmt = select(ServiceStation).order_by(ServiceStation.name, ServiceStation.id)
    return paginate(session(), stmt, page, per_page, ser.station, options=[
        selectinload(ServiceStation.groups).selectinload(MaintenanceGroup.zones).selectinload(Zone.manager),
        selectinload(ServiceStation.groups).selectinload(MaintenanceGroup.leader),
    ])


@bp.post("/stations")
def create_station() -> Reply:
    me = user()
    data = json_body(allowed=("name",))
    st = org.create_station(session(), me, data.get("name"))
    commit()
    return ser.station(st), 201


@bp.post("/stations/<int:station_id>/groups")
def create_group(station_id: int) -> Reply:
    me = user()
    data = json_body(allowed=("name", "leader"))
    leader = user_by_name(session(), name_value(data, "leader", required=False), "leader")
    st = _load(ServiceStation, station_id, "service station")
    g = org.create_group(session(), me, st, data.get("name"), leader=leader)
    commit()
    return ser.group(g), 201


@bp.post("/groups/<int:group_id>/zones")
def create_zone(group_id: int) -> Reply:
    me = user()
    data = json_body(allowed=("code", "name", "manager", "area"))
    manager = user_by_name(session(), name_value(data, "manager", required=False), "manager")
    g = _load(MaintenanceGroup, group_id, "maintenance group")
    z = org.create_zone(session(), me, g, code=data.get("code"), name=data.get("name"), manager=manager,
                        area=data.get("area") or "urban")
    commit()
    return ser.zone(z), 201


@bp.get("/zones")
def list_zones() -> dict[str, Any]:
    _staff()
    errors: dict[str, str] = {}
    page, per_page = page_args(errors)
    group_id = id_arg("group", errors, "a maintenance group id")
    if errors:
        raise ValidationError("Bad filter or paging values.", fields=errors)
    stmt = select(Zone).order_by(Zone.code)
    if group_id is not None:
        stmt = stmt.where(Zone.group_id == group_id)
    q = request.args.get("q", "").strip()
    if q:
        pattern = like_pattern(q[:100])
        stmt = stmt.where(or_(Zone.code.ilike(pattern, escape="\\"), Zone.name.ilike(pattern, escape="\\")))
    return paginate(session(), stmt, page, per_page, ser.zone, options=[
        selectinload(Zone.manager),
        selectinload(Zone.group).selectinload(MaintenanceGroup.station),
        selectinload(Zone.group).selectinload(MaintenanceGroup.leader),
    ])


@bp.get("/subscribers")
def list_subscribers() -> dict[str, Any]:
    _staff()
    page, per_page = page_args()
    stmt = select(Subscriber).order_by(Subscriber.account)
    q = request.args.get("q", "").strip()
    if q:
        pattern = like_pattern(q[:100])
        stmt = stmt.where(or_(Subscriber.account.ilike(pattern, escape="\\"),
                              Subscriber.name.ilike(pattern, escape="\\"),
                              Subscriber.phone.ilike(pattern, escape="\\")))
    return paginate(session(), stmt, page, per_page, lambda sub: ser.subscriber(sub, full_phone=False),
                    options=[selectinload(Subscriber.zone), selectinload(Subscriber.user)])


def _subscriber(account: str) -> Subscriber | None:
    found: Subscriber | None = session().scalar(select(Subscriber).where(Subscriber.account == account))
    return found


@bp.get("/subscribers/<account>")
def get_subscriber(account: str) -> dict[str, Any]:
    _staff()
    sub = _subscriber(account)
    if sub is None:
        raise NotFound("No such subscriber.")
    return ser.subscriber(sub, full_phone=True)


@bp.put("/subscribers/<account>")
def put_subscriber(account: str) -> Reply:
    me = user()
    data = json_body(allowed=SUBSCRIBER_FIELDS)
    if clean_text(account, "account", max_len=40) != account:
        raise ValidationError("The account number has stray spaces or control characters.",
                              fields={"account": "invalid"})
    created = _subscriber(account) is None
    sub = org.upsert_subscriber(session(), me, {**data, "account": account})
    commit()
    return ser.subscriber(sub, full_phone=True), 201 if created else 200


@bp.get("/sla-policies")
def list_sla_policies() -> dict[str, Any]:
    _staff()
    page, per_page = page_args()
    stmt = select(SlaPolicyRule).order_by(SlaPolicyRule.category, SlaPolicyRule.area, SlaPolicyRule.service_level)
    return paginate(session(), stmt, page, per_page, ser.sla_policy)


@bp.post("/sla-policies")
def create_sla_policy() -> Reply:
    me = user()
    rule = sla_policies.create_sla_policy(session(), me, json_body(allowed=sla_policies.FIELDS))
    commit()
    return ser.sla_policy(rule), 201


@bp.get("/sla-policies/<int:policy_id>")
def get_sla_policy(policy_id: int) -> dict[str, Any]:
    _staff()
    return ser.sla_policy(_load(SlaPolicyRule, policy_id, "SLA policy"))


@bp.patch("/sla-policies/<int:policy_id>")
def update_sla_policy(policy_id: int) -> dict[str, Any]:
    me = user()
    data = json_body(allowed=sla_policies.FIELDS)
    rule = sla_policies.update_sla_policy(session(), me, _load(SlaPolicyRule, policy_id, "SLA policy"), data)
    commit()
    return ser.sla_policy(rule)


@bp.delete("/sla-policies/<int:policy_id>")
def delete_sla_policy(policy_id: int) -> dict[str, Any]:
    me = user()
    rule = _load(SlaPolicyRule, policy_id, "SLA policy")
    gone = ser.sla_policy(rule)
    sla_policies.delete_sla_policy(session(), me, rule)
    commit()
    return gone
