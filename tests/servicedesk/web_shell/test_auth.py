"""Logging in through the real form, safe redirects, logging out."""

from __future__ import annotations

import pytest
from flask import Flask

from servicedesk.users.models import User
from tests.factories import PASSWORD
from tests.servicedesk.web_shell.conftest import csrf_token, text


def test_login_through_the_real_form_with_csrf(app: Flask, client, subscriber: User):
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/login")
    assert page.status_code == 200
    token = csrf_token(text(page))

    refused = client.post("/login", data={"username": "zhang.wei", "password": PASSWORD})
    assert refused.status_code == 400  # no CSRF token: the form is refused

    response = client.post("/login", data={"csrf_token": token, "username": "zhang.wei", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/my/incidents"
    assert subscriber.last_login_at is not None
    assert "张伟" in text(client.get("/profile"))


def test_staff_land_on_the_queue(client, agent: User):
    response = client.post("/login", data={"username": "li.na", "password": PASSWORD})
    assert response.headers["Location"] == "/desk/incidents"


def test_bad_password_shows_an_error_and_keeps_the_username(client, subscriber: User):
    response = client.post("/login", data={"username": "zhang.wei", "password": "wrong-password"})
    html = text(response)
    assert response.status_code == 200
    assert 'value="zhang.wei"' in html
    assert 'aria-invalid="true"' in html
    assert "用户名或密码错误" in html
    assert "wrong-password" not in html
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_locked_account_cannot_log_in(client, s, subscriber: User):
    subscriber.active = False
    s.flush()
    response = client.post("/login", data={"username": "zhang.wei", "password": PASSWORD})
    assert "用户名或密码错误" in text(response)


def test_empty_form_names_each_missing_field(client):
    html = text(client.post("/login", data={"username": "", "password": ""}))
    assert "请输入用户名" in html
    assert "请输入密码" in html


@pytest.mark.parametrize("target", ["/kb/search?q=691", "/my/incidents/7"])
def test_next_on_this_site_is_followed(client, subscriber: User, target: str):
    response = client.post("/login", data={"username": "zhang.wei", "password": PASSWORD, "next": target})
    assert response.headers["Location"] == target


@pytest.mark.parametrize("target", [
    "https://evil.example/phish", "//evil.example", "http:/evil.example", "javascript:alert(1)",
    "/\t/evil.example", "evil.example", " //evil.example",
])
def test_next_elsewhere_is_ignored(client, subscriber: User, target: str):
    response = client.post("/login", data={"username": "zhang.wei", "password": PASSWORD, "next": target})
    assert response.headers["Location"] == "/my/incidents"


def test_backslash_next_stays_a_local_path(client, subscriber: User):
    response = client.post("/login", data={"username": "zhang.wei", "password": PASSWORD, "next": "/\\evil.example"})
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//") and "\\" not in location


def test_protected_page_sends_visitors_to_login_and_back(client, subscriber: User):
    response = client.get("/my/incidents")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    login_page = client.get(response.headers["Location"])
    assert 'name="next" type="hidden" value="/my/incidents"' in text(login_page)
    back = client.post("/login", data={"username": "zhang.wei", "password": PASSWORD, "next": "/my/incidents"})
    assert back.headers["Location"] == "/my/incidents"


def test_logged_in_user_visiting_login_goes_home(app: Flask, subscriber: User):
    client = app.test_client(user=subscriber)
    assert client.get("/login").headers["Location"] == "/my/incidents"


def test_logout_is_post_only(app: Flask, subscriber: User):
    client = app.test_client(user=subscriber)
    assert client.get("/logout").status_code == 405
    assert client.get("/profile").status_code == 200  # still logged in
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/profile").status_code == 302


def test_logout_needs_the_csrf_token(app: Flask, subscriber: User):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client(user=subscriber)
    assert client.post("/logout").status_code == 400
    token = csrf_token(text(client.get("/profile")))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
