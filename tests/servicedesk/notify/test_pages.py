"""The notification pages: each user's mail and SMS choices, the admin's channels, webhooks and templates;
and the knowledge base's review events."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from kb import services as kb_services
from kb.actors import Role
from servicedesk import db
from servicedesk.incidents import services as incident_services
from servicedesk.notify.models import Channel, OutboxMessage, Webhook
from servicedesk.org.models import Notification
from servicedesk.users.models import User
from tests import factories
from tests.conftest import login_client


def _mails(event: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.event == event,
                                                               OutboxMessage.channel == Channel.MAIL)))


def test_an_agent_turns_off_assignment_mail_but_keeps_the_in_app_note(app: Flask, admin: User, agent: User) -> None:
    app.config["SMTP_URL"] = "smtp://127.0.0.1:1"
    agent.email = "li.na@example.cn"
    client = login_client(app, agent)
    page = client.get("/notify/preferences")
    assert page.status_code == 200 and 'name="incident.assigned:mail"' in page.get_data(as_text=True)
    assert "通知设置" in page.get_data(as_text=True) and "工单派给我" in page.get_data(as_text=True)
    # Every box left unticked but the SLA one.
    resp = client.post("/notify/preferences", data={"sla.breached:mail": "on"})
    assert resp.status_code == 302
    inc = factories.incident(admin)
    incident_services.assign_incident(db.session(), inc, admin, agent)
    db.session.commit()
    assert _mails("incident.assigned") == []
    assert db.session.scalar(select(Notification).where(Notification.user_id == agent.id,
                                                        Notification.kind == "incident.assigned")) is not None


def test_the_preferences_form_needs_its_csrf_token(app: Flask, agent: User) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    resp = login_client(app, agent).post("/notify/preferences", data={"sla.breached:mail": "on"})
    assert resp.status_code == 400


def test_admin_page_shows_channels_and_registers_and_deletes_webhooks(app: Flask, admin: User) -> None:
    client = login_client(app, admin)
    page = client.get("/notify/admin").get_data(as_text=True)
    assert 'id="channels"' in page and 'id="backlog"' in page
    bad = client.post("/notify/admin/webhooks", data={"url": "ftp://oss.example.cn/x", "events": ["incident.created"],
                                                      "secret": "s3cret-shared-with-the-oss"})
    assert bad.status_code == 400
    ok = client.post("/notify/admin/webhooks", data={"url": "https://oss.example.cn/hook",
                                                     "events": ["incident.created", "incident.closed"],
                                                     "secret": "s3cret-shared-with-the-oss"})
    assert ok.status_code == 302
    hook = db.session.scalar(select(Webhook))
    assert hook is not None and hook.event_list == ["incident.created", "incident.closed"]
    assert client.get(f"/notify/admin/webhooks/{hook.id}").status_code == 200
    assert client.post(f"/notify/admin/webhooks/{hook.id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Webhook)) is None


def test_only_admins_open_the_admin_pages(app: Flask, agent: User) -> None:
    client = login_client(app, agent)
    assert client.get("/notify/admin").status_code == 403
    assert client.get("/notify/admin/templates/incident.created/en").status_code == 403


def test_an_admin_rewords_a_message_and_it_is_used(app: Flask, admin: User, agent: User) -> None:
    app.config["SMTP_URL"] = "smtp://127.0.0.1:1"
    client = login_client(app, admin)
    bad = client.post("/notify/admin/templates/incident.created/zh_CN",
                      data={"subject": "工单 {number}", "body": "您好 {password}"})
    assert bad.status_code == 400
    resp = client.post("/notify/admin/templates/incident.created/zh_CN",
                       data={"subject": "【装维】工单 {number} 已受理", "body": "您好，{title} 已受理。"})
    assert resp.status_code == 302
    reporter = factories.user(Role.USER, "qian.fang", email="qian@example.cn")
    inc = factories.incident(agent, reporter=reporter)
    db.session.commit()
    [mail] = _mails("incident.created")
    assert mail.subject == f"【装维】工单 {inc.number} 已受理"
    client.post("/notify/admin/templates/incident.created/zh_CN", data={"reset": "1"})
    assert "【装维】" not in client.get("/notify/admin/templates/incident.created/zh_CN").get_data(as_text=True)


def test_review_events_reach_leads_and_the_author(app: Flask, agent: User, lead: User) -> None:
    app.config["SMTP_URL"] = "smtp://127.0.0.1:1"
    agent.email, lead.email = "li.na@example.cn", "wang.qiang@example.cn"
    article = factories.article(agent)
    kb_services.submit_article(db.session(), article, agent)
    db.session.commit()
    assert [m.address for m in _mails("article.submitted")] == ["wang.qiang@example.cn"]
    kb_services.review_article(db.session(), article, lead, content_ok=False, form_ok=True, decision="reject",
                               comment="步骤不完整")
    db.session.commit()
    [rejected] = _mails("article.rejected")
    assert rejected.address == "li.na@example.cn" and "步骤不完整" in rejected.body
