"""`flask demo load`: a realistic Chinese O&M demo, played through the services.

Users of every role, ~45 knowledge articles of all four types in every review state, ~30 story
incidents in every status, the organisation (stations, groups with leaders, zones with managers, subscriber
records and paying-subscriber counts per month) and twelve weeks of everyday incident history
(servicedesk.demo_history), so the dashboard, queues and SLA states show real pictures on first start.
Nothing is written around the services: articles are created, submitted and reviewed by a lead who did not
write them; incidents are assigned, escalated, resolved, verified and
closed only through `close_incident`, so the demo obeys the same rules as real work.

A demo where thirty incidents were all opened in the same second shows nothing on an SLA or
report page, so while it loads the services read a demo clock (`kb.orm.use_clock`, a context
variable: other threads and requests keep the real time) that walks through the past, never
beyond the real now.

Flushes only; the caller commits once. Deterministic: same data, same order, times relative to now.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb import services as kb_services
from kb.errors import Conflict
from kb.models import Article
from kb.orm import use_clock, utcnow
from kb.workflow import ArticleStatus, ArticleType, RevisionStatus
from servicedesk.attachments import current_store
from servicedesk.demo_catalogue import load_catalogue
from servicedesk.demo_content import (
    ARTICLES,
    DEMO_PASSWORD,
    INCIDENTS,
    USERS,
    DemoArticle,
    DemoIncident,
    Step,
)
from servicedesk.demo_field import load_field_visit
from servicedesk.demo_history import DAYS as HISTORY_DAYS
from servicedesk.demo_history import HistoryIncident, HistoryPlayer, generate
from servicedesk.demo_intake import load_calls
from servicedesk.demo_org import PAYING, STATIONS, STORY_ACCOUNTS, SUBSCRIBERS, ZONES
from servicedesk.demo_problems import load_problems
from servicedesk.demo_queue import load_audit_sample, load_views
from servicedesk.demo_reading import DAYS as READING_DAYS
from servicedesk.demo_reading import play_reading
from servicedesk.figures.subscribers import replace_month
from servicedesk.incidents import lifecycle
from servicedesk.incidents import services as incident_services
from servicedesk.incidents.models import Incident
from servicedesk.incidents.sla import DEFAULT_POLICY, SlaPolicy
from servicedesk.incidents.workflow import IncidentStatus
from servicedesk.org import services as org_services
from servicedesk.org.models import MaintenanceGroup, ServiceStation, Zone
from servicedesk.problems import outages
from servicedesk.problems import services as problem_services
from servicedesk.users.models import User
from servicedesk.users.services import create_user, parse_role

ACCOUNTS_AGE_DAYS = 420  # the demo accounts predate the oldest article
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")  # China keeps no daylight saving time
OFFICE_OPENS = 9 * 60  # articles are written between 09:00 and 17:00 Beijing time
OFFICE_MINUTES = 8 * 60


class DemoClock:
    """A clock that walks through the past and never runs beyond the real now."""

    def __init__(self, real_now: datetime) -> None:
        self.real_now = real_now
        self._t = real_now

    def ago(self, *, days: float = 0, hours: float = 0) -> datetime:
        return self.real_now - timedelta(days=days, hours=hours)

    def on_day(self, days_ago: int, minute_of_day: int) -> datetime:
        """That Beijing-time day, days_ago days before today, at that minute."""
        day = self.real_now.astimezone(BEIJING).date() - timedelta(days=days_ago)
        midnight = datetime(day.year, day.month, day.day, tzinfo=BEIJING)
        return (midnight + timedelta(minutes=minute_of_day)).astimezone(UTC)

    def set(self, t: datetime) -> None:
        self._t = min(t, self.real_now)

    def advance(self, minutes: float) -> None:
        self.set(self._t + timedelta(minutes=minutes))

    def now(self) -> datetime:
        return self._t


@dataclass
class Loaded:
    """What the demo created, by the keys of demo_content."""

    users: dict[str, User] = field(default_factory=dict)
    articles: dict[str, Article] = field(default_factory=dict)
    incidents: dict[str, Incident] = field(default_factory=dict)
    history: dict[str, Incident] = field(default_factory=dict)
    problem: str = ""  # the number of the demo's problem
    reading: int = 0  # portal visits played (searches, articles opened, "did this solve it?" answers)
    stations: list[ServiceStation] = field(default_factory=list)
    groups: dict[str, MaintenanceGroup] = field(default_factory=dict)
    zones: dict[str, Zone] = field(default_factory=dict)
    subscribers: int = 0
    months: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)  # closing attempts the desk refused, as shown
    chases: int = 0  # repeat calls (催修) recorded on open reports
    services_added: int = 0  # services the administrator added to the catalogue


def demo_usernames() -> list[str]:
    return [u.username for u in USERS]


def existing_demo_users(s: Session) -> list[str]:
    return sorted(s.scalars(select(User.username).where(User.username.in_(demo_usernames()))))


def load_demo(s: Session) -> list[str]:
    """Loads the demo through the services and returns the summary lines; changes nothing if already there."""
    taken = existing_demo_users(s)
    if taken:
        shown = ", ".join(taken[:3]) + (", ..." if len(taken) > 3 else "")
        return [f"The demo is already loaded ({len(taken)} of its {len(USERS)} usernames exist: {shown}); "
                "nothing was changed."]
    policy = _sla_policy()
    clock = DemoClock(utcnow())
    loaded = Loaded()
    with use_clock(clock.now):
        _load_users(s, clock, loaded)
        # oldest first, so ids and incident numbers follow the calendar
        written = sorted((_written_at(clock, spec, n), n, spec) for n, spec in enumerate(ARTICLES))
        for t0, _, spec in written:
            loaded.articles[spec.key] = _play_article(s, clock, loaded, spec, t0)
        _load_organisation(s, clock, loaded)
        # the stories and the everyday history on one calendar, oldest first
        timeline: list[tuple[datetime, int, DemoIncident | HistoryIncident]] = [
            (_reported_at(clock, spec), n, spec) for n, spec in enumerate(INCIDENTS)]
        timeline += [(clock.on_day(h.days_ago, h.minute), len(INCIDENTS) + n, h) for n, h in enumerate(generate())]
        player = HistoryPlayer(s, clock, loaded.users, loaded.articles, policy)
        for t0, _, incident_spec in sorted(timeline, key=lambda item: (item[0], item[1])):
            if isinstance(incident_spec, HistoryIncident):
                loaded.history[incident_spec.key] = player.play(incident_spec, t0)
            else:
                loaded.incidents[incident_spec.key] = _play_incident(s, clock, loaded, incident_spec, t0, policy)
        for spec in ARTICLES:
            _play_later(s, clock, loaded, spec)
        readers = [u for u in loaded.users.values() if not u.is_staff]
        loaded.reading = play_reading(s, clock.on_day, clock.set, readers, loaded.articles,
                                      worker=loaded.users["agent.chen"], now=clock.real_now)
        clock.set(clock.real_now)
        _attach_story_subscribers(s, loaded)
        _store_subscriber_counts(s, clock, loaded)
        _load_problem(s, loaded)
        load_problems(s, loaded.users, loaded.articles)  # a scheduled cut-over and an overlapping standard change
        load_field_visit(s, loaded.users, current_store())  # a visit with photos, a signature and measurements
        loaded.chases = load_calls(s, loaded.users, policy)  # repeat calls (催修) and a neighbour's report
        loaded.services_added = load_catalogue(s, loaded.users, policy)  # 5G 基站 and 智慧家庭, with reports
        load_views(s, loaded.users)  # the hotline agent's saved queue views
        load_audit_sample(s, loaded.users)  # a second call-back sample, three of its calls made
    s.flush()
    return summary(loaded)


def _load_problem(s: Session, loaded: Loaded) -> None:
    """The village outage of the stories as one problem (a known error with its workaround), its report gathered."""
    village = loaded.incidents.get("inc-village-outage")
    if village is None:
        return
    lead = loaded.users["lead.zhao"]
    problem = problem_services.create_problem(s, lead, {
        "title": "青山镇柳河村主干光缆中断（全村电视、宽带中断）", "service": "broadband",
        "zone": village.zone.code if village.zone else "LH-01",
        "description": "柳河村多户同时报障：电视无信号、宽带断网，集中在同一分纤箱下游。"})
    problem_services.update_problem(s, problem, lead, {
        "root_cause": "村口道路施工挖断主干光缆（24 芯），分纤箱下游全部中断。",
        "workaround": "告知用户为区域性故障、预计恢复时间；集客专线用户临时切换到备用路由。",
        "status": "known_error"})
    problem_services.add_incidents(s, problem, lead, [village.id])
    now = utcnow()
    outages.create_outage(s, lead, {
        "title": "柳河村光缆抢修中", "problem_id": problem.id, "services": ["broadband", "cable_tv"],
        "zones": ["LH-01"], "starts_at": village.created_at, "ends_at": now + timedelta(hours=3),
        "message": "村口道路施工挖断主干光缆，工程师正在熔接抢修，电视和宽带预计 3 小时内恢复，无需重复报修。"})
    # Neighbours keep calling while it stands: their reports join the problem at once (a known outage).
    agent = loaded.users["agent.ma"]
    for title, service, kind in (("柳河村宽带断了，光猫 LOS 红灯", "broadband", "los_red"),
                                 ("柳河村电视全部没信号", "cable_tv", "no_signal")):
        incident_services.create_incident(s, agent, {"title": title, "service": service, "report_type": kind,
                                                     "zone": "LH-01", "channel": "hotline"}, policy=_sla_policy())
    loaded.problem = problem.number or ""


def _sla_policy() -> SlaPolicy:
    if has_app_context():
        policy = current_app.extensions.get("sla_policy")
        if isinstance(policy, SlaPolicy):
            return policy
    return DEFAULT_POLICY


def _load_users(s: Session, clock: DemoClock, loaded: Loaded) -> None:
    for spec in USERS:
        user = create_user(s, spec.username, parse_role(spec.role), DEMO_PASSWORD,
                           display_name=spec.display_name, email=spec.email, phone=spec.phone)
        user.created_at = clock.ago(days=ACCOUNTS_AGE_DAYS)
        loaded.users[spec.username] = user
    s.flush()


# ------------------------------------------------------------------------------------------ organisation

def _load_organisation(s: Session, clock: DemoClock, loaded: Loaded) -> None:
    """Stations, groups with leaders, zones with managers and the zones' subscriber records, by the manager."""
    admin, users = loaded.users["manager"], loaded.users
    clock.set(clock.ago(days=ACCOUNTS_AGE_DAYS - 1))
    for station_name, groups in STATIONS:
        station = org_services.create_station(s, admin, station_name)
        loaded.stations.append(station)
        for group_name, leader in groups:
            loaded.groups[group_name] = org_services.create_group(s, admin, station, group_name, leader=users[leader])
    for zone in ZONES:
        loaded.zones[zone.code] = org_services.create_zone(
            s, admin, loaded.groups[zone.group], code=zone.code, name=zone.name, manager=users[zone.manager],
            area=zone.area)
    for sub in SUBSCRIBERS:
        record = org_services.upsert_subscriber(s, admin, {
            "account": sub.account, "name": sub.name, "phone": sub.phone, "address": sub.address, "zone": sub.zone,
            "service_level": sub.level})
        record.created_at = clock.now()
    loaded.subscribers = len(SUBSCRIBERS)


