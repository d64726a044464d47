"""User administration: administrators only."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from kb.actors import Role
from servicedesk import db
from servicedesk.users.models import User
from tests import factories
from tests.factories import PASSWORD
from tests.servicedesk.web_shell.conftest import text

NEW = {"username": "zhao.min", "display_name": "赵敏", "email": "zhao.min@example.cn", "phone": "13800000000",
       "role": "agent", "password": "初始登录密码-2024", "confirm": "初始登录密码-2024"}


@pytest.mark.parametrize("path", ["/admin/users", "/admin/users/new", "/admin/users/1"])
@pytest.mark.parametrize("role", [Role.USER, Role.AGENT, Role.LEAD])
def test_non_admins_get_403(app: Flask, path: str, role: Role):
    client = app.test_client(user=factories.user(role))
    assert client.get(path).status_code == 403
    if path != "/admin/users":
        assert client.post(path, data=NEW).status_code == 403
    assert db.session.scalar(select(User).where(User.username == "zhao.min")) is None


def test_visitors_are_asked_to_log_in(client):
    assert client.get("/admin/users").headers["Location"].startswith("/login")


def test_list_filters_and_pages(app: Flask, admin: User, subscriber: User, agent: User):
    for n in range(30):
        factories.user(Role.USER, f"user{n:02d}", display_name=f"用户{n:02d}")
    client = app.test_client(user=admin)
    first = text(client.get("/admin/users"))
    assert "第 1 / 2 页" in first
    assert "33 个用户" in first
    found = text(client.get("/admin/users?q=张"))
    assert "zhang.wei" in found and "li.na" not in found
    agents = text(client.get("/admin/users?role=agent"))
    assert "li.na" in agents and "zhang.wei" not in agents
    assert "没有匹配的用户" in text(client.get("/admin/users?q=_"))  # _ is a letter here, not a wildcard


def test_create_a_user(app: Flask, admin: User):
    client = app.test_client(user=admin)
    assert client.get("/admin/users/new").status_code == 200
    response = client.post("/admin/users/new", data=NEW, follow_redirects=True)
    assert "已创建用户 zhao.min" in text(response)
    user = db.session.scalar(select(User).where(User.username == "zhao.min"))
    assert user is not None and user.role == Role.AGENT and user.display_name == "赵敏"
    assert user.check_password("初始登录密码-2024")


def test_create_refuses_a_taken_name_and_keeps_the_input(app: Flask, admin: User, subscriber: User):
    client = app.test_client(user=admin)
    html = text(client.post("/admin/users/new", data={**NEW, "username": "zhang.wei"}))
    assert "该用户名已被占用" in html
    assert 'value="赵敏"' in html
    bad = text(client.post("/admin/users/new", data={**NEW, "username": "带 空格", "confirm": "不一样"}))
    assert "不能有空格" in bad and "两次输入的密码不一致" in bad


def test_edit_role_access_and_name(app: Flask, admin: User, subscriber: User):
    client = app.test_client(user=admin)
    page = text(client.get(f"/admin/users/{subscriber.id}"))
    assert 'value="张伟"' in page
    response = client.post(f"/admin/users/{subscriber.id}",
                           data={"edit-display_name": "张伟（已升级）", "edit-role": "agent", "edit-submit": "1"},
                           follow_redirects=True)
    assert "已保存" in text(response)
    assert subscriber.role == Role.AGENT and subscriber.active is False and subscriber.display_name == "张伟（已升级）"


def test_admin_cannot_lock_themselves_out(app: Flask, admin: User):
    client = app.test_client(user=admin)
    html = text(client.post(f"/admin/users/{admin.id}",
                            data={"edit-display_name": "管理员", "edit-role": "user", "edit-active": "y",
                                  "edit-submit": "1"}))
    assert "不能取消自己的管理员权限" in html
    assert admin.role == Role.ADMIN


def test_reset_a_password(app: Flask, admin: User, subscriber: User):
    client = app.test_client(user=admin)
    client.post(f"/admin/users/{subscriber.id}", data={"pw-new_password": "重置后的新密码-2026", "pw-submit": "1"})
    assert subscriber.check_password("重置后的新密码-2026")


def test_unknown_user_is_404(app: Flask, admin: User):
    assert app.test_client(user=admin).get("/admin/users/999999").status_code == 404


def test_a_refused_password_reset_keeps_the_access_form_as_it_is(app: Flask, admin: User, subscriber: User):
    client = app.test_client(user=admin)
    html = text(client.post(f"/admin/users/{subscriber.id}", data={"pw-new_password": "短", "pw-submit": "1"}))
    assert "密码至少需要 10 个字符" in html
    assert re.search(r'<input[^>]*\schecked\s[^>]*id="edit-active"', html)  # still shown as active
    assert subscriber.active and subscriber.check_password(PASSWORD)
