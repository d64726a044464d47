"""Change artefacts over HTTP: kind, change reference and planned window in, out, validated and documented."""

from __future__ import annotations

from kb.models import Article
from tests.servicedesk.api.helpers import check_schema, count, error_of

CUTOVER = {
    "type": "change", "title": "城西 OLT 割接方案", "body": "## 割接步骤\n1. 备份配置\n2. 倒换上联",
    "services": ["broadband"], "visibility": "internal", "change_kind": "cutover_plan",
    "change_ref": "BG-2024-0518", "planned_start": "2024-05-20T01:00:00+08:00",
    "planned_end": "2024-05-20T05:00:00+08:00",
}


def test_create_read_and_edit_a_change_artefact(api, agent):
    r = api.post("/articles", agent, json=CUTOVER)
    assert r.status_code == 201, r.get_json()
    a = r.get_json()
    assert a["change_kind"] == "cutover_plan" and a["change_ref"] == "BG-2024-0518"
    assert a["planned_start"] == "2024-05-19T17:00:00+00:00" and a["planned_end"] == "2024-05-19T21:00:00+00:00"
    check_schema(api, r, "Article")
    r = api.patch(f"/articles/{a['id']}", agent, json={"change_kind": "test_plan", "planned_end": "2024-05-20T06:30Z"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["change_kind"] == "test_plan" and r.get_json()["planned_end"] == "2024-05-20T06:30:00+00:00"
    assert api.get(f"/articles/{a['id']}", agent).get_json()["change_ref"] == "BG-2024-0518"


def test_other_types_show_empty_change_fields(api, agent):
    r = api.post("/articles", agent, json={"type": "procedure", "title": "用户报修处理程序", "body": "受理 → 派单"})
    a = r.get_json()
    assert (a["change_kind"], a["change_ref"], a["planned_start"], a["planned_end"]) == (None, "", None, None)


def test_bad_change_fields_are_400_naming_them(api, s, agent):
    before = count(s, Article)
    r = api.post("/articles", agent, json={**CUTOVER, "planned_end": "2024-05-19T23:00:00+08:00"})
    assert r.status_code == 400 and error_of(r)["fields"] == {"planned_end": "must be after the start"}
    r = api.post("/articles", agent, json={**CUTOVER, "change_kind": "rollback_plan", "planned_start": "明天"})
    assert r.status_code == 400 and {"change_kind", "planned_start"} <= set(error_of(r)["fields"])
    r = api.post("/articles", agent, json={**CUTOVER, "planned_start": "2024-05-20T01:00:00"})
    assert r.status_code == 400 and error_of(r)["fields"] == {"planned_start": "needs a UTC offset"}
    r = api.post("/articles", agent, json={**CUTOVER, "type": "solution", "symptom": "无法上网"})
    assert r.status_code == 400
    assert set(error_of(r)["fields"]) == {"change_kind", "change_ref", "planned_start", "planned_end"}
    r = api.post("/articles", agent, json={**CUTOVER, "change_ref": 518})
    assert r.status_code == 400 and "change_ref" in error_of(r)["fields"]
    assert count(s, Article) == before


def test_openapi_documents_the_change_fields(api):
    schemas = api.get("/openapi.json").get_json()["components"]["schemas"]
    for name in ("ArticleInput", "ArticlePatch", "Article", "Revision"):
        props = schemas[name]["properties"]
        assert {"change_kind", "change_ref", "planned_start", "planned_end"} <= set(props), name
    kind = schemas["ArticleInput"]["properties"]["change_kind"]["anyOf"][0]
    kinds = schemas[kind["$ref"].rsplit("/", 1)[-1]]["enum"] if "$ref" in kind else kind["enum"]
    assert kinds == ["change_request", "test_plan", "technical_plan", "cutover_plan"]
