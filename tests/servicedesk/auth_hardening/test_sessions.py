"""Issue 12, finding 4: logout, a password change, deactivation and a role change end every session and
remember cookie of the user; the profile page ends the other sessions; API tokens are separate."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from kb.actors import Role
from servicedesk import db
from servicedesk.users.models import User
from servicedesk.users.services import issue_token, update_user
from tests.factories import PASSWORD
from tests.servicedesk.web_shell.conftest import text

QUEUE = "/desk/incidents"


def _log_in(app: Flask, username: str = "li.na", password: str = PASSWORD, remember: bool = False) -> FlaskClient:
    client = app.test_client()
    data = {"username": username, "password": password, **({"remember": "y"} if remember else {})}
    assert client.post("/login", data=data).status_code == 302
    assert client.get(QUEUE).status_code == 200
    return client


def _cookie(client: FlaskClient, name: str) -> str:
    found = client.get_cookie(name)
    assert found is not None, f"no {name} cookie"
    return found.value


def _with_cookie(app: Flask, name: str, value: str) -> FlaskClient:
    thief = app.test_client()
    thief.set_cookie(name, value)
    return thief


def _opens_the_queue(client: FlaskClient) -> bool:
    return client.get(QUEUE).status_code == 200


def test_a_session_cookie_saved_before_logout_no_longer_opens_the_desk(app: Flask, agent: User):
    client = _log_in(app)
    saved = _cookie(client, "session")
    assert _opens_the_queue(_with_cookie(app, "session", saved))
    client.post("/logout")
    assert not _opens_the_queue(_with_cookie(app, "session", saved))
    assert not _opens_the_queue(client)


def test_a_remember_cookie_saved_before_logout_no_longer_logs_in(app: Flask, agent: User):
    client = _log_in(app, remember=True)
    remembered = _cookie(client, "remember_token")
    assert _opens_the_queue(_with_cookie(app, "remember_token", remembered))
    client.post("/logout")
    assert not _opens_the_queue(_with_cookie(app, "remember_token", remembered))


def test_logout_ends_the_sessions_on_other_devices_too(app: Flask, agent: User):
    phone, desktop = _log_in(app), _log_in(app)
    phone.post("/logout")
    assert not _opens_the_queue(desktop)


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app: Flask, agent: User):
    other = _log_in(app, remember=True)
    remembered = _cookie(other, "remember_token")
    here = _log_in(app, remember=True)
    done = here.post("/profile", data={"pw-current_password": PASSWORD, "pw-new_password": "新的登录密码-2026",
                                       "pw-confirm": "新的登录密码-2026", "pw-submit": "1"}, follow_redirects=True)
    assert "密码已修改" in text(done)
    assert _opens_the_queue(here)
    assert _opens_the_queue(_with_cookie(app, "remember_token", _cookie(here, "remember_token")))
    assert not _opens_the_queue(other)
    assert not _opens_the_queue(_with_cookie(app, "remember_token", remembered))


def test_an_admin_reset_of_the_password_ends_every_session(app: Flask, agent: User, admin: User):
    client = _log_in(app)
    app.test_client(user=admin).post(f"/admin/users/{agent.id}", data={"pw-new_password": "重设的密码-2026-x",
                                                                       "pw-submit": "1"})
    assert not _opens_the_queue(client)


def test_deactivation_ends_every_session_and_reactivation_does_not_revive_them(app: Flask, s, agent: User,
                                                                               admin: User):
    client = _log_in(app, remember=True)
    remembered = _cookie(client, "remember_token")
    with db.writing():  # as an administrator's request would
        update_user(s, admin, agent, active=False)
    assert not _opens_the_queue(client)
    with db.writing():
        update_user(s, admin, agent, active=True)
    assert not _opens_the_queue(client)
    assert not _opens_the_queue(_with_cookie(app, "remember_token", remembered))


def test_a_role_change_ends_every_session(app: Flask, agent: User, admin: User):
    client = _log_in(app, remember=True)
    remembered = _cookie(client, "remember_token")
    page = app.test_client(user=admin).post(f"/admin/users/{agent.id}", data={
        "edit-display_name": "李娜", "edit-role": "specialist", "edit-active": "y", "edit-submit": "1"})
    assert page.status_code == 302
    assert not _opens_the_queue(client)
    assert not _opens_the_queue(_with_cookie(app, "remember_token", remembered))
    assert _opens_the_queue(_log_in(app))  # logging in again gives the new role


def test_saving_without_a_role_change_keeps_the_sessions(app: Flask, agent: User, admin: User):
    client = _log_in(app)
    app.test_client(user=admin).post(f"/admin/users/{agent.id}", data={
        "edit-display_name": "李娜（一线）", "edit-role": "agent", "edit-active": "y", "edit-submit": "1"})
    assert _opens_the_queue(client)


def test_the_profile_ends_the_other_sessions_and_keeps_this_one(app: Flask, agent: User):
    other, here = _log_in(app), _log_in(app)
    page = text(here.get("/profile"))
    assert "退出其他所有设备" in page
    done = here.post("/profile", data={"es-submit": "1"}, follow_redirects=True)
    assert "已在其他所有地方退出登录" in text(done)
    assert _opens_the_queue(here)
    assert not _opens_the_queue(other)


def test_the_profile_page_renders_in_english_with_sessions_and_tokens(app: Flask, s, agent: User):
    issue_token(s, agent, "呼叫中心对接")
    client = _log_in(app)
    client.set_cookie("lang", "en")
    page = text(client.get("/profile"))
    assert "Where you are logged in" in page and "Log out everywhere else" in page
    assert "API tokens" in page and "呼叫中心对接" in page


def test_api_tokens_outlive_a_logout_but_not_a_deactivation(app: Flask, s, agent: User, admin: User):
    secret = issue_token(s, agent, "现场工单系统")
    client = _log_in(app)
    client.post("/logout")
    bearer = {"Authorization": f"Bearer {secret}"}
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 200
    with db.writing():
        update_user(s, admin, agent, active=False)
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 401


def test_a_cookie_without_a_session_version_is_refused(app: Flask, agent: User):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(agent.id)  # as cookies were before session versions
        session["_fresh"] = True
    assert not _opens_the_queue(client)


def test_flask_login_client_still_logs_in(app: Flask, agent: User):
    assert _opens_the_queue(app.test_client(user=agent))
    assert agent.get_id() == f"{agent.id}:0"
    assert agent.role == Role.AGENT
