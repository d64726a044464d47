"""Mail, SMS and webhooks leave through the outbox and the worker, to real receivers on localhost."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from kb.actors import Role
from kb.orm import utcnow
from servicedesk import db
from servicedesk.incidents import services as incident_services
from servicedesk.notify.models import Channel, OutboxMessage, OutboxStatus
from servicedesk.notify.worker import deliver_due
from servicedesk.org.models import Notification
from servicedesk.users.models import User
from tests import factories
from tests.conftest import login_client
from tests.servicedesk.notify.receivers import free_port, http_receiver, silent_server, smtp_server

SECRET = "s3cret-shared-with-the-oss"


def _outbox(**where: object) -> list[OutboxMessage]:
    s = db.session()
    s.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return list(s.scalars(query))


def _register(app: Flask, admin: User, url: str, events: list[str]) -> int:
    resp = login_client(app, admin).post("/api/v1/webhooks", json={"url": url, "events": events, "secret": SECRET})
    assert resp.status_code == 201, resp.get_json()
    assert "secret" not in resp.get_json()
    return int(resp.get_json()["id"])


def test_the_subscriber_gets_mail_with_the_incident_number(app: Flask, agent: User) -> None:
    reporter = factories.user(Role.USER, "chen.jing", display_name="陈静", email="chen.jing@example.cn")
    with smtp_server() as (box, port):
        app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
        inc = factories.incident(agent, reporter=reporter)
        db.session.commit()
        assert box.messages == []  # nothing leaves with the change itself
        report = deliver_due()
        assert report.sent == 1
    assert inc.number is not None
    [text] = box.texts()
    assert "chen.jing@example.cn" in text and inc.number in text
    assert "受理" in text  # the site's default language (the reporter chose none)
    [row] = _outbox(channel=Channel.MAIL)
    assert row.status == OutboxStatus.SENT and row.attempts == 1


def test_resolved_mail_asks_to_confirm_in_the_reporters_language_with_the_link(app: Flask, agent: User) -> None:
    reporter = factories.user(Role.USER, "amy", email="amy@example.com", locale="en")
    app.config["SMTP_URL"] = "smtp://127.0.0.1:1"
    app.config["PUBLIC_URL"] = "https://desk.example.cn"
    inc = factories.resolved_incident(agent, reporter)
    db.session.commit()
    resolved = [m for m in _outbox(channel=Channel.MAIL) if m.event == "incident.resolved"]
    assert len(resolved) == 1
    assert "please confirm" in resolved[0].subject.lower()
    assert f"https://desk.example.cn/my/incidents/{inc.id}" in resolved[0].body


def test_webhooks_arrive_signed(app: Flask, admin: User, agent: User, subscriber: User) -> None:
    with http_receiver() as receiver:
        hook_id = _register(app, admin, f"http://127.0.0.1:{receiver.server_port}/hook",
                            ["incident.created", "incident.resolved"])
        inc = factories.incident(agent, reporter=subscriber)
        db.session.commit()
        assert deliver_due().sent == 1
    [got] = receiver.received
    payload = json.loads(got.body)
    assert payload["event"] == "incident.created"
    assert set(payload) == {"id", "event", "occurred_at", "data"}
    assert payload["data"]["incident"]["number"] == inc.number
    expected = "sha256=" + hmac.new(SECRET.encode(), got.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(got.headers["X-Servicedesk-Signature"], expected)
    log = login_client(app, admin).get(f"/api/v1/webhooks/{hook_id}/deliveries").get_json()
    assert log["total"] == 1
    assert log["items"][0]["id"] == payload["id"] and log["items"][0]["status"] == "sent"
    assert log["items"][0]["log"][0]["ok"] is True


def test_a_receiver_that_is_down_gets_the_delivery_later(app: Flask, admin: User, agent: User,
                                                         subscriber: User) -> None:
    port = free_port()  # nothing listens here yet
    hook_id = _register(app, admin, f"http://127.0.0.1:{port}/hook", ["incident.created"])
    factories.incident(agent, reporter=subscriber)
    db.session.commit()
    first = deliver_due()
    assert (first.sent, first.retrying) == (0, 1)
    [row] = _outbox(webhook_id=hook_id)
    assert row.status == OutboxStatus.PENDING and row.attempts == 1 and row.last_error
    assert row.next_attempt_at > utcnow()
    assert deliver_due().claimed == 0  # not before its backoff
    with http_receiver(port) as receiver:
        later = deliver_due(now=utcnow() + timedelta(hours=2))
    assert later.sent == 1 and len(receiver.received) == 1
    [row] = _outbox(webhook_id=hook_id)
    assert row.status == OutboxStatus.SENT and row.attempts == 2
    log = login_client(app, admin).get(f"/api/v1/webhooks/{hook_id}/deliveries").get_json()
    assert [a["ok"] for a in log["items"][0]["log"]] == [False, True]


def test_a_message_is_given_up_after_the_last_attempt(app: Flask, admin: User, agent: User,
                                                      subscriber: User) -> None:
    app.config["NOTIFY_MAX_ATTEMPTS"] = 2
    hook_id = _register(app, admin, f"http://127.0.0.1:{free_port()}/hook", ["incident.created"])
    factories.incident(agent, reporter=subscriber)
    db.session.commit()
    deliver_due()
    assert deliver_due(now=utcnow() + timedelta(days=1)).failed == 1
    [row] = _outbox(webhook_id=hook_id)
    assert row.status == OutboxStatus.FAILED
    assert deliver_due(now=utcnow() + timedelta(days=30)).claimed == 0
    health = app.test_client().get("/api/v1/health").get_json()
    assert health["outbox"]["failed"] == 1
    assert health["channels"]["mail"] == "off"


def test_a_rolled_back_change_sends_nothing(app: Flask, admin: User, agent: User, subscriber: User) -> None:
    app.config["SMTP_URL"] = "smtp://127.0.0.1:1"
    subscriber.email = "zhang.wei@example.cn"
    _register(app, admin, f"http://127.0.0.1:{free_port()}/hook", ["incident.created"])
    before = db.session.scalar(select(func.count()).select_from(Notification))
    s = db.session()
    nested = s.begin_nested()
    factories.incident(agent, reporter=subscriber)
    assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 2  # the mail and the webhook, written
    nested.rollback()
    db.session.commit()
    assert _outbox() == []
    assert db.session.scalar(select(func.count()).select_from(Notification)) == before
    assert deliver_due().claimed == 0


def test_a_hanging_mail_server_times_out_and_is_retried_and_never_holds_a_request(
        app: Flask, agent: User) -> None:
    reporter = factories.user(Role.USER, "liu.yang", email="liu.yang@example.cn")
    with silent_server() as port:
        app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
        app.config["NOTIFY_TIMEOUT_SECONDS"] = 0.5
        started = time.monotonic()
        resp = login_client(app, agent).post("/api/v1/incidents", json={
            **factories.INCIDENT, "reporter": reporter.username})
        assert resp.status_code == 201, resp.get_json()
        assert time.monotonic() - started < 0.5  # the request wrote the outbox and never spoke to the server
        [row] = _outbox(channel=Channel.MAIL)
        assert row.status == OutboxStatus.PENDING and row.attempts == 0
        started = time.monotonic()
        report = deliver_due()
        assert time.monotonic() - started < 5
    assert report.retrying == 1
    [row] = _outbox(channel=Channel.MAIL)
    assert row.status == OutboxStatus.PENDING and row.attempts == 1
    assert "timeout" in row.last_error.lower() or "timed out" in row.last_error.lower()


def test_a_refusing_mail_server_is_an_error_and_a_retry(app: Flask, agent: User) -> None:
    reporter = factories.user(Role.USER, "zhao.lei", email="zhao.lei@example.cn")
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"  # connection refused
    factories.incident(agent, reporter=reporter)
    db.session.commit()
    assert deliver_due().retrying == 1
    [row] = _outbox(channel=Channel.MAIL)
    assert row.last_error.startswith("mail server")


def test_sms_reaches_the_gateway_for_a_subscriber_without_email(app: Flask, agent: User) -> None:
    reporter = factories.user(Role.USER, "sun.li", phone="13800138000")
    with http_receiver() as gateway:
        app.config["SMS_GATEWAY_URL"] = f"http://127.0.0.1:{gateway.server_port}/sms"
        inc = factories.incident(agent, reporter=reporter)
        db.session.commit()
        assert deliver_due().sent == 1
    [got] = gateway.received
    sms = json.loads(got.body)
    assert sms["to"] == "13800138000" and inc.number in sms["text"]


def test_staff_get_assignment_and_subscribers_get_public_replies_but_not_notes(
        app: Flask, admin: User, agent: User) -> None:
    app.config["SMTP_URL"] = "smtp://127.0.0.1:1"
    agent.email = "li.na@example.cn"
    reporter = factories.user(Role.USER, "he.min", email="he.min@example.cn")
    inc = factories.incident(admin, reporter=reporter)
    incident_services.assign_incident(db.session(), inc, admin, agent)
    db.session.commit()
    assigned = [m for m in _outbox(channel=Channel.MAIL) if m.event == "incident.assigned"]
    assert [m.address for m in assigned] == ["li.na@example.cn"]
    assert f"/desk/incidents/{inc.id}" in assigned[0].body  # staff are sent to the desk's page of the incident
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == agent.id, Notification.kind == "incident.assigned")) == 1
    # The conversation's history rows: a public reply from staff reaches the subscriber, a note nobody.
    incident_services._record(db.session(), inc, agent, "note", note="1")
    db.session.flush()
    assert not [m for m in _outbox() if m.event == "incident.reply"]
    incident_services._record(db.session(), inc, agent, "reply", note="2")
    db.session.commit()
    replies = [m for m in _outbox(channel=Channel.MAIL) if m.event == "incident.reply"]
    assert [m.address for m in replies] == ["he.min@example.cn"]
    # ...and the subscriber's reply reaches the assignee.
    incident_services._record(db.session(), inc, reporter, "reply", note="3")
    db.session.commit()
    replies = [m for m in _outbox(channel=Channel.MAIL) if m.event == "incident.reply"]
    assert [m.address for m in replies] == ["he.min@example.cn", "li.na@example.cn"]


@pytest.mark.parametrize("body, field", [
    ({"url": "ftp://oss.example.cn/hook", "events": ["incident.created"], "secret": SECRET}, "url"),
    ({"url": "http://localhost/api/v1/hook", "events": ["incident.created"], "secret": SECRET}, "url"),
    ({"url": "https://oss.example.cn/hook", "events": ["incident.created"], "secret": "short"}, "secret"),
    ({"url": "https://oss.example.cn/hook", "events": ["incident.exploded"], "secret": SECRET}, "events"),
    ({"url": "https://oss.example.cn/hook", "events": [], "secret": SECRET}, "events"),
])
def test_bad_webhooks_are_refused_naming_the_field(app: Flask, admin: User, body: dict[str, object],
                                                   field: str) -> None:
    resp = login_client(app, admin).post("/api/v1/webhooks", json=body)
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert field in error["fields"] and error["code"]
    assert login_client(app, admin).get("/api/v1/webhooks").get_json()["total"] == 0


def test_only_admins_manage_webhooks(app: Flask, agent: User) -> None:
    client = login_client(app, agent)
    resp = client.post("/api/v1/webhooks", json={"url": "https://oss.example.cn/hook",
                                                 "events": ["incident.created"], "secret": SECRET})
    assert resp.status_code == 403
    assert client.get("/api/v1/webhooks").status_code == 403
    assert app.test_client().get("/api/v1/webhooks").status_code == 401


def test_a_deleted_webhook_gets_nothing_more(app: Flask, admin: User, agent: User, subscriber: User) -> None:
    hook_id = _register(app, admin, "https://oss.example.cn/hook", ["incident.created"])
    client = login_client(app, admin)
    assert client.delete(f"/api/v1/webhooks/{hook_id}").status_code == 204
    assert client.delete(f"/api/v1/webhooks/{hook_id}").status_code == 404
    assert client.get(f"/api/v1/webhooks/{hook_id}/deliveries").status_code == 404
    factories.incident(agent, reporter=subscriber)
    db.session.commit()
    assert _outbox() == []


def test_sla_check_mails_the_group_leader(app: Flask, s, admin: User, agent: User, subscriber: User) -> None:
    from servicedesk.org import services as org

    leader = factories.user(Role.SPECIALIST, "zhou.leader", email="zhou@example.cn")
    station = org.create_station(s, admin, "城东服务站")
    group = org.create_group(s, admin, station, "第一维护组", leader=leader)
    org.create_zone(s, admin, group, code="CD-09", name="城东九区", manager=agent, area="urban")
    app.config["SMTP_URL"] = "smtp://127.0.0.1:1"
    late = factories.incident(subscriber, zone="CD-09")
    late.resolve_by = late.created_at - timedelta(minutes=1)
    s.flush()
    assert org.check_sla(s).breached == 1
    s.commit()
    [mail] = [m for m in _outbox(channel=Channel.MAIL) if m.event == "sla.breached"]
    assert mail.address == "zhou@example.cn" and late.number is not None and late.number in mail.subject
    assert f"/desk/incidents/{late.id}" in mail.body


def test_a_caller_logged_by_the_hotline_gets_sms_on_the_phone_of_their_subscriber_record(
        app: Flask, s, agent: User) -> None:
    from servicedesk.org.models import Subscriber

    agent.email = "li.na@example.cn"
    s.add(Subscriber(account="GD20249999", name="吴先生", phone="13900139000"))
    s.flush()
    app.config["SMTP_URL"] = "smtp://127.0.0.1:1"
    with http_receiver() as gateway:
        app.config["SMS_GATEWAY_URL"] = f"http://127.0.0.1:{gateway.server_port}/sms"
        inc = factories.incident(agent, customer_account="GD20249999")  # the agent is the reporter
        db.session.commit()
        assert _outbox(channel=Channel.MAIL) == []  # the agent who logged it is not told their own call
        assert deliver_due().sent == 1
    [got] = gateway.received
    sms = json.loads(got.body)
    assert sms["to"] == "13900139000" and inc.number is not None and inc.number in sms["text"]


def test_flask_notify_work_once_delivers_what_is_due(app: Flask, admin: User, agent: User,
                                                    subscriber: User) -> None:
    with http_receiver() as receiver:
        _register(app, admin, f"http://127.0.0.1:{receiver.server_port}/hook", ["incident.created"])
        factories.incident(agent, reporter=subscriber)
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["notify", "work", "--once"])
    assert result.exit_code == 0, result.output
    assert "sent: 1" in result.output and len(receiver.received) == 1


def test_old_sent_messages_are_pruned_and_waiting_ones_kept(app: Flask, admin: User, agent: User,
                                                            subscriber: User) -> None:
    from servicedesk.notify.worker import prune_outbox

    with http_receiver() as receiver:
        _register(app, admin, f"http://127.0.0.1:{receiver.server_port}/hook", ["incident.created"])
        factories.incident(agent, reporter=subscriber)
        db.session.commit()
        deliver_due()
    app.config["SMTP_URL"] = "smtp://127.0.0.1:1"
    subscriber.email = "zhang.wei@example.cn"
    factories.incident(agent, reporter=subscriber)  # its mail and webhook wait
    db.session.commit()
    assert prune_outbox() == 0  # nothing old enough yet
    assert prune_outbox(now=utcnow() + timedelta(days=31)) == 1
    assert {m.status for m in _outbox()} == {OutboxStatus.PENDING}
