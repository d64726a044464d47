"""`flask demo load`: every type, state and rule shows up, and loading twice changes nothing."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

import servicedesk.users.passwords as user_passwords
from kb import orm
from kb.actors import Role
from kb.models import Article, ArticleRevision, Review
from kb.workflow import ArticleStatus, ArticleType, Decision, RevisionStatus, Visibility
from servicedesk import demo
from servicedesk.demo_content import ARTICLES, DEMO_PASSWORD, INCIDENTS, USERS
from servicedesk.incidents import services as incident_services
from servicedesk.incidents.models import Incident, IncidentEvent, Verification
from servicedesk.incidents.sla import DEFAULT_POLICY
from servicedesk.incidents.workflow import Area, Category, IncidentStatus
from servicedesk.users.models import User
from servicedesk.users.services import authenticate

TABLES = (User, Article, ArticleRevision, Review, Incident, IncidentEvent, Verification)


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real, checkable password hashes, but cheap ones: the demo creates nineteen accounts per test."""
    monkeypatch.setattr(user_passwords, "generate_password_hash",
                        partial(generate_password_hash, method="pbkdf2:sha256:1000"))


@pytest.fixture
def loaded(s: Session) -> list[str]:
    return demo.load_demo(s)


def _demo_articles(s: Session) -> list[Article]:
    authors = select(User.id).where(User.username.in_(demo.demo_usernames()))
    return list(s.scalars(select(Article).where(Article.author_id.in_(authors)).order_by(Article.id)))


def _demo_incidents(s: Session) -> list[Incident]:
    reporters = select(User.id).where(User.username.in_(demo.demo_usernames()))
    return list(s.scalars(select(Incident).where(Incident.reporter_id.in_(reporters)).order_by(Incident.id)))


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


def test_a_failed_load_puts_the_real_clock_back(s: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(incident_services, "create_incident", broken)
    with pytest.raises(RuntimeError):
        demo.load_demo(s)
    assert abs(orm.utcnow() - datetime.now(UTC)) < timedelta(seconds=5)


def test_cli_loads_once(app: Flask, s: Session) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "Demo loaded" in result.output and "manager" in result.output and DEMO_PASSWORD in result.output
    assert s.scalar(select(User).where(User.username == "lead.zhao")) is not None
    assert len(_demo_incidents(s)) == len(INCIDENTS)
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0 and "already loaded" in second.output
    assert len(_demo_incidents(s)) == len(INCIDENTS)
