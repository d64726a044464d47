"""The catalogue in every process: loaded at start, and again on a request when the catalogue's stamp (the
number of services and report types and the sums of their versions) differs from the one this process loaded —
looked at most once a second per process, so an administrator's new service or type works everywhere within a
second."""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import event, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import Table

from kb import vocabulary
from servicedesk.catalogue.models import CatalogueReportType, CatalogueService

log = logging.getLogger(__name__)
CHECK_EVERY = 1.0  # seconds between two looks at the stamp in one process
SHIPPED = [(code, zh, en) for code, (zh, en) in vocabulary.SERVICES.items()]
SHIPPED_TYPES = [(service, code, row) for service, types in vocabulary.REPORT_TYPES.items()
                 for code, row in types.items()]

_lock = threading.Lock()
_loaded: tuple[int, ...] | None = None
_looked = 0.0


def stamp(s: Session) -> tuple[int, ...]:
    counted = s.execute(select(
        select(func.count()).select_from(CatalogueService).scalar_subquery(),
        select(func.coalesce(func.sum(CatalogueService.version), 0)).scalar_subquery(),
        select(func.count()).select_from(CatalogueReportType).scalar_subquery(),
        select(func.coalesce(func.sum(CatalogueReportType.version), 0)).scalar_subquery())).one()
    return tuple(int(n) for n in counted)


def load(s: Session) -> None:
    """Reads the catalogue into kb.vocabulary (the stamp first, so a later change is never missed)."""
    global _loaded
    now = stamp(s)
    rows = list(s.scalars(select(CatalogueService).order_by(CatalogueService.sort, CatalogueService.code)))
    if not rows:
        return  # a database without the catalogue yet (before its migration): keep what is loaded
    types: dict[str, dict[str, vocabulary.ReportType]] = {}
    for t in s.scalars(select(CatalogueReportType).order_by(CatalogueReportType.service, CatalogueReportType.sort,
                                                            CatalogueReportType.code)):
        types.setdefault(t.service, {})[t.code] = (t.label_zh, t.label_en, t.sla_category, t.active)
    vocabulary.replace({r.code: (r.label_zh, r.label_en) for r in rows}, [r.code for r in rows if r.active],
                       {r.code: r.default_category for r in rows}, types)
    _loaded = now


def refresh(s: Session, *, force: bool = False) -> None:
    """Loads the catalogue when it changed since this process loaded it (at most one look a second)."""
    global _looked
    moment = time.monotonic()
    if not force and moment - _looked < CHECK_EVERY:
        return
    with _lock:
        _looked = moment
        try:
            if force or stamp(s) != _loaded:
                load(s)
        except SQLAlchemyError:
            log.warning("could not read the service catalogue; keeping the one loaded", exc_info=True)


@event.listens_for(CatalogueService.__table__, "after_create")
def _seed(target: Table, connection: Connection, **_kw: object) -> None:
    """A database made from the models (tests, a first start without migrations) gets the shipped services."""
    connection.execute(insert(target), [
        {"code": code, "label_zh": zh, "label_en": en, "default_category": "fault", "active": True,
         "sort": (n + 1) * 10, "version": 1} for n, (code, zh, en) in enumerate(SHIPPED)])


@event.listens_for(CatalogueReportType.__table__, "after_create")
def _seed_types(target: Table, connection: Connection, **_kw: object) -> None:
    """The shipped report types of the shipped services, as the migration seeds them."""
    order: dict[str, int] = {}
    rows = []
    for service, code, (zh, en, category, active) in SHIPPED_TYPES:
        order[service] = order.get(service, 0) + 10
        rows.append({"service": service, "code": code, "label_zh": zh, "label_en": en, "sla_category": category,
                     "active": active, "sort": order[service], "version": 1})
    connection.execute(insert(target), rows)
