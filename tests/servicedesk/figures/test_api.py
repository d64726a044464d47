"""The figures through /api/v1: JSON, CSV and XLSX carry the hand-counted figures; bad input is a 400 naming
the parameter; subscriber counts are replaced whole, by admins only."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from kb.orm import use_clock
from servicedesk.figures import FIGURES, figure_label
from tests.conftest import login_client
from tests.servicedesk.figures.scenario import DESK, NOW, ZONES, play_month, store_counts
from tests.servicedesk.figures.test_compute import check

PERIOD = "from=2025-03-01&to=2025-03-31"


@pytest.fixture
def month(s, app, agent, lead, admin, subscriber):
    m = play_month(agent, lead, admin, subscriber)
    store_counts(admin)
    s.commit()
    with use_clock(lambda: NOW):  # the breaches are judged when the figures are asked for
        yield m


def test_json_by_zone(app, month, agent):
    r = login_client(app, agent).get(f"/api/v1/reports/figures?{PERIOD}&by=zone")
    assert r.status_code == 200
    body = r.get_json()
    assert (body["from"], body["to"], body["by"]) == ("2025-03-01", "2025-03-31", "zone")
    rows = {row["key"]: row for row in body["rows"]}
    check(rows[None], DESK, "desk")
    for zone, expected in ZONES.items():
        check(rows[zone], expected, zone)
    assert rows["CD-01"]["label"] == "城东一片区"


def test_csv_and_xlsx_carry_the_same_rows(app, month, agent):
    client = login_client(app, agent)
    r = client.get(f"/api/v1/reports/figures.csv?{PERIOD}&by=zone")
    assert r.status_code == 200 and r.content_type.startswith("text/csv")
    assert "figures-2025-03-01-2025-03-31-zone.csv" in r.headers["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert lines[0][2:] == [figure_label(f) for f in FIGURES]
    by_key = {line[0]: dict(zip(FIGURES, line[2:], strict=True)) for line in lines[1:]}
    desk = {k: (None if v == "" else float(v)) for k, v in by_key[""].items()}
    check(desk, DESK, "csv desk")
    assert by_key["CX-02"]["satisfaction"] == ""  # no data, not a word

    r = client.get(f"/api/v1/reports/figures.xlsx?{PERIOD}&by=zone")
    assert r.status_code == 200
    assert r.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ws = load_workbook(io.BytesIO(r.data)).active
    table = list(ws.iter_rows(values_only=True))
    header = list(table[0])
    rows = {row[0]: dict(zip(header[2:], row[2:], strict=True)) for row in table[1:]}
    desk = {f: rows[None][figure_label(f)] for f in FIGURES}
    check(desk, DESK, "xlsx desk")
    col = header.index(figure_label("repair_timeliness")) + 1
    assert ws.cell(row=2, column=col).number_format == "0.0%"
    assert rows["CD-01"][figure_label("satisfaction")] == pytest.approx(0.5)


@pytest.mark.parametrize(("query", "code", "field"), [
    ("from=2025-03-31&to=2025-03-01", "bad_period", "to"),
    ("from=2025-02-30", "bad_period", "from"),
    ("from=yesterday", "bad_period", "from"),
    ("from=1990-01-01&to=1990-02-01", "bad_period", "from"),
    ("from=2020-01-01&to=2025-01-01", "bad_period", "to"),
    ("from=2025-03-01&to=2025-03-31&by=colour", "bad_breakdown", "by"),
])
@pytest.mark.parametrize("ext", ["", ".csv", ".xlsx"])
def test_bad_input_is_a_400_naming_the_parameter(app, agent, query, code, field, ext):
    r = login_client(app, agent).get(f"/api/v1/reports/figures{ext}?{query}")
    assert r.status_code == 400
    error = r.get_json()["error"]
    assert error["code"] == code and field in error["fields"]


def test_subscribers_cannot_read_figures(app, subscriber):
    assert login_client(app, subscriber).get("/api/v1/reports/figures").status_code == 403


def test_subscriber_counts_round_trip(app, s, admin, agent, month):
    client = login_client(app, admin)
    counts = [{"zone": None, "service": None, "paying": 30_000}, {"zone": "CD-01", "service": "broadband",
                                                                  "paying": 12_000}]
    r = client.put("/api/v1/subscriber-counts/2025-04", json={"counts": counts})
    assert r.status_code == 200, r.get_json()
    got = login_client(app, agent).get("/api/v1/subscriber-counts/2025-04").get_json()
    assert got["month"] == "2025-04" and got["counts"] == counts
    r = client.put("/api/v1/subscriber-counts/2025-04", json={"counts": [counts[0]]})  # replaces the month
    assert r.get_json()["counts"] == [counts[0]]
    assert login_client(app, agent).put("/api/v1/subscriber-counts/2025-04",
                                        json={"counts": counts}).status_code == 403


@pytest.mark.parametrize(("month", "counts", "field"), [
    ("2025-4", [], "month"),
    ("2025-13", [], "month"),
    ("2025-04", [{"zone": "NOPE", "service": None, "paying": 1}], "counts[0].zone"),
    ("2025-04", [{"zone": None, "service": "gas", "paying": 1}], "counts[0].service"),
    ("2025-04", [{"zone": None, "service": None, "paying": -5}], "counts"),
    ("2025-04", [{"zone": None, "service": None, "paying": "12"}], "counts"),
    ("2025-04", [{"zone": None, "service": None, "paying": 1.5}], "counts"),
    ("2025-04", [{"zone": None, "service": None, "paying": 1}, {"zone": None, "service": None, "paying": 2}],
     "counts[1]"),
])
def test_bad_counts_are_named_and_nothing_is_saved(app, admin, month, counts, field):
    client = login_client(app, admin)
    r = client.put(f"/api/v1/subscriber-counts/{month}", json={"counts": counts})
    assert r.status_code == 400
    assert field in r.get_json()["error"]["fields"]
    if month == "2025-04":
        assert client.get("/api/v1/subscriber-counts/2025-04").get_json()["counts"] == []


def test_targets_api(app, admin, agent):
    r = login_client(app, admin).put("/api/v1/reports/targets", json={"targets": {"satisfaction": 0.98},
                                                                      "unrated_as": 3})
    assert r.status_code == 200
    assert r.get_json()["targets"]["satisfaction"] == 0.98 and r.get_json()["unrated_as"] == 3
    assert login_client(app, agent).get("/api/v1/reports/targets").get_json()["unrated_as"] == 3
    assert login_client(app, agent).put("/api/v1/reports/targets", json={"unrated_as": None}).status_code == 403
    r = login_client(app, admin).put("/api/v1/reports/targets", json={"targets": {"satisfaction": 1.5}})
    assert r.status_code == 400
