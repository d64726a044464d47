"""The field record on site: staff photos, the customer's signature, measurements judged against the operator's
limits. Each write takes the incident row (the caller loads it for update), leaves a history row, and flushes;
the caller commits. Files go to the knowledge base's stored-once blob store with its checks.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.actors import Role
from kb.attachments import BlobStore, check_file, drop_orphan_blobs
from kb.errors import DomainError, Forbidden, NotFound, ValidationError
from kb.orm import utcnow
from kb.validation import clean_text, is_valid_id
from servicedesk.conversation.services import _stored_blob
from servicedesk.formerrors import N_
from servicedesk.incidents import signature_png
from servicedesk.incidents.field_models import (
    KINDS,
    OPTICAL_POWER,
    PING_LOSS,
    SPEED_DOWN,
    SPEED_UP,
    FieldMeasurement,
    FieldPhoto,
    FieldSignature,
)
from servicedesk.incidents.models import Incident
from servicedesk.incidents.services import NOTE_MAX, _move, _record, _require_staff, check_past
from servicedesk.users.models import User

PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
MAX_PHOTOS_PER_FORM = 6
MAX_PHOTOS_PER_INCIDENT = 60
SIGNER_MAX = 100
PING_BYTES = 1472  # the operator's ping test: 1472-byte packets (seed 002)
UNITS = {OPTICAL_POWER: "dBm", SPEED_DOWN: "Mbps", SPEED_UP: "Mbps", PING_LOSS: "%"}


# -- thresholds ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Thresholds:
    """The operator's limits: optical power received at the ONU, speed as a share of the contracted bandwidth,
    loss of 1472-byte pings (below 1/1000 on data lines, seed 002)."""

    optical_min_dbm: float = -27.0
    optical_max_dbm: float = -8.0
    speed_min_ratio: float = 0.9
    ping_loss_max_percent: float = 0.1

    KEYS = {"optical_min_dbm": "FIELD_OPTICAL_MIN_DBM", "optical_max_dbm": "FIELD_OPTICAL_MAX_DBM",
            "speed_min_ratio": "FIELD_SPEED_MIN_RATIO", "ping_loss_max_percent": "FIELD_PING_LOSS_MAX_PERCENT"}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Thresholds:
        """The limits from the app's config keys, else the environment, else the defaults above."""
        values: dict[str, float] = {}
        for name, key in cls.KEYS.items():
            raw = config.get(key, os.environ.get(key))
            if raw not in (None, ""):
                values[name] = float(raw)
        return cls(**values)


def judge(kind: str, value: float, contracted: float | None, limits: Thresholds) -> tuple[float | None, float | None,
                                                                                           bool, bool]:
    """(low, high, high_inclusive, in_range) of a reading under these limits."""
    low: float | None
    high: float | None
    if kind == OPTICAL_POWER:
        low, high, inclusive = limits.optical_min_dbm, limits.optical_max_dbm, True
    elif kind in (SPEED_DOWN, SPEED_UP):
        low, high, inclusive = (round(contracted * limits.speed_min_ratio, 3) if contracted else None), None, True
    else:  # ping loss: strictly below the limit ("低于1/1000")
        low, high, inclusive = None, limits.ping_loss_max_percent, False
    ok = (low is None or value >= low) and (high is None or (value <= high if inclusive else value < high))
    return low, high, inclusive, ok


# -- common checks -------------------------------------------------------------------------------------------

def _writable(incident: Incident, actor: User, what: str) -> None:
    _require_staff(actor, what)
    _move(incident, "field_work")  # open or resolved incidents only, like the text record


def list_photos(s: Session, incident: Incident) -> list[FieldPhoto]:
    """The incident's site photos, oldest first."""
    return list(s.scalars(select(FieldPhoto).where(FieldPhoto.incident_id == incident.id).order_by(FieldPhoto.id)))


def get_photo(s: Session, incident: Incident, viewer: User | None, photo_id: object) -> FieldPhoto:
    """A site photo of this incident for staff; NotFound for anyone else or another incident's photo."""
    photo = s.get(FieldPhoto, int(str(photo_id))) if is_valid_id(photo_id) else None
    if photo is None or photo.incident_id != incident.id or viewer is None or viewer.role == Role.USER:
        raise NotFound("No such photo.")
    return photo


# -- photos --------------------------------------------------------------------------------------------------

def check_photo(filename: str, data: bytes) -> tuple[str, str]:
    """The knowledge base's file checks (size, name, type by content), and a picture the phone took."""
    name, content_type = check_file(filename, data)
    if content_type not in PHOTO_TYPES:
        raise ValidationError("Site photos are JPEG, PNG or WebP pictures.", fields={"photos": "not a photo"})
    return name, content_type


