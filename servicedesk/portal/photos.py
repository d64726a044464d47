"""Photos sent with fault reports: pictures only (checked by their bytes), size-limited, stored once by
SHA-256 in the same store as article attachments, and seen by staff and the reporter only.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.attachments import ALLOWED, BlobStore, clean_filename, sniff
from kb.errors import NotFound, TooLarge, ValidationError
from kb.models import Blob
from servicedesk.incidents.models import Incident
from servicedesk.incidents.services import get_incident
from servicedesk.portal.models import IncidentPhoto
from servicedesk.users.models import User

PHOTO_MAX_BYTES = 8 * 1024 * 1024
IMAGE_EXTENSIONS = tuple(ext for ext, kind in ALLOWED.items() if kind.startswith("image/"))


@dataclass(frozen=True)
class Photo:
    """A picture as it was uploaded: its name and its bytes."""

    filename: str
    data: bytes


def check_photo(photo: Photo) -> tuple[str, str]:
    """The photo's clean name and its content type, if it really is a picture of an allowed size."""
    if len(photo.data) > PHOTO_MAX_BYTES:
        raise TooLarge(f"The photo is larger than {PHOTO_MAX_BYTES // (1024 * 1024)} MB.",
                       fields={"photo": "too large"})
    if not photo.data:
        raise ValidationError("The photo is empty.", fields={"photo": "empty"})
    name = clean_filename(photo.filename or "photo")
    ext = os.path.splitext(name)[1].lower()
    content_type = sniff(photo.data, ext) if ext in IMAGE_EXTENSIONS else None
    if content_type is None:
        raise ValidationError("Only a photo (JPEG, PNG, GIF or WebP) can be sent with a report.",
                              fields={"photo": "not an image"})
    return name, content_type


def store_photo(s: Session, store: BlobStore, incident: Incident, actor: User, photo: Photo) -> IncidentPhoto:
    """Adds a checked photo to the incident; the same bytes are stored once, however often sent."""
    name, content_type = check_photo(photo)
    digest = hashlib.sha256(photo.data).hexdigest()
    blob = s.scalar(select(Blob).where(Blob.sha256 == digest))
    if blob is None:
        store.put(digest, photo.data)  # the file exists before any row points at it
        blob = Blob(sha256=digest, size=len(photo.data), content_type=content_type)
        s.add(blob)
    added = IncidentPhoto(incident_id=incident.id, blob=blob, filename=name, uploaded_by_id=actor.id)
    s.add(added)
    return added


def photos_for(s: Session, incident_id: int) -> list[IncidentPhoto]:
    """The photos sent with an incident, oldest first."""
    return list(s.scalars(select(IncidentPhoto).where(IncidentPhoto.incident_id == incident_id)
                          .order_by(IncidentPhoto.id)))


def get_photo(s: Session, user: User | None, incident_id: int, photo_id: int) -> IncidentPhoto:
    """A photo of an incident the user may see (staff, or its reporter); NotFound otherwise."""
    incident = get_incident(s, user, incident_id)
    photo = s.get(IncidentPhoto, photo_id)
    if photo is None or photo.incident_id != incident.id:
        raise NotFound("No such photo.")
    return photo