def _attach_story_subscribers(s: Session, loaded: Loaded) -> None:
    """The story subscribers' records, made after their stories played (so those keep the routing they tell)."""
    admin = loaded.users["manager"]
    for account, (zone, name, address) in STORY_ACCOUNTS.items():
        org_services.upsert_subscriber(s, admin, {"account": account, "name": name, "address": address,
                                                  "zone": zone})
    loaded.subscribers += len(STORY_ACCOUNTS)


def _store_subscriber_counts(s: Session, clock: DemoClock, loaded: Loaded) -> None:
    """The paying subscribers of every month the history covers (万投比's denominator), growing a little."""
    first = _beijing_month(clock.ago(days=HISTORY_DAYS + 1))
    last = _beijing_month(clock.real_now)
    month, step = first, 0
    while month <= last:
        counts: list[dict[str, object]] = [{"zone": None, "service": None, "paying": 0}]
        for code, paying in PAYING.items():
            counts.append({"zone": code, "service": None, "paying": paying + 15 * step})
        counts[0]["paying"] = sum(int(str(c["paying"])) for c in counts[1:])
        replace_month(s, loaded.users["manager"], month, counts)
        loaded.months.append(month)
        year, mon = int(month[:4]), int(month[5:])
        month = f"{year + mon // 12}-{mon % 12 + 1:02d}"
        step += 1


