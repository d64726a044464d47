"""`flask demo load`: every type, state and rule shows up, and loading twice changes nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from flask import Flask
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

import servicedesk.users.passwords as user_passwords
from kb import orm
from kb.actors import Role
from kb.models import Article, ArticleRevision, Review
from kb.workflow import ArticleStatus, ArticleType, Decision, RevisionStatus, Visibility
from servicedesk import create_app, demo
from servicedesk.config import config_for_tests
from servicedesk.demo_content import ARTICLES, DEMO_PASSWORD, INCIDENTS, USERS
from servicedesk.demo_history import KINDS
from servicedesk.demo_org import STATIONS, ZONES
from servicedesk.figures import compute
from servicedesk.figures.models import SubscriberCount
from servicedesk.incidents import services as incident_services
from servicedesk.incidents.models import Incident, IncidentEvent, Verification
from servicedesk.incidents.sla import DEFAULT_POLICY
from servicedesk.incidents.workflow import Area, Category, IncidentStatus
from servicedesk.org.models import MaintenanceGroup, ServiceStation, Subscriber, Zone
from servicedesk.users.models import User
from servicedesk.users.services import authenticate

TABLES = (User, Article, ArticleRevision, Review, Incident, IncidentEvent, Verification, ServiceStation,
          MaintenanceGroup, Zone, Subscriber, SubscriberCount)


@pytest.fixture(scope="module")
def world(engine: Engine, database_url: str,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, Session, list[str]]]:
    """The demo, loaded once for this module's read-only checks (a load plays hundreds of incidents), in a
    transaction of its own that is rolled back at the end. Tests that load afresh live in figures_pages/."""
    application = create_app(config_for_tests(tmp_path_factory.mktemp("demo"), database_url))
    connection = engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        with pytest.MonkeyPatch.context() as mp, application.app_context():
            mp.setattr(user_passwords, "generate_password_hash",
                       partial(generate_password_hash, method="pbkdf2:sha256:1000"))
            lines = demo.load_demo(session)
            session.flush()
        with application.app_context():
            yield application, session, lines
    finally:
        session.close()
        outer.rollback()
        connection.close()
        application.extensions["sqlalchemy_engine"].dispose()


@pytest.fixture
def s(world: tuple[Flask, Session, list[str]]) -> Session:
    return world[1]


@pytest.fixture
def loaded(world: tuple[Flask, Session, list[str]]) -> list[str]:
    return world[2]


def _demo_articles(s: Session) -> list[Article]:
    authors = select(User.id).where(User.username.in_(demo.demo_usernames()))
    return list(s.scalars(select(Article).where(Article.author_id.in_(authors)).order_by(Article.id)))


STORY_TITLES = [str(spec.data["title"]) for spec in INCIDENTS]


def _demo_incidents(s: Session) -> list[Incident]:
    """The story incidents (the everyday history is checked on its own below)."""
    return list(s.scalars(select(Incident).where(Incident.title.in_(STORY_TITLES)).order_by(Incident.id)))


def _history_incidents(s: Session) -> list[Incident]:
    """The everyday history's incidents (not the stories', the portal readers' reports, the neighbour's call, nor
    the reports for the services the administrator added, nor those of the village outage)."""
    return list(s.scalars(select(Incident).where(Incident.title.not_in(STORY_TITLES), Incident.channel != "portal",
                                                 Incident.caller_name == "",
                                                 Incident.service.not_in(["fiveg_site", "smart_home"]),
                                                 Incident.problem_id.is_(None))
                          .order_by(Incident.id)))


def _row_counts(s: Session) -> dict[str, int]:
    return {t.__name__: int(s.scalar(select(func.count()).select_from(t)) or 0) for t in TABLES}


def test_every_article_type_and_status_is_there(s: Session, loaded: list[str]) -> None:
    articles = _demo_articles(s)
    assert len(articles) == len(ARTICLES) >= 40
    assert {a.type for a in articles} == set(ArticleType)
    assert {a.status for a in articles} == set(ArticleStatus)
    statuses = Counter(a.status for a in articles)
    assert statuses[ArticleStatus.APPROVED] > len(articles) / 2
    # one approved article carries a newer revision under review; the live one stays live
    revised = [a for a in articles
               if a.status == ArticleStatus.APPROVED and a.latest.status == RevisionStatus.IN_REVIEW]
    assert len(revised) == 1 and revised[0].live_revision is not revised[0].latest
    rejected = [a for a in articles if a.status == ArticleStatus.REJECTED]
    assert all(a.latest.reviews[-1].comment for a in rejected)
    visibilities = {a.current.visibility for a in articles if a.type == ArticleType.SOLUTION}
    assert visibilities == {Visibility.PUBLIC, Visibility.INTERNAL}
    # change artefacts say what they are, which change they belong to and when it is planned
    changes = [a.current for a in articles if a.type == ArticleType.CHANGE]
    assert changes and all(c.change_kind and c.change_ref.startswith("CHG-") for c in changes)
    assert all(c.planned_start and c.planned_end and c.planned_end > c.planned_start for c in changes)


def test_no_article_is_reviewed_by_its_author_and_approvals_hold_both_checks(s: Session, loaded: list[str]) -> None:
    reviews = [r for a in _demo_articles(s) for rev in a.revisions for r in rev.reviews]
    assert len(reviews) >= 40
    for review in reviews:
        assert review.reviewer_id not in (review.revision.author_id, review.revision.article.author_id)
        assert review.reviewer.role == Role.LEAD
        assert review.comment
        if review.decision == Decision.APPROVE:
            assert review.content_ok and review.form_ok
    assert {r.decision for r in reviews} == set(Decision)


def test_incidents_cover_every_status_category_area_and_story(s: Session, loaded: list[str]) -> None:
    incidents = _demo_incidents(s)
    assert len(incidents) == len(INCIDENTS) >= 30
    assert {i.status for i in incidents} == set(IncidentStatus)
    assert {i.category for i in incidents} == set(Category)
    assert {i.area for i in incidents} == set(Area)
    assert {i.service for i in incidents} >= {"broadband", "cable_tv", "satellite_tv", "iptv", "leased_line"}
    ends = {str(spec.data["title"]): spec.expect for spec in INCIDENTS}
    assert len(ends) == len(INCIDENTS)
    for incident in incidents:
        assert incident.status.value == ends[incident.title], incident.title
    pending = [i for i in incidents if i.status == IncidentStatus.PENDING]
    assert all(i.events[-1].action == "pend" and i.events[-1].note for i in pending)
    assert any(i.tier >= 2 and any(e.action == "escalate" and e.note for e in i.events) for i in incidents)
    assert any(i.reopen_count and any(e.action == "reopen" for e in i.events) for i in incidents)


def test_every_closed_incident_obeys_the_close_rule(s: Session, loaded: list[str]) -> None:
    closed = [i for i in _demo_incidents(s) if i.status == IncidentStatus.CLOSED]
    assert len(closed) >= 8
    methods: set[str] = set()
    for incident in closed:
        solution, closed_at = incident.solution, incident.closed_at
        assert solution is not None and solution.type == ArticleType.SOLUTION and closed_at is not None
        # approved before it closed (a solution retired since keeps its link and its live revision)
        approved = [r.decided_at for r in solution.revisions
                    if r.status in (RevisionStatus.APPROVED, RevisionStatus.SUPERSEDED)]
        assert solution.live_revision_id is not None
        assert approved and approved[0] is not None and approved[0] <= closed_at
        assert incident.verified
        accepted = [v for v in incident.verifications if v.accepted]
        assert accepted and accepted[-1].at <= closed_at
        methods.update(v.method.value for v in accepted)
        assert any(v.rating for v in accepted) or incident.reporter.is_staff
    assert methods == {"self", "callback"}


def test_verified_incidents_with_unapproved_solutions_stay_open(s: Session, loaded: list[str]) -> None:
    stuck = [i for i in _demo_incidents(s) if i.status == IncidentStatus.RESOLVED and i.verified]
    assert stuck
    for incident in stuck:
        assert [b.code for b in incident_services.close_blockers(incident)] == ["solution_not_approved"]
    refused = [line for line in loaded if "closing refused" in line]
    assert len(refused) == len(stuck)


def test_one_solution_serves_many_incidents(s: Session, loaded: list[str]) -> None:
    uses = Counter(i.solution_id for i in _demo_incidents(s) if i.solution_id is not None)
    assert max(uses.values()) >= 3
    assert sum(1 for n in uses.values() if n > 1) >= 3


def test_times_are_spread_over_the_past_and_coherent(s: Session, loaded: list[str]) -> None:
    now = orm.utcnow()
    incidents = _demo_incidents(s)
    created = sorted(i.created_at for i in incidents)
    assert created[-1] - created[0] > timedelta(days=30)
    for incident in incidents:
        times = [e.at for e in incident.events]
        assert times == sorted(times) and times[-1] <= now
        day = DEFAULT_POLICY.local_day(incident.created_at)  # the desk's day
        assert incident.number and incident.number.startswith(f"INC{day:%Y%m%d}")
        for event in incident.events:
            if event.action == "link_solution":
                assert incident.solution is not None and event.at >= incident.solution.created_at
    for article in _demo_articles(s):
        assert article.created_at <= article.updated_at <= now
    # the services read the real clock again
    assert abs(orm.utcnow() - datetime.now(UTC)) < timedelta(seconds=5)


def test_users_of_every_role_with_working_demo_logins(s: Session, loaded: list[str]) -> None:
    users = {u.username: u for u in s.scalars(select(User).where(User.username.in_(demo.demo_usernames())))}
    assert len(users) == len(USERS)
    assert {u.role for u in users.values()} == set(Role)
    assert "admin" not in users and users["manager"].role == Role.ADMIN
    assert sum(1 for u in users.values() if u.role == Role.LEAD) >= 2
    subscribers = [u for u in users.values() if u.role == Role.USER]
    assert len(subscribers) >= 5 and all(u.phone and u.display_name for u in subscribers)
    assert authenticate(s, "zhangwei", DEMO_PASSWORD) is users["zhangwei"]
    assert authenticate(s, "lead.qian", DEMO_PASSWORD) is users["lead.qian"]
    assert DEMO_PASSWORD in "\n".join(loaded) and "demonstration only" in "\n".join(loaded)


def test_summary_counts_match_the_database(s: Session, loaded: list[str]) -> None:
    text = "\n".join(loaded)
    articles = Counter(a.status.value for a in _demo_articles(s))
    incidents = Counter(i.status.value for i in _demo_incidents(s))
    for status, n in (*articles.items(), *incidents.items()):
        assert f"{status} {n}" in text


def test_loading_twice_changes_nothing(s: Session, loaded: list[str]) -> None:
    before = _row_counts(s)
    again = demo.load_demo(s)
    assert len(again) == 1 and "already loaded" in again[0]
    assert _row_counts(s) == before


def test_the_organisation_routes_and_counts(s: Session, loaded: list[str]) -> None:
    stations = list(s.scalars(select(ServiceStation)))
    assert {st.name for st in stations} == {name for name, _groups in STATIONS}
    groups = list(s.scalars(select(MaintenanceGroup)))
    assert groups and all(g.leader is not None and g.leader.is_staff for g in groups)
    zones = {z.code: z for z in s.scalars(select(Zone))}
    assert set(zones) == {z.code for z in ZONES}
    assert all(z.manager is not None and z.manager.is_staff for z in zones.values())
    assert {z.area for z in zones.values()} == set(Area)
    subscribers = list(s.scalars(select(Subscriber)))
    assert len(subscribers) >= 80 and all(sub.zone is not None for sub in subscribers)
    assert {sub.zone.code for sub in subscribers} == set(zones)
    # the history's reports went to the zone's manager, and every month of it has a paying count
    history = _history_incidents(s)
    assert all(i.zone is not None and i.group_id == i.zone.group_id for i in history)
    routed = [i for i in history if any(e.action == "route" for e in i.events)]
    assert len(routed) > len(history) * 0.9
    months = {c.month for c in s.scalars(select(SubscriberCount).where(SubscriberCount.zone_id.is_(None)))}
    assert {f"{i.created_at.astimezone(demo.BEIJING):%Y-%m}" for i in history} <= months


def test_three_months_of_history_show_on_the_figures(s: Session, loaded: list[str]) -> None:
    history = _history_incidents(s)
    assert 150 <= len(history) <= 400
    assert {str(i.title) for i in history}.isdisjoint(STORY_TITLES)
    assert {str(t) for k in KINDS for t in k.titles} >= {i.title for i in history}
    now = orm.utcnow()
    ages = [(now - i.created_at).days for i in history]
    assert max(ages) >= 80 and min(ages) == 0
    closed = [i for i in history if i.status == IncidentStatus.CLOSED]
    assert len(closed) > len(history) * 0.8
    # some late against the SLA, most in time; some escalated, some repeats, complaints from several accounts
    late = [i for i in closed if i.resolved_at is not None and i.resolved_at > i.resolve_by]
    assert 0.05 * len(closed) < len(late) < 0.3 * len(closed)
    assert any(i.responded_at is not None and i.responded_at > i.respond_by for i in history)
    assert any(i.tier > 1 for i in history) and any(i.repeat_of_id for i in history)
    assert len({i.customer_account for i in history if i.category == Category.COMPLAINT}) >= 3
    assert {i.status for i in history} >= {IncidentStatus.CLOSED, IncidentStatus.RESOLVED, IncidentStatus.IN_PROGRESS}
    for incident in closed:  # the close rule held, in the order it happened
        solution, closed_at = incident.solution, incident.closed_at
        assert solution is not None and closed_at is not None and incident.verified
        approved = [r.decided_at for r in solution.revisions if r.decided_at is not None
                    and r.status in (RevisionStatus.APPROVED, RevisionStatus.SUPERSEDED)]
        assert approved and min(approved) <= closed_at
        times = [e.at for e in incident.events]
        assert times == sorted(times) and times[-1] <= now
        link = [e.at for e in incident.events if e.action == "link_solution"]
        assert link and link[-1] >= solution.created_at
    # the dashboard's figures for the last full month are real numbers, not "no data"
    last = (now.astimezone(demo.BEIJING).date().replace(day=1) - timedelta(days=1))
    desk = compute(s, last.replace(day=1), last)[0].values
    assert desk["reported"] and desk["closed"]
    for rate in ("repair_timeliness", "repeat_rate", "complaints_per_10k", "escalation_rate", "kb_reuse",
                 "participation", "satisfaction"):
        assert desk[rate] is not None, rate
    assert 0.5 < float(desk["repair_timeliness"] or 0) < 1 and 0 < float(desk["kb_reuse"] or 0) <= 1
    # over the whole history some solutions were linked before their approval: reuse is not everything
    whole = compute(s, (now - timedelta(days=90)).astimezone(demo.BEIJING).date(), now.astimezone(demo.BEIJING).date())
    assert 0.5 < float(whole[0].values["kb_reuse"] or 0) < 1


def test_portal_reading_feeds_the_knowledge_figures(s: Session, loaded: list[str]) -> None:
    from kb.search.searchlog import SearchLogEntry, unanswered_searches
    from servicedesk.figures.knowledge import knowledge_figures
    from servicedesk.portal.models import ArticleFeedback

    assert any(line.startswith("Portal: ") for line in loaded)
    roles = set(s.scalars(select(SearchLogEntry.role)))
    assert roles <= {"user", "anonymous"} and roles  # the role only, as a real visit logs it
    unfound = unanswered_searches(s, days=90, limit=20)
    assert {u.query for u in unfound} >= {"宽带移机要多少钱", "光猫 WPS 灯一直闪"}
    solved = s.scalar(select(func.count()).select_from(ArticleFeedback).where(ArticleFeedback.solved.is_(True)))
    assert solved and solved > 20
    now = orm.utcnow()
    figures = knowledge_figures(s, now - timedelta(days=30), now)
    assert figures.deflection.solved > 0 and figures.not_found
    # readers an article did not help reported from the portal: deflection is a share, not a flat 100 %
    assert figures.deflection.portal_reports > 0
    assert 0.5 < (figures.deflection.deflection_rate or 0) < 1
    assert figures.top_solved and figures.top_solved[0].count > 1


def test_the_village_outage_is_one_problem(s: Session, loaded: list[str]) -> None:
    from servicedesk.problems.models import Problem, ProblemStatus

    [problem] = s.scalars(select(Problem)).all()
    assert problem.status == ProblemStatus.KNOWN_ERROR and problem.workaround
    gathered = s.scalars(select(Incident).where(Incident.problem_id == problem.id).order_by(Incident.id)).all()
    assert [i.title for i in gathered] == [  # the neighbours' reports joined it at once
        "电视没信号，宽带也上不了网，全村好像都这样", "柳河村宽带断了，光猫 LOS 红灯", "柳河村电视全部没信号"]
    assert any(line.startswith(f"Problem {problem.number}") for line in loaded)
    from servicedesk.problems import outages

    [notice] = outages.active(s, zone="LH-01", service="broadband")
    assert notice.problem_id == problem.id and notice.ends_at is not None


def test_the_hotline_chases_and_a_neighbours_report_are_there(s: Session, loaded: list[str]) -> None:
    chased = s.scalars(select(Incident).where(Incident.chase_count > 0)).all()
    assert len(chased) == 3 and sorted(i.chase_count for i in chased) == [1, 1, 2]
    assert all(i.status.value in ("new", "assigned", "in_progress", "pending") for i in chased)
    [neighbour] = s.scalars(select(Incident).where(Incident.caller_name == "隔壁王阿姨")).all()
    assert neighbour.subscriber is not None and neighbour.subscriber.name != neighbour.caller_name
    assert any(line.startswith("Hotline: 4 repeat calls") for line in loaded)


def test_a_done_change_caused_reports_that_the_figures_count(s: Session, loaded: list[str]) -> None:
    from servicedesk.figures import compute
    from servicedesk.problems.models import Change, ChangeIncident, ChangeStatus

    [done] = s.scalars(select(Change).where(Change.status == ChangeStatus.COMPLETED)).all()
    assert done.review and done.approved_by_id not in (None, done.requested_by_id)
    caused = s.scalars(select(ChangeIncident.incident_id).where(ChangeIncident.change_id == done.id)).all()
    assert len(caused) == 2
    now = orm.utcnow()
    rows = compute(s, (now - timedelta(days=7)).astimezone(demo.BEIJING).date(), now.astimezone(demo.BEIJING).date())
    assert rows[0].values["caused_by_changes"] == 2


def test_the_catalogue_holds_two_added_services_with_reports(s: Session, loaded: list[str]) -> None:
    from servicedesk.catalogue.models import CatalogueService

    codes = [r.code for r in s.scalars(select(CatalogueService).order_by(CatalogueService.sort))]
    assert codes[-2:] == ["fiveg_site", "smart_home"] and len(codes) == 9
    home = s.scalars(select(Incident).where(Incident.service == "smart_home")).all()
    # Each report's type set its SLA category: the set-up visit a request, the offline camera a fault.
    assert sorted((i.report_type, i.category.value) for i in home) == [("camera_offline", "fault"),
                                                                       ("setup", "request")]
    # Most of the demo's reports carry a report type, so the figures' breakdown by type has rows.
    typed = s.scalar(select(func.count()).select_from(Incident).where(Incident.report_type.is_not(None)))
    assert typed is not None and typed > 0.8 * s.scalar(select(func.count()).select_from(Incident))
    assert any(line.startswith("Catalogue: ") for line in loaded)


def test_the_hotline_agent_has_saved_queue_views(s: Session, loaded: list[str]) -> None:
    from servicedesk.incidents.models import QueueView

    names = s.scalars(select(QueueView.name).join(User, User.id == QueueView.user_id)
                      .where(User.username == "agent.chen").order_by(QueueView.name)).all()
    assert len(names) == 3 and "超时未结" in names


def test_a_call_back_audit_sample_waits_with_three_calls_made(s: Session, loaded: list[str]) -> None:
    from servicedesk.incidents.models import CallbackAudit

    audits = s.scalars(select(CallbackAudit)).all()
    assert len(audits) == 12 and sum(1 for a in audits if a.outcome is not None) == 3


def test_the_dashboard_has_appointments_to_count(s: Session, loaded: list[str]) -> None:
    """The demo's history books visits and records arrivals, so the two promises have figures on first start."""
    from datetime import timedelta

    from kb.orm import utcnow
    from servicedesk.incidents.appointments import count_promises

    now = utcnow()
    counts = count_promises(s, now - timedelta(days=60), now)
    assert counts.agreed_in_time.kept > 10 and counts.agreed_in_time.missed > 0
    assert counts.arrived_in_window.kept > 10 and counts.arrived_in_window.missed > 0
    assert len(counts.engineers) > 3
