"""The search log: what was searched, by which role, how many articles answered and what came of it;
nothing personal.

A row keeps the query as typed, the searcher's role (never a user id, name or address), the number of results
and a random token (a key for this one search, not for the searcher). What came of the search is kept against
that token: an article opened from its results (and at which rank), an article that "solved it" in the portal,
an article linked to an incident as its solution, or a fault reported afterwards. Leads read the queries that
found nothing or were followed by a report to learn what the knowledge base lacks; rows older than the
configured time are pruned, outcomes with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import BigInteger, Integer, String, UniqueConstraint, case, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from kb.orm import Base, utcnow

QUERY_MAX = 500
DEFAULT_KEEP_DAYS = 90
TOKEN_MAX = 16


class Outcome(StrEnum):
    OPENED = "opened"  # an article opened from the result list
    SOLVED = "solved"  # ... and its reader answered that it solved the problem (portal)
    LINKED = "linked"  # ... and it was linked to an incident as its solution
    REPORTED = "reported"  # a fault was reported after the search


class SearchLogEntry(Base):
    """One search of the knowledge base (first page, with text)."""

    __tablename__ = "search_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    query: Mapped[str] = mapped_column(String(QUERY_MAX))
    role: Mapped[str] = mapped_column(String(20))  # "anonymous" for visitors
    results: Mapped[int] = mapped_column(Integer)
    token: Mapped[str | None] = mapped_column(String(TOKEN_MAX), index=True)  # this search's key, random


class SearchOutcome(Base):
    """What came of one search (by its token): once per search, kind and article."""

    __tablename__ = "search_outcomes"
    __table_args__ = (UniqueConstraint("token", "kind", "article_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    token: Mapped[str] = mapped_column(String(TOKEN_MAX))
    kind: Mapped[str] = mapped_column(String(10))
    article_id: Mapped[int] = mapped_column(Integer, default=0)  # 0: not about an article (a report)
    rank: Mapped[int | None] = mapped_column(Integer)  # its place in the result list, from 1


def record_search(s: Session, query: str, role: str, results: int, token: str | None = None) -> None:
    """Adds one row; the query is trimmed and cut to QUERY_MAX characters, an empty one is not logged."""
    text = " ".join(query.split())[:QUERY_MAX]
    if text:
        s.add(SearchLogEntry(query=text, role=role[:20], results=max(0, int(results)),
                             token=(token or None) and token[:TOKEN_MAX]))


def record_outcome(s: Session, token: str, kind: Outcome, article_id: int = 0, rank: int | None = None) -> bool:
    """Notes what came of a search, once per search, kind and article (a second note, even a simultaneous
    one, changes nothing); False when it was already noted."""
    try:
        with s.begin_nested():
            s.add(SearchOutcome(token=token[:TOKEN_MAX], kind=Outcome(kind).value, article_id=int(article_id),
                                rank=rank))
    except IntegrityError:
        return False
    return True


def prune_searches(s: Session, keep_days: int, now: datetime | None = None) -> int:
    """Deletes searches and outcomes older than keep_days; returns how many searches."""
    cutoff = (now or utcnow()) - timedelta(days=keep_days)
    s.execute(delete(SearchOutcome).where(SearchOutcome.created_at < cutoff))
    result = s.execute(delete(SearchLogEntry).where(SearchLogEntry.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class Unanswered:
    query: str
    times: int
    last: datetime


def unanswered_searches(s: Session, *, days: int = 30, limit: int = 100,
                        now: datetime | None = None) -> list[Unanswered]:
    """The queries that found nothing in the last `days`, most often searched first (same text, any case)."""
    since = (now or utcnow()) - timedelta(days=days)
    key = func.lower(SearchLogEntry.query)
    rows = s.execute(
        select(func.min(SearchLogEntry.query), func.count(), func.max(SearchLogEntry.created_at))
        .where(SearchLogEntry.results == 0, SearchLogEntry.created_at >= since)
        .group_by(key)
        .order_by(func.count().desc(), func.max(SearchLogEntry.created_at).desc())
        .limit(limit)
    ).all()
    return [Unanswered(q, int(n), last) for q, n, last in rows]


@dataclass(frozen=True)
class Reported:
    query: str
    times: int  # searches of this text followed by a report
    opened_nothing: int  # ... of which nothing in the results had been opened
    last: datetime


def searches_followed_by_report(s: Session, *, days: int = 30, limit: int = 100,
                                now: datetime | None = None) -> list[Reported]:
    """The queries after which a fault was reported in the last `days`, most often first (same text, any case)."""
    since = (now or utcnow()) - timedelta(days=days)
    key = func.lower(SearchLogEntry.query)
    reported = select(SearchOutcome.token).where(SearchOutcome.kind == Outcome.REPORTED.value)
    opened = select(SearchOutcome.token).where(SearchOutcome.kind == Outcome.OPENED.value)
    rows = s.execute(
        select(func.min(SearchLogEntry.query), func.count(),
               func.sum(case((SearchLogEntry.token.in_(opened), 0), else_=1)), func.max(SearchLogEntry.created_at))
        .where(SearchLogEntry.token.in_(reported), SearchLogEntry.created_at >= since)
        .group_by(key)
        .order_by(func.count().desc(), func.max(SearchLogEntry.created_at).desc())
        .limit(limit)
    ).all()
    return [Reported(q, int(n), int(none or 0), last) for q, n, none, last in rows]


def outcome_counts(s: Session, *, days: int = 30, now: datetime | None = None) -> dict[str, int]:
    """How many searches of the last `days` led to each outcome, and how many searches there were ("searches")."""
    since = (now or utcnow()) - timedelta(days=days)
    out = {kind.value: 0 for kind in Outcome}
    for kind, n in s.execute(select(SearchOutcome.kind, func.count(func.distinct(SearchOutcome.token)))
                             .where(SearchOutcome.created_at >= since).group_by(SearchOutcome.kind)):
        out[str(kind)] = int(n)
    out["searches"] = int(s.scalar(select(func.count()).select_from(SearchLogEntry)
                                   .where(SearchLogEntry.created_at >= since)) or 0)
    return out
