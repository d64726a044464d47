"""Helpers for the API tests: an HTTP caller with bearer tokens, row counts, the error envelope."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
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

    def raw(self, method: str, path: str, user: User | None = None, *, headers: dict[str, str] | None = None,
            **kwargs: Any) -> TestResponse:
        """Any request (files, multipart), answered with whatever content type the endpoint chooses."""
        all_headers = dict(headers or {})
        if user is not None:
            all_headers["Authorization"] = f"Bearer {self.token(user)}"
        self.s.commit()
        return self.client.open("/api/v1" + path, method=method, headers=all_headers, **kwargs)

    def upload(self, path: str, user: User | None, filename: str, content: bytes,
               field: str = "file") -> TestResponse:
        """POST one file as multipart/form-data; the answer is JSON."""
        response = self.raw("POST", path, user, data={field: (BytesIO(content), filename)},
                            content_type="multipart/form-data")
        assert response.content_type.startswith("application/json"), response.data[:200]
        return response

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


def closed(schema: object) -> object:
    """The schema with every object closed, so a field the document does not describe fails validation."""
    if isinstance(schema, dict):
        out = {k: closed(v) for k, v in schema.items()}
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [closed(v) for v in schema]
    return schema


def check_schema(api: Api, response: TestResponse, name: str) -> None:
    """The response body validates against the OpenAPI component `name`, with no undocumented field."""
    components = closed(api.get("/openapi.json").get_json()["components"])
    Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": components}).validate(
        response.get_json())
