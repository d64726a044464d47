"""/api/v1/incidents/<id>/measurements: readings taken on site, judged against the operator's limits
(servicedesk.incidents.field_records, the same service the incident page calls)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from pydantic import Field

from servicedesk.api import bp
from servicedesk.api.common import commit, session, user
from servicedesk.api.contract import READ, WRITE, Input, Output, body, operation
from servicedesk.api.incidents import Reply, load_incident
from servicedesk.incidents import field_records
from servicedesk.incidents.field_models import FieldMeasurement
from servicedesk.incidents.models import Incident
from servicedesk.incidents.services import NOTE_MAX, _require_staff


class MeasurementInput(Input):
    optical_power_dbm: float | None = Field(None, ge=-60, le=10, description="Optical power received at the ONU, dBm")
    speed_down_mbps: float | None = Field(None, ge=0, le=100_000, description="Speed test, download, Mbps")
    speed_up_mbps: float | None = Field(None, ge=0, le=100_000, description="Speed test, upload, Mbps")
    contracted_mbps: float | None = Field(None, ge=0.1, le=100_000,
                                          description="The contracted (download) bandwidth; required with a "
                                                      "download speed test")
    contracted_up_mbps: float | None = Field(None, ge=0.1, le=100_000,
                                             description="The contracted upload rate; without it an upload speed "
                                                         "test is stored without a limit")
    ping_loss_percent: float | None = Field(None, ge=0, le=100, description="Loss of 1472-byte pings, %")
    note: str | None = Field(None, max_length=NOTE_MAX)
    taken_at: datetime | None = Field(None, description="When the readings were taken, with its offset (default: now)")


class MeasurementOut(Output):
    id: int
    kind: str = Field(description="optical_power | speed_down | speed_up | ping_loss")
    value: float
    unit: str = Field(description="dBm, Mbps or %")
    contracted_mbps: float | None
    low: float | None = Field(description="Lower limit in force when taken (inclusive), if any")
    high: float | None = Field(description="Upper limit in force when taken, if any")
    high_inclusive: bool = Field(description="false: the value must stay strictly below `high`")
    in_range: bool
    note: str
    taken_at: datetime
    recorded_by: str


class Limits(Output):
    optical_min_dbm: float
    optical_max_dbm: float
    speed_min_ratio: float = Field(description="Share of the contracted bandwidth a speed test must reach")
    ping_loss_max_percent: float = Field(description="Ping loss must stay strictly below this")


class MeasurementList(Output):
    items: list[MeasurementOut] = Field(description="Newest first")
    limits: Limits = Field(description="The limits in force now (each reading keeps those of its time)")


class MeasurementsAdded(Output):
    items: list[MeasurementOut] = Field(description="One per reading sent")


UNITS = field_records.UNITS


def measurement_json(m: FieldMeasurement) -> dict[str, Any]:
    return {"id": m.id, "kind": m.kind, "value": m.value, "unit": UNITS[m.kind], "contracted_mbps": m.contracted_mbps,
            "low": m.low, "high": m.high, "high_inclusive": m.high_inclusive, "in_range": m.in_range,
            "note": m.note, "taken_at": m.taken_at.isoformat(), "recorded_by": m.recorded_by.username}


def _limits() -> field_records.Thresholds:
    return field_records.Thresholds.from_config(current_app.config)


@bp.get("/incidents/<int:incident_id>/measurements")
@operation("list_measurements", tag="incidents", summary="The readings taken on site (staff)",
           responses={200: MeasurementList}, errors=READ)
def list_measurements(incident_id: int) -> dict[str, Any]:
    _require_staff(user(), "read measurements")
    i: Incident = load_incident(incident_id)
    limits = _limits()
    return {"items": [measurement_json(m) for m in field_records.list_measurements(session(), i)],
            "limits": {name: getattr(limits, name) for name in field_records.Thresholds.KEYS}}


@bp.post("/incidents/<int:incident_id>/measurements")
@operation("record_measurements", tag="incidents", summary="Record readings taken on site (staff)",
           body=MeasurementInput, body_required=True, responses={201: MeasurementsAdded}, errors=WRITE,
           description="Each reading sent is stored with the limits in force now and judged in or out of range: "
                       "optical power within FIELD_OPTICAL_MIN_DBM..FIELD_OPTICAL_MAX_DBM (default -27..-8 dBm), "
                       "speed at least FIELD_SPEED_MIN_RATIO (0.9) of `contracted_mbps`, loss of 1472-byte pings "
                       "below FIELD_PING_LOSS_MAX_PERCENT (0.1 %). 400 naming each bad field (at least one reading; "
                       "`contracted_mbps` with a speed test); 409 invalid_transition on a closed or cancelled "
                       "incident. Two engineers at once: both are kept.")
def record_measurements(incident_id: int) -> Reply:
    data = body(MeasurementInput)
    _require_staff(user(), "record measurements")
    i = load_incident(incident_id, for_update=True)
    added = field_records.record_measurements(session(), i, user(), data.model_dump(), _limits())
    commit()
    return {"items": [measurement_json(m) for m in added]}, 201
