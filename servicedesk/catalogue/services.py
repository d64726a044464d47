"""Administrators add services and change their labels, default SLA category, order and active flag. A code is
never changed nor deleted (incidents, articles and figures name it); an inactive service is kept for what names
it and is no longer offered for new reports. Two administrators adding one code at the same moment: one wins,
the other is told (409 duplicate_code); a change made from a stale copy is refused (409 stale_version)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kb.actors import Role
from kb.errors import Conflict, Forbidden, NotFound, ValidationError
from kb.orm import utcnow
from kb.validation import clean_text
from servicedesk.audit.services import created, diff, record_change, snapshot
from servicedesk.catalogue import registry
from servicedesk.catalogue.models import CatalogueService
from servicedesk.incidents.workflow import Category
from servicedesk.users.models import User

CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
LABEL_MAX = 60
FIELDS = ("code", "label_zh", "label_en", "default_category", "active", "sort")
CATEGORIES = [c.value for c in Category]


def _require_admin(actor: User) -> None:
    if actor.role != Role.ADMIN:
        raise Forbidden("Only administrators change the service catalogue.")


def services(s: Session) -> list[CatalogueService]:
    return list(s.scalars(select(CatalogueService).order_by(CatalogueService.sort, CatalogueService.code)))


def get_service(s: Session, code: str) -> CatalogueService:
    found = s.scalar(select(CatalogueService).where(CatalogueService.code == code[:40]))
    if found is None:
        raise NotFound("No such service.")
    return found


def _values(data: Mapping[str, Any], errors: dict[str, str], *, new: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("label_zh", "label_en"):
        if new or name in data:
            try:
                out[name] = clean_text(data.get(name), name, max_len=LABEL_MAX)
            except ValidationError as exc:
                errors.update(exc.fields)
    if new or "default_category" in data:
        category = data.get("default_category") or "fault"
        if category not in CATEGORIES:
            errors["default_category"] = "one of: " + ", ".join(CATEGORIES)
        out["default_category"] = category
    if "sort" in data and data["sort"] not in (None, ""):
        try:
            sort = int(str(data["sort"]))
        except ValueError:
            sort = -1
        if not 0 <= sort <= 10_000:
            errors["sort"] = "a whole number from 0 to 10000"
        out["sort"] = sort
    if "active" in data and data["active"] is not None:
        if not isinstance(data["active"], bool):
            errors["active"] = "true or false"
        out["active"] = data["active"]
    return out


def create_service(s: Session, actor: User, data: Mapping[str, Any]) -> CatalogueService:
    _require_admin(actor)
    errors: dict[str, str] = {}
    code = str(data.get("code") or "").strip().lower()
    if not CODE.match(code):
        errors["code"] = "2 to 40 of a-z, 0-9 and _, starting with a letter"
    values = _values(data, errors, new=True)
    if errors:
        first = next(iter(errors))
        raise ValidationError(f"Please correct the service ({first}: {errors[first]}).", fields=errors)
    if s.scalar(select(CatalogueService.id).where(CatalogueService.code == code)) is not None:
        raise Conflict("A service with this code exists already.", code="duplicate_code",
                       fields={"code": "a service has this code already"})
    values.setdefault("sort", (max((r.sort for r in services(s)), default=0) + 10))
    values.setdefault("active", True)
    service = CatalogueService(code=code, **values, updated_at=utcnow())
    try:
        with s.begin_nested():
            s.add(service)
    except IntegrityError as exc:  # the same code added at the same moment by another administrator
        raise Conflict("A service with this code exists already.", code="duplicate_code",
                       fields={"code": "a service has this code already"}) from exc
    record_change(s, actor, "service.created", object_type="service", object_id=code, object_label=values.get(
        "label_zh", code), changes=created(snapshot(service, FIELDS)))
    registry.refresh(s, force=True)
    return service


def update_service(s: Session, actor: User, service: CatalogueService, data: Mapping[str, Any],
                   version: int | None = None) -> CatalogueService:
    _require_admin(actor)
    if version is not None and version != service.version:
        raise Conflict(f"The service changed since you read it (version {version}, now {service.version}); "
                       "reload it and try again.", code="stale_version", fields={"version": f"now {service.version}"})
    errors: dict[str, str] = {}
    values = _values(data, errors, new=False)
    if errors:
        first = next(iter(errors))
        raise ValidationError(f"Please correct the service ({first}: {errors[first]}).", fields=errors)
    before = snapshot(service, FIELDS)
    for name, value in values.items():
        setattr(service, name, value)
    changes = diff(before, snapshot(service, FIELDS))
    if changes:
        service.updated_at = utcnow()
        s.flush()
        record_change(s, actor, "service.updated", object_type="service", object_id=service.code,
                      object_label=service.label_zh, changes=changes)
        registry.refresh(s, force=True)
    return service


def service_data(service: CatalogueService) -> dict[str, Any]:
    return {"code": service.code, "label_zh": service.label_zh, "label_en": service.label_en,
            "default_category": service.default_category, "active": service.active, "sort": service.sort,
            "version": service.version, "updated_at": service.updated_at.isoformat()}
