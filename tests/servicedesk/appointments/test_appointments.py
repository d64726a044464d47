"""Appointments (预约): a window agreed with the subscriber, moved with a reason, cancelled with a reason; the
subscriber is told the window and the engineer's phone; the two promises (agreed within 30 minutes of
dispatch, arrived inside the window) are judged; pages, API and two agents at once."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.actors import Role
from kb.errors import Conflict, ValidationError
from kb.orm import utcnow
from servicedesk.incidents import booking
from servicedesk.incidents import services as svc
from servicedesk.incidents.models import Appointment, FieldWork, Incident, IncidentEvent
from servicedesk.incidents.views import desk_zone
from servicedesk.notify.models import OutboxMessage
from servicedesk.notify.worker import deliver_due
from servicedesk.users.models import User
from tests import factories
from tests.conftest import login_client
from tests.servicedesk.api.helpers import error_of
from tests.servicedesk.notify.receivers import http_receiver
from tests.servicedesk.test_desk_races import _outcome, _race


def _window(hours_ahead: float = 2, length: float = 2) -> dict[str, Any]:
    start = (utcnow() + timedelta(hours=hours_ahead)).replace(second=0, microsecond=0)
    return {"starts_at": start, "ends_at": start + timedelta(hours=length)}


@pytest.fixture
def engineer(app: Flask) -> User:
    return factories.user(Role.SPECIALIST, "wang.gong", display_name="王工", phone="13912345678")


def test_booking_tells_the_subscriber_the_window_and_the_engineers_phone(app, s, agent, engineer):
    reporter = factories.user(Role.USER, "sun.li", phone="13800138000")
    inc = factories.incident(agent, reporter=reporter)
    svc.assign_incident(s, inc, agent, engineer)
    with http_receiver() as gateway:
        app.config["SMS_GATEWAY_URL"] = f"http://127.0.0.1:{gateway.server_port}/sms"
        appt = booking.book(s, inc, agent, {**_window(), "agreed_with": "孙丽本人"})
        s.commit()
        assert appt.engineer_id == engineer.id  # the assignee by default
        assert deliver_due().sent >= 1
    texts = [json.loads(r.body)["text"] for r in gateway.received]
    [sms] = [t for t in texts if "预约" in t]
    assert inc.number in sms and "王工" in sms and "13912345678" in sms
    assert [e.action for e in inc.events if e.field == "appointment"] == ["appointment"]


def test_a_rolled_back_booking_sends_nothing(app, s, agent, engineer):
    reporter = factories.user(Role.USER, "sun.li", phone="13800138000")
    app.config["SMS_GATEWAY_URL"] = "http://127.0.0.1:9/sms"
    inc = factories.incident(agent, reporter=reporter)
    s.commit()
    before = s.scalar(select(func.count()).select_from(OutboxMessage))
    booking.book(s, inc, agent, {**_window(), "engineer": engineer.username})
    s.rollback()
    assert s.scalar(select(func.count()).select_from(OutboxMessage)) == before
    assert s.scalar(select(func.count()).select_from(Appointment)) == 0


def test_moving_needs_a_reason_and_keeps_every_window(s, agent, engineer, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    first = booking.book(s, inc, agent, {**_window(2), "engineer": engineer.username})
    with pytest.raises(ValidationError) as refused:
        booking.book(s, inc, agent, _window(26))
    assert "reason" in refused.value.fields
    second = booking.book(s, inc, agent, {**_window(26), "reason": "用户明天上午才在家"})
    assert first.ended_at is not None and booking.current(s, inc) is second and second.reason == "用户明天上午才在家"
    assert [a.id for a in booking.history(s, inc)] == [second.id, first.id]
    booking.cancel(s, inc, agent, "故障已远程恢复")
    assert booking.current(s, inc) is None and second.cancel_reason == "故障已远程恢复"
    with pytest.raises(Conflict) as none:
        booking.cancel(s, inc, agent, "再取消一次")
    assert none.value.code == "no_appointment"
    actions = [e.action for e in inc.events if e.field == "appointment"]
    assert actions == ["appointment", "reschedule", "cancel_appointment"]


@pytest.mark.parametrize("window, field", [
    ({"starts_at": utcnow() + timedelta(hours=3), "ends_at": utcnow() + timedelta(hours=2)}, "ends_at"),
    ({"starts_at": utcnow() + timedelta(hours=1), "ends_at": utcnow() + timedelta(hours=15)}, "ends_at"),
    ({"starts_at": utcnow() - timedelta(hours=2), "ends_at": utcnow() - timedelta(hours=1)}, "starts_at"),
    ({"starts_at": datetime(2030, 1, 1, 9), "ends_at": datetime(2030, 1, 1, 11)}, "starts_at"),  # no offset
    ({"starts_at": "tomorrow", "ends_at": None}, "starts_at"),
])
def test_bad_windows_are_refused_naming_the_field(s, agent, subscriber, window, field):
    inc = factories.incident(agent, reporter=subscriber)
    with pytest.raises(ValidationError) as refused:
        booking.book(s, inc, agent, window)
    assert field in refused.value.fields
    assert s.scalar(select(func.count()).select_from(Appointment)) == 0


def test_only_an_open_incident_takes_an_appointment(s, agent, lead, subscriber):
    inc = factories.resolved_incident(agent, subscriber, factories.approved_article(agent, lead))
    with pytest.raises(Conflict) as refused:
        booking.book(s, inc, agent, _window())
    assert refused.value.code == "incident_not_open"


def test_the_two_promises_are_judged(s, agent, engineer, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    assert booking.judge(s, inc).agreed_in_time is None  # not dispatched yet
    svc.assign_incident(s, inc, agent, engineer)
    appt = booking.book(s, inc, agent, _window(1, 2))
    judged = booking.judge(s, inc)
    assert judged.agreed_in_time is True and judged.arrived_in_window is None
    inc.field_work = FieldWork(arrived_at=appt.starts_at + timedelta(minutes=30))
    assert booking.judge(s, inc).arrived_in_window is True
    inc.field_work.arrived_at = appt.ends_at + timedelta(minutes=10)
    assert booking.judge(s, inc).arrived_in_window is False
    # Agreed two hours after dispatch: late.
    late = factories.incident(agent, reporter=subscriber)
    svc.assign_incident(s, late, agent, engineer)
    for ev in late.events:
        ev.at = ev.at - timedelta(hours=2)
    s.flush()
    booking.book(s, late, agent, _window())
    assert booking.judge(s, late).agreed_in_time is False


def test_api_books_reads_and_cancels(app, s, agent, engineer, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    s.commit()
    client = login_client(app, agent)
    w = _window()
    body = {"starts_at": w["starts_at"].isoformat(), "ends_at": w["ends_at"].isoformat(), "engineer": engineer.username,
            "agreed_with": "张伟"}
    r = client.put(f"/api/v1/incidents/{inc.id}/appointment", json=body)
    assert r.status_code == 200, r.get_json()
    got = r.get_json()
    assert got["current"]["engineer"] == engineer.username and got["current"]["engineer_phone"] == "13912345678"
    again = client.put(f"/api/v1/incidents/{inc.id}/appointment", json=body)
    assert again.status_code == 400 and "reason" in error_of(again)["fields"]
    bad = client.put(f"/api/v1/incidents/{inc.id}/appointment", json={**body, "ends_at": body["starts_at"]})
    assert bad.status_code == 400 and "ends_at" in error_of(bad)["fields"]
    assert login_client(app, subscriber).get(f"/api/v1/incidents/{inc.id}/appointment").status_code == 403
    gone = client.delete(f"/api/v1/incidents/{inc.id}/appointment", json={"reason": "用户取消"})
    assert gone.status_code == 200 and gone.get_json()["current"] is None and len(gone.get_json()["history"]) == 1
    none = client.delete(f"/api/v1/incidents/{inc.id}/appointment", json={"reason": "再来"})
    assert none.status_code == 409 and error_of(none)["code"] == "no_appointment"


def test_the_page_books_shows_and_keeps_what_was_typed(app, s, agent, engineer, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    svc.assign_incident(s, inc, agent, engineer)
    s.commit()
    client = login_client(app, agent)
    local = (utcnow() + timedelta(hours=3)).astimezone(desk_zone()).replace(tzinfo=None)  # as the form shows it
    page = client.get(f"/desk/incidents/{inc.id}").get_data(as_text=True)
    assert 'id="appointment"' in page and "与用户约定上门时段" in page
    bad = client.post(f"/desk/incidents/{inc.id}/appointment", data={
        "appt-version": str(inc.version), "appt-starts_at": local.strftime("%Y-%m-%dT%H:%M"),
        "appt-ends_at": (local - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"), "appt-agreed_with": "张伟本人"})
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "结束时间须晚于开始时间" in text and 'value="张伟本人"' in text
    ok = client.post(f"/desk/incidents/{inc.id}/appointment", data={
        "appt-version": str(inc.version), "appt-starts_at": local.strftime("%Y-%m-%dT%H:%M"),
        "appt-ends_at": (local + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "appt-agreed_with": "张伟本人"},
        follow_redirects=True)
    shown = ok.get_data(as_text=True)
    assert ok.status_code == 200 and "已预约" in shown and "王工" in shown and "13912345678" in shown
    portal = login_client(app, subscriber).get(f"/my/incidents/{inc.id}").get_data(as_text=True)
    assert "维修工程师 王工 将于" in portal and "13912345678" not in portal.split('id="appointment"')[1][:300]


def test_two_agents_booking_at_once_one_wins(committed: Callable[[], Session]) -> None:
    s = committed()
    a = User(username="appt.a", display_name="甲", role=Role.AGENT, password_hash=factories.password_hash())
    b = User(username="appt.b", display_name="乙", role=Role.AGENT, password_hash=factories.password_hash())
    reporter = User(username="appt.user", display_name="张伟", role=Role.USER, password_hash=factories.password_hash())
    s.add_all([a, b, reporter])
    s.flush()
    inc = svc.create_incident(s, a, factories.INCIDENT, reporter=reporter)
    s.commit()
    incident_id, a_id, b_id = inc.id, a.id, b.id

    def book(who: int, hours: float) -> Callable[[Session, Incident], Any]:
        def move(session: Session, incident: Incident) -> None:
            me = session.get(User, who)
            assert me is not None
            booking.book(session, incident, me, _window(hours))
        return move

    won, lost = _outcome(_race(committed, incident_id, book(a_id, 2), book(b_id, 5)))
    assert won == 1 and [e.code for e in lost] == ["concurrent_change"]
    check = committed()
    rows = check.scalars(select(Appointment).where(Appointment.incident_id == incident_id)).all()
    assert len(rows) == 1 and rows[0].ended_at is None
    events = check.scalar(select(func.count()).select_from(IncidentEvent).where(
        IncidentEvent.incident_id == incident_id, IncidentEvent.field == "appointment"))
    assert events == 1
    assert datetime.now(UTC)  # the race ran against the real clock


def test_the_promises_are_counted_over_the_dispatch_period(s, agent, engineer, subscriber):
    from servicedesk.incidents.appointments import count_promises
    on_time = factories.incident(agent, reporter=subscriber)
    svc.assign_incident(s, on_time, agent, engineer)
    appt = booking.book(s, on_time, agent, _window(1, 2))
    on_time.field_work = FieldWork(arrived_at=appt.starts_at + timedelta(minutes=5))
    late = factories.incident(agent, reporter=subscriber)
    svc.assign_incident(s, late, agent, engineer)
    for ev in late.events:
        ev.at = ev.at - timedelta(hours=2)
    s.flush()
    booking.book(s, late, agent, _window())
    factories.incident(agent, reporter=subscriber)  # never dispatched: not counted
    s.flush()
    now = utcnow()
    counts = count_promises(s, now - timedelta(hours=3), now + timedelta(minutes=1))
    assert (counts.agreed_in_time.kept, counts.agreed_in_time.missed) == (1, 1)
    assert counts.agreed_in_time.rate == 0.5
    assert (counts.arrived_in_window.kept, counts.arrived_in_window.pending) == (1, 1)
    # A period before both dispatches counts nothing.
    empty = count_promises(s, now - timedelta(days=2), now - timedelta(days=1))
    assert empty.agreed_in_time.judged == 0 and empty.agreed_in_time.rate is None


def test_a_window_cancelled_after_the_arrival_still_judges_the_arrival(s, agent, engineer, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    svc.assign_incident(s, inc, agent, engineer)
    appt = booking.book(s, inc, agent, _window(-0.1, 2))  # agreed on the phone, started a few minutes ago
    appt.made_at = utcnow() - timedelta(minutes=1)
    inc.field_work = FieldWork(arrived_at=utcnow())
    s.flush()
    booking.cancel(s, inc, agent, "the subscriber asked to stop after the visit")
    assert booking.judge(s, inc).arrived_in_window is True


def test_a_subscriber_with_mail_gets_the_window_by_mail_in_their_language(app, s, agent, engineer):
    from servicedesk.notify.services import local_time
    from tests.servicedesk.notify.receivers import smtp_server
    reporter = factories.user(Role.USER, "amy.li", email="amy.li@example.cn", locale="en")
    inc = factories.incident(agent, reporter=reporter)
    svc.assign_incident(s, inc, agent, engineer)
    with smtp_server() as (box, port):
        app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
        appt = booking.book(s, inc, agent, _window())
        s.commit()
        deliver_due()
    texts = [t for t in box.texts() if "amy.li@example.cn" in t and "ppointment" in t]
    assert texts, box.texts()
    assert inc.number in texts[0] and "13912345678" in texts[0]
    assert local_time(appt.starts_at) in texts[0]


def test_the_card_shows_why_a_window_was_moved(app, s, agent, engineer, subscriber):
    inc = factories.incident(agent, reporter=subscriber)
    svc.assign_incident(s, inc, agent, engineer)
    booking.book(s, inc, agent, _window(2, 2))
    booking.book(s, inc, agent, {**_window(5, 2), "reason": "用户临时外出"})
    s.commit()
    page = login_client(app, agent).get(f"/desk/incidents/{inc.id}").get_data(as_text=True)
    card = page.split('id="appointment"')[1]
    assert "改约原因" in card and "用户临时外出" in card and "历次预约" in card


def test_the_dashboard_and_the_api_count_both_promises_per_engineer(app, s, agent, engineer, subscriber):
    from servicedesk.figures import desk_timezone
    from tests.servicedesk.web_desk.conftest import text

    kept = factories.incident(agent, reporter=subscriber)  # agreed at once, arrived inside the window
    svc.assign_incident(s, kept, agent, engineer)
    window = booking.book(s, kept, agent, _window(1, 2))
    kept.field_work = FieldWork(arrived_at=window.starts_at + timedelta(minutes=20))
    outside = factories.incident(agent, reporter=subscriber)  # agreed at once, arrived after the window
    svc.assign_incident(s, outside, agent, engineer)
    window = booking.book(s, outside, agent, _window(1, 1))
    outside.field_work = FieldWork(arrived_at=window.ends_at + timedelta(minutes=30))
    slow = factories.incident(agent, reporter=subscriber)  # dispatched 2 h ago, nothing agreed: missed
    svc.assign_incident(s, slow, agent, agent)
    for ev in slow.events:
        ev.at = ev.at - timedelta(hours=2)
    question = factories.incident(agent, reporter=subscriber, category="consultation")  # by phone: not counted
    svc.assign_incident(s, question, agent, agent)
    for ev in question.events:
        ev.at = ev.at - timedelta(hours=2)
    s.commit()
    today = datetime.now(desk_timezone()).date().isoformat()
    api = login_client(app, agent)
    got = api.get("/api/v1/reports/appointments", query_string={"from": today, "to": today}).get_json()
    assert got["dispatched"] == 3 and got["within_minutes"] == 30
    assert got["agreed_in_time"] == {"kept": 2, "missed": 1, "pending": 0, "rate": 2 / 3}
    assert (got["arrived_in_window"]["kept"], got["arrived_in_window"]["missed"]) == (1, 1)
    by = {e["username"]: e for e in got["engineers"]}
    assert by[engineer.username]["dispatched"] == 2 and by[engineer.username]["arrived_in_window"]["rate"] == 0.5
    assert by[agent.username]["agreed_in_time"]["missed"] == 1
    assert got["engineers"][0]["username"] == engineer.username  # the most dispatched first
    assert login_client(app, subscriber).get("/api/v1/reports/appointments").status_code == 403
    assert api.get("/api/v1/reports/appointments", query_string={"from": "2026-13-01"}).status_code == 400
    lead = factories.user(Role.LEAD)
    s.commit()
    page = app.test_client(user=lead)
    page.set_cookie("lang", "en")
    html = text(page.get("/desk/dashboard"))
    assert 'id="promises"' in html and "66.7%" in html and "Kept 2 · missed 1 · not yet 0" in html
    assert 'id="promises-engineers"' in html and engineer.name in html


def test_a_reassignment_does_not_dispatch_again_and_a_response_alone_does(s, agent, engineer, subscriber):
    from sqlalchemy import update

    from servicedesk.incidents.appointments import count_promises

    now = utcnow()
    old = factories.incident(agent, reporter=subscriber)  # reported and first dispatched two days ago
    svc.assign_incident(s, old, agent, agent)
    s.flush()
    s.execute(update(Incident).where(Incident.id == old.id).values(created_at=now - timedelta(days=2)))
    s.execute(update(IncidentEvent).where(IncidentEvent.incident_id == old.id)
              .values(at=now - timedelta(days=2)))
    svc.assign_incident(s, old, agent, engineer)  # handed to the engineer today: not a new dispatch
    quiet = factories.incident(agent, reporter=subscriber)  # answered today, never assigned to anyone
    s.execute(update(Incident).where(Incident.id == quiet.id).values(responded_at=now - timedelta(hours=1)))
    s.flush()
    today = count_promises(s, now - timedelta(hours=3), now + timedelta(minutes=1))
    assert today.dispatched == 1 and today.agreed_in_time.missed == 1  # the quiet one, from its response
    before = count_promises(s, now - timedelta(days=3), now - timedelta(days=1))
    assert before.dispatched == 1 and [e.user_id for e in before.engineers] == [engineer.id]
