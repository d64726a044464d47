"""Chinese first, English too: the switch, the cookie, the browser's wish, the user's choice."""

from __future__ import annotations

from flask import Flask

from servicedesk.users.models import User
from tests.servicedesk.web_shell.conftest import csrf_token, text


def test_chinese_is_the_default(client):
    html = text(client.get("/"))
    assert '<html lang="zh-CN">' in html
    assert "有什么可以帮您" in html


def test_switch_sets_a_year_long_cookie_and_the_next_page_is_english(client):
    response = client.post("/lang", data={"lang": "en", "next": "/login"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=en;")
    assert "Max-Age=31536000" in cookie
    html = text(client.get("/login"))
    assert '<html lang="en">' in html
    assert "Keep me logged in on this device" in html

    client.post("/lang", data={"lang": "zh_CN", "next": "/login"})
    assert "在此设备上保持登录" in text(client.get("/login"))


def test_switch_goes_back_only_within_the_site(client):
    response = client.post("/lang", data={"lang": "en", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_unknown_language_changes_nothing(client):
    response = client.post("/lang", data={"lang": "xx", "next": "/"})
    assert response.status_code == 302
    assert "Set-Cookie" not in response.headers


def test_switch_needs_the_csrf_token(app: Flask, client):
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/lang", data={"lang": "en", "next": "/"}).status_code == 400
    token = csrf_token(text(client.get("/")))
    assert client.post("/lang", data={"csrf_token": token, "lang": "en", "next": "/"}).status_code == 302


def test_accept_language_picks_the_language(client):
    english = text(client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}))
    assert "How can we help?" in english
    chinese = text(client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}))
    assert "有什么可以帮您" in chinese


def test_cookie_beats_the_browser(client):
    client.set_cookie("lang", "zh_CN")
    assert "有什么可以帮您" in text(client.get("/", headers={"Accept-Language": "en"}))


def test_logged_in_switch_is_remembered_on_the_account(app: Flask, s, subscriber: User):
    client = app.test_client(user=subscriber)
    client.post("/lang", data={"lang": "en", "next": "/my/incidents"})
    assert subscriber.locale == "en"
    other_browser = app.test_client(user=subscriber)
    assert "My incidents" in text(other_browser.get("/my/incidents", headers={"Accept-Language": "zh-CN"}))


def test_error_pages_in_both_languages(app: Flask, client, subscriber: User):
    chinese = client.get("/no-such-page")
    assert chinese.status_code == 404
    assert "找不到页面" in text(chinese)
    english = client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert "Page not found" in text(english)
    assert "This page does not exist, or you cannot see it." in text(english)

    forbidden = app.test_client(user=subscriber).get("/admin/users")
    assert forbidden.status_code == 403
    assert "无权访问" in text(forbidden)
    subscriber.locale = "en"
    assert "Not allowed" in text(app.test_client(user=subscriber).get("/admin/users"))

    too_large = client.post("/login", data="x" * (app.config["MAX_CONTENT_LENGTH"] + 10),
                            content_type="application/x-www-form-urlencoded")
    assert too_large.status_code == 413
    assert "内容过大" in text(too_large)


def test_server_error_page_in_both_languages(app: Flask, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.testing = False

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    chinese = client.get("/boom")
    assert chinese.status_code == 500
    assert "抱歉，出了点问题" in text(chinese)
    assert "Sorry, something went wrong" in text(client.get("/boom", headers={"Accept-Language": "en"}))


def test_service_messages_on_error_pages_are_translated_and_escaped(app: Flask, client):
    from kb.errors import Conflict, NotFound

    @app.get("/missing")
    def missing() -> str:
        raise NotFound("No such incident.")

    @app.get("/hostile")
    def hostile() -> str:
        raise Conflict("The username '<script>alert(1)</script>' is 100% taken.")

    assert "没有这个工单。" in text(client.get("/missing"))
    assert "No such incident." in text(client.get("/missing", headers={"Accept-Language": "en"}))
    html = text(client.get("/hostile"))
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "100% taken" in html
