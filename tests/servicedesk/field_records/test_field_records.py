"""The field record's rules (servicedesk.incidents.field_records): photos stored once and staff only, removal
by the uploader or a lead with history, the signature kept and replaced with history, readings judged against
the operator's limits in force when taken."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kb.actors import Role
from kb.attachments import BlobStore
from kb.errors import Conflict, Forbidden, NotFound, ValidationError
from kb.models import Blob
from kb.orm import utcnow
from servicedesk.attachments import current_store
from servicedesk.demo_field import png, signature, site_photo
from servicedesk.incidents import field_records as fr
from servicedesk.incidents.lifecycle import cancel_incident
from servicedesk.incidents.models import IncidentEvent
from tests import factories

LIMITS = fr.Thresholds()


@pytest.fixture
def store(app) -> BlobStore:
    return current_store()


def _events(s, inc, action):
    return list(s.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == inc.id,
                                                      IncidentEvent.action == action).order_by(IncidentEvent.id)))


def test_photos_are_stored_once_and_each_enters_the_history(s, store, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    other = factories.incident(agent, reporter=subscriber)
    photo = site_photo(0)
    added = fr.add_photos(s, store, inc, agent, [("到达.png", photo), ("标签.png", site_photo(1))])
    fr.add_photos(s, store, other, agent, [("同一张.png", photo)])
    assert [p.filename for p in fr.list_photos(s, inc)] == ["到达.png", "标签.png"]
    sha = added[0].blob.sha256
    assert s.scalar(select(func.count()).select_from(Blob).where(Blob.sha256 == sha)) == 1
    assert store.path(sha).read_bytes() == photo
    assert [e.new for e in _events(s, inc, "field_photo")] == ["到达.png", "标签.png"]


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("报告.pdf", b"%PDF-1.4\n...", "not a photo"),
    ("动图.gif", b"GIF89a" + bytes(20), "not a photo"),
    ("假的.png", b"<script>alert(1)</script>", "content does not match the file type"),
    ("空.png", b"", "empty"),
])
def test_only_real_photos_are_taken_and_none_of_a_bad_batch(s, store, agent, name, data, reason):
    inc = factories.incident(agent)
    with pytest.raises(ValidationError) as exc:
        fr.add_photos(s, store, inc, agent, [("好的.png", site_photo(0)), (name, data)])
    assert exc.value.fields == {"photos": reason} and exc.value.params["filename"] == name
    s.rollback()
    assert fr.list_photos(s, inc) == []


def test_subscribers_add_no_photos_and_see_none(s, store, agent, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    with pytest.raises(Forbidden):
        fr.add_photos(s, store, inc, subscriber, [("我的.png", site_photo(0))])
    [photo] = fr.add_photos(s, store, inc, agent, [("现场.png", site_photo(0))])
    with pytest.raises(NotFound):
        fr.get_photo(s, inc, subscriber, photo.id)
    other = factories.incident(agent)
    with pytest.raises(NotFound):  # a photo is reached through its own incident only
        fr.get_photo(s, other, agent, photo.id)
    assert fr.get_photo(s, inc, agent, photo.id) is photo


def test_removal_by_the_uploader_or_a_lead_only_is_recorded_and_frees_the_file(s, store, agent, lead):
    inc = factories.incident(agent)
    colleague = factories.user(Role.AGENT, "agent.colleague")
    a, b = fr.add_photos(s, store, inc, agent, [("一.png", site_photo(0)), ("二.png", site_photo(1))])
    with pytest.raises(Forbidden):
        fr.remove_photo(s, inc, colleague, a.id)
    sha = a.blob.sha256
    fr.remove_photo(s, inc, agent, a.id)
    fr.remove_photo(s, inc, lead, b.id)
    assert fr.list_photos(s, inc) == []
    assert [(e.old, e.actor_id) for e in _events(s, inc, "field_photo_removed")] == [("一.png", agent.id),
                                                                                      ("二.png", lead.id)]
    assert s.scalar(select(Blob).where(Blob.sha256 == sha)) is None  # nothing else used those bytes


def test_a_signature_is_kept_then_replaced_with_history(s, store, agent, lead):
    inc = factories.incident(agent)
    first = fr.save_signature(s, store, inc, agent, " 张伟 ", signature())
    assert (first.signer_name, first.width, first.height, first.collected_by_id) == ("张伟", 900, 300, agent.id)
    other = png(600, 200, lambda x, y: (0, 0, 0, 255) if abs(y - 100 - (x % 40)) < 3 else (0, 0, 0, 0))
    second = fr.save_signature(s, store, inc, lead, "李芳", other)
    assert fr.signature_of(s, inc) is second and second.signer_name == "李芳" and second.width == 600
    changes = [(e.old, e.new) for e in _events(s, inc, "signature")]
    assert changes[0] == (None, "张伟") and changes[1][0].startswith("张伟 (") and changes[1][1] == "李芳"
    assert s.scalar(select(func.count()).select_from(Blob).where(Blob.sha256 == first.blob.sha256)) == 1


def test_a_blank_signature_or_no_name_is_refused_naming_both(s, store, agent):
    inc = factories.incident(agent)
    blank = png(900, 300, lambda x, y: (0, 0, 0, 0))
    with pytest.raises(ValidationError) as exc:
        fr.save_signature(s, store, inc, agent, "  ", blank)
    assert exc.value.fields == {"signer_name": "required", "signature": "blank"}
    assert fr.signature_of(s, inc) is None


def test_readings_are_judged_against_the_limits_of_their_time(s, agent):
    inc = factories.incident(agent)
    rows = fr.record_measurements(s, inc, agent, {
        "optical_power_dbm": "-28.6", "speed_down_mbps": "85", "speed_up_mbps": 95, "contracted_mbps": "100",
        "contracted_up_mbps": "100",
        "ping_loss_percent": "0.1", "note": "处理前"}, LIMITS)
    got = {m.kind: (m.value, m.low, m.high, m.in_range) for m in rows}
    assert got == {"optical_power": (-28.6, -27.0, -8.0, False), "speed_down": (85.0, 90.0, None, False),
                   "speed_up": (95.0, 90.0, None, True), "ping_loss": (0.1, None, 0.1, False)}
    after = fr.record_measurements(s, inc, agent, {"optical_power_dbm": "-8", "ping_loss_percent": "0.09"}, LIMITS)
    assert [m.in_range for m in after] == [True, True]  # -8 dBm is the bound itself; loss below 1/1000
    stricter = fr.Thresholds.from_config({"FIELD_OPTICAL_MAX_DBM": "-10", "FIELD_SPEED_MIN_RATIO": 0.8})
    [late] = fr.record_measurements(s, inc, agent, {"optical_power_dbm": "-9"}, stricter)
    assert (late.high, late.in_range) == (-10.0, False)
    assert [m.in_range for m in fr.list_measurements(s, inc)][:1] == [False]  # newest first
    assert len(fr.list_measurements(s, inc)) == 7
    assert [e.field for e in _events(s, inc, "measurement")][:4] == ["optical_power", "speed_down", "speed_up",
                                                                     "ping_loss"]


@pytest.mark.parametrize(("data", "fields"), [
    ({}, {"optical_power_dbm": "enter at least one reading"}),
    ({"optical_power_dbm": "很弱"}, {"optical_power_dbm": "a number"}),
    ({"optical_power_dbm": "-90"}, {"optical_power_dbm": "between -60 and 10"}),
    ({"optical_power_dbm": "nan"}, {"optical_power_dbm": "between -60 and 10"}),
    ({"ping_loss_percent": True}, {"ping_loss_percent": "a number"}),
    ({"speed_down_mbps": "90"}, {"contracted_mbps": "required with a speed test"}),
    ({"optical_power_dbm": "-20", "taken_at": "昨天"}, {"taken_at": "an ISO date-time"}),
])
def test_bad_readings_are_refused_naming_the_field(s, agent, data, fields):
    inc = factories.incident(agent)
    with pytest.raises(ValidationError) as exc:
        fr.record_measurements(s, inc, agent, data, LIMITS)
    assert exc.value.fields == fields
    assert fr.list_measurements(s, inc) == []


def test_a_reading_from_the_future_or_before_the_report_is_refused(s, agent):
    inc = factories.incident(agent)
    for when, reason in ((utcnow() + timedelta(hours=2), "in the future"),
                         (inc.created_at - timedelta(days=1), "before the report")):
        with pytest.raises(ValidationError) as exc:
            fr.record_measurements(s, inc, agent, {"optical_power_dbm": "-20", "taken_at": when}, LIMITS)
        assert exc.value.fields == {"taken_at": reason}


def test_a_cancelled_incident_takes_no_more_field_record(s, store, agent):
    inc = factories.incident(agent)
    cancel_incident(s, inc, agent, "用户撤回报修")
    with pytest.raises(Conflict):
        fr.add_photos(s, store, inc, agent, [("晚了.png", site_photo(0))])
    with pytest.raises(Conflict):
        fr.record_measurements(s, inc, agent, {"optical_power_dbm": "-20"}, LIMITS)
    with pytest.raises(Conflict):
        fr.save_signature(s, store, inc, agent, "张伟", signature())


def test_an_upload_without_its_own_contract_is_kept_without_a_limit(s, agent):
    inc = factories.incident(agent)
    down, up = fr.record_measurements(s, inc, agent, {"speed_down_mbps": "95", "speed_up_mbps": "31",
                                                      "contracted_mbps": "100"}, LIMITS)
    assert (down.contracted_mbps, down.low, down.in_range) == (100.0, 90.0, True)
    assert (up.contracted_mbps, up.low, up.high, up.in_range) == (None, None, None, True)
