"""The field-work record of an incident: optional structured fields, each change kept in the history."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from kb.errors import ValidationError
from kb.orm import utcnow
from kb.validation import clean_text
from servicedesk.incidents.models import FieldWork, Incident
from servicedesk.incidents.services import NOTE_MAX, _move, _record, _require_staff, check_past
from servicedesk.users.models import User

LEASED_LINE = "leased_line"
TEXT_FIELDS = {"fault_cause": NOTE_MAX, "steps": NOTE_MAX}
LINE_FIELDS = ("ip_address", "vlan", "mac_address", "a_end", "z_end")
FIELDS = ("arrived_at", "completed_at", *TEXT_FIELDS, *LINE_FIELDS)
_MAC = re.compile(r"^[0-9a-f]{2}([:-]?)[0-9a-f]{2}(\1[0-9a-f]{2}){4}$", re.IGNORECASE)


def _time(value: object, name: str, errors: dict[str, str]) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            errors[name] = "an ISO date-time"
            return None
    if not isinstance(value, datetime):
        errors[name] = "an ISO date-time"
        return None
    return value


def _vlan(value: object, errors: dict[str, str]) -> int | None:
    if value in (None, ""):
        return None
    try:
        vlan = int(str(value).strip())
    except ValueError:
        vlan = 0
    if not 1 <= vlan <= 4094:
        errors["vlan"] = "1 to 4094"
        return None
    return vlan


def _mac(value: str, errors: dict[str, str]) -> str:
    if value and not _MAC.match(value):
        errors["mac_address"] = "like 00:1A:2B:3C:4D:5E"
        return value
    digits = re.sub(r"[:-]", "", value).upper()
    return ":".join(digits[i:i + 2] for i in range(0, len(digits), 2))


def _ip(value: str, errors: dict[str, str]) -> str:
    if not value:
        return ""
    try:
        # An address, or the circuit's subnet (10.0.0.1/30).
        return str(ipaddress.ip_interface(value)) if "/" in value else str(ipaddress.ip_address(value))
    except ValueError:
        errors["ip_address"] = "an IPv4 or IPv6 address"
        return value


def _clean(incident: Incident, data: Mapping[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """The given fields, checked; every problem lands in errors under its field's name."""
    if incident.service != LEASED_LINE:
        for name in LINE_FIELDS:
            if data.get(name) not in (None, ""):
                errors[name] = "for leased lines only"
    values: dict[str, Any] = {}
    for name in ("arrived_at", "completed_at"):
        if name in data:
            when = _time(data[name], name, errors)
            if when is not None:
                try:
                    check_past(when, name, not_before=incident.created_at, before_what="the report")
                except ValidationError as exc:
                    errors.update(exc.fields)
            values[name] = when
    for name, max_len in (*TEXT_FIELDS.items(), ("a_end", 300), ("z_end", 300), ("ip_address", 64),
                          ("mac_address", 17)):
        if name in data and name not in errors:
            try:
                values[name] = clean_text(data[name], name, max_len=max_len, required=False)
            except ValidationError as exc:
                errors.update(exc.fields)
    if "ip_address" in values:
        values["ip_address"] = _ip(values["ip_address"], errors)
    if "mac_address" in values:
        values["mac_address"] = _mac(values["mac_address"], errors)
    if "vlan" in data and "vlan" not in errors:
        values["vlan"] = _vlan(data["vlan"], errors)
    return values


def record_field_work(s: Session, incident: Incident, actor: User, data: Mapping[str, Any]) -> FieldWork:
    """Saves the fields given (others stay as they were) once all of them are valid; times never lie in
    the future nor before the report, completion never before arrival; leased-line data only on leased
    lines. Each changed field is appended to the history."""
    _require_staff(actor, "record field work")
    _move(incident, "field_work")
    errors: dict[str, str] = {}
    values = _clean(incident, data, errors)
    work = incident.field_work
    arrived = values.get("arrived_at", work.arrived_at if work else None)
    completed = values.get("completed_at", work.completed_at if work else None)
    if arrived is not None and completed is not None and completed < arrived and "completed_at" not in errors:
        errors["completed_at"] = "before the arrival"
    if errors:
        first = next(iter(errors))
        raise ValidationError(f"Please correct the field-work record ({first}: {errors[first]}).", fields=errors)
    if work is None:
        work = FieldWork(incident=incident)
    changed = False
    for name, value in values.items():
        old = getattr(work, name)
        if old == value:
            continue
        setattr(work, name, value)
        _record(s, incident, actor, "field_work", field=name, old=_shown(old), new=_shown(value))
        changed = True
    if changed:
        work.updated_by_id = actor.id
        work.updated_at = utcnow()
        s.add(work)
        s.flush()
    return work


def _shown(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    return None if value in ("", None) else value
