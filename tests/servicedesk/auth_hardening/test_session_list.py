"""Issue 12, last item: the profile page lists the user's sessions (device, address, when) and ends any one."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from servicedesk.auth.sessions import UserSession, device_label
from servicedesk.users.models import User
from tests.factories import PASSWORD
from tests.servicedesk.web_shell.conftest import text

QUEUE = "/desk/incidents"
ANDROID_CHROME = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/126.0.0.0 Mobile Safari/537.36")
WINDOWS_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _log_in(app: Flask, agent: str, username: str = "li.na", remember: bool = False) -> FlaskClient:
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = agent
    data = {"username": username, "password": PASSWORD, **({"remember": "y"} if remember else {})}
    assert client.post("/login", data=data).status_code == 302
    assert client.get(QUEUE).status_code == 200
    return client


def _opens_the_queue(client: FlaskClient) -> bool:
    return client.get(QUEUE).status_code == 200


def _records(s, user: User) -> list[UserSession]:  # type: ignore[no-untyped-def]
    s.expire_all()
    return list(s.scalars(select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)))


def _end_links(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'action="/profile/sessions/(\d+)/end"', page)]


def test_the_profile_lists_both_sessions_and_marks_this_one(app: Flask, s, agent: User):
    _log_in(app, ANDROID_CHROME)
    desktop = _log_in(app, WINDOWS_FIREFOX)
    page = text(desktop.get("/profile"))
    assert "Chrome (Android)" in page and "Firefox (Windows)" in page
    assert "当前会话" in page and "127.0.0.1" in page
    phone_record, desktop_record = _records(s, agent)
    assert _end_links(page) == [phone_record.id]  # this session has no End button, the other one has
    assert desktop_record.ended_at is None and phone_record.ended_at is None


def test_ending_one_session_logs_that_browser_out_and_no_other(app: Flask, s, agent: User):
    phone = _log_in(app, ANDROID_CHROME, remember=True)
    desktop = _log_in(app, WINDOWS_FIREFOX)
    phone_record = _records(s, agent)[0]
    done = desktop.post(f"/profile/sessions/{phone_record.id}/end", follow_redirects=True)
    assert "该会话已结束" in text(done)
    assert not _opens_the_queue(phone)  # its remember cookie does not bring it back either
    assert _opens_the_queue(desktop)
    page = text(desktop.get("/profile"))
    assert "Chrome (Android)" not in page and "Firefox (Windows)" in page
    assert _records(s, agent)[0].ended_at is not None


def test_ending_this_session_logs_me_out(app: Flask, s, agent: User):
    here = _log_in(app, WINDOWS_FIREFOX)
    record = _records(s, agent)[0]
    assert here.post(f"/profile/sessions/{record.id}/end").status_code == 302
    assert not _opens_the_queue(here)
    assert _records(s, agent)[0].ended_at is not None


def test_someone_elses_session_cannot_be_ended(app: Flask, s, agent: User, lead: User):
    theirs = _log_in(app, ANDROID_CHROME, username="wang.qiang")
    mine = _log_in(app, WINDOWS_FIREFOX)
    their_record = _records(s, lead)[0]
    assert mine.post(f"/profile/sessions/{their_record.id}/end").status_code == 404
    assert mine.post("/profile/sessions/999999/end").status_code == 404
    assert _opens_the_queue(theirs)
    assert _records(s, lead)[0].ended_at is None


def test_logout_ends_the_record(app: Flask, s, agent: User):
    client = _log_in(app, ANDROID_CHROME)
    other = _log_in(app, WINDOWS_FIREFOX)
    client.post("/logout")
    assert all(record.ended_at is not None for record in _records(s, agent))
    assert not _opens_the_queue(other)


def test_a_password_change_ends_every_other_record_and_keeps_this_browser_listed(app: Flask, s, agent: User):
    other = _log_in(app, ANDROID_CHROME)
    here = _log_in(app, WINDOWS_FIREFOX)
    here.post("/profile", data={"pw-current_password": PASSWORD, "pw-new_password": "新的登录密码-2026",
                                "pw-confirm": "新的登录密码-2026", "pw-submit": "1"})
    assert not _opens_the_queue(other)
    assert _opens_the_queue(here)
    records = _records(s, agent)
    assert [r.user_agent for r in records if r.ended_at is None] == ["Firefox (Windows)"]
    assert sum(r.ended_at is not None for r in records) == 2  # the old ones, both
    assert _end_links(text(here.get("/profile"))) == []


def test_log_out_everywhere_else_keeps_this_record(app: Flask, s, agent: User):
    other = _log_in(app, ANDROID_CHROME)
    here = _log_in(app, WINDOWS_FIREFOX)
    kept = _records(s, agent)[1]
    here.post("/profile", data={"es-submit": "1"})
    assert not _opens_the_queue(other) and _opens_the_queue(here)
    active = [r for r in _records(s, agent) if r.ended_at is None]
    assert [r.id for r in active] == [kept.id]


def test_a_remember_cookie_restores_only_the_session_it_was_given_with(app: Flask, s, agent: User):
    phone = _log_in(app, ANDROID_CHROME, remember=True)
    remembered = phone.get_cookie("remember_token")
    assert remembered is not None
    # The phone's session cookie is gone (the browser was closed): the remember cookie brings back the same
    # session, under its own record, not a new one.
    restored = app.test_client()
    restored.environ_base["HTTP_USER_AGENT"] = ANDROID_CHROME
    restored.set_cookie("remember_token", remembered.value)
    assert _opens_the_queue(restored)
    records = _records(s, agent)
    assert [r.user_agent for r in records] == ["Chrome (Android)"]
    # Ended from another browser, that session stays ended: neither the restored browser nor a copy of its
    # remember cookie (stolen, say) logs in again, and no new record appears.
    _log_in(app, WINDOWS_FIREFOX).post(f"/profile/sessions/{records[0].id}/end")
    assert not _opens_the_queue(restored)
    stolen = app.test_client()
    stolen.set_cookie("remember_token", remembered.value)
    assert not _opens_the_queue(stolen)
    assert [r.user_agent for r in _records(s, agent) if r.ended_at is None] == ["Firefox (Windows)"]


def test_a_remember_cookie_without_a_session_key_asks_for_the_password(app: Flask, agent: User):
    from flask_login.utils import encode_cookie

    with app.test_request_context():
        legacy = encode_cookie(agent.get_id())  # "id:version", as cookies were before session keys
    client = app.test_client()
    client.set_cookie("remember_token", legacy)
    assert not _opens_the_queue(client)


def test_the_session_list_in_english(app: Flask, agent: User):
    client = _log_in(app, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Version/17.5 Safari/604.1")
    client.set_cookie("lang", "en")
    page = text(client.get("/profile"))
    assert "Safari (iOS)" in page and "This session" in page and "Last seen" in page


def test_the_session_list_in_chinese(app: Flask, agent: User):
    client = _log_in(app, "curl/8.5")
    page = text(client.get("/profile"))
    assert "curl" in page and "设备" in page and "最近活动" in page and "当前会话" in page


def test_device_labels_name_browser_and_system_only():
    assert device_label(ANDROID_CHROME) == "Chrome (Android)"
    assert device_label("Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/126.0 Safari/537.36 Edg/126.0") \
        == "Edge (Windows)"
    assert device_label("<script>alert(1)</script>") == ""


def test_a_session_key_without_a_record_is_refused(app: Flask, agent: User):
    client = _log_in(app, WINDOWS_FIREFOX)
    with client.session_transaction() as session:
        session["sid"] = "a-key-that-was-never-recorded"
    assert not _opens_the_queue(client)
