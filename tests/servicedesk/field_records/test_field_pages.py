"""The field record on the desk's incident page: photos from the phone's camera, the signature pad's PNG,
measurements with out-of-range ones marked, the staff-only files, and the printable work order."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from io import BytesIO

from kb.actors import Role
from kb.orm import utcnow
from servicedesk.attachments import current_store
from servicedesk.demo_field import png, signature, site_photo
from servicedesk.incidents import booking, field_records, fieldwork
from servicedesk.incidents import services as svc
from tests import factories
from tests.conftest import login_client


def _photos(*items: tuple[str, bytes]) -> dict:
    return {"photos": [(BytesIO(data), name) for name, data in items]}


def test_photos_upload_show_as_thumbnails_and_download_for_staff_only(app, s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    s.commit()
    desk = login_client(app, agent)
    page = desk.get(f"/desk/incidents/{inc.id}").get_data(as_text=True)
    assert 'capture="environment"' in page and 'accept="image/jpeg,image/png,image/webp,image/*"' in page
    r = desk.post(f"/desk/incidents/{inc.id}/field-photos", data=_photos(("到达.png", site_photo(0)),
                                                                         ("标签.png", site_photo(1))),
                  content_type="multipart/form-data")
    assert r.status_code == 302 and r.headers["Location"].endswith("#field-photos")
    page = desk.get(f"/desk/incidents/{inc.id}").get_data(as_text=True)
    urls = re.findall(rf'<img src="(/desk/incidents/{inc.id}/field-photos/\d+)"', page)
    assert len(urls) == 2 and 'alt="到达.png"' in page
    got = desk.get(urls[0])
    assert got.status_code == 200 and got.data == site_photo(0) and got.headers["Cache-Control"] == "private, no-cache"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert login_client(app, subscriber).get(urls[0]).status_code in (403, 404)
    assert app.test_client().get(urls[0]).status_code in (302, 401)


def test_a_bad_photo_is_named_beside_the_field_and_nothing_is_kept(app, s, agent):
    inc = factories.incident(agent)
    s.commit()
    desk = login_client(app, agent)
    r = desk.post(f"/desk/incidents/{inc.id}/field-photos", data=_photos(("好的.png", site_photo(0)),
                                                                         ("说明.pdf", b"%PDF-1.4 x")),
                  content_type="multipart/form-data")
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert 'id="photos-err"' in html and "说明.pdf" in html and 'aria-invalid="true"' in html
    assert field_records.list_photos(s, inc) == []


def test_the_uploader_removes_a_photo_a_colleague_cannot(app, s, agent):
    inc = factories.incident(agent)
    [photo] = field_records.add_photos(s, current_store(), inc, agent, [("多余.png", site_photo(0))])
    colleague = factories.user(Role.AGENT, "agent.other")
    s.commit()
    page = login_client(app, colleague).get(f"/desk/incidents/{inc.id}").get_data(as_text=True)
    assert f"/field-photos/{photo.id}/remove" not in page
    r = login_client(app, colleague).post(f"/desk/incidents/{inc.id}/field-photos/{photo.id}/remove")
    assert r.status_code == 403 and field_records.list_photos(s, inc) != []
    r = login_client(app, agent).post(f"/desk/incidents/{inc.id}/field-photos/{photo.id}/remove")
    assert r.status_code == 302
    s.expire_all()
    assert field_records.list_photos(s, inc) == []
    page = login_client(app, agent).get(f"/desk/incidents/{inc.id}").get_data(as_text=True)
    assert "多余.png" in page  # the history keeps its name


def _data_url(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def test_the_signature_pad_saves_a_png_shown_on_the_page(app, s, agent):
    inc = factories.incident(agent)
    s.commit()
    desk = login_client(app, agent)
    page = desk.get(f"/desk/incidents/{inc.id}").get_data(as_text=True)
    assert "data-sigpad" in page and "fieldrecord.js" in page and '<canvas class="fr-sigpad"' in page
    r = desk.post(f"/desk/incidents/{inc.id}/signature",
                  data={"signer_name": "张伟", "signature": _data_url(signature())})
    assert r.status_code == 302 and r.headers["Location"].endswith("#field-signature")
    page = desk.get(f"/desk/incidents/{inc.id}").get_data(as_text=True)
    assert "张伟" in page and f"/desk/incidents/{inc.id}/signature.png" in page
    got = desk.get(f"/desk/incidents/{inc.id}/signature.png")
    assert got.status_code == 200 and got.data == signature() and got.mimetype == "image/png"


def test_a_blank_or_forged_signature_is_refused_keeping_the_name(app, s, agent):
    inc = factories.incident(agent)
    s.commit()
    desk = login_client(app, agent)
    blank = png(900, 300, lambda x, y: (0, 0, 0, 0))
    for value, needle in ((_data_url(blank), "blank"), ("data:image/png;base64,!!!", "PNG"),
                          (_data_url(b"<svg onload=alert(1)>"), "PNG")):
        r = desk.post(f"/desk/incidents/{inc.id}/signature", data={"signer_name": "王秀英", "signature": value})
        html = r.get_data(as_text=True)
        assert r.status_code == 400 and 'value="王秀英"' in html and 'id="sig-err"' in html
        assert needle in html or "签名" in html
    assert desk.get(f"/desk/incidents/{inc.id}/signature.png").status_code == 404


def test_measurements_flag_out_of_range_and_bad_input_keeps_the_text(app, s, agent):
    inc = factories.incident(agent)
    s.commit()
    desk = login_client(app, agent)
    r = desk.post(f"/desk/incidents/{inc.id}/measurements", data={"optical_power_dbm": "-29.1", "speed_down_mbps": "96",
                                                                  "contracted_mbps": "100", "ping_loss_percent": "0"})
    assert r.status_code == 302
    page = desk.get(f"/desk/incidents/{inc.id}").get_data(as_text=True)
    rows = re.findall(r'<tr class="([^"]*)" data-kind="(\w+)" data-in-range="(\w+)">', page)
    assert sorted(rows) == [("", "ping_loss", "yes"), ("", "speed_down", "yes"), ("fr-out", "optical_power", "no")]
    assert 'value="100"' in page  # the contracted bandwidth is offered again
    r = desk.post(f"/desk/incidents/{inc.id}/measurements", data={"optical_power_dbm": "很弱", "speed_down_mbps": "20"})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and 'value="很弱"' in html and html.count('aria-invalid="true"') == 2
    assert len(field_records.list_measurements(s, inc)) == 3


def test_the_work_order_shows_the_slip_fields_in_both_languages(app, s, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber, service="leased_line")
    svc.assign_incident(s, inc, agent, agent)
    booking.book(s, inc, agent, {"starts_at": utcnow() + timedelta(hours=1), "ends_at": utcnow() + timedelta(hours=3)})
    fieldwork.record_field_work(s, inc, agent, {"fault_cause": "尾纤弯折", "steps": "更换尾纤", "vlan": "100",
                                                "ip_address": "10.1.1.1/30"})
    field_records.record_measurements(s, inc, agent, {"optical_power_dbm": "-30"}, field_records.Thresholds())
    field_records.save_signature(s, current_store(), inc, agent, "赵磊", signature())
    field_records.add_photos(s, current_store(), inc, agent, [("机柜.png", site_photo(1))])
    s.commit()
    desk = login_client(app, agent)
    zh = desk.get(f"/desk/incidents/{inc.id}/work-order", headers={"Accept-Language": "zh-CN"})
    html = zh.get_data(as_text=True)
    assert zh.status_code == 200 and inc.number in html
    for text in ("尾纤弯折", "更换尾纤", "10.1.1.1/30", "赵磊", "-30 dBm", "本人确认", "预约时段", "打印"):
        assert text in html, text
    assert 'data-in-range="no"' in html and 'id="wo-signature"' in html and "机柜.png" in html
    en = desk.get(f"/desk/incidents/{inc.id}/work-order", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "I confirm that the fault above has been dealt with" in en and "Appointment window" in en
    assert login_client(app, subscriber).get(f"/desk/incidents/{inc.id}/work-order").status_code in (403, 404)


def test_a_phone_sized_photo_passes_the_apps_request_limit(app, s, agent):
    """A camera photo is several MB, above the app's 2 MB limit for other forms: this route takes it."""
    inc = factories.incident(agent)
    s.commit()
    big = site_photo(0) + bytes(4 * 1024 * 1024)  # a real PNG header and 4 MB more, as a phone's photo weighs
    assert len(big) > app.config["MAX_CONTENT_LENGTH"]
    desk = login_client(app, agent)
    r = desk.post(f"/desk/incidents/{inc.id}/field-photos", data=_photos(("IMG_2044.png", big)),
                  content_type="multipart/form-data")
    assert r.status_code == 302
    [photo] = field_records.list_photos(s, inc)
    assert photo.blob.size == len(big)
    r = desk.post(f"/desk/incidents/{inc.id}/measurements", data={"note": "x", "photos": [(BytesIO(big), "a.png")]},
                  content_type="multipart/form-data")
    assert r.status_code == 413  # the raised limit is this route's alone
