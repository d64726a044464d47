"""GET/POST /api/v1/incidents/<id>/measurements: the page's service behind a JSON door."""

from __future__ import annotations

from servicedesk.incidents.lifecycle import cancel_incident
from tests import factories
from tests.servicedesk.api.helpers import check_schema, error_of


def test_staff_record_readings_judged_and_read_them_back(api, s, agent):
    inc = factories.incident(agent)
    r = api.post(f"/incidents/{inc.id}/measurements", agent, json={
        "optical_power_dbm": -27.4, "speed_down_mbps": 92, "speed_up_mbps": 40, "contracted_mbps": 100,
        "contracted_up_mbps": 50,
        "ping_loss_percent": 0, "note": "机房侧"})
    assert r.status_code == 201, r.get_json()
    check_schema(api, r, "MeasurementsAdded")
    got = {m["kind"]: (m["value"], m["unit"], m["in_range"]) for m in r.get_json()["items"]}
    assert got == {"optical_power": (-27.4, "dBm", False), "speed_down": (92, "Mbps", True),
                   "speed_up": (40, "Mbps", False), "ping_loss": (0, "%", True)}
    listed = api.get(f"/incidents/{inc.id}/measurements", agent)
    assert listed.status_code == 200
    check_schema(api, listed, "MeasurementList")
    body = listed.get_json()
    assert len(body["items"]) == 4 and body["items"][0]["recorded_by"] == agent.username
    assert body["limits"] == {"optical_min_dbm": -27.0, "optical_max_dbm": -8.0, "speed_min_ratio": 0.9,
                              "ping_loss_max_percent": 0.1}


def test_the_limits_come_from_the_config(api, app, s, agent):
    app.config["FIELD_OPTICAL_MIN_DBM"] = -25
    inc = factories.incident(agent)
    r = api.post(f"/incidents/{inc.id}/measurements", agent, json={"optical_power_dbm": -26})
    [m] = r.get_json()["items"]
    assert (m["low"], m["in_range"]) == (-25, False)


def test_bad_input_answers_json_errors_naming_fields(api, s, agent):
    inc = factories.incident(agent)
    path = f"/incidents/{inc.id}/measurements"
    r = api.post(path, agent, json={})
    assert r.status_code == 400 and "optical_power_dbm" in error_of(r)["fields"]
    r = api.post(path, agent, json={"speed_down_mbps": 50})
    assert r.status_code == 400 and error_of(r)["fields"] == {"contracted_mbps": "required with a speed test"}
    r = api.post(path, agent, json={"optical_power_dbm": "-20"})  # a string is not a number here
    assert r.status_code == 400 and "optical_power_dbm" in error_of(r)["fields"]
    r = api.post(path, agent, json={"optical_power_dbm": -200})
    assert r.status_code == 400 and "optical_power_dbm" in error_of(r)["fields"]
    r = api.post(path, agent, json={"optical_power_dbm": -20, "colour": "red"})
    assert r.status_code == 400
    r = api.post(path, agent, json={"optical_power_dbm": -20, "taken_at": "2020-01-01T00:00:00"})
    assert r.status_code == 400 and "taken_at" in error_of(r)["fields"]
    assert api.get(path, agent).get_json()["items"] == []


def test_subscribers_neither_read_nor_record_and_ended_incidents_refuse(api, s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    path = f"/incidents/{inc.id}/measurements"
    assert api.get(path, subscriber).status_code == 403
    assert api.post(path, subscriber, json={"optical_power_dbm": -20}).status_code == 403
    assert api.get(path).status_code == 401
    assert api.get("/incidents/999999/measurements", agent).status_code == 404
    cancel_incident(s, inc, agent, "用户撤回")
    r = api.post(path, agent, json={"optical_power_dbm": -20})
    assert r.status_code == 409 and error_of(r)["code"] == "invalid_transition"
