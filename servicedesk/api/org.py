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
from servicedesk.api import schemas as sch
from servicedesk.api import serializers as ser
from servicedesk.api.common import (
    commit,
    id_arg,
    id_exists,
    like_pattern,
    name_value,
    page_args,
    paginate,
    require,
    session,
    user,
    user_by_name,
)
from servicedesk.api.contract import WRITE, body, operation
from servicedesk.org import services as org
from servicedesk.org import sla_policies
from servicedesk.org.models import MaintenanceGroup, ServiceStation, SlaPolicyRule, Subscriber, Zone
from servicedesk.users.models import User

Reply = tuple[dict[str, Any], int]


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
@operation("list_stations", tag="organisation", summary="Service stations with their groups and zones (staff)",
           query=sch.Paged, responses={200: sch.StationPage}, errors=(401, 403))
def list_stations() -> dict[str, Any]:
    _staff()
    page, per_page = page_args()
    stmt = select(ServiceStation).order_by(ServiceStation.name, ServiceStation.id)
    return paginate(session(), stmt, page, per_page, ser.station, options=[
        selectinload(ServiceStation.groups).selectinload(MaintenanceGroup.zones).selectinload(Zone.manager),
        selectinload(ServiceStation.groups).selectinload(MaintenanceGroup.leader),
    ])


@bp.post("/stations")
@operation("create_station", tag="organisation", summary="Create a service station (admin)",
           body=sch.StationInput, responses={201: sch.Station}, errors=WRITE)
def create_station() -> Reply:
    me = user()
    data = body(sch.StationInput).model_dump()
    st = org.create_station(session(), me, data.get("name"))
    commit()
    return ser.station(st), 201


@bp.post("/stations/<int:station_id>/groups")
@operation("create_group", tag="organisation", summary="Create a maintenance group of a station (admin)",
           body=sch.GroupInput, responses={201: sch.Group}, errors=WRITE)
def create_group(station_id: int) -> Reply:
    me = user()
    data = body(sch.GroupInput).model_dump()
    leader = user_by_name(session(), name_value(data, "leader", required=False), "leader")
    st = _load(ServiceStation, station_id, "service station")
    g = org.create_group(session(), me, st, data.get("name"), leader=leader)
    commit()
    return ser.group(g), 201


@bp.post("/groups/<int:group_id>/zones")
@operation("create_zone", tag="organisation",
           summary="Create a zone (片区) of a group with its community manager (admin)", body=sch.ZoneInput,
           responses={201: sch.Zone}, errors=WRITE)
def create_zone(group_id: int) -> Reply:
    me = user()
    data = body(sch.ZoneInput).model_dump(mode="json")
    manager = user_by_name(session(), name_value(data, "manager", required=False), "manager")
    g = _load(MaintenanceGroup, group_id, "maintenance group")
    z = org.create_zone(session(), me, g, code=data.get("code"), name=data.get("name"), manager=manager,
                        area=data.get("area") or "urban")
    commit()
    return ser.zone(z), 201


@bp.get("/zones")
@operation("list_zones", tag="organisation", summary="Zones with their group, station and manager (staff)",
           query=sch.ZoneQuery, responses={200: sch.ZonePage}, errors=(401, 403))
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
@operation("list_subscribers", tag="organisation", summary="Subscriber records, phones masked (staff)",
           query=sch.SubscriberQuery, responses={200: sch.SubscriberPage}, errors=(401, 403))
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
@operation("get_subscriber", tag="organisation", summary="A subscriber record with the full phone (staff)",
           responses={200: sch.Subscriber})
def get_subscriber(account: str) -> dict[str, Any]:
    _staff()
    sub = _subscriber(account)
    if sub is None:
        raise NotFound("No such subscriber.")
    return ser.subscriber(sub, full_phone=True)


@bp.put("/subscribers/<account>")
@operation("put_subscriber", tag="organisation", summary="Create or update a subscriber record (staff)",
           description="201 when the record is new, 200 when it existed; fields not sent keep their value.",
           body=sch.SubscriberInput, body_required=False, responses={200: sch.Subscriber, 201: sch.Subscriber},
           errors=WRITE)
def put_subscriber(account: str) -> Reply:
    me = user()
    data = body(sch.SubscriberInput).model_dump(mode="json", exclude_unset=True)
    if clean_text(account, "account", max_len=40) != account:
        raise ValidationError("The account number has stray spaces or control characters.",
                              fields={"account": "invalid"})
    created = _subscriber(account) is None
    sub = org.upsert_subscriber(session(), me, {**data, "account": account})
    commit()
    return ser.subscriber(sub, full_phone=True), 201 if created else 200


@bp.get("/sla-policies")
@operation("list_sla_policies", tag="organisation", summary="SLA policies (staff)", query=sch.Paged,
           responses={200: sch.SlaPolicyPage}, errors=(401, 403),
           description="A new incident takes the targets of the most specific policy matching its category, "
                       "area and service level ('any' matches everything; more named fields win, then the "
                       "service level, category and area in that order). Leased lines count as enterprise. "
                       "With no matching row the operators' defaults apply.")
def list_sla_policies() -> dict[str, Any]:
    _staff()
    page, per_page = page_args()
    stmt = select(SlaPolicyRule).order_by(SlaPolicyRule.category, SlaPolicyRule.area, SlaPolicyRule.service_level)
    return paginate(session(), stmt, page, per_page, ser.sla_policy)


@bp.post("/sla-policies")
@operation("create_sla_policy", tag="organisation", summary="Create an SLA policy (admin)",
           description="409 policy_exists when a policy has the same category, area and service level.",
           body=sch.SlaPolicyInput, responses={201: sch.SlaPolicy}, errors=WRITE)
def create_sla_policy() -> Reply:
    me = user()
    data = body(sch.SlaPolicyInput).model_dump(mode="json")
    rule = sla_policies.create_sla_policy(session(), me, data)
    commit()
    return ser.sla_policy(rule), 201


@bp.get("/sla-policies/<int:policy_id>")
@operation("get_sla_policy", tag="organisation", summary="Read an SLA policy (staff)",
           responses={200: sch.SlaPolicy})
def get_sla_policy(policy_id: int) -> dict[str, Any]:
    _staff()
    return ser.sla_policy(_load(SlaPolicyRule, policy_id, "SLA policy"))


@bp.patch("/sla-policies/<int:policy_id>")
@operation("update_sla_policy", tag="organisation",
           summary="Change an SLA policy (admin); open incidents keep their due times", body=sch.SlaPolicyPatch,
           body_required=False, responses={200: sch.SlaPolicy}, errors=WRITE)
def update_sla_policy(policy_id: int) -> dict[str, Any]:
    me = user()
    data = body(sch.SlaPolicyPatch).model_dump(mode="json", exclude_unset=True)
    rule = sla_policies.update_sla_policy(session(), me, _load(SlaPolicyRule, policy_id, "SLA policy"), data)
    commit()
    return ser.sla_policy(rule)


@bp.delete("/sla-policies/<int:policy_id>")
@operation("delete_sla_policy", tag="organisation",
           summary="Delete an SLA policy (admin); answers the deleted policy", responses={200: sch.SlaPolicy})
def delete_sla_policy(policy_id: int) -> dict[str, Any]:
    me = user()
    rule = _load(SlaPolicyRule, policy_id, "SLA policy")
    gone = ser.sla_policy(rule)
    sla_policies.delete_sla_policy(session(), me, rule)
    commit()
    return gone
