"""Page tests for the staff desk and the knowledge pages: English pages, committed setup data.

The views roll the session back when a service refuses something, so setup data is committed
(within the test's outer transaction, which conftest rolls back) before the first request.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from flask_login import FlaskLoginClient
from sqlalchemy.orm import Session

from servicedesk.users.models import User


class DeskClient(FlaskLoginClient):
    """Requests share the fixture's app context, where Flask-Login caches the user in g; forget it
    before each request so several clients (agent, lead, visitor) can take turns in one test."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


@pytest.fixture
def page(app: Flask, s: Session) -> Callable[..., FlaskClient]:
    """A client for user (None: anonymous) that reads English pages; commits the setup first."""

    def make(user: User | None = None) -> FlaskClient:
        s.commit()
        client = DeskClient(app, app.response_class, use_cookies=True, user=user)
        client.set_cookie("lang", "en")
        return client

    return make


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def plain(response: Any) -> str:
    """The page's text without tags (search highlights split titles with <mark>)."""
    return unescape(re.sub(r"<[^>]+>", "", text(response)))
