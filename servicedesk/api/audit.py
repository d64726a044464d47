"""/api/v1/audit: the audit log for administrators, with the page's filters and the API's paging."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, request

from kb.actors import Role
from kb.errors import Forbidden, ValidationError
from servicedesk.api import bp
from servicedesk.api import schemas as sch
from servicedesk.api.common import page_args, paginate, session, user
from servicedesk.api.contract import operation
from servicedesk.audit.queries import event_out, parse_filter, select_events


@bp.get("/audit")
@operation("list_audit_events", tag="audit", summary="Who changed what, when, before and after (admin)",
           description="Users, roles, tokens, SLA policies, the organisation, subscriber records, the search "
                       "dictionary, webhooks and message templates. Append-only: the database refuses to change "
                       "or delete an event.",
           query=sch.AuditLogQuery, responses={200: sch.AuditLogPage}, errors=(401, 403))
def list_audit_events() -> dict[str, Any]:
    if user().role != Role.ADMIN:
        raise Forbidden("Only an administrator reads the audit log.")
    errors: dict[str, str] = {}
    page, per_page = page_args(errors)
    # Dates without a time are the desk's days, as on the page.
    wanted, bad = parse_filter(request.args, ZoneInfo(str(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC"))))
    errors.update(bad)
    if errors:
        raise ValidationError("Bad audit filters.", fields=errors)
    return paginate(session(), select_events(wanted), page, per_page, event_out)
