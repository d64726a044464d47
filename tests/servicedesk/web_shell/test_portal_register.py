"""Self-registration with a subscriber account number; the phone must match the operator's record."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from kb.actors import Role
from servicedesk import db
from servicedesk.org import services as org
from servicedesk.org.models import Subscriber
from servicedesk.portal.models import SubscriberRegistration
from servicedesk.users.models import User
from tests.servicedesk.web_shell.conftest import csrf_token, text

FORM = {"account": "GD20240077", "phone": "13900001111", "display_name": "刘洋", "username": "liu.yang",
        "password": "guangmao-2024", "confirm": "guangmao-2024"}


def _users(username: str = "liu.yang") -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.username == username)) or 0


def test_register_without_a_record_keeps_the_stated_account(app: Flask, s):
    client = app.test_client()
    response = client.post("/register", data=FORM)
    assert response.status_code == 302 and response.headers["Location"] == "/my/incidents"
    user = s.scalars(select(User).where(User.username == "liu.yang")).one()
    assert user.role == Role.USER and user.display_name == "刘洋" and user.phone == "13900001111"
    assert user.check_password("guangmao-2024")
    registration = s.get(SubscriberRegistration, user.id)
    assert registration is not None and registration.account == "GD20240077" and not registration.verified
    report = text(client.get("/report"))  # logged in, and the report knows the account and phone
    assert 'value="GD20240077"' in report and 'value="13900001111"' in report


def test_register_with_a_record_needs_the_matching_phone_and_links_it(app: Flask, s, agent: User):
    record = org.upsert_subscriber(s, agent, {"account": "GD20240077", "name": "刘洋", "phone": "139-0000-1111",
                                              "address": "和平里 8 号"})
    client = app.test_client()
    wrong = client.post("/register", data={**FORM, "phone": "13900002222"})
    html = text(wrong)
    assert wrong.status_code == 200 and _users() == 0 and record.user_id is None
    block = html[html.index('for="phone"'):html.index('for="display_name"')]
    assert 'aria-invalid="true"' in block
    assert 'value="GD20240077"' in html and 'value="刘洋"' in html  # what was typed stays

    right = client.post("/register", data={**FORM, "phone": "+86 139 0000 1111"})
    assert right.status_code == 302
    user = s.scalars(select(User).where(User.username == "liu.yang")).one()
    assert record.user_id == user.id
    registration = s.get(SubscriberRegistration, user.id)
    assert registration is not None and registration.verified
    report = text(client.get("/report"))
    assert 'value="和平里 8 号"' in report and 'value="GD20240077"' in report


def test_an_account_registers_once(app: Flask, s, agent: User):
    org.upsert_subscriber(s, agent, {"account": "GD20240077", "name": "刘洋", "phone": "13900001111"})
    assert app.test_client().post("/register", data=FORM).status_code == 302
    again = app.test_client().post("/register", data={**FORM, "username": "liu.yang2"})
    assert again.status_code == 200 and _users("liu.yang2") == 0
    html = text(again)
    block = html[html.index('for="account"'):html.index('for="phone"')]
    assert 'aria-invalid="true"' in block


def test_a_record_without_a_phone_cannot_be_claimed_online(app: Flask, s, agent: User):
    org.upsert_subscriber(s, agent, {"account": "GD20240077", "name": "刘洋"})
    assert app.test_client().post("/register", data=FORM).status_code == 200
    assert _users() == 0


def test_bad_input_is_shown_beside_each_field(app: Flask, subscriber: User):
    client = app.test_client()
    cases = [({"account": "GD 2024"}, "account"), ({"phone": "电话"}, "phone"),
             ({"username": "zhang.wei"}, "username"), ({"username": "有 空格"}, "username"),
             ({"confirm": "something-else"}, "confirm"), ({"password": "short", "confirm": "short"}, "password")]
    for change, field in cases:
        html = text(client.post("/register", data={**FORM, **change}))
        assert _users() == 0, change
        start = html.index(f'for="{field}"')
        assert 'aria-invalid="true"' in html[start:start + 1200], change


def test_the_login_page_offers_registration_and_next_is_kept(app: Flask):
    client = app.test_client()
    login = text(client.get("/login?next=/report"))
    assert 'href="/register?next=/report"' in login
    register = text(client.get("/register?next=/report"))
    assert 'name="next" type="hidden" value="/report"' in register or 'value="/report"' in register
    done = client.post("/register?next=/report", data={**FORM, "next": "/report"})
    assert done.headers["Location"] == "/report"
    evil = app.test_client().post("/register", data={**FORM, "username": "liu.yang3", "account": "GD20240078",
                                                      "next": "https://evil.example/"})
    assert evil.headers["Location"] == "/my/incidents"


def test_logged_in_users_are_sent_on(app: Flask, subscriber: User):
    response = app.test_client(user=subscriber).get("/register")
    assert response.status_code == 302 and response.headers["Location"] == "/my/incidents"


def test_registration_through_the_real_form_with_csrf(app: Flask):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    assert client.post("/register", data=FORM).status_code == 400
    assert _users() == 0
    token = csrf_token(text(client.get("/register")))
    assert client.post("/register", data={**FORM, "csrf_token": token}).status_code == 302
    assert _users() == 1


def test_subscriber_records_stay_with_their_user(s, agent: User):
    from servicedesk.portal.registration import register_subscriber

    record = org.upsert_subscriber(s, agent, {"account": "GD20240077", "name": "刘洋", "phone": "13900001111"})
    user = register_subscriber(s, username="liu.yang", password="guangmao-2024", display_name="刘洋",
                               phone="0086 13900001111", account="GD20240077")
    assert s.scalars(select(Subscriber).where(Subscriber.user_id == user.id)).one() is record
