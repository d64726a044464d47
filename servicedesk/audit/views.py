"""The audit log page for administrators: events newest first, filtered, paged."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request
from flask_babel import get_timezone
from flask_babel import gettext as _
from sqlalchemy import func, select

from kb.actors import Role
from servicedesk import db
from servicedesk.audit.blueprint import bp
from servicedesk.audit.queries import parse_filter, select_events
from servicedesk.auth.setup import roles_required

PER_PAGE = 50
MAX_PAGE = 10_000


def _desk_zone() -> ZoneInfo:
    return ZoneInfo(str(get_timezone() or current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC"))


def _page() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_PAGE else 1


@bp.get("")
@roles_required(Role.ADMIN)
def audit_log() -> Any:
    page = _page()
    wanted, errors = parse_filter(request.args, _desk_zone())
    events: list[Any] = []
    total = 0
    if not errors:
        s = db.session()
        stmt = select_events(wanted)
        total = s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        events = list(s.scalars(stmt.limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    shown = [_("Please give a date as YYYY-MM-DD (the end after the start).") if name in ("since", "until")
             else _("This filter is too long.") for name in errors]
    return render_template("audit/list.html", events=events, total=total, page=page, per_page=PER_PAGE,
                           args=request.args, errors=sorted(set(shown)), bad=set(errors)), (400 if errors else 200)
