"""The caller's account and tokens, and user administration."""

from __future__ import annotations

from kb.actors import Role
from servicedesk.users.models import ApiToken, User
from tests import factories
from tests.servicedesk.api.helpers import count, error_of


def test_me(api, subscriber):
    r = api.get("/me", subscriber)
    assert r.status_code == 200
    me = r.get_json()
    assert me["username"] == "zhang.wei" and me["display_name"] == "张伟" and me["role"] == "user"
    assert me["is_staff"] is False and "password_hash" not in me and "csrf_token" not in me
    assert [t["name"] for t in me["tokens"]] == ["测试"] and me["tokens"][0]["last_used_at"]


def test_new_token_is_shown_once_and_works(api, s, agent):
    r = api.post("/me/tokens", agent, json={"name": "呼叫中心对接"})
    assert r.status_code == 201
    body = r.get_json()
    secret = body["token"]
    assert secret.startswith("sdk_") and body["prefix"] == secret[:12] and body["name"] == "呼叫中心对接"
    r = api.get("/me", headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 200 and r.get_json()["username"] == "li.na"
    tokens = r.get_json()["tokens"]
    assert all("token" not in t for t in tokens) and len(tokens) == 2
    r = api.post("/me/tokens", agent, json={"name": 5})
    assert r.status_code == 400 and "name" in error_of(r)["fields"]
    assert count(s, ApiToken) == 2


def test_revoke_token(api, s, agent, subscriber):
    created = api.post("/me/tokens", agent, json={}).get_json()
    assert api.delete(f"/me/tokens/{created['id']}", subscriber).status_code == 404
    r = api.delete(f"/me/tokens/{created['id']}", agent)
    assert r.status_code == 200 and r.get_json() == {"id": created["id"], "revoked": True}
    r = api.get("/me", headers={"Authorization": f"Bearer {created['token']}"})
    assert r.status_code == 401
    assert api.delete("/me/tokens/987654", agent).status_code == 404


def test_admin_manages_users(api, s, admin, agent):
    r = api.post("/users", admin, json={"username": "chen.jing", "role": "lead", "password": "长密码-secret-1",
                                        "display_name": "陈静"})
    assert r.status_code == 201
    created = r.get_json()
    assert created["role"] == "lead" and created["display_name"] == "陈静" and created["active"] is True
    r = api.get("/users", admin, query={"role": "lead"})
    assert [u["username"] for u in r.get_json()["items"]] == ["chen.jing"]
    r = api.get("/users", admin, query={"q": "陈"})
    assert r.get_json()["total"] == 1
    assert api.get("/users", admin).get_json()["total"] == count(s, User)
    assert api.get(f"/users/{created['id']}", admin).get_json()["username"] == "chen.jing"
    r = api.patch(f"/users/{created['id']}", admin, json={"role": "specialist", "active": False})
    assert r.status_code == 200 and r.get_json()["role"] == "specialist" and r.get_json()["active"] is False
    assert api.get("/users", admin, query={"active": "false"}).get_json()["total"] == 1


def test_user_admin_refusals_change_nothing(api, s, admin, agent):
    before = count(s, User)
    cases = [
        ({"username": "x", "role": "user"}, 400, "username"),
        ({"username": "li.na", "role": "user"}, 409, "username"),
        ({"username": "wu.lei", "role": "boss"}, 400, "role"),
        ({"username": "wu.lei", "role": "user", "password": "短"}, 400, "password"),
        ({"username": "wu.lei", "role": "user", "password": 12345678}, 400, "password"),
        ({"username": "wu.lei", "role": "user", "display_name": "吴\x00磊"}, 201, None),
        ({"username": "wu.lei2", "role": "user", "is_admin": True}, 400, "is_admin"),
        ({"role": "user"}, 400, "username"),
    ]
    for body, status, field in cases:
        r = api.post("/users", admin, json=body)
        assert r.status_code == status, (body, r.get_json())
        if field:
            assert field in error_of(r)["fields"], body
        else:
            assert r.get_json()["display_name"] == "吴磊"
    assert count(s, User) == before + 1
    assert api.post("/users", agent, json={"username": "hack", "role": "admin"}).status_code == 403
    assert api.get("/users", agent).status_code == 403
    assert api.patch(f"/users/{agent.id}", agent, json={"role": "admin"}).status_code == 403
    r = api.patch(f"/users/{admin.id}", admin, json={"active": False})
    assert r.status_code == 409 and error_of(r)["code"] == "self_lockout"
    r = api.patch(f"/users/{agent.id}", admin, json={"active": "no"})
    assert r.status_code == 400 and "active" in error_of(r)["fields"]
    assert api.patch("/users/777777", admin, json={"active": False}).status_code == 404
    assert count(s, User) == before + 1
    assert agent.role == Role.AGENT and agent.active


def test_locked_account_token_stops_working(api, admin):
    worker = factories.user(Role.AGENT, "sun.li", display_name="孙丽")
    assert api.get("/me", worker).status_code == 200
    api.patch(f"/users/{worker.id}", admin, json={"active": False})
    assert api.get("/me", worker).status_code == 401
