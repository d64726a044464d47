"""The catalogue in every process: loaded at start, and again on a request when the catalogue's stamp (the
number of services and the sum of their versions) differs from the one this process loaded — looked at most
once a second per process, so an administrator's new service works everywhere within a second."""

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
from servicedesk.catalogue.models import CatalogueService

log = logging.getLogger(__name__)
CHECK_EVERY = 1.0  # seconds between two looks at the stamp in one process
SHIPPED = [(code, zh, en) for code, (zh, en) in vocabulary.SERVICES.items()]

_lock = threading.Lock()
_loaded: tuple[int, int] | None = None
_looked = 0.0


def stamp(s: Session) -> tuple[int, int]:
    count, versions = s.execute(select(func.count(), func.coalesce(func.sum(CatalogueService.version), 0))).one()
    return int(count), int(versions)


def load(s: Session) -> None:
    """Reads the catalogue into kb.vocabulary (the stamp first, so a later change is never missed)."""
    global _loaded
    now = stamp(s)
    rows = list(s.scalars(select(CatalogueService).order_by(CatalogueService.sort, CatalogueService.code)))
    if not rows:
        return  # a database without the catalogue yet (before its migration): keep what is loaded
    vocabulary.replace({r.code: (r.label_zh, r.label_en) for r in rows}, [r.code for r in rows if r.active],
                       {r.code: r.default_category for r in rows})
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