def add_photos(s: Session, store: BlobStore, incident: Incident, actor: User,
               files: Sequence[tuple[str, bytes]]) -> list[FieldPhoto]:
    """Adds the site photos, all or none: every file is checked before any is written; the same bytes are
    stored once. Each photo enters the history."""
    _writable(incident, actor, "add site photos")
    if not files:
        raise ValidationError("Choose at least one photo.", fields={"photos": "required"})
    if len(files) > MAX_PHOTOS_PER_FORM:
        raise ValidationError("Send at most 6 photos at once.", fields={"photos": "too many"})
    checked = []
    for filename, data in files:
        try:
            checked.append((*check_photo(filename, data), data))
        except DomainError as exc:
            if "file" in exc.fields:
                exc.fields["photos"] = exc.fields.pop("file")
            exc.params["filename"] = filename
            raise
    if len(list_photos(s, incident)) + len(checked) > MAX_PHOTOS_PER_INCIDENT:
        raise ValidationError("An incident holds at most 60 site photos.", fields={"photos": "too many"})
    added = []
    for name, content_type, data in checked:
        photo = FieldPhoto(incident_id=incident.id, blob=_stored_blob(s, store, data, content_type), filename=name,
                           uploaded_by_id=actor.id)
        s.add(photo)
        added.append(photo)
    s.flush()
    for photo in added:
        _record(s, incident, actor, "field_photo", field="photo", new=photo.filename)
    s.flush()
    return added


def can_remove_photo(actor: User | None, photo: FieldPhoto) -> bool:
    return actor is not None and (actor.id == photo.uploaded_by_id or actor.role in (Role.LEAD, Role.ADMIN))


def remove_photo(s: Session, incident: Incident, actor: User, photo_id: object) -> None:
    """Removes a site photo (its uploader, a technical lead or an administrator); the history keeps its name
    and the file goes once nothing else refers to it."""
    _require_staff(actor, "remove site photos")
    photo = get_photo(s, incident, actor, photo_id)
    if not can_remove_photo(actor, photo):
        raise Forbidden("Only who took the photo, a technical lead or an administrator removes it.")
    _move(incident, "field_work")
    blob_id = photo.blob_id
    _record(s, incident, actor, "field_photo_removed", field="photo", old=photo.filename)
    s.delete(photo)
    s.flush()
    drop_orphan_blobs(s, [blob_id])


# -- the signature -------------------------------------------------------------------------------------------

def save_signature(s: Session, store: BlobStore, incident: Incident, actor: User, signer_name: object,
                   png: bytes) -> FieldSignature:
    """Keeps the customer's signature: a real, bounded, non-blank PNG and the signer's name. A second one
    replaces the first (the history says whose replaced whose, and when)."""
    _writable(incident, actor, "collect signatures")
    errors: dict[str, str] = {}
    name = ""
    try:
        name = clean_text(signer_name, "signer_name", max_len=SIGNER_MAX)
    except ValidationError as exc:
        errors.update(exc.fields)
    size: tuple[int, int] | None = None
    try:
        size = signature_png.check(png)
    except ValidationError as exc:
        errors.update(exc.fields)
    if errors or size is None:
        first = next(iter(errors))
        raise ValidationError(f"Please correct the signature ({first}: {errors[first]}).", fields=errors)
    blob = _stored_blob(s, store, png, "image/png")
    found = s.get(FieldSignature, incident.id)
    old_blob = None
    if found is None:
        found = FieldSignature(incident_id=incident.id)
        s.add(found)
        old = None
    else:
        old = f"{found.signer_name} ({found.collected_at.isoformat(timespec='minutes')})"
        old_blob = found.blob_id
    found.blob, found.signer_name, found.width, found.height = blob, name, size[0], size[1]
    found.collected_by_id, found.collected_at = actor.id, utcnow()
    s.flush()
    _record(s, incident, actor, "signature", field="signature", old=old, new=name)
    s.flush()
    if old_blob is not None and old_blob != blob.id:
        drop_orphan_blobs(s, [old_blob])
    return found


def signature_of(s: Session, incident: Incident) -> FieldSignature | None:
    return s.get(FieldSignature, incident.id)


# -- measurements --------------------------------------------------------------------------------------------

FIELDS = {OPTICAL_POWER: "optical_power_dbm", SPEED_DOWN: "speed_down_mbps", SPEED_UP: "speed_up_mbps",
          PING_LOSS: "ping_loss_percent"}
