"""Quality signals of articles, from the incidents that used them. Set-based SQL, one query per signal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Interval, and_, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from kb.models import Article
from kb.workflow import ArticleStatus
from servicedesk.incidents.models import Incident
from servicedesk.incidents.workflow import IncidentStatus

REPEAT_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class Signals:
    linked: int = 0
    solved: int = 0
    reopened: int = 0
    reported_again: int = 0
    views: int = 0
    helpful: int = 0

    @property
    def trouble(self) -> int:
        """Incidents this article did not really fix."""
        return self.reopened + self.reported_again


def _counts(s: Session, stmt: object) -> dict[int, int]:
    return {int(k): int(v) for k, v in s.execute(stmt) if k is not None}  # type: ignore[call-overload]


def article_signals(s: Session, article_ids: list[int]) -> dict[int, Signals]:
    """For each article: incidents linked and solved (closed), reopened, reported again within 30 days
    of closing (same reporter and service), views and helpful votes."""
    if not article_ids:
        return {}
    inc = Incident
    linked = _counts(s, select(inc.solution_id, func.count()).where(inc.solution_id.in_(article_ids))
                     .group_by(inc.solution_id))
    solved = _counts(s, select(inc.solution_id, func.count()).where(
        inc.solution_id.in_(article_ids), inc.status == IncidentStatus.CLOSED).group_by(inc.solution_id))
    reopened = _counts(s, select(inc.solution_id, func.count()).where(
        inc.solution_id.in_(article_ids), inc.reopen_count > 0).group_by(inc.solution_id))
    later = aliased(Incident)
    if s.get_bind().dialect.name == "sqlite":
        # SQLite keeps times as text; compare with its own date arithmetic.
        within = func.julianday(later.created_at) <= func.julianday(inc.closed_at) + REPEAT_WINDOW.days
    else:
        within = later.created_at <= inc.closed_at + literal(REPEAT_WINDOW, Interval())
    repeat = (
        select(inc.solution_id, func.count(func.distinct(inc.id)))
        .join(later, and_(later.reporter_id == inc.reporter_id, later.service == inc.service,
                          later.id != inc.id, later.created_at > inc.closed_at, within))
        .where(inc.solution_id.in_(article_ids), inc.closed_at.is_not(None))
        .group_by(inc.solution_id)
    )
    again = _counts(s, repeat)
    usage = {int(i): (int(v or 0), int(h or 0)) for i, v, h in s.execute(
        select(Article.id, Article.view_count, Article.helpful_count).where(Article.id.in_(article_ids)))}
    return {
        aid: Signals(linked=linked.get(aid, 0), solved=solved.get(aid, 0), reopened=reopened.get(aid, 0),
                     reported_again=again.get(aid, 0), views=usage.get(aid, (0, 0))[0],
                     helpful=usage.get(aid, (0, 0))[1])
        for aid in article_ids
    }


def needs_attention(s: Session, *, limit: int = 50) -> list[tuple[Article, Signals]]:
    """Live articles whose incidents were reopened or reported again, worst first."""
    inc = Incident
    candidates = [int(i) for i in s.scalars(
        select(inc.solution_id).where(inc.solution_id.is_not(None),
                                     or_(inc.reopen_count > 0, inc.closed_at.is_not(None)))
        .group_by(inc.solution_id)) if i is not None]
    signals = article_signals(s, candidates)
    worst = sorted((aid for aid, sig in signals.items() if sig.trouble > 0),
                   key=lambda aid: (-signals[aid].trouble, aid))
    articles = {a.id: a for a in s.scalars(select(Article).where(Article.id.in_(worst),
                                                                Article.status != ArticleStatus.RETIRED))}
    return [(articles[aid], signals[aid]) for aid in worst if aid in articles][:limit]
