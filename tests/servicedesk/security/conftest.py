"""Fixtures of the hardening tests: a client per role, and a desk with one of everything to walk."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from flask_login import FlaskLoginClient
from sqlalchemy.orm import Session

from kb import services as kb_services
from kb.attachments import add_attachment
from kb.orm import utcnow
from servicedesk.attachments import current_store
from servicedesk.conversation import services as conversation
from servicedesk.notify import registry
from servicedesk.org import services as org
from servicedesk.org import sla_policies
from servicedesk.problems import changes, outages
from servicedesk.problems import services as problems
from servicedesk.users.models import User
from tests import factories

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class RoleClient(FlaskLoginClient):
    """Requests share the fixture's app context, where Flask-Login caches the user in g: forget it before
    each request, so clients of several roles can take turns in one test."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


@pytest.fixture
def as_user(app: Flask, s: Session) -> Callable[[User | None], FlaskClient]:
    """A client logged in as user (None: a visitor) that reads English pages; commits the setup first."""

    def make(user: User | None = None) -> FlaskClient:
        s.commit()
        client = RoleClient(app, app.response_class, use_cookies=True, user=user)
        client.set_cookie("lang", "en")
        return client

    return make


@dataclass
class Desk:
    """One of everything the routes look up, so a walk reaches the views and not only their 404s."""

    people: dict[str, User | None]
    path_values: dict[str, str]
    # Routes that need another object than the common one (the review page wants an article in review).
    endpoint_values: dict[str, dict[str, str]]


@pytest.fixture
def desk(s: Session, subscriber: User, agent: User, lead: User, admin: User) -> Desk:
    station = org.create_station(s, admin, "城东服务站")
    group = org.create_group(s, admin, station, "第一维护组", leader=agent)
    zone = org.create_zone(s, admin, group, code="CD-01", name="城东一片区", manager=agent, area="urban")
    org.upsert_subscriber(s, admin, {"account": "GD20240001", "name": "张伟", "phone": "13812345678",
                                     "zone": "CD-01", "service_level": "vip"})
    rule = sla_policies.create_sla_policy(s, admin, {"category": "fault", "area": "urban", "service_level": "vip",
                                                     "respond_minutes": 10, "resolve_minutes": 120,
                                                     "calendar": "24x7"})
    article = factories.approved_article(agent, lead, visibility="internal")
    attachment = add_attachment(s, current_store(), article, agent, "拓扑.png", PNG)
    in_review = factories.article(agent, title="机顶盒无信号的处理")
    kb_services.submit_article(s, in_review, agent)
    incident = factories.incident(agent, reporter=subscriber, customer_account="GD20240001")
    hook = registry.create_webhook(s, admin, {"url": "http://oss.example.net/hook", "events": ["incident.created"],
                                              "secret": "共享密钥-0123456789abcdef"}, own=[])
    reply = conversation.add_reply(s, incident, agent, "请重启光猫后再试。")
    problem = problems.create_problem(s, agent, {"title": "城东一片区 OLT 板卡故障", "service": "broadband"})
    change = changes.create_change(s, agent, {
        "title": "城东一片区 OLT 割接", "kind": "normal", "risk": "high", "cutover": True, "services": ["broadband"],
        "zones": ["CD-01"], "planned_start": utcnow() + timedelta(days=2),
        "planned_end": utcnow() + timedelta(days=2, hours=2)})
    outage = outages.create_outage(s, agent, {"title": "城东一片区光缆抢修", "services": ["broadband"],
                                              "zones": ["CD-01"], "starts_at": utcnow(), "problem_id": problem.id})
    photo = conversation.add_message_attachment(s, current_store(), reply, agent, "现场.png", PNG)
    from servicedesk.demo_field import signature  # the field record's photo and signature
    from servicedesk.incidents import field_records
    [site_photo] = field_records.add_photos(s, current_store(), incident, agent, [("现场照片.png", PNG)])
    field_records.save_signature(s, current_store(), incident, agent, "张伟", signature())
    s.commit()
    values = {"webhook_id": hook.id, "event": "incident.created", "locale": "zh_CN", "message_id": reply.id,
              "article_id": article.id, "attachment_id": attachment.id, "incident_id": incident.id,
              "user_id": agent.id, "group_id": group.id, "zone_id": zone.id, "rule_id": rule.id,
              "policy_id": rule.id, "audit_id": 1, "photo_id": 1, "old": 1, "new": 1,
              "account": "GD20240001", "filename": "app.css", "month": "2026-11", "notification_id": 1,
              "problem_id": problem.id, "outage_id": outage.id, "change_id": change.id, "code": "broadband",
              "type_code": "slow",
              "view_id": 1}
    people: dict[str, User | None] = {"visitor": None, "subscriber": subscriber, "agent": agent, "lead": lead,
                                      "admin": admin}
    return Desk(people=people, path_values={k: str(v) for k, v in values.items()},
                endpoint_values={"knowledge.review": {"article_id": str(in_review.id)},
                                 "api.download_incident_message_attachment": {"attachment_id": str(photo.id)},
                                 "portal.message_file": {"attachment_id": str(photo.id)},
                                 "incidents.message_file": {"attachment_id": str(photo.id)},
                                 "incidents.field_photo": {"photo_id": str(site_photo.id)}})


@pytest.fixture
def api(app: Flask, s: Session) -> Any:
    from tests.servicedesk.api.helpers import Api

    return Api(app.test_client(), s)
