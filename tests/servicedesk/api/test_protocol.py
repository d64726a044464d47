"""What holds for every endpoint: credentials, CSRF for sessions, the error envelope, sizes, health, OpenAPI."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from kb.models import Article
from servicedesk.incidents.models import Incident, IncidentEvent
from servicedesk.search import catch_up_index
from tests import factories
from tests.conftest import login_client
from tests.servicedesk.api.helpers import count, error_of

REPORT = {"title": "户户通机顶盒无信号", "service": "satellite_tv", "category": "fault", "area": "township"}


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/me"), ("GET", "/incidents"), ("POST", "/incidents"), ("GET", "/incidents/1"),
    ("POST", "/articles"), ("GET", "/articles"), ("PATCH", "/users/1"), ("POST", "/incidents/1/close"),
])
def test_no_credentials_is_401(api, method, path):
    r = api.call(method, path, json={})
    assert r.status_code == 401 and error_of(r)["code"] == "unauthorized"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_bad_token_is_401_even_with_a_session(app, api, s, agent):
    for header in ("Bearer sdk_not-a-real-token", "Bearer ", "bearer nonsense"):
        r = api.get("/me", headers={"Authorization": header})
        assert r.status_code == 401, header
        r = api.get("/search", headers={"Authorization": header})
        assert r.status_code == 401, header
    s.commit()
    browser = login_client(app, agent)
    assert browser.get("/api/v1/me").get_json()["username"] == "li.na"
    r = browser.get("/api/v1/me", headers={"Authorization": "Bearer sdk_wrong"})
    assert r.status_code == 401 and error_of(r)["code"] == "unauthorized"


def test_token_wins_over_session(app, api, s, agent, subscriber):
    token = api.token(subscriber)
    s.commit()
    browser = login_client(app, agent)
    r = browser.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.get_json()["username"] == "zhang.wei"


def test_csrf_for_sessions_not_for_tokens(app, api, s, subscriber):
    app.config["WTF_CSRF_ENABLED"] = True
    token = api.token(subscriber)
    s.commit()
    browser = login_client(app, subscriber)
    before = count(s, Incident)
    r = browser.post("/api/v1/incidents", json=REPORT)
    assert r.status_code == 400 and r.content_type.startswith("application/json")
    assert error_of(r)["code"] == "csrf_failed"
    assert count(s, Incident) == before
    r = browser.post("/api/v1/incidents", json=REPORT, headers={"X-CSRFToken": "forged"})
    assert r.status_code == 400 and error_of(r)["code"] == "csrf_failed"
    # Reads need no token; the session's token comes with /me for browser scripts.
    me = browser.get("/api/v1/me").get_json()
    r = browser.post("/api/v1/incidents", json=REPORT, headers={"X-CSRFToken": me["csrf_token"]})
    assert r.status_code == 201
    r = api.post("/incidents", json=REPORT, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201
    assert count(s, Incident) == before + 2


def test_malformed_and_non_object_bodies(api, s, agent, subscriber):
    inc = factories.incident(subscriber)
    before = (count(s, Incident), count(s, IncidentEvent), count(s, Article))
    for path in ("/incidents", "/articles", f"/incidents/{inc.id}/resolve"):
        r = api.post(path, agent, data='{"title": "光猫",')
        assert r.status_code == 400 and error_of(r)["code"] == "malformed_json", path
    for raw in ("[1, 2]", '"标题"', "42", "null", '{"title": NaN}', "[" * 100_000, b"\xff\xfe{", "{\"a\": 1}}"):
        r = api.post("/incidents", agent, data=raw)
        assert r.status_code == 400, raw[:20]
        assert error_of(r)["code"] in ("malformed_json", "invalid_body")
    r = api.post("/incidents", agent, data="[]")
    assert error_of(r)["code"] == "invalid_body" and error_of(r)["fields"] == {"body": "must be a JSON object"}
    r = api.put(f"/incidents/{inc.id}/solution", agent, data="not json")
    assert r.status_code == 400 and error_of(r)["code"] == "malformed_json"
    assert (count(s, Incident), count(s, IncidentEvent), count(s, Article)) == before


def test_too_large_is_413_json(api, s, agent):
    before = count(s, Article)
    big = '{"type": "reference", "title": "网络拓扑", "body": "' + "拓" * (1024 * 1024) + '"}'
    r = api.post("/articles", agent, data=big.encode())
    assert r.status_code == 413 and error_of(r)["code"] == "too_large"
    assert count(s, Article) == before


def test_unknown_path_and_wrong_method_are_json(api, agent):
    r = api.get("/no-such-thing", agent)
    assert r.status_code == 404 and error_of(r)["code"] == "not_found"
    r = api.get("/incidents/abc", agent)
    assert r.status_code == 404
    r = api.call("DELETE", "/incidents", agent)
    assert r.status_code == 405 and error_of(r)["code"] == "method_not_allowed"
    r = api.call("PUT", "/health")
    assert r.status_code == 405 and error_of(r)["code"] == "method_not_allowed"


def test_method_not_allowed_says_what_is(app, api, agent):
    r = api.call("DELETE", "/incidents", agent)
    assert r.status_code == 405 and r.content_type.startswith("application/json")
    assert set(r.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    r = api.call("PUT", "/health")
    assert set(r.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    page = app.test_client().delete("/login")
    assert page.status_code == 405 and page.content_type.startswith("text/html")
    assert "POST" in page.headers["Allow"] and "DELETE" not in page.headers["Allow"]


def test_health(api, agent):
    factories.article(agent)
    r = api.get("/health")
    assert r.status_code == 200
    assert r.get_json() == {"status": "ok", "database": "ok", "index": "ok", "index_lag": 0,
                            "index_lag_seconds": 0.0,
                            "channels": {"mail": "off", "sms": "off", "webhooks": "configured", "in_app": "configured"},
                            "outbox": {"pending": 0, "failed": 0, "oldest_seconds": None}}
    assert api.get("/health", headers={"Authorization": "Bearer broken"}).status_code == 200


def test_health_says_how_far_the_index_lags(app, s, api, agent, monkeypatch):
    factories.article(agent, title="光猫 LOS 红灯")
    s.commit()
    # This node's index misses two commits (another node made them, or this process died before writing).
    monkeypatch.setitem(app.extensions, "kb_index", None)
    factories.article(agent, title="机顶盒无信号")
    s.commit()
    factories.article(agent, title="户户通 E-04")
    s.commit()
    monkeypatch.undo()
    body = api.get("/health").get_json()
    assert body["status"] == "ok" and body["index_lag"] == 2 and body["index_lag_seconds"] >= 0
    assert catch_up_index() == 2
    assert api.get("/health").get_json()["index_lag"] == 0


def test_empty_knowledge_base_keeps_answering(api, agent):
    assert api.get("/health").status_code == 200
    assert api.get("/search", query={"q": "光猫"}).status_code == 200
    factories.article(agent)
    assert api.get("/health").get_json()["index"] == "ok"
    assert api.get("/search", agent, query={"q": "光猫", "status": "draft"}).get_json()["total"] == 1


def _flask_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.removeprefix("/api/v1"))


def test_openapi_document_is_valid_and_complete(app, api):
    r = api.get("/openapi.json")
    assert r.status_code == 200
    doc = r.get_json()
    validate(doc)
    assert doc["openapi"].startswith("3.")
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        **doc["components"]["securitySchemes"]["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert "Error" in doc["components"]["schemas"]
    routes = {
        (_flask_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert routes == documented
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            assert "x-undeclared" not in operation, f"declare {method.upper()} {path} with @operation"
            assert operation["responses"], (path, method)
            params = {p.get("name") or p["$ref"].rsplit("/", 1)[-1] for p in operation.get("parameters", [])}
            for name in re.findall(r"{(\w+)}", path):
                assert name in params, (path, method, name)
            if method in ("post", "put", "patch") and path != "/openapi.json":
                assert "requestBody" in operation, (path, method)
            assert re.fullmatch(r"[a-z]+_[a-z_]+", operation["operationId"]), operation["operationId"]
            assert len(operation["tags"]) == 1 and operation["tags"][0] in {t["name"] for t in doc["tags"]}
            assert "400" in operation["responses"], (path, method)  # bad query strings and paths, everywhere
    ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))
    responses = doc["components"]["responses"]
    assert "invalid_text" in responses["BadRequest"]["description"]
    assert "admin_only" in responses["Forbidden"]["description"]


def test_request_bodies_are_required_only_where_the_server_requires_one(api, agent, subscriber):
    doc = api.get("/openapi.json").get_json()
    inc = factories.incident(subscriber)
    create = doc["paths"]["/incidents"]["post"]["requestBody"]
    assert create["required"] is True and api.post("/incidents", agent).status_code == 400
    start = doc["paths"]["/incidents/{incident_id}/start"]["post"]["requestBody"]
    assert start["required"] is False and api.post(f"/incidents/{inc.id}/start", agent).status_code == 200
    schema = doc["components"]["schemas"]["IncidentInput"]
    assert schema["additionalProperties"] is False and set(schema["required"]) == {"title", "service"}


def test_the_declaration_validates_before_the_view(api, s, admin, agent):
    before = count(s, Incident)
    # JSON types are exact: a number in quotes is not a number, and nothing is written
    r = api.post("/incidents", agent, json={**REPORT, "title": 42, "priority": "urgent!", "colour": "红"})
    assert r.status_code == 400 and error_of(r)["code"] == "invalid_input"
    assert error_of(r)["fields"] == {"title": "must be a string", "priority": "one of: low, normal, high, urgent",
                                     "colour": "unknown field"}
    escalate = f"/incidents/{factories.incident(agent).id}/escalate"
    r = api.post(escalate, agent, json={"tier": "3", "reason": "光功率低"})
    assert r.status_code == 400 and error_of(r)["fields"] == {"tier": "a whole number from 2 to 4"}
    r = api.post(escalate, agent, json={"tier": 3, "reason": "光功率低", "version": True})
    assert r.status_code == 400 and error_of(r)["fields"] == {"version": "must be an integer"}
    assert count(s, Incident) == before + 1
    # the query string too, with the messages the views always gave
    r = api.get("/users", admin, query={"page": "0", "per_page": "abc", "role": "agent,boss"})
    assert r.status_code == 400 and error_of(r)["fields"] == {
        "page": "a whole number from 1 to 100000", "per_page": "a whole number from 1 to 100",
        "role": "one of: user, agent, specialist, lead, admin"}
    r = api.get("/search", agent, query={"visibility": "secret"})
    assert r.status_code == 400 and "visibility" in error_of(r)["fields"]
    # text that is not Unicode keeps its own code
    r = api.post("/incidents", agent, data='{"title": "\\ud800", "service": "broadband", "category": "fault"}')
    assert r.status_code == 400 and error_of(r)["code"] == "invalid_text"


def test_nul_characters_never_reach_the_database(api, s, agent, subscriber):
    r = api.post("/incidents", subscriber, json={**REPORT, "title": "光猫\u0000红灯", "customer_account": "A\u00001"})
    assert r.status_code == 201 and r.get_json()["title"] == "光猫红灯"
    iid = r.get_json()["id"]
    r = api.post(f"/incidents/{iid}/assign", agent, json={"assignee": "li\u0000na"})
    assert r.status_code == 400 and "assignee" in error_of(r)["fields"]
    r = api.post("/incidents", agent, json={**REPORT, "reporter": "zhang\u0000wei"})
    assert r.status_code == 400 and "reporter" in error_of(r)["fields"]
    r = api.post("/me/tokens", agent, json={"name": "呼叫\u0000中心"})
    assert r.status_code == 201 and r.get_json()["name"] == "呼叫中心"
    r = api.get("/incidents", agent, query={"q": "光猫\u0000"})
    assert r.status_code == 400


def _closed(schema: object) -> object:
    """The schema with every object closed, so a field the document does not describe fails validation."""
    if isinstance(schema, dict):
        out = {k: _closed(v) for k, v in schema.items()}
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_closed(v) for v in schema]
    return schema


def test_responses_match_the_documented_schemas(api, agent, lead, subscriber, admin):
    components = _closed(api.get("/openapi.json").get_json()["components"])

    def check(response, name: str) -> None:
        Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": components}).validate(
            response.get_json())

    sol = factories.approved_article(agent, lead)
    api.patch(f"/articles/{sol.id}", agent, json={"tags": ["光猫", "LOS", "尾纤"]})
    inc = factories.resolved_incident(agent, subscriber, sol)
    api.post(f"/incidents/{inc.id}/verify", subscriber, json={"accepted": True, "rating": 5, "comment": "好"})
    check(api.get("/health"), "Health")
    check(api.get(f"/articles/{sol.id}", agent), "Article")
    check(api.get(f"/articles/{sol.id}", subscriber), "Article")
    check(api.get("/articles", agent), "ArticlePage")
    check(api.get(f"/articles/{sol.id}/revisions", agent), "RevisionPage")
    check(api.get("/search", agent, query={"q": "光猫"}), "SearchResult")
    check(api.get("/search/suggest", agent, query={"q": "光猫"}), "SuggestionList")
    check(api.get(f"/incidents/{inc.id}", subscriber), "Incident")
    check(api.get("/incidents", agent), "IncidentPage")
    check(api.get(f"/incidents/{inc.id}/suggestions", agent), "SearchHitList")
    check(api.get("/me", agent), "Me")
    check(api.post("/me/tokens", agent, json={"name": "工单系统"}), "NewToken")
    check(api.get("/users", admin), "UserPage")
    check(api.get(f"/users/{agent.id}", admin), "User")
    check(api.post(f"/incidents/{inc.id}/close", subscriber), "Error")
    check(api.post("/incidents", agent, data="{"), "Error")
