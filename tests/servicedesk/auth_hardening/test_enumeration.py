"""Issue 12, finding 2: a login costs the same for unknown, locked and known names (a dummy hash is checked),
and the registration form never tells whether a username is taken."""

from __future__ import annotations

import re
import time

import pytest
from flask import Flask

from kb.actors import Role
from servicedesk import db
from servicedesk.org.models import Subscriber
from servicedesk.users import passwords
from servicedesk.users.models import User
from servicedesk.users.services import authenticate, create_user
from tests.servicedesk.web_shell.conftest import text

REAL_PASSWORD = "真实的密码-2026-x"


@pytest.fixture
def hashed_user(s) -> User:
    """A user whose hash is made as production makes it (the factories' are cheap on purpose)."""
    with db.writing():
        return create_user(s, "sun.li", Role.AGENT, REAL_PASSWORD, display_name="孙丽")


@pytest.mark.parametrize("username", ["nobody.here", "sun.li", "locked.one"])
def test_every_failed_login_checks_one_password_hash(monkeypatch, s, hashed_user: User, username: str):
    with db.writing():
        locked = create_user(s, "locked.one", Role.AGENT, REAL_PASSWORD)
        locked.active = False
        s.flush()
    checked: list[str] = []
    real = passwords.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        checked.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(passwords, "check_password_hash", counting)
    password = REAL_PASSWORD if username == "locked.one" else "wrong-password-1"
    assert authenticate(s, username, password) is None
    assert len(checked) == 1
    assert checked[0].split("$")[0] == hashed_user.password_hash.split("$")[0]  # the same method and cost


def _fastest(call, times: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(times):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


def test_an_unknown_name_takes_as_long_as_a_known_one(client, hashed_user: User):
    def known() -> None:
        client.post("/login", data={"username": "sun.li", "password": "wrong-password-1"})

    def unknown() -> None:
        client.post("/login", data={"username": "nobody.here", "password": "wrong-password-1"})

    unknown()  # the dummy hash is made once per process
    known_time, unknown_time = _fastest(known), _fastest(unknown)
    assert unknown_time > 0.5 * known_time, (known_time, unknown_time)


def _register(client, **changes: str):  # type: ignore[no-untyped-def]
    form = {"account": "GD20240099", "phone": "13800001111", "display_name": "刘洋", "username": "liu.yang",
            "password": "光猫红灯-2026-abc", "confirm": "光猫红灯-2026-abc", **changes}
    return client.post("/register", data=form)


def _errors(html: str) -> list[str]:
    """What the page says went wrong: the alert above the form and every message beside a field."""
    alert = re.findall(r'<div class="alert alert--error" role="alert">(.*?)</div>', html, re.S)
    beside = re.findall(r'<div class="error" id="([\w-]+)-err">(.*?)</div>', html, re.S)
    return [" ".join(a.split()) for a in alert] + [f"{name}: {' '.join(msg.split())}" for name, msg in beside]


def test_a_taken_username_reads_like_any_other_refused_registration(app: Flask, client, s, subscriber: User):
    with db.writing():
        s.add(Subscriber(account="GD20240001", name="赵六", phone="13900002222"))
        s.flush()
    taken = _register(client, username="zhang.wei")
    wrong_phone = _register(client, account="GD20240001", phone="13800001111")
    assert taken.status_code == wrong_phone.status_code == 200
    assert _errors(text(taken)) == _errors(text(wrong_phone))
    assert "请核对账号和手机号码" in text(taken)
    for page in (taken, wrong_phone):
        assert "已被占用" not in text(page) and "taken" not in text(page)
        assert 'id="username-err"' in text(page)  # marked in every refusal alike, with the same words
    assert s.query(User).filter_by(username="liu.yang").first() is None


def test_the_refusal_in_english_and_a_free_name_still_registers(app: Flask, client, s, subscriber: User):
    client.set_cookie("lang", "en")
    taken = text(_register(client, username="zhang.wei"))
    assert "We could not create an account with these details." in taken
    assert "already taken" not in taken
    done = _register(client, username="liu.yang")
    assert done.status_code == 302
    assert s.query(User).filter_by(username="liu.yang").one().role == Role.USER
