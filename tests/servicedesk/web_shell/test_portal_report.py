"""Reporting a fault from the portal: contact details, a photo, once per form, and nothing typed is lost."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from servicedesk import db
from servicedesk.attachments import current_store
from servicedesk.incidents.models import Incident
from servicedesk.org import services as org
from servicedesk.portal import photos
from servicedesk.portal import services as portal
from servicedesk.portal.models import IncidentPhoto, PortalReport
from servicedesk.users.models import User
from tests import factories
from tests.servicedesk.web_shell.conftest import csrf_token, text

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
FORM = {
    "service": "broadband",
    "title": "宽带无法上网，光猫 LOS 红灯闪",
    "description": "昨晚开始断网，重启光猫也没用。",
    "contact_phone": "138 1234 5678",
    "address": "幸福小区 3 栋 2 单元 501",
    "customer_account": "GD20240001",
    "area": "urban",
    "submit": "1",
}


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Incident)) or 0


def _token(html: str) -> str:
    match = re.search(r'name="token"[^>]*value="([^"]+)"', html) or re.search(r'value="([^"]+)"[^>]*name="token"', html)
    assert match, "no report token on the form"
    return match.group(1)


def _with_photo(name: str, data: bytes, **extra: str) -> dict[str, object]:
    return {**FORM, **extra, "photo": (io.BytesIO(data), name)}


def test_the_form_asks_for_everything_and_fills_in_what_we_know(app: Flask, s, admin: User, agent: User,
                                                                subscriber: User):
    station = org.create_station(s, admin, "城东服务站")
    group = org.create_group(s, admin, station, "一组", leader=agent)
    org.create_zone(s, admin, group, code="CD-01", name="幸福片区", manager=agent)
    record = org.upsert_subscriber(s, agent, {"account": "GD20240001", "name": "张伟", "phone": "13812345678",
                                              "address": "幸福小区 3 栋 2 单元 501", "zone": "CD-01"})
    record.user_id = subscriber.id
    html = text(app.test_client(user=subscriber).get("/report"))
    for name in ("service", "title", "description", "photo", "contact_phone", "address", "customer_account",
                 "zone", "area"):
        assert f'name="{name}"' in html and (f'for="{name}"' in html or f'for="{name}-0"' in html), name
    assert 'enctype="multipart/form-data"' in html and 'accept="image/*' in html
    assert 'value="GD20240001"' in html and 'value="13812345678"' in html and 'value="幸福小区 3 栋 2 单元 501"' in html
    assert re.search(r'<option selected value="CD-01">幸福片区</option>|<option value="CD-01" selected>', html)
    assert len(_token(html)) >= 16


def test_a_report_with_a_photo_keeps_the_details_and_the_photo_for_reporter_and_staff(
        app: Flask, s, agent: User, subscriber: User):
    client = app.test_client(user=subscriber)
    token = _token(text(client.get("/report")))
    response = client.post("/report", data=_with_photo("光猫.png", PNG, token=token),
                           content_type="multipart/form-data", follow_redirects=True)
    incident = s.scalars(select(Incident)).one()
    html = text(response)
    assert incident.number in html and "30" in html
    assert incident.channel.value == "portal" and incident.reporter_id == subscriber.id
    details = portal.report_for(s, incident.id)
    assert details is not None and details.contact_phone == "138 1234 5678"
    assert details.address == "幸福小区 3 栋 2 单元 501" and details.token == token
    assert "138 1234 5678" in html and "幸福小区 3 栋 2 单元 501" in html
    photo = photos.photos_for(s, incident.id)[0]
    assert photo.filename == "光猫.png" and photo.blob.content_type == "image/png"
    assert current_store().path(photo.blob.sha256).read_bytes() == PNG
    url = f"/my/incidents/{incident.id}/photos/{photo.id}"
    assert f'src="{url}"' in html

    mine = client.get(url)
    assert mine.status_code == 200 and mine.data == PNG and mine.mimetype == "image/png"
    assert mine.headers["X-Content-Type-Options"] == "nosniff" and "private" in mine.headers["Cache-Control"]
    assert app.test_client(user=agent).get(url).status_code == 200
    neighbour = factories.user(username="li.si")
    assert app.test_client(user=neighbour).get(url).status_code == 404
    assert app.test_client().get(url).status_code == 302  # to the login page
    assert client.get(f"/my/incidents/{incident.id}/photos/{photo.id + 1}").status_code == 404


@pytest.mark.parametrize(("name", "data"), [
    ("照片.jpg", b"MZ\x90\x00 not a picture at all"),   # named as a picture, but is not one
    ("说明.pdf", b"%PDF-1.7\n1 0 obj\n"),               # a real file, but not a picture
    ("photo.png", JPEG),                                # a picture whose name lies about its type
    ("照片.png", b""),
])
def test_only_real_pictures_are_accepted_and_the_text_stays(app: Flask, s, subscriber: User, name: str,
                                                            data: bytes):
    client = app.test_client(user=subscriber)
    response = client.post("/report", data=_with_photo(name, data), content_type="multipart/form-data")
    html = text(response)
    assert response.status_code == 200 and _count() == 0
    assert "昨晚开始断网，重启光猫也没用。" in html and 'value="幸福小区 3 栋 2 单元 501"' in html
    block = html[html.index('for="photo"'):html.index('for="contact_phone"')]
    assert 'class="error"' in block and 'aria-invalid="true"' in block
    assert s.scalar(select(func.count()).select_from(IncidentPhoto)) == 0


def test_an_oversized_photo_is_refused_beside_the_field(app: Flask, subscriber: User, monkeypatch):
    monkeypatch.setattr(photos, "PHOTO_MAX_BYTES", 1024)
    client = app.test_client(user=subscriber)
    html = text(client.post("/report", data=_with_photo("大图.png", PNG + b"\x00" * 2048),
                            content_type="multipart/form-data"))
    assert _count() == 0 and "昨晚开始断网，重启光猫也没用。" in html
    block = html[html.index('for="photo"'):html.index('for="contact_phone"')]
    assert 'class="error"' in block


def test_a_request_beyond_the_upload_limit_gets_the_friendly_413_page(app: Flask, subscriber: User):
    from servicedesk.portal.reporting import REPORT_MAX_BYTES

    client = app.test_client(user=subscriber)
    response = client.post("/report", data=_with_photo("巨图.png", PNG + b"\x00" * REPORT_MAX_BYTES),
                           content_type="multipart/form-data")
    assert response.status_code == 413 and "内容过大" in text(response)
    assert _count() == 0
    # The report route takes a photo; other routes keep the app's smaller limit.
    big = b"\x00" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    assert app.test_client().post("/login", data={"username": "x", "password": big.decode()}).status_code == 413


def test_the_same_form_sent_twice_makes_one_incident(app: Flask, subscriber: User):
    client = app.test_client(user=subscriber)
    token = _token(text(client.get("/report")))
    first = client.post("/report", data={**FORM, "token": token})
    second = client.post("/report", data={**FORM, "token": token}, follow_redirects=True)  # back button, send
    assert _count() == 1
    incident = db.session.scalars(select(Incident)).one()
    assert first.headers["Location"] == f"/my/incidents/{incident.id}"
    assert second.request.path == f"/my/incidents/{incident.id}"
    assert re.search(r'class="alert alert--info"[^>]*>[^<]*' + re.escape(str(incident.number)), text(second))
    fresh = _token(text(client.get("/report")))
    assert fresh != token
    # Back to the form, which the browser fetched anew but refilled with the text: the same report.
    again = client.post("/report", data={**FORM, "token": fresh})
    assert _count() == 1 and again.headers["Location"] == f"/my/incidents/{incident.id}"
    other = client.post("/report", data={**FORM, "token": fresh, "title": "电视也没信号了", "service": "iptv"})
    assert _count() == 2 and other.headers["Location"] != f"/my/incidents/{incident.id}"


def test_the_same_report_after_a_while_is_a_new_incident(s, subscriber: User):
    from datetime import timedelta

    from kb.orm import use_clock, utcnow

    data = {k: v for k, v in FORM.items() if k != "submit"}
    start = utcnow()
    with use_clock(lambda: start):
        first, _ = portal.report_fault(s, subscriber, data, token=portal.new_report_token())
    with use_clock(lambda: start + portal.SAME_REPORT_WINDOW - timedelta(seconds=1)):
        same, created = portal.report_fault(s, subscriber, data, token=portal.new_report_token())
    assert same is first and not created
    with use_clock(lambda: start + portal.SAME_REPORT_WINDOW + timedelta(seconds=1)):
        later, created = portal.report_fault(s, subscriber, data, token=portal.new_report_token())
    assert created and later is not first


def test_two_sendings_at_the_same_moment_make_one_incident(s, subscriber: User, monkeypatch):
    token = portal.new_report_token()
    data = {k: v for k, v in FORM.items() if k != "submit"}
    first, created = portal.report_fault(s, subscriber, data, token=token)
    assert created
    real = portal._find_report
    calls = {"n": 0}

    def racing(session: Session, reporter: User, token: str) -> PortalReport | None:
        calls["n"] += 1  # the second sending checked before the first one committed
        return None if calls["n"] == 1 else real(session, reporter, token)

    monkeypatch.setattr(portal, "_find_report", racing)
    again, created = portal.report_fault(s, subscriber, data, token=token)
    assert again is first and not created
    assert _count() == 1


def test_a_token_and_a_report_are_mine_only(s, subscriber: User):
    neighbour = factories.user(username="li.si")
    token = portal.new_report_token()
    data = {k: v for k, v in FORM.items() if k != "submit"}
    mine, _ = portal.report_fault(s, subscriber, data, token=token)
    theirs, created = portal.report_fault(s, neighbour, data, token=token)
    assert created and theirs is not mine and theirs.reporter_id == neighbour.id


@pytest.mark.parametrize("token", ["", "short", "x" * 65, "有中文的令牌有中文的令牌有中文的令牌"])
def test_a_malformed_token_is_refused(s, subscriber: User, token: str):
    from kb.errors import ValidationError

    with pytest.raises(ValidationError):
        portal.report_fault(s, subscriber, {k: v for k, v in FORM.items() if k != "submit"}, token=token)
    assert _count() == 0


def test_phone_and_address_are_required_and_checked(app: Flask, subscriber: User):
    client = app.test_client(user=subscriber)
    html = text(client.post("/report", data={**FORM, "contact_phone": "打我电话", "address": ""}))
    assert _count() == 0 and "昨晚开始断网，重启光猫也没用。" in html and 'value="打我电话"' in html
    phone = html[html.index('for="contact_phone"'):html.index('for="address"')]
    assert 'aria-invalid="true"' in phone
    address = html[html.index('for="address"'):html.index('for="customer_account"')]
    assert 'aria-invalid="true"' in address


def test_an_expired_form_shows_the_text_again_instead_of_an_error_page(app: Flask, subscriber: User):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client(user=subscriber)
    client.set_cookie("lang", "en")
    page = text(client.get("/report"))
    response = client.post("/report", data={**FORM, "csrf_token": "expired-token", "token": _token(page)})
    html = text(response)
    assert response.status_code == 200 and _count() == 0
    assert "昨晚开始断网，重启光猫也没用。" in html and 'value="138 1234 5678"' in html
    assert "open too long" in html
    retry = client.post("/report", data={**FORM, "csrf_token": csrf_token(html), "token": _token(html)})
    assert retry.status_code == 302 and _count() == 1


def test_logged_out_mid_form_keeps_the_text_and_logs_in_to_send(app: Flask, subscriber: User):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    client.set_cookie("lang", "en")
    response = client.post("/report", data={**FORM, "csrf_token": "from-the-old-session", "token": "t" * 32})
    html = text(response)
    assert response.status_code == 200 and _count() == 0
    assert "昨晚开始断网，重启光猫也没用。" in html and 'name="login-username"' in html
    assert "logged out while writing" in html

    wrong = client.post("/report", data={**FORM, "csrf_token": csrf_token(html), "token": "t" * 32,
                                         "login-username": "zhang.wei", "login-password": "wrong-password"})
    assert _count() == 0 and "Wrong username or password" in text(wrong)
    forged = client.post("/report", data={**FORM, "csrf_token": "forged", "token": "t" * 32,
                                          "login-username": "zhang.wei", "login-password": factories.PASSWORD})
    assert _count() == 0 and 'name="login-username"' in text(forged)  # no login without a valid form token

    sent = client.post("/report", data={**FORM, "csrf_token": csrf_token(text(wrong)), "token": "t" * 32,
                                        "login-username": "zhang.wei", "login-password": factories.PASSWORD})
    incident = db.session.scalars(select(Incident)).one()
    assert sent.status_code == 302 and sent.headers["Location"] == f"/my/incidents/{incident.id}"
    assert incident.reporter_id == subscriber.id and incident.description == "昨晚开始断网，重启光猫也没用。"
    assert client.get("/my/incidents").status_code == 200  # and stays logged in


def test_script_in_any_field_is_shown_as_text(app: Flask, subscriber: User):
    script = '<script>alert("x")</script>'
    client = app.test_client(user=subscriber)
    response = client.post("/report", data={**FORM, "title": script, "description": script, "address": script},
                           follow_redirects=True)
    html = text(response)
    assert _count() == 1
    assert script not in html and "&lt;script&gt;alert(" in html


def test_a_chosen_zone_routes_the_report(app: Flask, s, admin: User, agent: User, subscriber: User):
    station = org.create_station(s, admin, "城西服务站")
    group = org.create_group(s, admin, station, "二组", leader=agent)
    org.create_zone(s, admin, group, code="CX-02", name="和平片区", manager=agent, area="township")
    client = app.test_client(user=subscriber)
    client.post("/report", data={**FORM, "customer_account": "", "zone": "CX-02"})
    incident = db.session.scalars(select(Incident)).one()
    assert incident.zone is not None and incident.zone.code == "CX-02" and incident.assignee_id == agent.id
    html = text(client.post("/report", data={**FORM, "zone": "NO-SUCH"}))
    assert _count() == 1 and "昨晚开始断网，重启光猫也没用。" in html


def test_back_on_the_form_after_reporting_says_so(app: Flask, subscriber: User, monkeypatch):
    from servicedesk.portal import trail

    client = app.test_client(user=subscriber)
    assert 'id="just-reported"' not in text(client.get("/report"))
    client.post("/report", data={**FORM, "token": portal.new_report_token()})
    incident = db.session.scalars(select(Incident)).one()
    form = text(client.get("/report"))
    assert 'id="just-reported"' in form and str(incident.number) in form
    assert f'href="/my/incidents/{incident.id}"' in form
    later = trail.time.time() + portal.SAME_REPORT_WINDOW.total_seconds() + 1
    monkeypatch.setattr(trail.time, "time", lambda: later)
    assert 'id="just-reported"' not in text(client.get("/report"))


def test_a_photo_keeps_its_bytes_when_the_same_file_leaves_an_article(app: Flask, s, agent: User, lead: User,
                                                                      subscriber: User):
    from kb.attachments import add_attachment, remove_attachment
    from kb.models import Blob

    client = app.test_client(user=subscriber)
    client.post("/report", data=_with_photo("光猫.png", PNG), content_type="multipart/form-data")
    incident = s.scalars(select(Incident)).one()
    photo = photos.photos_for(s, incident.id)[0]
    article = factories.approved_article(agent, lead)
    attached = add_attachment(s, current_store(), article, agent, "同一张图.png", PNG)  # an agent reuses it
    assert attached.blob_id == photo.blob_id
    remove_attachment(s, article, agent, attached.id)
    s.commit()
    assert s.get(Blob, photo.blob_id) is not None
    assert current_store().path(photo.blob.sha256).read_bytes() == PNG
    assert client.get(f"/my/incidents/{incident.id}/photos/{photo.id}").data == PNG
    other = add_attachment(s, current_store(), article, agent, "拓扑.png", PNG + b"\x01")
    remove_attachment(s, article, agent, other.id)
    s.commit()
    assert s.scalar(select(func.count()).select_from(Blob).where(Blob.id == other.blob_id)) == 0  # others still go
