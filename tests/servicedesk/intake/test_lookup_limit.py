"""The hotline's caller lookup reads the subscriber base: each staff member has a budget of lookups a minute
(120 by default), so a script walking the base through one account is stopped with 429 and Retry-After, in
the JSON the page's script shows and on the page without script; another agent is not held up."""

from __future__ import annotations

from flask import Flask

from servicedesk.auth.throttle import EXTENSION, LimiterGuard
from servicedesk.org import services as org
from tests import factories
from tests.conftest import login_client


def _three_a_minute(app: Flask) -> None:
    guard = app.extensions[EXTENSION]
    app.extensions[EXTENSION] = LimiterGuard(guard.limiter, {"callers": ("3 per minute", None)})


def test_a_staff_member_over_the_lookup_budget_is_told_to_wait(app, s, admin, agent, lead):
    org.upsert_subscriber(s, admin, {"account": "GD20240101", "name": "刘和平", "phone": "13912345678",
                                     "address": "青山镇柳河村 3 组 12 号"})
    s.commit()
    _three_a_minute(app)
    client = login_client(app, agent)
    for _ in range(3):
        r = client.get("/desk/callers?q=5678")
        assert r.status_code == 200 and [i["account"] for i in r.get_json()["items"]] == ["GD20240101"]
    stopped = client.get("/desk/callers?q=5678")
    assert stopped.status_code == 429 and int(stopped.headers["Retry-After"]) > 0
    assert stopped.get_json()["error"]["code"] == "too_many_lookups"
    assert stopped.headers["Retry-After"] in stopped.get_json()["error"]["message"]  # the wait, said
    page = client.get("/desk/incidents/new?q=5678", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Too many lookups" in page and "GD20240101" not in page
    # An empty query looks nothing up and is not counted; another agent has a budget of their own.
    assert client.get("/desk/callers?q=").status_code == 200
    other = factories.user(username="agent.two", role=agent.role)
    s.commit()
    assert login_client(app, other).get("/desk/callers?q=5678").status_code == 200
    assert login_client(app, lead).get("/desk/callers?q=刘和平").status_code == 200
