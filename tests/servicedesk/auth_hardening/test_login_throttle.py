"""Issue 12, finding 1: failed logins are counted per account and per client address (Flask-Limiter),
in-process by default and in Redis when REDIS_URL is set; a locked name is refused, right password or not."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from flask import Flask

from servicedesk import create_app, db
from servicedesk.auth.throttle import EXTENSION, LimiterGuard
from servicedesk.config import config_for_tests
from servicedesk.users.models import User
from servicedesk.users.services import TooManyAttempts, authenticate, check_login
from tests.factories import PASSWORD
from tests.servicedesk.web_shell.conftest import text
from tests.shared_redis import REDIS_URL, needs_redis


def _fail(client, username: str = "zhang.wei", times: int = 1, address: str = "127.0.0.1"):  # type: ignore[no-untyped-def]
    response = None
    for _ in range(times):
        response = client.post("/login", data={"username": username, "password": "wrong-password-1"},
                               environ_base={"REMOTE_ADDR": address})
    return response


def _small_limits(app: Flask, account: str, address: str) -> None:
    guard = app.extensions[EXTENSION]
    app.extensions[EXTENSION] = LimiterGuard(guard.limiter, {"login": (account, address),
                                                             "password": (account, address),
                                                             "register": (None, address)})


def test_ten_failures_lock_the_account_even_for_the_right_password(client, subscriber: User):
    for _ in range(10):
        response = _fail(client)
        assert response.status_code == 200
        assert "用户名或密码错误" in text(response)
    locked = client.post("/login", data={"username": "zhang.wei", "password": PASSWORD})
    assert locked.status_code == 429
    html = text(locked)
    assert "失败次数过多" in html and "15 分钟后再试" in html
    assert 800 < int(locked.headers["Retry-After"]) <= 900
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert subscriber.last_login_at is None


def test_the_lock_message_in_english(client, subscriber: User):
    client.set_cookie("lang", "en")
    _fail(client, times=10)
    locked = client.post("/login", data={"username": "zhang.wei", "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many failed attempts. For your security, try again in 15 minutes." in text(locked)
    assert '<html lang="en">' in text(locked)


def test_a_locked_name_does_not_lock_another(app: Flask, client, subscriber: User, agent: User):
    _fail(client, times=11)
    assert client.post("/login", data={"username": "li.na", "password": PASSWORD}).status_code == 302


def test_successful_logins_do_not_count(app: Flask, subscriber: User):
    for _ in range(12):
        assert app.test_client().post("/login", data={"username": "zhang.wei",
                                                      "password": PASSWORD}).status_code == 302
    client = app.test_client()
    _fail(client, times=9)
    assert client.post("/login", data={"username": "zhang.wei", "password": PASSWORD}).status_code == 302


def test_an_unknown_name_locks_like_a_known_one(client):
    responses = [_fail(client, username="nobody.here") for _ in range(11)]
    assert [r.status_code for r in responses] == [200] * 10 + [429]


def test_names_are_counted_whatever_their_case(client, subscriber: User):
    _fail(client, username="Zhang.Wei", times=5)
    _fail(client, username=" zhang.wei ", times=5)
    assert client.post("/login", data={"username": "zhang.wei", "password": PASSWORD}).status_code == 429


def test_one_address_is_locked_after_failures_on_many_names(app: Flask, client, subscriber: User):
    _small_limits(app, "10 per 15 minutes", "5 per 15 minutes")
    for n in range(5):
        _fail(client, username=f"guess{n}", address="10.0.0.7")
    refused = client.post("/login", data={"username": "zhang.wei", "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert refused.status_code == 429
    elsewhere = client.post("/login", data={"username": "zhang.wei", "password": PASSWORD},
                            environ_base={"REMOTE_ADDR": "10.0.0.8"})
    assert elsewhere.status_code == 302


def test_the_default_address_limit_is_higher_than_the_account_limit(app: Flask):
    account, address = app.config["ATTEMPT_LIMITS_LOGIN"]
    assert account == "10 per 15 minutes"
    assert address == "50 per 15 minutes"


def test_every_door_that_checks_a_login_is_counted(app: Flask, s, subscriber: User):
    with app.test_request_context("/report", method="POST"):
        for _ in range(10):
            assert authenticate(s, "zhang.wei", "wrong-password-1") is None
        assert authenticate(s, "zhang.wei", PASSWORD) is None  # the portal's re-login: locked, like a failure
        with pytest.raises(TooManyAttempts) as refused:
            check_login(s, "zhang.wei", PASSWORD)
        assert refused.value.status == 429 and refused.value.code == "too_many_attempts"


def test_wrong_current_passwords_lock_the_password_change(app: Flask, subscriber: User):
    client = app.test_client(user=subscriber)
    form = {"pw-current_password": "guess-guess-1", "pw-new_password": "新的登录密码-2026",
            "pw-confirm": "新的登录密码-2026", "pw-submit": "1"}
    for _ in range(10):
        assert client.post("/profile", data=form).status_code == 200
    locked = client.post("/profile", data={**form, "pw-current_password": PASSWORD})
    assert locked.status_code == 429
    assert "失败次数过多" in text(locked)
    assert "Retry-After" in locked.headers
    assert subscriber.check_password(PASSWORD)


def test_registration_refusals_are_counted_per_address(app: Flask, client, subscriber: User):
    _small_limits(app, "10 per 15 minutes", "3 per 15 minutes")
    form = {"account": "GD20240099", "phone": "13800001111", "display_name": "刘洋", "username": "zhang.wei",
            "password": "光猫红灯-2026-abc", "confirm": "光猫红灯-2026-abc"}
    for _ in range(3):
        assert client.post("/register", data=form).status_code == 200
    locked = client.post("/register", data={**form, "username": "liu.yang"})
    assert locked.status_code == 429
    assert "失败次数过多" in text(locked)
    assert db.session.query(User).filter_by(username="liu.yang").first() is None


def test_without_redis_the_count_stays_in_the_process(app: Flask):
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert app.extensions[EXTENSION].storage_kind == "memory"


def test_when_redis_does_not_answer_the_count_goes_on_in_the_process(tmp_path: Path, database_url: str,
                                                                     engine) -> None:  # type: ignore[no-untyped-def]
    node = create_app({**config_for_tests(tmp_path, database_url), "REDIS_URL": "redis://127.0.0.1:1/0"})
    try:
        client = node.test_client()
        statuses = [_fail(client, username=f"ghost-{tmp_path.name}").status_code for _ in range(11)]
        assert statuses == [200] * 10 + [429]
    finally:
        node.extensions["sqlalchemy_engine"].dispose()


@needs_redis
def test_with_redis_two_nodes_share_the_count(tmp_path: Path, database_url: str, engine) -> None:  # type: ignore[no-untyped-def]
    import redis

    name = f"ghost-{uuid.uuid4().hex[:12]}"
    nodes = [create_app({**config_for_tests(tmp_path / n, database_url), "REDIS_URL": REDIS_URL}) for n in "ab"]
    try:
        assert all(node.extensions[EXTENSION].storage_kind == "redis" for node in nodes)
        node_a, node_b = (node.test_client() for node in nodes)
        assert [_fail(node_a, username=name).status_code for _ in range(6)] == [200] * 6
        assert [_fail(node_b, username=name).status_code for _ in range(4)] == [200] * 4
        assert _fail(node_a, username=name).status_code == 429  # ten failures, on two nodes
        assert _fail(node_b, username=name).status_code == 429
    finally:
        for node in nodes:
            node.extensions["sqlalchemy_engine"].dispose()
        server = redis.Redis.from_url(REDIS_URL)
        for key in server.scan_iter(f"*{name}*"):
            server.delete(key)
