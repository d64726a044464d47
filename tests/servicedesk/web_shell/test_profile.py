"""The profile page: password, API tokens shown once, language."""

from __future__ import annotations

import re

from flask import Flask

from servicedesk import db
from servicedesk.users.models import ApiToken, User
from servicedesk.users.services import user_for_token
from tests.factories import PASSWORD
from tests.servicedesk.web_shell.conftest import text


def test_change_password_needs_the_current_one(app: Flask, subscriber: User):
    client = app.test_client(user=subscriber)
    wrong = client.post("/profile", data={"pw-current_password": "guess", "pw-new_password": "新的登录密码-2024",
                                          "pw-confirm": "新的登录密码-2024", "pw-submit": "1"})
    assert wrong.status_code == 200
    assert "这不是您当前的密码" in text(wrong)
    assert subscriber.check_password(PASSWORD)

    short = client.post("/profile", data={"pw-current_password": PASSWORD, "pw-new_password": "short",
                                          "pw-confirm": "short", "pw-submit": "1"})
    assert "至少需要 10 个字符" in text(short)

    mismatch = client.post("/profile", data={"pw-current_password": PASSWORD, "pw-new_password": "新的登录密码-2024",
                                             "pw-confirm": "另一个密码-2024", "pw-submit": "1"})
    assert "两次输入的密码不一致" in text(mismatch)

    done = client.post("/profile", data={"pw-current_password": PASSWORD, "pw-new_password": "新的登录密码-2024",
                                         "pw-confirm": "新的登录密码-2024", "pw-submit": "1"}, follow_redirects=True)
    assert "密码已修改" in text(done)
    assert subscriber.check_password("新的登录密码-2024")


def test_token_is_shown_once_and_works_as_a_bearer(app: Flask, subscriber: User):
    client = app.test_client(user=subscriber)
    response = client.post("/profile", data={"tok-name": "呼叫中心对接", "tok-submit": "1"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'<code id="new-token">([^<]+)</code>', text(response)).group(1)
    assert secret.startswith("sdk_")
    assert user_for_token(db.session(), secret) is subscriber

    again = text(client.get("/profile"))
    assert secret not in again
    assert "呼叫中心对接" in again
    assert secret[:12] in again  # recognisable by its prefix only

    # The token alone, without any session, acts as the user.
    bare = app.test_client()
    page = bare.get("/profile", headers={"Authorization": f"Bearer {secret}"})
    assert page.status_code == 200
    assert "张伟" in text(page)
    assert bare.get("/profile", headers={"Authorization": "Bearer sdk_not-a-token"}).status_code == 302
    if "api.me" in app.view_functions:  # the API, where it exists, knows the token's owner too
        me = bare.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
        assert me.status_code == 200 and me.get_json()["username"] == "zhang.wei"


def test_token_needs_a_name(app: Flask, subscriber: User):
    client = app.test_client(user=subscriber)
    html = text(client.post("/profile", data={"tok-name": "", "tok-submit": "1"}))
    assert "请给令牌起一个您能认出的名称" in html
    assert db.session.query(ApiToken).count() == 0


def test_revoke_own_token_only(app: Flask, s, subscriber: User, agent: User):
    from servicedesk.users.services import issue_token

    mine = issue_token(s, subscriber, "测试")
    theirs = issue_token(s, agent, "坐席")
    my_id = user_for_token(s, mine) and s.query(ApiToken).filter_by(user_id=subscriber.id).one().id
    their_id = s.query(ApiToken).filter_by(user_id=agent.id).one().id
    client = app.test_client(user=subscriber)

    refused = client.post("/profile", data={"rv-token_id": str(their_id), "rv-submit": "1"}, follow_redirects=True)
    assert "该令牌已不存在" in text(refused)
    assert user_for_token(s, theirs) is agent

    done = client.post("/profile", data={"rv-token_id": str(my_id), "rv-submit": "1"}, follow_redirects=True)
    assert "令牌已吊销" in text(done)
    assert user_for_token(s, mine) is None


def test_choose_language_on_the_profile(app: Flask, subscriber: User):
    client = app.test_client(user=subscriber)
    response = client.post("/profile", data={"loc-locale": "en", "loc-submit": "1"}, follow_redirects=True)
    assert subscriber.locale == "en"
    assert "Language saved." in text(response)
    client.post("/profile", data={"loc-locale": "", "loc-submit": "1"})
    assert subscriber.locale == ""


def test_profile_needs_login(client):
    assert client.get("/profile").headers["Location"].startswith("/login")
