"""Administrators add services and change their labels, default SLA category, order and active flag; and the
report types under each service (labels, the SLA category a report of the type counts as, order, active flag).
A code is never changed nor deleted (incidents, articles and figures name it); an inactive service or type is
kept for what names it and is no longer offered for new reports. Two administrators adding one code at the same
moment: one wins, the other is told (409 duplicate_code); a change made from a stale copy is refused (409
stale_version)."""

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
from servicedesk.catalogue.models import CatalogueReportType, CatalogueService
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


def _values(data: Mapping[str, Any], errors: dict[str, str], *, new: bool,
            category_field: str = "default_category") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("label_zh", "label_en"):
        if new or name in data:
            try:
                out[name] = clean_text(data.get(name), name, max_len=LABEL_MAX)
            except ValidationError as exc:
                errors.update(exc.fields)
    if new or category_field in data:
        category = data.get(category_field) or "fault"
        if category not in CATEGORIES:
            errors[category_field] = "one of: " + ", ".join(CATEGORIES)
        out[category_field] = category
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
    _checked(errors, "service")
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


def _fresh(row: CatalogueService | CatalogueReportType, version: int | None, what: str) -> None:
    if version is not None and version != row.version:
        raise Conflict(f"The {what} changed since you read it (version {version}, now {row.version}); "
                       "reload it and try again.", code="stale_version", fields={"version": f"now {row.version}"})


def _checked(errors: dict[str, str], what: str) -> None:
    if errors:
        first = next(iter(errors))
        raise ValidationError(f"Please correct the {what} ({first}: {errors[first]}).", fields=errors)


def _apply(s: Session, actor: User, row: CatalogueService | CatalogueReportType, values: Mapping[str, Any],
           fields: tuple[str, ...], action: str, object_id: str) -> None:
    """Sets the values; records what changed (and makes every process see it) when anything did."""
    before = snapshot(row, fields)
    for name, value in values.items():
        setattr(row, name, value)
    changes = diff(before, snapshot(row, fields))
    if changes:
        row.updated_at = utcnow()
        s.flush()
        record_change(s, actor, action, object_type=action.split(".")[0], object_id=object_id,
                      object_label=row.label_zh, changes=changes)
        registry.refresh(s, force=True)


def update_service(s: Session, actor: User, service: CatalogueService, data: Mapping[str, Any],
                   version: int | None = None) -> CatalogueService:
    _require_admin(actor)
    _fresh(service, version, "service")
    errors: dict[str, str] = {}
    values = _values(data, errors, new=False)
    _checked(errors, "service")
    _apply(s, actor, service, values, FIELDS, "service.updated", service.code)
    return service


def service_data(service: CatalogueService) -> dict[str, Any]:
    return {"code": service.code, "label_zh": service.label_zh, "label_en": service.label_en,
            "default_category": service.default_category, "active": service.active, "sort": service.sort,
            "version": service.version, "updated_at": service.updated_at.isoformat()}


# -- report types ------------------------------------------------------------------------------------------

TYPE_FIELDS = ("service", "code", "label_zh", "label_en", "sla_category", "active", "sort")


def report_types(s: Session, service: str | None = None) -> list[CatalogueReportType]:
    query = select(CatalogueReportType).order_by(CatalogueReportType.service, CatalogueReportType.sort,
                                                 CatalogueReportType.code)
    if service is not None:
        query = query.where(CatalogueReportType.service == service)
    return list(s.scalars(query))


def get_report_type(s: Session, service: str, code: str) -> CatalogueReportType:
    found = s.scalar(select(CatalogueReportType).where(CatalogueReportType.service == service[:40],
                                                       CatalogueReportType.code == code[:40]))
    if found is None:
        raise NotFound("No such report type under this service.")
    return found


def _duplicate_type() -> Conflict:
    return Conflict("This service has a report type with this code already.", code="duplicate_code",
                    fields={"code": "this service has a type with this code already"})


def create_report_type(s: Session, actor: User, service: CatalogueService,
                       data: Mapping[str, Any]) -> CatalogueReportType:
    """A new report type under the service (inactive services take types too: they may come back)."""
    _require_admin(actor)
    errors: dict[str, str] = {}
    code = str(data.get("code") or "").strip().lower()
    if not CODE.match(code):
        errors["code"] = "2 to 40 of a-z, 0-9 and _, starting with a letter"
    values = _values(data, errors, new=True, category_field="sla_category")
    _checked(errors, "report type")
    taken = select(CatalogueReportType.id).where(CatalogueReportType.service == service.code,
                                                 CatalogueReportType.code == code)
    if s.scalar(taken) is not None:
        raise _duplicate_type()
    values.setdefault("sort", max((t.sort for t in report_types(s, service.code)), default=0) + 10)
    values.setdefault("active", True)
    row = CatalogueReportType(service=service.code, code=code, **values, updated_at=utcnow())
    try:
        with s.begin_nested():
            s.add(row)
    except IntegrityError as exc:  # the same code added at the same moment by another administrator
        raise _duplicate_type() from exc
    record_change(s, actor, "report_type.created", object_type="report_type", object_id=f"{service.code}.{code}",
                  object_label=row.label_zh, changes=created(snapshot(row, TYPE_FIELDS)))
    registry.refresh(s, force=True)
    return row


def update_report_type(s: Session, actor: User, row: CatalogueReportType, data: Mapping[str, Any],
                       version: int | None = None) -> CatalogueReportType:
    _require_admin(actor)
    _fresh(row, version, "report type")
    errors: dict[str, str] = {}
    values = _values(data, errors, new=False, category_field="sla_category")
    _checked(errors, "report type")
    _apply(s, actor, row, values, TYPE_FIELDS, "report_type.updated", f"{row.service}.{row.code}")
    return row


def report_type_data(row: CatalogueReportType) -> dict[str, Any]:
    return {"service": row.service, "code": row.code, "label_zh": row.label_zh, "label_en": row.label_en,
            "sla_category": row.sla_category, "active": row.active, "sort": row.sort, "version": row.version,
            "updated_at": row.updated_at.isoformat()}
