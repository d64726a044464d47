"""The knowledge figures of a period: how much incidents use the knowledge base, who writes and gets articles
approved, how often the portal's answers spare a report ("this solved it"), the most used articles, and what
people searched for and did not find.

Every function reads a half-open period [start, end) of aware datetimes (the desk's days, converted by the
caller) and changes nothing. Set-based SQL; a handful of small queries per page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.models import Article, ArticleRevision, Review
from kb.search.searchlog import Unanswered, unanswered_searches
from kb.workflow import Decision
from servicedesk.incidents.models import Incident
from servicedesk.incidents.workflow import IncidentStatus
from servicedesk.portal.models import ArticleFeedback, PortalReport
from servicedesk.users.models import User

TOP = 10
_NOT_COUNTED = (IncidentStatus.CANCELLED.value, IncidentStatus.DUPLICATE.value)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class LinkFigures:
    """Incidents reported in the period (cancelled and duplicates left out) and how many carry a solution."""

    reported: int
    linked: int

    @property
    def link_rate(self) -> float | None:
        return _ratio(self.linked, self.reported)


def link_figures(s: Session, start: datetime, end: datetime) -> LinkFigures:
    """How many incidents reported in [start, end) link a solution article, of how many."""
    row = s.execute(
        select(func.count(), func.count(Incident.solution_id))
        .where(Incident.created_at >= start, Incident.created_at < end, Incident.status.not_in(_NOT_COUNTED))
    ).one()
    return LinkFigures(int(row[0] or 0), int(row[1] or 0))


@dataclass(frozen=True)
class AuthorFigures:
    user_id: int
    name: str
    written: int  # articles created in the period
    approved: int  # revisions of theirs approved in the period


def author_figures(s: Session, start: datetime, end: datetime, *, limit: int = 50) -> list[AuthorFigures]:
    """Per author: articles written and revisions approved in the period, most productive first."""
    written = dict(s.execute(
        select(Article.author_id, func.count()).where(Article.created_at >= start, Article.created_at < end)
        .group_by(Article.author_id)).all())
    approved = dict(s.execute(
        select(ArticleRevision.author_id, func.count(func.distinct(ArticleRevision.id)))
        .join(Review, Review.revision_id == ArticleRevision.id)
        .where(Review.decision == Decision.APPROVE, Review.decided_at >= start, Review.decided_at < end)
        .group_by(ArticleRevision.author_id)).all())
    ids = set(written) | set(approved)
    if not ids:
        return []
    names = {u.id: u.name for u in s.scalars(select(User).where(User.id.in_(ids)))}
    rows = [AuthorFigures(uid, names.get(uid, str(uid)), int(written.get(uid, 0)), int(approved.get(uid, 0)))
            for uid in ids]
    rows.sort(key=lambda r: (-r.approved, -r.written, r.name))
    return rows[:limit]


@dataclass(frozen=True)
class Deflection:
    """The portal's "Did this solve your problem?" answers of the period, beside the reports made there."""

    solved: int
    not_solved: int
    portal_reports: int

    @property
    def answered(self) -> int:
        return self.solved + self.not_solved

    @property
    def solved_share(self) -> float | None:
        """Of the readers who answered, the share an article helped."""
        return _ratio(self.solved, self.answered)

    @property
    def deflection_rate(self) -> float | None:
        """Of the problems brought to the portal (solved by an article, or reported), the share solved there."""
        return _ratio(self.solved, self.solved + self.portal_reports)


def deflection(s: Session, start: datetime, end: datetime) -> Deflection:
    """Counts the "this solved it" answers, the "it did not" answers and the portal reports of the period."""
    answers = dict(s.execute(
        select(ArticleFeedback.solved, func.count()).where(ArticleFeedback.at >= start, ArticleFeedback.at < end)
        .group_by(ArticleFeedback.solved)).all())
    reports = s.scalar(select(func.count()).select_from(PortalReport)
                       .where(PortalReport.created_at >= start, PortalReport.created_at < end)) or 0
    return Deflection(int(answers.get(True, 0)), int(answers.get(False, 0)), int(reports))


@dataclass(frozen=True)
class TopArticle:
    article_id: int
    title: str
    count: int


def _titles(s: Session, ids: list[int]) -> dict[int, str]:
    """What readers see as each article's title (its live revision's, else its newest draft's)."""
    if not ids:
        return {}
    return {a.id: a.title for a in s.scalars(select(Article).where(Article.id.in_(ids)))}


def _top(s: Session, rows: list[tuple[int, int]]) -> list[TopArticle]:
    titles = _titles(s, [aid for aid, _n in rows])
    return [TopArticle(aid, titles.get(aid, f"#{aid}"), n) for aid, n in rows]


def top_by_incidents(s: Session, start: datetime, end: datetime, *, limit: int = TOP) -> list[TopArticle]:
    """The solutions linked to the most incidents reported in the period."""
    n = func.count()
    rows = s.execute(
        select(Incident.solution_id, n)
        .where(Incident.created_at >= start, Incident.created_at < end, Incident.solution_id.is_not(None),
               Incident.status.not_in(_NOT_COUNTED))
        .group_by(Incident.solution_id).order_by(n.desc(), Incident.solution_id).limit(limit)).all()
    return _top(s, [(int(aid), int(c)) for aid, c in rows if aid is not None])


def top_by_solved(s: Session, start: datetime, end: datetime, *, limit: int = TOP) -> list[TopArticle]:
    """The articles most often answered "this solved it" in the portal in the period."""
    n = func.count()
    rows = s.execute(
        select(ArticleFeedback.article_id, n)
        .where(ArticleFeedback.solved.is_(True), ArticleFeedback.at >= start, ArticleFeedback.at < end)
        .group_by(ArticleFeedback.article_id).order_by(n.desc(), ArticleFeedback.article_id).limit(limit)
    ).all()
    return _top(s, [(int(aid), int(c)) for aid, c in rows])


def searches_not_found(s: Session, start: datetime, end: datetime, *, limit: int = 20) -> list[Unanswered]:
    """The searches of the period that found nothing, most often searched first (the log keeps ~90 days)."""
    days = max(1, (end - start).days + (1 if (end - start).seconds else 0))
    return [u for u in unanswered_searches(s, days=days, limit=limit, now=end) if u.last >= start]


@dataclass(frozen=True)
class KnowledgeFigures:
    links: LinkFigures
    authors: list[AuthorFigures]
    deflection: Deflection
    top_incidents: list[TopArticle]
    top_solved: list[TopArticle]
    not_found: list[Unanswered]


def knowledge_figures(s: Session, start: datetime, end: datetime) -> KnowledgeFigures:
    """Everything the knowledge section shows for the period [start, end)."""
    return KnowledgeFigures(link_figures(s, start, end), author_figures(s, start, end), deflection(s, start, end),
                            top_by_incidents(s, start, end), top_by_solved(s, start, end),
                            searches_not_found(s, start, end))
