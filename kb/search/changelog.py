"""The change log the search index follows: written in the transaction that changes an article.

Every commit that changes what the index holds (an article's status, revision or incident count,
a word of the leads' dictionary) takes the next number from the one-row sequence and records the
articles it touched under that number, in the same transaction. Each node's index remembers the
last number it applied and catches up on the rest, whichever process or node committed them.

Numbers are handed out in commit order: taking one updates the sequence row, which stays locked
until the transaction ends, so a transaction holding number n+1 began its commit after the one
holding n committed or rolled back. A reader that sees n+1 committed has therefore seen every
number below it: the log has no gaps to wait for. The lock is taken last, just before the commit,
so the serialised stretch is the commit itself and the lock never waits behind another.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import DDL, BigInteger, Integer, String, delete, event, func, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from kb.orm import Base, utcnow

SEQUENCE_ID = 1
KEEP_DAYS = 7  # a node that was away longer compares its whole index with the database


class IndexSequence(Base):
    """One row: the number of the last committed index change, and how far the log was pruned."""

    __tablename__ = "search_index_sequence"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    pruned_through: Mapped[int] = mapped_column(BigInteger, default=0)


class IndexChange(Base):
    """An article (or, with no article, the leads' lexicon) changed in the commit numbered seq."""

    __tablename__ = "search_index_changes"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    article_id: Mapped[int | None]
    lexicon_version: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


event.listen(IndexSequence.__table__, "after_create",
             DDL("INSERT INTO search_index_sequence (id, seq, pruned_through) VALUES (1, 0, 0)"))


@dataclass(frozen=True)
class Head:
    seq: int  # the last committed change
    pruned_through: int  # changes up to here may have been pruned from the log


def record(s: Session, article_ids: Iterable[int], lexicon_version: str | None) -> int:
    """Numbers this transaction's index changes and logs them; returns the number (the sequence row stays
    locked until the transaction ends)."""
    seq = int(s.execute(update(IndexSequence).where(IndexSequence.id == SEQUENCE_ID)
                        .values(seq=IndexSequence.seq + 1).returning(IndexSequence.seq)).scalar_one())
    now = utcnow()
    rows: list[dict[str, object]] = [{"seq": seq, "article_id": aid, "lexicon_version": None, "created_at": now}
                                     for aid in sorted(set(article_ids))]
    if lexicon_version is not None:
        rows.append({"seq": seq, "article_id": None, "lexicon_version": lexicon_version, "created_at": now})
    if rows:
        s.execute(insert(IndexChange), rows)
    return seq


def head(s: Session) -> Head:
    """The number of the last committed change (one primary-key read)."""
    row = s.execute(select(IndexSequence.seq, IndexSequence.pruned_through)
                    .where(IndexSequence.id == SEQUENCE_ID)).one_or_none()
    return Head(0, 0) if row is None else Head(int(row[0]), int(row[1]))


@dataclass
class Changes:
    article_ids: set[int]
    lexicon: bool


def changes_between(s: Session, after: int, through: int) -> Changes:
    """The articles changed by commits numbered after < seq <= through, and whether the lexicon changed."""
    rows = s.execute(select(IndexChange.article_id, IndexChange.lexicon_version)
                     .where(IndexChange.seq > after, IndexChange.seq <= through)).all()
    return Changes({int(a) for a, _ in rows if a is not None}, any(v is not None for _, v in rows))


def oldest_unapplied(s: Session, applied: int) -> datetime | None:
    """When the first change after applied was committed (None when there is none)."""
    return s.scalar(select(func.min(IndexChange.created_at)).where(IndexChange.seq > applied))


def prune(s: Session, keep: timedelta = timedelta(days=KEEP_DAYS)) -> int:
    """Deletes changes older than keep; a node that had not applied them compares its whole index instead.
    Returns how many rows went."""
    cutoff = utcnow() - keep
    through = s.scalar(select(func.max(IndexChange.seq)).where(IndexChange.created_at < cutoff))
    if through is None:
        return 0
    gone = s.execute(delete(IndexChange).where(IndexChange.seq <= through)).rowcount  # type: ignore[attr-defined]
    s.execute(update(IndexSequence).where(IndexSequence.id == SEQUENCE_ID,
                                          IndexSequence.pruned_through < through)
              .values(pruned_through=through))
    return int(gone or 0)
