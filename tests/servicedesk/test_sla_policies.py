"""SLA policies as rows (the most specific wins), business-hours arithmetic, pause and resume in the
incident's calendar, and the incident number's date in the desk's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from kb.errors import Conflict, Forbidden, ValidationError
from servicedesk.incidents import services as svc
from servicedesk.incidents.sla import ANY, DEFAULT_POLICY, BusinessHours, SlaCalendar, SlaPolicy, SlaRule
from servicedesk.incidents.workflow import Area, Category
from servicedesk.org import services as org
from servicedesk.org import sla_policies
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0, month: int = 6) -> datetime:
    """A Beijing time in June 2025 (June 2 is a Monday), as the UTC time the database holds."""
    return datetime(2025, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def test_the_most_specific_rule_wins():
    policy = SlaPolicy(rules=(
        SlaRule(ANY, ANY, ANY, 30, 1440),
        SlaRule("fault", ANY, ANY, 30, 300),
        SlaRule("fault", "township", ANY, 20, 480),
        SlaRule(ANY, ANY, "enterprise", 5, 600),
        SlaRule("fault", ANY, "vip", 10, 240),
    ))
    assert policy.match("fault", "township", "normal").resolve_minutes == 480  # two named fields beat one
    assert policy.match("fault", "urban", "normal").resolve_minutes == 300
    assert policy.match("complaint", "urban", "normal").resolve_minutes == 1440  # only the catch-all fits
    assert policy.match("fault", "urban", "vip").respond_minutes == 10
    # One named field each: the service level counts before the category.
    assert policy.match("complaint", "urban", "enterprise").respond_minutes == 5
    assert policy.match("fault", "urban", "enterprise").respond_minutes == 5
    # Nothing stored matches: the operators' defaults (faults in the township: 8 h).
    assert SlaPolicy(rules=(SlaRule("complaint", ANY, ANY, 30, 120),)).match(
        "fault", "township", "normal").resolve_minutes == 8 * 60


def test_the_defaults_are_the_operators_figures():
    created = at(2, 10)

    def due(category: str, area: str, service: str = "broadband", level: str = "normal") -> tuple[float, float]:
        d = DEFAULT_POLICY.due_times(created_at=created, category=Category(category), area=Area(area),
                                     service=service, service_level=level)
        return (d.respond_by - created) / timedelta(minutes=1), (d.resolve_by - created) / timedelta(hours=1)

    assert due("fault", "urban") == (30, 4) and due("fault", "township") == (30, 8)
    assert due("complaint", "urban") == (30, 2) and due("complaint", "township") == (30, 5)
    assert due("request", "urban") == (30, 24) and due("request", "township") == (30, 48)
    assert due("fault", "urban", service="leased_line") == (5, 4)  # leased lines count as enterprise
    assert due("fault", "township", level="enterprise") == (5, 8)


def test_business_hours_skip_the_night_the_weekend_and_holidays():
    hours = BusinessHours()  # Mon–Fri 08:30–17:30, Asia/Shanghai
    assert hours.add(at(2, 10), 60) == at(2, 11)
    assert hours.add(at(2, 17), 60) == at(3, 9)  # 30 min on Monday evening, 30 on Tuesday morning
    assert hours.add(at(2, 20), 30) == at(3, 9)  # reported at night: the clock starts at 08:30
    assert hours.add(at(6, 16, 30), 4 * 60) == at(9, 11, 30)  # Friday afternoon → Monday
    assert hours.add(at(7, 11), 30) == at(9, 9)  # reported on Saturday
    assert hours.add(at(2, 9), 0) == at(2, 9)
    assert hours.minutes_between(at(6, 17), at(9, 9)) == 60  # Friday 17:00 → Monday 09:00
    assert hours.minutes_between(at(7, 9), at(8, 20)) == 0  # a whole weekend
    assert hours.minutes_between(at(3, 9), at(2, 9)) == 0
    holiday = BusinessHours(holidays=frozenset({date(2025, 6, 3)}))
    assert holiday.add(at(2, 17), 60) == at(4, 9)
    late_shift = BusinessHours(days=frozenset(range(1, 8)), opens=time(9), closes=time(21), timezone="Asia/Urumqi")
    assert late_shift.add(datetime(2025, 6, 7, 20, tzinfo=ZoneInfo("Asia/Urumqi")), 120).hour == 10


def test_business_hours_from_the_configuration():
    hours = BusinessHours.from_config({"SLA_BUSINESS_DAYS": "1-5,6", "SLA_BUSINESS_HOURS": "09:00-18:00",
                                       "SLA_HOLIDAYS": "2025-10-01, 2025-10-02",
                                       "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai"})
    assert hours.days == frozenset(range(1, 7)) and hours.opens == time(9) and hours.closes == time(18)
    assert date(2025, 10, 2) in hours.holidays
    for bad in ({"SLA_BUSINESS_DAYS": "0-8"}, {"SLA_BUSINESS_HOURS": "18:00-09:00"},
                {"SLA_BUSINESS_HOURS": "nine to five"}, {"SLA_HOLIDAYS": "国庆"}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            BusinessHours.from_config(bad)


@pytest.fixture
def business_faults(s, admin):
    """Township faults on business hours: 8 working hours to resolve, 30 working minutes to respond."""
    return sla_policies.create_sla_policy(s, admin, {"category": "fault", "area": "township", "service_level": ANY,
                                                     "respond_minutes": 30, "resolve_minutes": 480,
                                                     "calendar": "business"})


def test_incident_due_times_follow_the_stored_policy(s, admin, agent, subscriber, business_faults, monkeypatch):
    monkeypatch.setattr(svc, "utcnow", lambda: at(6, 16, 30))  # a Friday afternoon
    inc = factories.incident(agent, reporter=subscriber, area="township")
    assert inc.sla_calendar == SlaCalendar.BUSINESS
    assert (inc.respond_by, inc.resolve_by) == (at(6, 17), at(9, 15, 30))  # 1 h on Friday, 7 h on Monday
    urban = factories.incident(agent, reporter=subscriber, area="urban")
    assert urban.sla_calendar == SlaCalendar.ALWAYS and urban.resolve_by == at(6, 20, 30)
    # An edit applies to the next incident at once.
    sla_policies.update_sla_policy(s, admin, business_faults, {"resolve_minutes": 60})
    assert factories.incident(agent, reporter=subscriber, area="township").resolve_by == at(6, 17, 30)


def test_pause_and_resume_recompute_in_the_incidents_calendar(s, agent, subscriber, business_faults, monkeypatch):
    monkeypatch.setattr(svc, "utcnow", lambda: at(2, 10))  # Monday 10:00: 7.5 h on Monday, 0.5 h on Tuesday
    inc = factories.incident(agent, reporter=subscriber, area="township")
    assert inc.resolve_by == at(3, 9)
    svc.start_work(s, inc, agent)
    monkeypatch.setattr(svc, "utcnow", lambda: at(2, 17, 30))
    svc.pend_incident(s, inc, agent, "等待用户在家")
    monkeypatch.setattr(svc, "utcnow", lambda: at(3, 8))  # paused over the night only: it costs nothing
    svc.resume_incident(s, inc, agent)
    assert inc.resolve_by == at(3, 9) and inc.paused_at is None
    monkeypatch.setattr(svc, "utcnow", lambda: at(3, 8, 40))
    svc.pend_incident(s, inc, agent, "等待配件")
    monkeypatch.setattr(svc, "utcnow", lambda: at(3, 9, 40))  # one working hour waiting for parts
    svc.resume_incident(s, inc, agent)
    assert inc.resolve_by == at(3, 10)


def test_incident_number_carries_the_desks_date(s, agent, subscriber, monkeypatch):
    monkeypatch.setattr(svc, "utcnow", lambda: datetime(2025, 6, 2, 23, 20, tzinfo=UTC))  # 07:20 in Beijing
    inc = factories.incident(agent, reporter=subscriber)
    assert inc.number.startswith("INC20250603-")


def test_policy_edits_are_validated_and_admin_only(s, admin, agent, business_faults):
    base = {"category": "fault", "area": "urban", "service_level": "vip", "respond_minutes": 10,
            "resolve_minutes": 120, "calendar": "24x7"}
    cases = [
        ({**base, "respond_minutes": 0}, "respond_minutes"),
        ({**base, "resolve_minutes": -5}, "resolve_minutes"),
        ({**base, "resolve_minutes": 1.5}, "resolve_minutes"),
        ({**base, "respond_minutes": True}, "respond_minutes"),
        ({**base, "respond_minutes": 300}, "respond_minutes"),  # later than the resolve target
        ({**base, "category": "install"}, "category"),
        ({**base, "calendar": "weekdays"}, "calendar"),
        ({k: v for k, v in base.items() if k != "area"}, "area"),
    ]
    for data, field in cases:
        with pytest.raises(ValidationError) as exc:
            sla_policies.create_sla_policy(s, admin, data)
        assert field in exc.value.fields, data
    with pytest.raises(Conflict) as dup:
        sla_policies.create_sla_policy(s, admin, {**base, "area": "township", "service_level": ANY,
                                                  "category": "fault"})
    assert dup.value.code == "policy_exists"
    with pytest.raises(Forbidden):
        sla_policies.create_sla_policy(s, agent, base)
    vip = sla_policies.create_sla_policy(s, admin, base)
    with pytest.raises(Conflict):  # moving a row onto another's key
        sla_policies.update_sla_policy(s, admin, vip, {"area": "township", "service_level": ANY})
    assert [r.id for r in sla_policies.list_sla_policies(s)] == [business_faults.id, vip.id]
    sla_policies.delete_sla_policy(s, admin, vip)
    assert sla_policies.list_sla_policies(s) == [business_faults]


def test_sla_check_flags_business_hours_breaches_once(s, admin, agent, subscriber, business_faults):
    leader = factories.user(factories.Role.SPECIALIST, "zu.li", display_name="李组长")
    group = org.create_group(s, admin, org.create_station(s, admin, "乡镇服务站"), "乡镇维护组", leader=leader)
    org.create_zone(s, admin, group, code="XZ-01", name="乡镇一片区", area="township")
    inc = factories.incident(subscriber, zone="XZ-01", area=None)
    assert inc.sla_calendar == SlaCalendar.BUSINESS
    inc.resolve_by = inc.created_at - timedelta(minutes=1)
    s.flush()
    assert (org.check_sla(s).breached, org.check_sla(s).breached) == (1, 0)
