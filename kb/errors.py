"""Domain errors. Each carries the HTTP status and the stable code the API reports."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, str] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.params = params
        if code is not None:
            self.code = code
        self.fields = fields or {}


class ValidationError(DomainError):
    status = 400
    code = "invalid_input"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """The request breaks a workflow rule; `code` names the rule."""

    status = 409
    code = "conflict"


class TooLarge(DomainError):
    status = 413
    code = "too_large"
