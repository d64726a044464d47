"""/api/v1: one module per resource, serializers, and the OpenAPI document.

Bearer-token calls skip Flask-WTF's CSRF check (a token is not sent by browsers on their own);
browser-session calls are checked in common.guard instead.
"""

from flask import Blueprint

from servicedesk.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

from servicedesk.api import common  # noqa: E402

bp.before_request(common.guard)
bp.before_request(common.then_write)

from servicedesk.api import (  # noqa: E402, F401
    appointments,
    articles,
    attachments,
    audit,
    callbacks,
    catalogue,
    changes,
    conversation,
    document,
    field_records,
    figures,
    health,
    incident_desk,
    incidents,
    notifications,
    org,
    problems,
    search,
    users,
    webhooks,
)
