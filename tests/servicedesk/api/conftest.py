"""API test fixtures: real HTTP calls through the Flask test client, authenticated by bearer tokens."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from kb.actors import Role
from servicedesk.org import services as org
from servicedesk.org.models import Zone
from servicedesk.users.models import User
from tests import factories
from tests.servicedesk.api.helpers import Api


@pytest.fixture
def api(app: Flask, s: Session) -> Api:
    return Api(app.test_client(), s)


@pytest.fixture
def group_leader(app: Flask) -> User:
    return factories.user(Role.SPECIALIST, "zu.zhang", display_name="张组长")


@pytest.fixture
def zone(s: Session, admin: User, agent: User, group_leader: User) -> Zone:
    """城东服务站 → 第一维护组 (leader zu.zhang) → zone CD-01 (township), managed by li.na."""
    station = org.create_station(s, admin, "城东服务站")
    group = org.create_group(s, admin, station, "第一维护组", leader=group_leader)
    return org.create_zone(s, admin, group, code="CD-01", name="城东一片区", manager=agent, area="township")
