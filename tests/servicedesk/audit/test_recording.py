"""Every audited change writes one event, in its own transaction, with before/after and never a secret;
the table refuses UPDATE and DELETE in the database itself."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from kb import lexicon
from kb.actors import Role
from servicedesk.audit.models import AuditEvent, AuditLogIsAppendOnly
from servicedesk.audit.services import record_change
from servicedesk.org import services as org
from servicedesk.org import sla_policies
from servicedesk.users import services as users

PASSWORD = "Gx7-lan-qiao-2025"


def events(s, action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return list(s.scalars(query))


def no_secret_in(event: AuditEvent, *secrets: str) -> None:
    dumped = json.dumps(event.changes, ensure_ascii=False)
    assert "password" not in dumped and "hash" not in dumped
    for secret in secrets:
        assert secret not in dumped


def test_user_changes_are_recorded_with_before_and_after(s, admin):
    user = users.create_user(s, "chen.jing", Role.AGENT, PASSWORD, display_name="陈静", actor=admin)
    users.update_user(s, admin, user, role=Role.LEAD)
    users.update_user(s, admin, user, active=False)
    users.update_user(s, admin, user, active=True)
    users.update_user(s, admin, user, display_name="陈静")  # nothing changed: no event

    made, role, off, on = events(s)
    assert (made.action, made.actor_name, made.via, made.object_type, made.object_label) == (
        "user.created", "admin0", "cli", "user", "chen.jing")
    assert made.changes["role"] == [None, "agent"] and made.changes["display_name"] == [None, "陈静"]
    no_secret_in(made, PASSWORD, user.password_hash)
    assert (role.action, role.changes) == ("user.role_changed", {"role": ["agent", "lead"]})
    assert (off.action, off.changes) == ("user.deactivated", {"active": [True, False]})
    assert (on.action, on.changes) == ("user.reactivated", {"active": [False, True]})
    assert made.object_id == str(user.id) and made.at.tzinfo is not None


def test_passwords_are_recorded_without_any_value(s, admin, agent):
    users.set_password(s, agent, PASSWORD, actor=admin)
    users.change_password(s, agent, PASSWORD, PASSWORD + "x")
    reset, own = events(s)
    assert (reset.action, reset.actor_id, reset.changes) == ("user.password_reset", admin.id, {})
    assert (own.action, own.actor_id, own.changes) == ("user.password_changed", agent.id, {})


def test_tokens_created_and_revoked_never_show_the_secret(s, agent):
    secret = users.issue_token(s, agent, "巡检脚本")
    token = agent.tokens[0]
    users.revoke_token(s, agent, token.id)
    made, revoked = events(s)
    assert made.action == "token.created" and made.changes["name"] == [None, "巡检脚本"]
    assert revoked.action == "token.revoked" and revoked.object_id == made.object_id
    for event in (made, revoked):
        no_secret_in(event, secret, secret[12:])


def test_organisation_and_subscribers_are_recorded(s, admin, agent, lead):
    station = org.create_station(s, admin, "城东服务站")
    group = org.create_group(s, admin, station, "光网一组", leader=agent)
    org.update_group(s, admin, group, name="光网一组", leader=lead)
    zone = org.create_zone(s, admin, group, code="Z-01", name="乡南小区", manager=agent, area="township")
    org.update_zone(s, admin, zone, name="乡南小区", manager=lead, area="urban")
    org.upsert_subscriber(s, admin, {"account": "0571-8800123", "name": "王芳", "zone": "Z-01"})
    org.upsert_subscriber(s, admin, {"account": "0571-8800123", "service_level": "enterprise"})

    got = {e.action: e for e in events(s)}
    assert got["station.created"].changes == {"name": [None, "城东服务站"]}
    assert got["group.created"].changes["leader"] == [None, "li.na"]
    assert got["group.updated"].changes == {"leader": ["li.na", "wang.qiang"]}
    assert got["zone.created"].changes["area"] == [None, "township"]
    assert got["zone.updated"].changes == {"manager": ["li.na", "wang.qiang"], "area": ["township", "urban"]}
    assert got["subscriber.created"].changes["zone"] == [None, "Z-01"]
    assert got["subscriber.updated"].changes == {"service_level": ["normal", "enterprise"]}


def test_sla_policies_are_recorded(s, admin):
    data = {"category": "fault", "area": "township", "service_level": "vip", "respond_minutes": 10,
            "resolve_minutes": 240, "calendar": "24x7"}
    rule = sla_policies.create_sla_policy(s, admin, data)
    sla_policies.update_sla_policy(s, admin, rule, {"resolve_minutes": 300})
    sla_policies.delete_sla_policy(s, admin, rule)
    made, changed, gone = events(s)
    assert made.action == "sla_policy.created" and made.changes["resolve_minutes"] == [None, 240]
    assert changed.changes == {"resolve_minutes": [240, 300]}
    assert gone.action == "sla_policy.deleted" and gone.changes["resolve_minutes"] == [300, None]


def test_the_search_dictionary_is_recorded(s, lead):
    word = lexicon.add_word(s, lead, "熔纤盘测")
    group = lexicon.add_synonym_group(s, lead, "改桥 = 桥接模式")
    lexicon.remove_word(s, lead, word.id)
    lexicon.remove_synonym_group(s, lead, group.id)
    assert [(e.action, e.object_label) for e in events(s)] == [
        ("lexicon.term_added", "熔纤盘测"), ("synonym.group_added", "改桥 = 桥接模式"),
        ("lexicon.term_removed", "熔纤盘测"), ("synonym.group_removed", "改桥 = 桥接模式")]


def test_a_rolled_back_change_leaves_no_event(s, admin):
    with s.begin_nested() as savepoint:
        org.create_station(s, admin, "城西服务站")
        assert events(s, "station.created")
        savepoint.rollback()
    assert events(s, "station.created") == []


def test_secrets_passed_by_a_caller_are_dropped(s, admin):
    event = record_change(s, admin, "webhook.created", object_type="webhook", object_id=7,
                          changes={"url": [None, "https://hooks.example.cn/x"], "secret": [None, "s3cr3t"]})
    assert event.changes == {"url": [None, "https://hooks.example.cn/x"]}


def test_the_orm_refuses_to_change_or_delete_an_event(s, admin):
    event = record_change(s, admin, "station.created", object_type="station", object_id=1)
    event.action = "station.deleted"
    with pytest.raises(AuditLogIsAppendOnly):
        s.flush()
    s.rollback()


@pytest.mark.parametrize("statement", ["update", "delete"])
def test_the_database_refuses_update_and_delete(s, admin, statement):
    event = record_change(s, admin, "station.created", object_type="station", object_id=1)
    sql = (update(AuditEvent).where(AuditEvent.id == event.id).values(action="x") if statement == "update"
           else delete(AuditEvent).where(AuditEvent.id == event.id))
    with pytest.raises(DBAPIError, match="append-only"), s.begin_nested():
        s.execute(sql.execution_options(synchronize_session=False))
    assert s.scalar(select(AuditEvent.action).where(AuditEvent.id == event.id)) == "station.created"
    with pytest.raises(DBAPIError, match="append-only"), s.begin_nested():
        s.execute(text("DELETE FROM audit_events"))


def test_webhooks_and_message_templates_are_recorded_without_the_secret(s, admin):
    from servicedesk.notify import registry

    secret = "共享密钥-0123456789abcdef"
    hook = registry.create_webhook(s, admin, {"url": "http://oss.example.net/hook", "events": ["incident.created"],
                                              "secret": secret}, own=["http://desk.example.net/"])
    registry.save_template(s, admin, "incident.created", "zh_CN", "工单 {number} 已受理",
                           "您好，工单 {number} 已受理。")
    registry.reset_template(s, admin, "incident.created", "zh_CN")
    registry.delete_webhook(s, admin, hook.id)

    made, worded, reset, gone = events(s)
    assert (made.action, made.object_type, made.object_label) == ("webhook.created", "webhook",
                                                                  "http://oss.example.net/hook")
    assert made.changes["events"] == [None, "incident.created"]
    no_secret_in(made, secret)
    assert (worded.action, worded.object_id) == ("template.updated", "incident.created/zh_CN")
    assert worded.changes["subject"] == [None, "工单 {number} 已受理"]
    assert (reset.action, reset.changes["subject"]) == ("template.reset", ["工单 {number} 已受理", None])
    assert (gone.action, gone.changes["url"]) == ("webhook.deleted", ["http://oss.example.net/hook", None])
