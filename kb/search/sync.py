"""Keeps the index following the database: collect at flush, log at commit, write after commit.

The database is the only source. A commit that changes what the index holds records the touched
articles in the change log (kb.search.changelog) in the same transaction; every node's index
remembers the last change it applied and catches up on the rest (catch_up), whichever process or
node committed them. The committing process catches up right after its commit, with the documents
it built at flush when nothing else came between; a follower thread in each server process catches
up on what other processes and nodes committed; a crash between commit and index write is caught
up by whichever process looks next. A rollback leaves no log row and writes nothing.

The leads' lexicon rides along: a flush that changes it records the lexicon as the transaction
sees it and the articles containing an added or removed word; after the commit this process
loads that lexicon first, then writes those articles, so they are cut with the new words.

Text the database keeps cut (an application's own word tables) follows in the same transaction:
when a flush adds or removes words and an on_words hook is installed, the hook rewrites what holds
those words inside that flush, with this process cutting as the transaction says for just that
long; the words come into force for good after the commit, as above.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from kb.lexicon import (
    LEXICON_MODELS,
    DictionaryWord,
    Snapshot,
    applied_snapshot,
    apply_snapshot,
    articles_mentioning,
    forget_loaded,
    loaded_version,
    read_snapshot,
    refresh_lexicon,
)
from kb.models import Article, ArticleRevision
from kb.orm import utcnow
from kb.search import changelog
from kb.search.index import SearchIndex
from kb.search.schema import article_document, refresh_pinyin

log = logging.getLogger(__name__)

IndexGetter = Callable[[], SearchIndex | None]
Counter = Callable[[Session, list[int]], dict[int, int]]
TouchFinder = Callable[[Session], Iterable[int]]
WordsHook = Callable[[Session, set[str]], object]
SessionOpener = Callable[[], AbstractContextManager[Session]]

_FRAMES = "kb_index_frames"
_ARTICLE_ATTRS = ("status", "live_revision_id", "type", "updated_at")


class _Frame:
    """What one (sub)transaction changed: documents built at flush, ids to delete."""

    __slots__ = ("deletes", "docs", "lexicon", "lexicon_changed", "rolled_back", "seq", "touched", "tx", "words")

    def __init__(self, tx: Any) -> None:
        self.tx = tx
        self.touched: set[int] = set()
        self.docs: dict[int, dict[str, Any]] = {}
        self.deletes: set[int] = set()
        self.rolled_back = False
        self.words: set[str] = set()  # dictionary words added or removed
        self.lexicon_changed = False
        self.lexicon: Snapshot | None = None  # the lexicon as of the last flush that changed it
        self.seq: int | None = None  # the change-log number the commit took

    def absorb(self, child: _Frame) -> None:
        self.touched |= child.touched
        self.words |= child.words
        self.lexicon_changed |= child.lexicon_changed
        self.lexicon = child.lexicon or self.lexicon
        for aid in child.deletes:
            self.docs.pop(aid, None)
        self.deletes |= child.deletes
        self.docs.update(child.docs)


def _frames(s: Session) -> list[_Frame]:
    frames: list[_Frame] = s.info.setdefault(_FRAMES, [])
    if not frames:
        frames.append(_Frame(None))
    return frames


def _changed(obj: Any, attrs: Iterable[str]) -> bool:
    state = inspect(obj)
    return any(state.attrs[a].history.has_changes() for a in attrs)


def documents(s: Session, articles: Iterable[Article], count_incidents: Counter | None) -> Iterator[dict[str, Any]]:
    batch = list(articles)
    counts = count_incidents(s, [a.id for a in batch]) if count_incidents else {}
    for article in batch:
        yield article_document(article, counts.get(article.id, 0))


@contextmanager
def _cutting_with(snapshot: Snapshot) -> Iterator[None]:
    """This process cuts with snapshot inside the block, then as before (whether or not it commits later)."""
    before, loaded = applied_snapshot(), loaded_version()
    apply_snapshot(snapshot)
    try:
        yield
    finally:
        apply_snapshot(before)
        if loaded is None:
            forget_loaded()


@dataclass
class Committed:
    """What one commit changed in the index, numbered in the change log, with the documents built at flush."""

    seq: int
    docs: list[dict[str, Any]] = field(default_factory=list)
    deletes: list[int] = field(default_factory=list)
    lexicon_version: str | None = None


def catch_up(open_session: SessionOpener, ix: SearchIndex, *, count_incidents: Counter | None = None,
             own: Committed | None = None, timeout: float = 5.0) -> int:
    """Writes into ix every committed change it does not hold yet; returns how many articles it wrote.

    own is the commit this process has just made: when the index holds everything before it, its
    documents are written as built and nothing is read. Otherwise the log says which articles changed
    and they are read from the database as they are now. An index that never followed the log (or fell
    behind what the log keeps) is compared whole with the database instead (reconcile_index).
    Processes sharing the index folder take turns (ix.sync_lock, waiting at most timeout seconds).
    """
    with ix.sync_lock(timeout):
        applied = ix.applied_seq()
        if own is not None and applied is not None:
            if applied >= own.seq:
                return 0  # another process of this node already wrote it, read from the database
            if applied == own.seq - 1:
                ix.apply(own.docs, own.deletes)
                if own.lexicon_version is not None:
                    ix.mark_lexicon(own.lexicon_version)
                ix.set_applied_seq(own.seq)
                return len(own.docs) + len(own.deletes)
        with open_session() as s:
            return _catch_up_from_log(s, ix, applied, count_incidents)


def lag(s: Session, ix: SearchIndex) -> tuple[int, float | None]:
    """How many committed changes the index lacks, and for how many seconds the oldest has waited."""
    top = changelog.head(s)
    applied = ix.applied_seq()
    if applied is None or applied > top.seq:
        return top.seq, None
    if applied == top.seq:
        return 0, 0.0
    oldest = changelog.oldest_unapplied(s, applied)
    waited = (utcnow() - oldest).total_seconds() if oldest is not None else None
    return top.seq - applied, waited


def _catch_up_from_log(s: Session, ix: SearchIndex, applied: int | None, count_incidents: Counter | None) -> int:
    top = changelog.head(s)  # read before the articles: what changes after is logged after it
    if applied is None or applied < top.pruned_through or applied > top.seq:
        # Never followed this database's log (or it was pruned past us, or the database was replaced).
        written = reconcile_index(s, ix, count_incidents=count_incidents)
        ix.set_applied_seq(top.seq)
        return written
    if applied == top.seq:
        return 0
    changes = changelog.changes_between(s, applied, top.seq)
    refresh_lexicon(s)  # cut as the database says now (another node may have changed the words)
    written = _write_articles(s, ix, sorted(changes.article_ids), count_incidents)
    if changes.lexicon:
        ix.mark_lexicon(loaded_version() or "")
    ix.set_applied_seq(top.seq)
    return written


def _write_articles(s: Session, ix: SearchIndex, ids: list[int], count_incidents: Counter | None,
                    batch: int = 500) -> int:
    """Writes these articles as the database holds them now; those no longer there leave the index."""
    for i in range(0, len(ids), batch):
        chunk = ids[i:i + batch]
        articles = s.scalars(select(Article).where(Article.id.in_(chunk))).all()
        gone = set(chunk) - {a.id for a in articles}
        ix.apply(documents(s, articles, count_incidents), gone)
        s.expunge_all()
    return len(ids)


def install_sync(target: Any, get_index: IndexGetter, *, open_session: SessionOpener,
                 count_incidents: Counter | None = None, touched_elsewhere: TouchFinder | None = None,
                 on_words: WordsHook | None = None) -> None:
    """Wires the session (class, sessionmaker or scoped_session) so committed changes reach the index.

    Changes are collected at flush (documents built from the flushed state), logged in the change
    log just before the outermost commit, written to the index after it (catch_up), and dropped on
    rollback; a rolled-back savepoint drops only what was collected inside it. on_words(session,
    words) is called in the flush that adds or removes dictionary words, with the analyzer cutting
    as the transaction says while it runs. open_session opens a session for reading the log.
    """

    def after_flush(s: Session, _ctx: Any) -> None:
        frame = _frames(s)[-1]
        for obj in s.new:
            if isinstance(obj, Article):
                frame.touched.add(obj.id)
            elif isinstance(obj, ArticleRevision):
                frame.touched.add(obj.article_id)
            elif isinstance(obj, LEXICON_MODELS):
                frame.lexicon_changed = True
                if isinstance(obj, DictionaryWord):
                    frame.words.add(obj.word)
        for obj in s.dirty:
            if isinstance(obj, Article) and _changed(obj, _ARTICLE_ATTRS):
                frame.touched.add(obj.id)
            elif isinstance(obj, ArticleRevision) and s.is_modified(obj):
                frame.touched.add(obj.article_id)
            elif isinstance(obj, LEXICON_MODELS):
                frame.lexicon_changed = True
        for obj in s.deleted:
            if isinstance(obj, Article):
                frame.deletes.add(obj.id)
                frame.docs.pop(obj.id, None)
            elif isinstance(obj, LEXICON_MODELS):
                frame.lexicon_changed = True
                if isinstance(obj, DictionaryWord):
                    frame.words.add(obj.word)
        if touched_elsewhere is not None:
            frame.touched.update(touched_elsewhere(s))

    def after_flush_postexec(s: Session, _ctx: Any) -> None:
        frame = _frames(s)[-1]
        if frame.lexicon_changed or frame.words:
            with s.no_autoflush:
                frame.touched |= articles_mentioning(s, frame.words)
                frame.lexicon = read_snapshot(s)
                if on_words is not None and frame.words:
                    with _cutting_with(frame.lexicon):
                        on_words(s, set(frame.words))
            frame.words.clear()
            frame.lexicon_changed = False
        ids = sorted(frame.touched - frame.deletes)
        frame.touched.clear()
        if not ids:
            return
        with s.no_autoflush:
            articles = s.scalars(select(Article).where(Article.id.in_(ids))).all()
            for doc in documents(s, articles, count_incidents):
                frame.docs[int(doc["id"])] = doc

    def after_transaction_create(s: Session, tx: Any) -> None:
        if tx.nested:
            _frames(s).append(_Frame(tx))

    def after_transaction_end(s: Session, tx: Any) -> None:
        if not tx.nested:
            return
        frames = _frames(s)
        for i in range(len(frames) - 1, 0, -1):
            if frames[i].tx is tx:
                frame = frames.pop(i)
                if not frame.rolled_back:
                    frames[i - 1].absorb(frame)
                return

    def _merged(s: Session) -> _Frame | None:
        frames = s.info.get(_FRAMES) or []
        if not frames:
            return None
        root = frames[0]
        for child in frames[1:]:
            if not child.rolled_back:
                root.absorb(child)
        del frames[1:]
        return root

    def before_commit(s: Session) -> None:
        if s.in_nested_transaction():
            return  # a savepoint: logged with the commit that keeps it
        s.flush()  # what the commit would flush is collected (and its documents built) now
        root = _merged(s)
        if root is None or (not root.docs and not root.deletes and root.lexicon is None):
            return
        root.seq = changelog.record(s, [*root.docs, *root.deletes],
                                    root.lexicon.version if root.lexicon is not None else None)

    def after_commit(s: Session) -> None:
        if s.in_nested_transaction():
            return  # a savepoint released: its changes are not committed yet (after_transaction_end)
        root = _merged(s)
        s.info.pop(_FRAMES, None)
        if root is None:
            return
        if root.lexicon is not None:
            # Before the documents are written: they are analysed with the words in force.
            apply_snapshot(root.lexicon)
            for doc in root.docs.values():
                refresh_pinyin(doc)
        if root.seq is None:
            return
        ix = get_index()
        if ix is None:
            return
        own = Committed(root.seq, list(root.docs.values()), sorted(root.deletes),
                        root.lexicon.version if root.lexicon is not None else None)
        try:
            catch_up(open_session, ix, count_incidents=count_incidents, own=own)
        except Exception:
            # Committed and logged: the follower thread, the next commit or the next start writes it.
            log.exception("search index update failed for articles %s; it follows the change log later",
                          sorted(root.docs) + sorted(root.deletes))

    def after_rollback(s: Session) -> None:
        if s.in_nested_transaction():
            # A savepoint rolled back (its frame is dropped when the transaction ends).
            rolled = s.get_nested_transaction()
            for frame in _frames(s):
                if frame.tx is rolled:
                    frame.rolled_back = True
            return
        s.info.pop(_FRAMES, None)

    event.listen(target, "after_flush", after_flush)
    event.listen(target, "after_flush_postexec", after_flush_postexec)
    event.listen(target, "after_transaction_create", after_transaction_create)
    event.listen(target, "after_transaction_end", after_transaction_end)
    event.listen(target, "before_commit", before_commit)
    event.listen(target, "after_commit", after_commit)
    event.listen(target, "after_rollback", after_rollback)


def rebuild_index(s: Session, ix: SearchIndex, *, count_incidents: Counter | None = None,
                  progress: Callable[[int], None] | None = None, batch: int = 500) -> int:
    """Writes every article from the database into a fresh index, cut with the leads' words; returns how many.

    The index then holds every change up to the log's head as read before the first article: what
    was committed meanwhile is caught up from the log afterwards.
    """
    top = changelog.head(s)
    snapshot = read_snapshot(s)
    apply_snapshot(snapshot)

    def all_docs() -> Iterator[dict[str, Any]]:
        last = 0
        while True:
            articles = s.scalars(select(Article).where(Article.id > last).order_by(Article.id).limit(batch)).all()
            if not articles:
                return
            yield from documents(s, articles, count_incidents)
            last = articles[-1].id
            if progress:
                progress(len(articles))
            s.expunge_all()

    count = ix.rebuild(all_docs())
    ix.mark_lexicon(snapshot.version)
    ix.set_applied_seq(top.seq)
    return count


def reconcile_index(s: Session, ix: SearchIndex, *, count_incidents: Counter | None = None,
                    batch: int = 500) -> int:
    """Repairs the index after a crash between commit and index update, or a lost index.

    Compares every article's status and last change in the database with the index and
    rewrites the ones that differ (and removes documents of deleted articles); returns how
    many were repaired. Reads ids and two columns only, so it is cheap enough for every start.
    The leads' lexicon is loaded first; when the index was not written with its version (the
    update after a lexicon change failed), the whole index is rebuilt.
    """
    snapshot = read_snapshot(s)
    apply_snapshot(snapshot)
    if ix.lexicon_version() != snapshot.version:
        log.warning("search index was written with another dictionary; rebuilding it")
        return rebuild_index(s, ix, count_incidents=count_incidents, batch=batch)
    in_index = ix.state()
    rows = s.execute(select(Article.id, Article.status, Article.updated_at)).all()
    stale: list[int] = []
    for aid, status, updated in rows:
        found = in_index.pop(aid, None)
        expected = (status.value, updated.replace(tzinfo=None) if updated is not None else None)
        if found != expected:
            stale.append(aid)
    gone = sorted(in_index)
    for i in range(0, len(stale), batch):
        ids = stale[i:i + batch]
        articles = s.scalars(select(Article).where(Article.id.in_(ids))).all()
        ix.apply(documents(s, articles, count_incidents), gone if i == 0 else ())
        s.expunge_all()
    if gone and not stale:
        ix.apply([], gone)
    if stale or gone:
        log.warning("search index repaired: %d articles rewritten, %d removed", len(stale), len(gone))
    return len(stale) + len(gone)
