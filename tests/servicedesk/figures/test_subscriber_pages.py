"""The subscriber-base admin pages: edit a month as a table, import a CSV (every bad line named, nothing
imported half-way), admins only, CSRF checked."""

from __future__ import annotations

import io

import pytest

from servicedesk.figures.subscribers import month_counts
from servicedesk.org import services as org
from tests.conftest import login_client


@pytest.fixture
def zones(s, admin):
    station = org.create_station(s, admin, "城东服务站")
    group = org.create_group(s, admin, station, "第一维护组")
    org.create_zone(s, admin, group, code="CD-01", name="城东一片区")
    s.commit()


def counts(s, month):
    return sorted(((c.zone.code if c.zone else None, c.service, c.paying) for c in month_counts(s, month)), key=str)


def test_admin_edits_a_month(app, s, admin, zones):
    client = login_client(app, admin)
    first = client.get("/admin/subscriber-counts")
    assert first.status_code == 200, first.headers.get("Location")
    page = client.get("/admin/subscriber-counts/2026-03")
    assert page.status_code == 200 and "2026-03" in page.get_data(as_text=True)
    r = client.post("/admin/subscriber-counts/2026-03", data={
        "zone": ["", "CD-01", ""], "service": ["", "broadband", ""], "paying": ["20000", "3000", ""]})
    assert r.status_code == 302
    assert counts(s, "2026-03") == sorted([("CD-01", "broadband", 3000), (None, None, 20000)], key=str)
    r = client.post("/admin/subscriber-counts/2026-03", data={
        "zone": ["", "CD-01"], "service": ["", ""], "paying": ["20000", "-4"]})
    assert r.status_code == 400
    assert counts(s, "2026-03") == sorted([("CD-01", "broadband", 3000), (None, None, 20000)], key=str)
    assert client.get("/admin/subscriber-counts/2026-13").status_code == 404


def test_csv_import_names_every_bad_line_and_imports_nothing(app, s, admin, zones):
    client = login_client(app, admin)
    bad = (b"month,zone,service,paying\n2026-03,,,20000\n2026-3,CD-01,,100\n2026-03,NOPE,,5\n"
           b"2026-03,CD-01,gas,-1\n2026-03,,,7\n")
    r = client.post("/admin/subscriber-counts/import", data={"file": (io.BytesIO(bad), "base.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 400
    text = r.get_data(as_text=True)
    for line in (3, 4, 5, 6):
        assert f"{line}" in text
    assert counts(s, "2026-03") == []
    good = "\ufeffmonth,zone,service,paying\n2026-03,,,20000\n2026-03,CD-01,,3000\n2026-04,,broadband,9000\n"
    r = client.post("/admin/subscriber-counts/import", data={"file": (io.BytesIO(good.encode()), "base.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    assert counts(s, "2026-03") == sorted([("CD-01", None, 3000), (None, None, 20000)], key=str)
    assert counts(s, "2026-04") == [(None, "broadband", 9000)]


def test_only_admins(app, agent, zones):
    client = login_client(app, agent)
    assert client.get("/admin/subscriber-counts").status_code == 403
    assert client.post("/admin/subscriber-counts/2026-03", data={"zone": [""], "service": [""],
                                                                "paying": ["1"]}).status_code == 403


def test_csrf_is_checked(app, s, admin, zones):
    app.config["WTF_CSRF_ENABLED"] = True
    r = login_client(app, admin).post("/admin/subscriber-counts/2026-03", data={
        "zone": [""], "service": [""], "paying": ["1"]})
    assert r.status_code == 400
    assert counts(s, "2026-03") == []
