"""Issue 12, finding 2: hostile input answers 400 (JSON on the API, a page saying what is wrong elsewhere),
never 500. The walk over every route is in test_hostile_queries; these are the named cases."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servicedesk.incidents.models import Incident
from tests.servicedesk.api.helpers import Api, error_of
from tests.servicedesk.security.conftest import Desk

REPORT = {"title": "宽带无法上网", "description": "光猫红灯闪", "service": "broadband", "category": "fault",
          "area": "urban"}
HUGE = "99999999999999999999"


def _incidents(s: Session) -> int:
    return int(s.scalar(select(func.count()).select_from(Incident)) or 0)


@pytest.mark.parametrize("body", [
    '{"title": "\\ud800", "service": "broadband", "category": "fault", "area": "urban"}',
    '{"title": "光猫\\udfff红灯", "service": "broadband", "category": "fault", "area": "urban"}',
    '{"title": "光猫", "tags": ["\\ud83d"], "service": "broadband", "category": "fault", "area": "urban"}',
    '{"\\ud800": 1, "title": "光猫", "service": "broadband", "category": "fault", "area": "urban"}',
])
def test_a_lone_surrogate_in_a_json_body_is_a_400(api: Api, s: Session, desk: Desk, body: str) -> None:
    before = _incidents(s)
    r = api.post("/incidents", desk.people["subscriber"], data=body)
    assert r.status_code == 400, r.data[:300]
    error = error_of(r)
    assert error["code"] == "invalid_text" and error["fields"]
    assert _incidents(s) == before


def test_a_real_surrogate_pair_is_just_text(api: Api, desk: Desk) -> None:
    r = api.post("/incidents", desk.people["subscriber"], data='{"title": "光猫红灯 \\ud83d\\ude00", '
                 '"service": "broadband", "category": "fault", "area": "urban"}')
    assert r.status_code == 201 and r.get_json()["title"] == "光猫红灯 😀"


@pytest.mark.parametrize("path, role", [
    ("/my/incidents", "subscriber"), ("/admin/users", "admin"), ("/desk/incidents", "agent"),
    ("/desk/subscribers", "agent"), ("/notifications", "agent"), ("/kb/search", "visitor"),
    ("/desk/audits", "lead"), ("/kb/review", "lead"),
])
def test_a_huge_page_number_is_a_page_saying_so(as_user: Callable[..., FlaskClient], desk: Desk, path: str,
                                                role: str) -> None:
    client = as_user(desk.people[role])
    for page in (HUGE, "9" * 5000, "100001", "%EF%BC%91" * 30):
        r = client.get(f"{path}?page={page}")
        assert r.status_code == 400, (path, page, r.status_code)
        assert "cannot exist" in r.get_data(as_text=True) and "page" in r.get_data(as_text=True)
    assert client.get(f"{path}?page=2").status_code == 200


@pytest.mark.parametrize("path", ["/incidents", "/articles", "/users", "/stations", "/zones", "/subscribers",
                                  "/sla-policies", "/me/notifications", "/search", "/audits"])
def test_a_huge_page_number_on_an_api_list_is_a_400_naming_it(api: Api, desk: Desk, path: str) -> None:
    for value in (HUGE, "9" * 5000, "²", "１２", " 1 2"):
        r = api.get(path, desk.people["admin"], query={"page": value})
        assert r.status_code == 400, (path, value, r.data[:200])
        assert "page" in error_of(r)["fields"]
    assert api.get(path, desk.people["admin"], query={"page": "3"}).status_code == 200


def test_blank_enum_values_on_the_api_are_a_400_naming_them(api: Api, desk: Desk) -> None:
    for name in ("tier", "status", "area", "category", "service", "sla_state", "verified", "sort"):
        for value in (" ", "\t", " , ", "new,,assigned" if name == "status" else ","):
            r = api.get("/incidents", desk.people["agent"], query={name: value})
            assert r.status_code == 400, (name, value)
            assert name in error_of(r)["fields"]
    assert api.get("/incidents", desk.people["agent"], query={"tier": ""}).status_code == 200  # empty: not given
    assert api.get("/incidents", desk.people["agent"], query={"status": "new, assigned"}).status_code == 200


def test_blank_values_on_the_desk_queue_count_as_left_blank(as_user: Callable[..., FlaskClient], desk: Desk) -> None:
    client = as_user(desk.people["agent"])
    for name in ("tier", "status", "area", "category", "service", "sla", "zone", "assignee", "sort", "tab",
                 "created_from", "created_to"):
        r = client.get(f"/desk/incidents?{name}=%20")
        assert r.status_code == 200, (name, r.status_code)  # it was a 500 for tier
    # …as an untouched field does: the same incidents are listed.
    title = "家里宽带无法上网，光猫红灯闪"
    assert title in client.get("/desk/incidents?tab=all").get_data(as_text=True)
    assert title in client.get("/desk/incidents?tab=all&tier=%20&status=%09").get_data(as_text=True)


@pytest.mark.parametrize("query", ["created_to=9999-12-31", "created_from=0001-01-01"])
def test_days_past_the_calendar_are_refused(as_user: Callable[..., FlaskClient], api: Api, desk: Desk,
                                            query: str) -> None:
    r = as_user(desk.people["agent"]).get(f"/desk/incidents?{query}")
    assert r.status_code == 400 and "outside the calendar" in r.get_data(as_text=True)
    name, value = query.split("=")
    r = api.get("/incidents", desk.people["agent"], query={name: value})
    assert r.status_code == 400 and name in error_of(r)["fields"]


def test_control_characters_in_a_page_address_are_refused(as_user: Callable[..., FlaskClient], desk: Desk) -> None:
    client = as_user(desk.people["agent"])
    for url in ("/desk/incidents?q=%00", "/desk/subscribers?q=a%00b", "/kb/search?q=%1B", "/desk/subscribers/%00",
                "/admin/users?q%00=1"):
        r = client.get(url)
        assert r.status_code in (400, 403), (url, r.status_code)
        if r.status_code == 400:
            assert "not allowed" in r.get_data(as_text=True), url
