"""Liveness for load balancers and monitoring: the database answers, the search index opens, and how far
this node's index lags behind the database's change log (changes, and the seconds the oldest has waited)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from servicedesk import db
from servicedesk.api import bp
from servicedesk.api import schemas as sch
from servicedesk.api.common import open_endpoint
from servicedesk.api.contract import operation
from servicedesk.notify.status import notify_health
from servicedesk.search import current_index, index_lag

log = logging.getLogger(__name__)


@bp.get("/health")
@operation("get_health", tag="health", summary="Database and search index answer",
           description="503 with the failing part marked 'error' when something is down.",
           responses={200: sch.Health, 503: sch.Health}, errors=())
@open_endpoint
def health() -> tuple[dict[str, Any], int]:
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError:
        log.exception("health: database check failed")
        db.session.rollback()
        database = "error"
    index = "ok" if current_index().check() else "error"
    lag: int | None = None
    waited: float | None = None
    if database == "ok":
        try:
            lag, waited = index_lag()
        except SQLAlchemyError:
            log.exception("health: reading the index change log failed")
    ok = database == "ok" and index == "ok"
    return {"status": "ok" if ok else "error", "database": database, "index": index, "index_lag": lag,
            "index_lag_seconds": round(waited, 3) if waited is not None else None,
            **notify_health(database == "ok")}, 200 if ok else 503