def _beijing_month(moment: datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m")


# ------------------------------------------------------------------------------------------- articles

def _written_at(clock: DemoClock, spec: DemoArticle, position: int) -> datetime:
    """Whole days ago: some time in office hours that day, spread by position; fractions: exactly then."""
    if float(spec.days_ago).is_integer():
        return clock.on_day(int(spec.days_ago), OFFICE_OPENS + (position * 47) % OFFICE_MINUTES)
    return clock.ago(days=spec.days_ago)


def _play_article(s: Session, clock: DemoClock, loaded: Loaded, spec: DemoArticle, t0: datetime) -> Article:
    """Writes the article at t0 and takes it as far as its fate says (later events wait for _play_later)."""
    author = loaded.users[spec.author]
    clock.set(t0)
    article = kb_services.create_article(s, author, spec.data)
    if spec.fate == "draft":
        return article
    clock.set(t0 + timedelta(minutes=30))
    kb_services.submit_article(s, article, author)
    if spec.fate == "in_review":
        return article
    reviewer = loaded.users[spec.reviewer]
    if spec.fate in ("rejected", "resubmitted"):
        clock.set(t0 + timedelta(hours=5))
        content_ok, form_ok = spec.reject_checks
        kb_services.review_article(s, article, reviewer, content_ok=content_ok, form_ok=form_ok,
                                   decision="reject", comment=spec.reject_reason)
        if spec.fate == "rejected":
            return article
        clock.set(t0 + timedelta(days=2))
        kb_services.update_article(s, article, author, spec.fix or {})
        clock.advance(10)
        kb_services.submit_article(s, article, author)
        clock.set(t0 + timedelta(days=3))
    else:
        clock.set(t0 + timedelta(days=1, minutes=30))
    kb_services.review_article(s, article, reviewer, content_ok=True, form_ok=True, decision="approve",
                               comment=spec.comment)
    return article


def _play_later(s: Session, clock: DemoClock, loaded: Loaded, spec: DemoArticle) -> None:
    """What happens to approved articles after the incidents used them: a new revision, or retirement."""
    article = loaded.articles[spec.key]
    if spec.fate == "revised":
        editor = loaded.users[spec.revision_author]
        clock.set(clock.ago(days=spec.later_days_ago))
        kb_services.update_article(s, article, editor, spec.revision or {})
        clock.advance(20)
        kb_services.submit_article(s, article, editor)
    elif spec.fate == "retired":
        clock.set(clock.ago(days=spec.later_days_ago))
        kb_services.retire_article(s, article, loaded.users[spec.reviewer])


# ------------------------------------------------------------------------------------------ incidents

def _reported_at(clock: DemoClock, spec: DemoIncident) -> datetime:
    if isinstance(spec.when, tuple):
        days_ago, hhmm = spec.when
        hours, minutes = (int(x) for x in hhmm.split(":"))
        return clock.on_day(days_ago, hours * 60 + minutes)
    return clock.ago(hours=spec.when)


def _play_incident(s: Session, clock: DemoClock, loaded: Loaded, spec: DemoIncident, t0: datetime,
                   policy: SlaPolicy) -> Incident:
    """Reports the incident at t0, then plays its steps, each some minutes after the one before."""
    reporter = loaded.users[spec.reporter]
    taker = loaded.users[spec.taken_by]
    clock.set(t0)
    if taker is reporter:
        incident = incident_services.create_incident(s, reporter, spec.data, policy=policy)
    else:
        incident = incident_services.create_incident(s, taker, spec.data, reporter=reporter, policy=policy)
    if incident.assignee is not None:  # routed on creation to the zone's engineer, who calls the subscriber
        _call_to_agree_a_visit(s, incident, incident.assignee)
    for step in spec.steps:
        clock.advance(step.after)
        _play_step(s, loaded, incident, taker, step)
    return incident


def _staff_for(loaded: Loaded, incident: Incident, taker: User, step: Step) -> User:
    """Who acts: the named person, else the assignee, else the staff member who took the report."""
    if step.by:
        return loaded.users[step.by]
    if incident.assignee is not None:
        return incident.assignee
    if taker.is_staff:
        return taker
    raise ValueError(f"demo step {step.action!r} of {incident.title!r} needs 'by'")


def _call_to_agree_a_visit(s: Session, incident: Incident, engineer: User) -> None:
    """Given a fault or a request (or starting on one not yet agreed), the engineer calls the subscriber and agrees
    a visit window (预约), as the operators promise to within 30 minutes of dispatch: 预约及时率 counts it."""
    from servicedesk.incidents import booking
    from servicedesk.incidents.appointments import VISITS

    if incident.category not in VISITS or incident.assignee is None or booking.history(s, incident):
        return
    starts = (utcnow() + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    booking.book(s, incident, engineer, {"starts_at": starts, "ends_at": starts + timedelta(hours=2),
                                         "agreed_with": incident.reporter.display_name if incident.reporter
                                         else "", "engineer": incident.assignee.id})


def _play_step(s: Session, loaded: Loaded, incident: Incident, taker: User, step: Step) -> None:
    svc = incident_services
    users = loaded.users
    reporter = incident.reporter
    if step.action == "confirm":
        svc.verify_incident(s, incident, reporter, accepted=True, rating=step.rating, comment=step.text)
    elif step.action == "reject_fix":
        svc.verify_incident(s, incident, reporter, accepted=False, comment=step.text)
    elif step.action == "reopen":
        svc.reopen_incident(s, incident, users[step.by] if step.by else reporter, step.text)
    else:
        actor = _staff_for(loaded, incident, taker, step)
        if step.action == "assign":
            svc.assign_incident(s, incident, actor, users[step.to] if step.to else None)
            if incident.assignee is not None:
                _call_to_agree_a_visit(s, incident, incident.assignee)
        elif step.action == "start":
            _call_to_agree_a_visit(s, incident, actor)
            svc.start_work(s, incident, actor)
        elif step.action == "link":
            svc.link_solution(s, incident, actor, loaded.articles[str(step.article)])
        elif step.action == "pend":
            svc.pend_incident(s, incident, actor, step.text)
        elif step.action == "resume":
            svc.resume_incident(s, incident, actor)
        elif step.action == "escalate":
            svc.escalate_incident(s, incident, actor, tier=step.tier, reason=step.text,
                                  assignee=users[step.to] if step.to else None)
        elif step.action == "resolve":
            svc.resolve_incident(s, incident, actor, step.text)
        elif step.action == "callback":
            svc.verify_incident(s, incident, actor, accepted=True, rating=step.rating, comment=step.text,
                                method="callback")
        elif step.action == "close":
            svc.close_incident(s, incident, actor)
        elif step.action == "cancel":
            lifecycle.cancel_incident(s, incident, actor, step.text)
        elif step.action == "duplicate":
            lifecycle.mark_duplicate(s, incident, actor, loaded.incidents[str(step.to)], step.text)
        elif step.action == "try_close":
            try:
                svc.close_incident(s, incident, actor)
            except Conflict as exc:
                loaded.refusals.append(f"{incident.number} {incident.title}: {exc.message}")
        else:
            raise ValueError(f"unknown demo step {step.action!r}")


# ------------------------------------------------------------------------------------------- summary

def _counts(values: Mapping[str, int], order: list[str]) -> str:
    return ", ".join(f"{name} {values[name]}" for name in order if values.get(name))


def summary(loaded: Loaded) -> list[str]:
    """The lines `flask demo load` prints: what was created, and how to log in."""
    articles = list(loaded.articles.values())
    incidents = list(loaded.incidents.values())
    by_status = Counter(a.status.value for a in articles)
    by_type = Counter(a.type.value for a in articles)
    by_incident = Counter(i.status.value for i in incidents)
    revised = [a for a in articles if a.status == ArticleStatus.APPROVED
               and a.latest.status == RevisionStatus.IN_REVIEW]
    shared = Counter(i.solution_id for i in incidents if i.solution_id is not None)
    reused = sum(1 for n in shared.values() if n > 1)
    lines = [
        f"Demo loaded: {len(loaded.users)} users, {len(articles)} articles, {len(incidents)} incidents.",
        f"Articles by status: {_counts(by_status, [x.value for x in ArticleStatus])}",
        f"Articles by type: {_counts(by_type, [x.value for x in ArticleType])}",
    ]
    lines += [f"  approved, with a new revision waiting for review: {a.title}" for a in revised]
    lines.append(f"Incidents by status: {_counts(by_incident, [x.value for x in IncidentStatus])}")
    lines.append(f"  {reused} solutions serve more than one incident; "
                 f"{sum(1 for i in incidents if i.tier > 1)} incidents were escalated beyond L1.")
    history = list(loaded.history.values())
    if loaded.zones:
        lines.append(f"Organisation: {len(loaded.stations)} service stations, {len(loaded.groups)} maintenance groups, "
                     f"{len(loaded.zones)} zones, {loaded.subscribers} subscriber records; paying-subscriber counts "
                     f"for {', '.join(loaded.months)}.")
    if history:
        by_history = Counter(i.status.value for i in history)
        lines.append(f"History: {len(history)} everyday incidents over the last {HISTORY_DAYS} days "
                     f"({_counts(by_history, [x.value for x in IncidentStatus])}); "
                     f"{sum(1 for i in history if i.repeat_of_id)} repeat reports, "
                     f"{sum(1 for i in history if i.tier > 1)} escalated.")
    if loaded.problem:
        lines.append(f"Problem {loaded.problem}: the village outage, a known error with its workaround, its report "
                     "gathered (/desk/problems), and its outage notice on the portal for 柳河村 (LH-01).")
    if loaded.reading:
        lines.append(f"Portal: {loaded.reading} searches over the last {READING_DAYS} days, with the articles "
                     "opened and the \"did this solve your problem?\" answers.")
    if loaded.services_added:
        lines.append("Catalogue: 5G 基站 and 智慧家庭 added by the administrator (Manage → Service catalogue), with "
                     "reports for them.")
    if loaded.chases:
        lines.append(f"Hotline: {loaded.chases} repeat calls (催修) on open reports, and a report phoned in by a "
                     "neighbour for an account holder who was away.")
    lines += [f"  closing refused for {text}" for text in loaded.refusals]
    lines.append("")
    lines.append(f"Demo logins (every demo account uses the password: {DEMO_PASSWORD})")
    lines.append("  WARNING: for demonstration only - change these passwords or lock the accounts before real use.")
    for spec in USERS:
        lines.append(f"  {spec.username:<12} {spec.role:<10} {spec.display_name} - {spec.job}")
    return lines
