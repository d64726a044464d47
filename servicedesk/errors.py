"""Domain errors and HTTP errors rendered as JSON under /api and as friendly pages elsewhere."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from kb.errors import Conflict, DomainError, Forbidden, NotFound, TooLarge, ValidationError
from servicedesk import db

__all__ = ["Conflict", "DomainError", "Forbidden", "NotFound", "TooLarge", "ValidationError", "register"]

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
    500: "internal_error",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, code: str, message: str, fields: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"error": {"code": code, "message": message, "fields": fields or {}}}
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="servicedesk"'
    return response


def _page(status: int, message: str) -> tuple[str, int]:
    template = f"errors/{status}.html" if status in (403, 404, 413, 500) else "errors/error.html"
    return render_template(template, status=status, message=message), status


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> Any:
        db.session.rollback()
        if wants_json():
            return json_error(exc.status, exc.code, exc.message, exc.fields)
        return _page(exc.status, exc.message)

    def _lost_race() -> Any:
        """A change that lost a race with someone else's: one message and one code (409 concurrent_change)."""
        message = _("Someone else changed this record at the same time; reload it and try again.")
        if wants_json():
            return json_error(409, "concurrent_change", message)
        return _page(409, message)

    @app.errorhandler(StaleDataError)
    def _stale(_exc: StaleDataError) -> Any:
        db.session.rollback()
        return _lost_race()

    @app.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError) -> Any:
        db.session.rollback()
        log.warning("integrity error: %s", exc.orig)
        message = _("The change conflicts with existing data and was not saved.")
        if wants_json():
            return json_error(409, "integrity_conflict", message)
        return _page(409, message)

    @app.errorhandler(OperationalError)
    def _operational(exc: OperationalError) -> Any:
        db.session.rollback()
        from servicedesk.incidents.services import concurrent_change

        if concurrent_change(exc) is not None:
            # Lost a race for a lock (a deadlock broken, a lock wait that ran out): the person tries again.
            log.warning("concurrent change: %s", exc.orig)
            return _lost_race()
        log.exception("database unavailable on %s %s", request.method, request.path)
        message = _("The database is not answering; nothing was changed. Try again in a moment.")
        if wants_json():
            response = json_error(503, "database_unavailable", message)
        else:
            response = app.make_response(_page(503, message))
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Any:
        message = _("The form expired or was sent from elsewhere. Go back, reload the page and send it again.")
        if wants_json():
            return json_error(400, "csrf_failed", message)
        return _page(400, message)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        status = exc.code or 500
        if wants_json():
            message = exc.description or exc.name
            if status == 413:
                message = "The request body is too large."
            response = json_error(status, HTTP_CODES.get(status, "http_error"), message)
        else:
            messages = {
                403: _("You do not have permission to see this page."),
                404: _("This page does not exist, or you cannot see it."),
                413: _("What you sent is too large."),
                405: _("This action is not available here."),
            }
            response = app.make_response(_page(status, messages.get(status, exc.description or exc.name)))
        # The exception's own headers (405's Allow, 429's Retry-After, 401's WWW-Authenticate) survive the
        # rendering; ours (Content-Type, set above) win where both name one.
        for name, value in exc.get_headers():
            if name.lower() != "content-type" and name not in response.headers:
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        if app.config.get("PROPAGATE_EXCEPTIONS") and app.testing:
            raise exc
        if wants_json():
            return json_error(500, "internal_error", "Something went wrong on our side; nothing was changed.")
        return _page(500, _("Something went wrong on our side; nothing was changed."))
