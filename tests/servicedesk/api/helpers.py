"""Helpers for the API tests: an HTTP caller with bearer tokens, row counts, the error envelope."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from servicedesk.users.models import User
from servicedesk.users.services import issue_token


class Api:
    """Calls /api/v1 as a given user (bearer token) or anonymously; test setup is committed first."""

    def __init__(self, client: FlaskClient, s: Session) -> None:
        self.client = client
        self.s = s
        self._tokens: dict[int, str] = {}

    def token(self, user: User) -> str:
        if user.id not in self._tokens:
            self._tokens[user.id] = issue_token(self.s, user, "测试")
        return self._tokens[user.id]

    def call(self, method: str, path: str, user: User | None = None, *, json: Any = None,
             data: bytes | str | None = None, headers: dict[str, str] | None = None,
             query: dict[str, Any] | None = None) -> TestResponse:
        all_headers = dict(headers or {})
        if user is not None:
            all_headers["Authorization"] = f"Bearer {self.token(user)}"
        # What the test built so far is the baseline each request starts from (and may roll back to).
        self.s.commit()
        kwargs: dict[str, Any] = {"headers": all_headers, "query_string": query}
        if json is not None:
            kwargs["json"] = json
        elif data is not None:
            kwargs["data"] = data
            kwargs["content_type"] = "application/json"
        response = self.client.open("/api/v1" + path, method=method, **kwargs)
        assert response.content_type.startswith("application/json"), response.data[:200]
        return response

    def get(self, path: str, user: User | None = None, **kw: Any) -> TestResponse:
        return self.call("GET", path, user, **kw)

    def post(self, path: str, user: User | None = None, **kw: Any) -> TestResponse:
        return self.call("POST", path, user, **kw)

    def put(self, path: str, user: User | None = None, **kw: Any) -> TestResponse:
        return self.call("PUT", path, user, **kw)

    def patch(self, path: str, user: User | None = None, **kw: Any) -> TestResponse:
        return self.call("PATCH", path, user, **kw)

    def delete(self, path: str, user: User | None = None, **kw: Any) -> TestResponse:
        return self.call("DELETE", path, user, **kw)


def count(s: Session, model: type) -> int:
    return int(s.scalar(select(func.count()).select_from(model)) or 0)


def error_of(response: TestResponse) -> dict[str, Any]:
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]