_RANGES = {OPTICAL_POWER: (-60.0, 10.0), SPEED_DOWN: (0.0, 100_000.0), SPEED_UP: (0.0, 100_000.0),
           PING_LOSS: (0.0, 100.0)}


def _number(value: object, name: str, bounds: tuple[float, float], errors: dict[str, str]) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        errors[name] = "a number"
        return None
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        errors[name] = "a number"
        return None
    if not math.isfinite(number) or not bounds[0] <= number <= bounds[1]:
        errors[name] = f"between {bounds[0]:g} and {bounds[1]:g}"
        return None
    return number


def record_measurements(s: Session, incident: Incident, actor: User, data: Mapping[str, Any],
                        limits: Thresholds) -> list[FieldMeasurement]:
    """Stores each reading given (optical power, speed down/up against the contracted bandwidth, 1472-byte ping
    loss), judged in or out of the limits in force now (a reading without a limit counts as in range); at least
    one reading, all valid, or nothing is kept."""
    _writable(incident, actor, "record measurements")
    errors: dict[str, str] = {}
    readings = {kind: _number(data.get(field), field, _RANGES[kind], errors) for kind, field in FIELDS.items()}
    # The contract is the download bandwidth; an upload is judged against its own contracted rate when given
    # (home broadband is asymmetric), else stored without a limit.
    contracts = {SPEED_DOWN: _number(data.get("contracted_mbps"), "contracted_mbps", (0.1, 100_000.0), errors),
                 SPEED_UP: _number(data.get("contracted_up_mbps"), "contracted_up_mbps", (0.1, 100_000.0), errors)}
    if readings[SPEED_DOWN] is not None and contracts[SPEED_DOWN] is None and "contracted_mbps" not in errors:
        errors["contracted_mbps"] = "required with a speed test"
    note = ""
    try:
        note = clean_text(data.get("note"), "note", max_len=NOTE_MAX, required=False)
    except ValidationError as exc:
        errors.update(exc.fields)
    taken_at = _taken_at(incident, data.get("taken_at"), errors)
    if not errors and all(v is None for v in readings.values()):
        errors["optical_power_dbm"] = "enter at least one reading"
    if errors:
        first = next(iter(errors))
        raise ValidationError(f"Please correct the measurements ({first}: {errors[first]}).", fields=errors)
    added = []
    for kind in KINDS:
        value = readings[kind]
        if value is None:
            continue
        contracted = contracts.get(kind)
        low, high, inclusive, ok = judge(kind, value, contracted, limits)
        row = FieldMeasurement(incident_id=incident.id, kind=kind, value=value,
                               contracted_mbps=contracted, low=low, high=high,
                               high_inclusive=inclusive, in_range=ok, note=note, taken_at=taken_at,
                               recorded_by_id=actor.id)
        s.add(row)
        added.append(row)
        _record(s, incident, actor, "measurement", field=kind, new=f"{value:g} {UNITS[kind]}")
    s.flush()
    return added


def _taken_at(incident: Incident, value: object, errors: dict[str, str]) -> datetime:
    if value in (None, ""):
        return utcnow()
    when = value
    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            errors["taken_at"] = "an ISO date-time"
            return utcnow()
    if not isinstance(when, datetime):
        errors["taken_at"] = "an ISO date-time"
        return utcnow()
    try:
        check_past(when, "taken_at", not_before=incident.created_at, before_what="the report")
    except ValidationError as exc:
        errors.update(exc.fields)
    return when


def list_measurements(s: Session, incident: Incident) -> list[FieldMeasurement]:
    """The incident's readings, newest first (the readings taken together in the order they were entered)."""
    return list(s.scalars(select(FieldMeasurement).where(FieldMeasurement.incident_id == incident.id)
                          .order_by(FieldMeasurement.taken_at.desc(), FieldMeasurement.id)))


# The refusals above, for extraction: pages and the API show them translated.
FIELD_RECORD_MESSAGES = frozenset({
    N_("Site photos are JPEG, PNG or WebP pictures."),
    N_("Choose at least one photo."),
    N_("Send at most 6 photos at once."),
    N_("An incident holds at most 60 site photos."),
    N_("Only who took the photo, a technical lead or an administrator removes it."),
    N_("No such photo."),
    N_("Only service-desk staff add site photos."),
    N_("Only service-desk staff remove site photos."),
    N_("Only service-desk staff collect signatures."),
    N_("Only service-desk staff record measurements."),
})
