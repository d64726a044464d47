"""Issue 12, finding 3: one password policy on every path that sets a password — at least 10 characters, not
one of the most common passwords, not the username with a little added, not one character repeated."""

from __future__ import annotations

import pytest
from flask import Flask

from kb.actors import Role
from kb.errors import ValidationError
from servicedesk.users import passwords
from servicedesk.users.models import User
from servicedesk.users.services import change_password, create_user, set_password, validate_password
from tests.factories import PASSWORD
from tests.servicedesk.web_shell.conftest import text

WEAK = [("12345678", "too short"), ("password", "too short"), ("aaaaaaaaaa", "too repetitive"),
        ("1234567890", "too common"), ("qwertyuiop", "too common"), ("Password123", "too common"),
        ("abababababab", "too repetitive"), ("xu.ming2026", "like the username"),
        ("XU.MING-2026", "like the username")]


@pytest.mark.parametrize(("password", "reason"), WEAK)
def test_weak_passwords_are_refused_for_a_new_staff_user(s, password: str, reason: str):
    with pytest.raises(ValidationError) as refused:
        create_user(s, "xu.ming", Role.AGENT, password, display_name="徐明")
    assert refused.value.fields == {"password": reason}
    assert s.query(User).filter_by(username="xu.ming").first() is None


@pytest.mark.parametrize(("password", "username"), [
    ("correct-horse-42", "zhang.wei"), ("管理员密码-2026", "admin"), ("口令-li.na-2026", "li.na"),
    ("口令-agent_a-2026", "agent_a"), ("光猫红灯-2026-abc", "liu.yang"), ("demo-pass-2026", "chenjing"),
])
def test_the_passwords_the_desk_uses_stay_valid(password: str, username: str):
    validate_password(password, username)


def test_the_shipped_list_is_a_real_one():
    common = passwords.common_passwords()
    assert 1000 <= len(common) <= 10_000
    assert {"password", "123456", "qwerty", "iloveyou", "1234567890"} <= common


def test_set_password_and_change_password_check_the_policy(s, subscriber: User):
    with pytest.raises(ValidationError):
        set_password(s, subscriber, "zhang.wei-1")
    with pytest.raises(ValidationError) as refused:
        change_password(s, subscriber, PASSWORD, "aaaaaaaaaa")
    assert refused.value.fields == {"new_password": "too repetitive"}
    assert subscriber.check_password(PASSWORD)


def test_the_admin_page_says_why_beside_the_field_in_chinese_and_english(app: Flask, admin: User):
    client = app.test_client(user=admin)
    form = {"username": "xu.ming", "display_name": "徐明", "role": "agent", "password": "password123",
            "confirm": "password123"}
    page = client.post("/admin/users/new", data=form)
    assert page.status_code == 200
    assert "这是最常见的密码之一" in text(page)
    client.set_cookie("lang", "en")
    for password, sentence in [("password123", "one of the most common passwords"),
                               ("aaaaaaaaaa", "at least 3 different characters"),
                               ("12345678", "at least 10 characters"),
                               ("xu.ming2026", "too close to the username")]:
        html = text(client.post("/admin/users/new", data={**form, "password": password, "confirm": password}))
        assert sentence in html
        assert 'id="password-err"' in html  # beside the field
    assert app.extensions  # the page rendered in both languages without error


def test_the_profile_and_the_admin_reset_check_the_policy(app: Flask, admin: User, subscriber: User):
    own = app.test_client(user=subscriber).post("/profile", data={
        "pw-current_password": PASSWORD, "pw-new_password": "zhang.wei2026", "pw-confirm": "zhang.wei2026",
        "pw-submit": "1"})
    assert "密码与用户名太接近" in text(own)
    reset = app.test_client(user=admin).post(f"/admin/users/{subscriber.id}", data={
        "pw-new_password": "1234567890", "pw-submit": "1"})
    assert "这是最常见的密码之一" in text(reset)
    assert subscriber.check_password(PASSWORD)


def test_registration_checks_the_policy(client):
    page = client.post("/register", data={"account": "GD20240099", "phone": "13800001111", "display_name": "刘洋",
                                          "username": "liu.yang", "password": "iloveyou12",
                                          "confirm": "iloveyou12"})
    assert page.status_code == 200
    assert "这是最常见的密码之一" in text(page)


def test_the_api_refuses_with_the_reason(app: Flask, admin: User):
    client = app.test_client(user=admin)
    response = client.post("/api/v1/users", json={"username": "xu.ming", "role": "agent", "password": "aaaaaaaaaa"})
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"password": "too repetitive"}


def test_the_command_line_checks_the_policy(app: Flask):
    result = app.test_cli_runner().invoke(args=["users", "create", "xu.ming", "--role", "agent", "--password-stdin"],
                                          input="password\n")
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
