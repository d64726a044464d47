"""A small month played out through the services (March 2025, desk time Asia/Shanghai = UTC+8), with the
figures counted by hand. Times below are UTC; the comments give the desk's local time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from kb import services as kb_services
from kb.actors import Role
from kb.orm import use_clock
from servicedesk import db
from servicedesk.incidents import lifecycle
from servicedesk.incidents import services as svc
from servicedesk.incidents.models import Incident
from servicedesk.org import services as org
from servicedesk.problems import changes
from servicedesk.users.models import User
from tests import factories

T0 = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)  # Monday 3 March, 09:00 at the desk
NOW = datetime(2025, 4, 2, 4, 0, tzinfo=UTC)  # when the figures are asked for
START, END = T0.date().replace(day=1), T0.date().replace(day=31)


@dataclass
class Month:
    agent: User
    agent2: User
    specialist: User
    lead: User
    admin: User
    subscriber: User
    incidents: dict[str, Incident]


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at


def play_month(agent: User, lead: User, admin: User, subscriber: User) -> Month:
    s = db.session()
    agent2 = factories.user(Role.AGENT, "zhao.lei", display_name="赵磊")
    specialist = factories.user(Role.SPECIALIST, "sun.li", display_name="孙立")
    clock = Clock(T0 - timedelta(days=10))
    inc: dict[str, Incident] = {}

    def report(name: str, at: datetime, **data: Any) -> Incident:
        clock.set(at)
        inc[name] = factories.incident(agent, reporter=subscriber, **data)
        return inc[name]

    def at(when: datetime) -> None:
        clock.set(when)

    with use_clock(clock):
        station = org.create_station(s, admin, "城东服务站")
        group = org.create_group(s, admin, station, "第一维护组", leader=specialist)
        org.create_zone(s, admin, group, code="CD-01", name="城东一片区", manager=agent, area="urban")
        org.create_zone(s, admin, group, code="CX-02", name="城西二片区", manager=agent2, area="urban")
        known = factories.approved_article(agent, lead)  # approved ten days before the month's work

        # A: a fault fixed in time (4 h), found solution, rated 5. Reported 09:00 on 3 March.
        a = report("A", T0, zone="CD-01", customer_account="ACC1", area=None)
        at(T0 + timedelta(minutes=10))
        svc.start_work(s, a, agent)
        svc.link_solution(s, a, agent, known)
        at(T0 + timedelta(hours=2))
        svc.resolve_incident(s, a, agent, "更换尾纤")
        at(T0 + timedelta(hours=3))
        svc.verify_incident(s, a, subscriber, accepted=True, rating=5)
        svc.close_incident(s, a, agent)

        # B: a fault answered late (1 h > 30 min) and fixed late (6 h > 4 h) with a new solution; call-back 2 stars.
        t = T0 + timedelta(days=1)
        b = report("B", t, zone="CD-01", customer_account="ACC2", area=None)
        at(t + timedelta(hours=1))
        svc.start_work(s, b, agent)
        svc.write_solution(s, b, agent, {**factories.SOLUTION, "title": "机顶盒反复重启的处理"})
        at(t + timedelta(hours=6))
        svc.resolve_incident(s, b, agent, "更换电源适配器")
        at(t + timedelta(hours=7))
        written = b.solution
        assert written is not None
        kb_services.submit_article(s, written, agent)
        kb_services.review_article(s, written, lead, content_ok=True, form_ok=True, decision="approve", comment="可以")
        svc.verify_incident(s, b, agent, accepted=True, rating=2, method="callback", comment="上门太慢")
        svc.close_incident(s, b, agent)

        # C: an install (24 h) done in 5 h, found solution, confirmed without a rating.
        t = T0 + timedelta(days=2)
        c = report("C", t, zone="CX-02", customer_account="ACC3", category="request", area=None)
        at(t + timedelta(minutes=20))
        svc.assign_incident(s, c, agent2, agent2)
        svc.link_solution(s, c, agent2, known)
        at(t + timedelta(hours=5))
        svc.resolve_incident(s, c, agent2, "装机完成")
        at(t + timedelta(hours=6))
        svc.verify_incident(s, c, subscriber, accepted=True)
        svc.close_incident(s, c, agent2)

        # D: ACC1 reports broadband again 5 days after A closed (a repeat); started in time, escalated, still open.
        t = T0 + timedelta(days=5)
        d = report("D", t, zone="CD-01", customer_account="ACC1", area=None)
        assert d.repeat_of_id == a.id
        at(t + timedelta(minutes=5))
        svc.start_work(s, d, agent)
        svc.escalate_incident(s, d, agent, tier=2, reason="需要二线排查 OLT", assignee=specialist)

        # Complaints from two accounts (one of them twice), open and never answered: the first one at 00:30 on
        # 1 March at the desk (still February in UTC), one at 23:50 on 31 March.
        report("E", datetime(2025, 2, 28, 16, 30, tzinfo=UTC), zone="CX-02", customer_account="ACC4",
               category="complaint", area=None)
        report("F", datetime(2025, 3, 31, 15, 50, tzinfo=UTC), zone="CX-02", customer_account="ACC5",
               category="complaint", area=None)
        report("G", T0 + timedelta(days=7), zone="CX-02", customer_account="ACC4", category="complaint", area=None)

        # Left out: a cancelled report, and one made at 00:10 on 1 April at the desk.
        h = report("H", T0 + timedelta(days=8), zone="CD-01", customer_account="ACC6", area=None)
        lifecycle.cancel_incident(s, h, agent, "用户误报")
        i = report("I", datetime(2025, 3, 31, 16, 10, tzinfo=UTC), zone="CD-01", customer_account="ACC7",
                   category="consultation", area=None)

        # A cut-over on 7 March caused D and G (counted), H (cancelled) and I (April): two of the month's reports.
        cutover = changes.create_change(s, agent, {
            "title": "OLT 板卡割接", "services": ["broadband"], "zones": ["CD-01", "CX-02"],
            "planned_start": "2025-03-07T16:00:00+00:00", "planned_end": "2025-03-07T18:00:00+00:00"})
        changes.link_incidents(s, cutover, lead, [d.id, inc["G"].id, h.id, i.id])
    s.flush()
    return Month(agent, agent2, specialist, lead, admin, subscriber, inc)


# The figures of the month, counted by hand (see play_month).
DESK: dict[str, Any] = {
    "reported": 7,  # A B C D E F G
    "resolved_faults": 2, "faults_in_time": 1, "repair_timeliness": 0.5,  # A in time, B late
    "resolved_installs": 1, "installs_in_time": 1, "install_timeliness": 1.0,  # C
    "responded": 4, "responded_in_time": 3, "response_timeliness": 0.75,  # A C D in time, B late
    "closed": 3, "repeat_reports": 1, "repeat_rate": 1 / 3,  # A repeated by D
    "complaining_subscribers": 2, "paying_subscribers": 20_000, "complaints_per_10k": 1.0,  # ACC4 ACC5
    "escalated": 1, "escalation_rate": 1 / 7, "first_line_resolution": 6 / 7,  # D
    "kb_reused": 2, "kb_reuse": 2 / 3,  # A C found, B written
    "rated": 2, "participation": 2 / 3, "satisfied": 1, "satisfaction": 0.5, "unreachable": 0,
    "breached": 5,  # B late; D open past due; E F G open past due
    "caused_by_changes": 2,  # D and G (H is cancelled, I came in April)
}
ZONES: dict[str, dict[str, Any]] = {
    "CD-01": {"reported": 3, "resolved_faults": 2, "faults_in_time": 1, "repair_timeliness": 0.5,
              "resolved_installs": 0, "install_timeliness": None, "responded": 3, "responded_in_time": 2,
              "closed": 2, "repeat_reports": 1, "repeat_rate": 0.5, "complaining_subscribers": 0,
              "paying_subscribers": 20_000, "complaints_per_10k": 0.0, "escalated": 1, "kb_reused": 1,
              "rated": 2, "satisfied": 1, "satisfaction": 0.5, "breached": 2, "caused_by_changes": 1},
    "CX-02": {"reported": 4, "resolved_faults": 0, "repair_timeliness": None, "resolved_installs": 1,
              "installs_in_time": 1, "install_timeliness": 1.0, "responded": 1, "responded_in_time": 1,
              "closed": 1, "repeat_reports": 0, "complaining_subscribers": 2, "paying_subscribers": 5_000,
              "complaints_per_10k": 4.0, "escalated": 0, "escalation_rate": 0.0, "kb_reused": 1, "kb_reuse": 1.0,
              "rated": 0, "participation": 0.0, "satisfaction": None, "breached": 3, "caused_by_changes": 1},
}
AGENTS: dict[str, dict[str, Any]] = {
    "li.na": {"reported": 2, "closed": 2, "resolved_faults": 2, "responded": 2, "responded_in_time": 1},  # A B
    "zhao.lei": {"reported": 4, "closed": 1, "resolved_installs": 1, "complaining_subscribers": 2},  # C E F G
    "sun.li": {"reported": 1, "escalated": 1, "escalation_rate": 1.0, "closed": 0, "repeat_rate": None},  # D
}
DAYS: dict[str, dict[str, Any]] = {
    "2025-03-01": {"reported": 1, "complaining_subscribers": 1, "breached": 1},  # E at 00:30
    "2025-03-02": {"reported": 0, "repair_timeliness": None, "escalation_rate": None, "satisfaction": None},
    "2025-03-03": {"reported": 1, "resolved_faults": 1, "faults_in_time": 1, "closed": 1, "rated": 1,
                   "satisfied": 1, "responded": 1},  # A
    "2025-03-04": {"reported": 1, "resolved_faults": 1, "faults_in_time": 0, "closed": 1, "rated": 1,
                   "satisfied": 0, "satisfaction": 0.0},  # B
    "2025-03-08": {"reported": 1, "escalated": 1, "responded": 1, "caused_by_changes": 1},  # D
    "2025-03-31": {"reported": 1, "complaining_subscribers": 1},  # F at 23:50
}


def store_counts(admin: User) -> None:
    from servicedesk.figures.subscribers import replace_month

    replace_month(db.session(), admin, "2025-03", [{"zone": None, "service": None, "paying": 20_000},
                                                    {"zone": "CX-02", "service": None, "paying": 5_000}])
