"""The API: log and list call-back attempts; record the verification as "unreachable" once the rule is met."""

from __future__ import annotations

from datetime import timedelta

from kb.orm import utcnow
from tests.servicedesk.api.helpers import error_of


def test_attempts_and_unreachable_through_the_api(api, awaiting, agent, lead, subscriber):
    inc = awaiting()
    path = f"/incidents/{inc.id}/callback-attempts"
    r = api.post(path, agent, json={"outcome": "unreachable", "note": "无人接听",
                                    "called_at": (utcnow() - timedelta(hours=60)).isoformat()})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert (body["outcome"], body["by"], body["note"]) == ("unreachable", agent.username, "无人接听")
    early = api.post(f"/incidents/{inc.id}/verify", lead, json={"accepted": True, "method": "unreachable"})
    assert early.status_code == 409 and error_of(early)["code"] == "callback_rule_not_met"
    for hours in (30, 1):
        assert api.post(path, agent, json={"outcome": "unreachable",
                                           "called_at": (utcnow() - timedelta(hours=hours)).isoformat()}
                        ).status_code == 201
    listed = api.get(path, agent).get_json()
    assert [a["outcome"] for a in listed["items"]] == ["unreachable"] * 3
    assert listed["rule"] == {"attempts": 3, "hours": 48.0, "failed": 3, "met": True}
    assert api.post(f"/incidents/{inc.id}/verify", agent,
                    json={"accepted": True, "method": "unreachable"}).status_code == 403
    done = api.post(f"/incidents/{inc.id}/verify", lead, json={"accepted": True, "method": "unreachable"})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["verified"] is True
    again = api.post(f"/incidents/{inc.id}/verify", lead, json={"accepted": True, "method": "unreachable"})
    assert again.status_code == 409 and error_of(again)["code"] == "already_verified"
    closed = api.post(f"/incidents/{inc.id}/close", agent, json={})
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    # A subscriber neither lists nor logs call-backs.
    assert api.get(path, subscriber).status_code == 403
    assert api.post(path, subscriber, json={"outcome": "reached"}).status_code == 403


def test_bad_attempts_are_refused_with_their_fields(api, awaiting, agent):
    inc = awaiting()
    path = f"/incidents/{inc.id}/callback-attempts"
    for payload, field in (({"outcome": "busy"}, "outcome"), ({}, "outcome"),
                           ({"outcome": "reached", "note": "x" * 5001}, "note"),
                           ({"outcome": "reached", "extra": 1}, "extra"),
                           ({"outcome": "reached", "called_at": "yesterday"}, "called_at")):
        r = api.post(path, agent, json=payload)
        assert r.status_code == 400, payload
        assert field in error_of(r)["fields"], error_of(r)
    future = api.post(path, agent, json={"outcome": "reached",
                                         "called_at": (utcnow() + timedelta(hours=2)).isoformat()})
    assert future.status_code == 400 and "called_at" in error_of(future)["fields"]
    assert api.post("/incidents/999999/callback-attempts", agent, json={"outcome": "reached"}).status_code == 404
