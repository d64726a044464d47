"""The search log: what was searched, by which role, and how many articles answered; nothing personal.

A row keeps the query as typed, the searcher's role (never a user id, name or address) and the number of
results. Leads read the queries that found nothing to learn what the knowledge base lacks; rows older than
the configured time are pruned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, Integer, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from kb.orm import Base, utcnow

QUERY_MAX = 500
DEFAULT_KEEP_DAYS = 90


class SearchLogEntry(Base):
    """One search of the knowledge base (first page, with text)."""

    __tablename__ = "search_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    query: Mapped[str] = mapped_column(String(QUERY_MAX))
    role: Mapped[str] = mapped_column(String(20))  # "anonymous" for visitors
    results: Mapped[int] = mapped_column(Integer)


def record_search(s: Session, query: str, role: str, results: int) -> None:
    """Adds one row; the query is trimmed and cut to QUERY_MAX characters, an empty one is not logged."""
    text = " ".join(query.split())[:QUERY_MAX]
    if text:
        s.add(SearchLogEntry(query=text, role=role[:20], results=max(0, int(results))))


def prune_searches(s: Session, keep_days: int, now: datetime | None = None) -> int:
    """Deletes rows older than keep_days; returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=keep_days)
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
