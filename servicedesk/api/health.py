"""Liveness for load balancers and monitoring: the database answers and the search index opens."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from servicedesk import db
from servicedesk.api import bp
from servicedesk.api.common import open_endpoint
from servicedesk.search import current_index

log = logging.getLogger(__name__)


@bp.get("/health")
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
    ok = database == "ok" and index == "ok"
    return {"status": "ok" if ok else "error", "database": database, "index": index}, 200 if ok else 503
