"""GET /api/v1/openapi.json: the OpenAPI 3.1 document, generated from the operations the views declare
(servicedesk.api.contract) and the URL rules Flask has; nothing in it is written by hand beside the code."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app

from servicedesk.api import bp
from servicedesk.api import schemas as sch
from servicedesk.api.common import open_endpoint
from servicedesk.api.contract import SIGNED_IN, declared_paths, error_responses, operation

J = dict[str, Any]
log = logging.getLogger(__name__)
TAGS = ("health", "meta", "articles", "search", "incidents", "organisation", "users", "webhooks", "audit",
        "figures", "problems", "changes", "catalogue")


def document() -> J:
    """The whole API as an OpenAPI 3.1 document. A route without a declaration is a programming error that
    tests/servicedesk/api/test_protocol.py catches; until then it is listed with x-undeclared, so clients
    still learn that it exists."""
    components: J = {}
    paths, missing = declared_paths(current_app, bp.url_prefix or "", components, also=(sch.Error,))
    for path, method in missing:
        log.error("API route %s %s has no @operation declaration", method.upper(), path)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Service desk API",
            "version": "1.0.0",
            "description": "ITIL service desk with a reviewed knowledge base. JSON in and out (UTF-8); times "
                           "are ISO 8601 with offset. Errors are always {\"error\": {\"code\", \"message\", "
                           "\"fields\"}}. Browser sessions work too and then need X-CSRFToken on writes.",
        },
        "servers": [{"url": bp.url_prefix or "/"}],
        "security": SIGNED_IN,
        "tags": [{"name": t} for t in TAGS],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(components.items())),
            "responses": error_responses(),
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer",
                               "description": "`flask users token USERNAME`, or POST /me/tokens"},
                "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "session",
                               "description": "The web session; writes also need the X-CSRFToken header"},
            },
        },
    }


@bp.get("/openapi.json")
@operation("get_openapi", tag="meta", summary="This document", errors=(), responses={200: {
    "description": "OpenAPI 3.1 document", "content": {"application/json": {"schema": {"type": "object"}}}}})
@open_endpoint
def openapi() -> J:
    return document()
