"""Fixtures for the first-response, at-risk and call-back tests: an organisation with a group leader, a clock
the tests set (times are written into the rows and `now` handed to the SLA check), page and API clients."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from flask_login import FlaskLoginClient
from sqlalchemy.orm import Session

from kb.actors import Role
from kb.orm import utcnow
from servicedesk.incidents.models import Incident
from servicedesk.org import services as org
from servicedesk.org.models import Zone
from servicedesk.users.models import User
from tests import factories
from tests.servicedesk.api.helpers import Api


@pytest.fixture
def leader(app: Flask) -> User:
    return factories.user(Role.SPECIALIST, "zu.zhang", display_name="张组长", email="zu.zhang@example.cn")


@pytest.fixture
def zone(s: Session, admin: User, agent: User, leader: User) -> Zone:
    """城东服务站 → 第一维护组 (leader zu.zhang) → zone CD-01 (urban), managed by li.na."""
    station = org.create_station(s, admin, "城东服务站")
    group = org.create_group(s, admin, station, "第一维护组", leader=leader)
    return org.create_zone(s, admin, group, code="CD-01", name="城东一片区", manager=agent, area="urban")


def shift(incident: Incident, created: datetime) -> Incident:
    """Moves an incident's clock so it was reported at `created` (its due times keep their distance)."""
    delta = created - incident.created_at
    incident.created_at = created
    incident.respond_by += delta
    incident.resolve_by += delta
    return incident


@pytest.fixture
def reported(s: Session, zone: Zone, subscriber: User) -> Callable[..., Incident]:
    """A fault reported in zone CD-01 `ago` before now (routed to its manager, nobody has responded)."""

    def make(ago: timedelta = timedelta(0), **overrides: Any) -> Incident:
        inc = factories.incident(subscriber, zone="CD-01", **overrides)
        shift(inc, utcnow() - ago)
        s.flush()
        return inc

    return make


@pytest.fixture
def awaiting(s: Session, agent: User, lead: User, subscriber: User) -> Callable[..., Incident]:
    """A resolved incident (approved solution unless told otherwise) fixed `ago` before now, unverified."""

    def make(ago: timedelta = timedelta(days=3), approved: bool = True) -> Incident:
        sol = factories.approved_article(agent, lead) if approved else factories.article(agent)
        inc = factories.resolved_incident(agent, subscriber, sol)
        inc.resolved_at = utcnow() - ago
        s.flush()
        return inc

    return make


class DeskClient(FlaskLoginClient):
    """Several logged-in clients take turns in one test: forget the cached user before each request."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


@pytest.fixture
def page(app: Flask, s: Session) -> Callable[..., FlaskClient]:
    """A page client for user in a language (zh_CN, the desk's default, or en); commits the setup first."""

    def make(user: User | None = None, lang: str = "en") -> FlaskClient:
        s.commit()
        client = DeskClient(app, app.response_class, use_cookies=True, user=user)
        client.set_cookie("lang", lang)
        return client

    return make


@pytest.fixture
def api(app: Flask, s: Session) -> Api:
    return Api(app.test_client(), s)

