"""Keeps the index following the database: collect at flush, write after commit, drop on rollback."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from kb.models import Article, ArticleRevision
from kb.search.index import SearchIndex
from kb.search.schema import article_document

log = logging.getLogger(__name__)

IndexGetter = Callable[[], SearchIndex | None]
Counter = Callable[[Session, list[int]], dict[int, int]]
TouchFinder = Callable[[Session], Iterable[int]]

_PENDING = "kb_index_touched"
_DOCS = "kb_index_docs"
_DELETES = "kb_index_deletes"
_ARTICLE_ATTRS = ("status", "live_revision_id", "type", "updated_at")


def _changed(obj: Any, attrs: Iterable[str]) -> bool:
    state = inspect(obj)
    return any(state.attrs[a].history.has_changes() for a in attrs)


def documents(s: Session, articles: Iterable[Article], count_incidents: Counter | None) -> Iterator[dict[str, Any]]:
    batch = list(articles)
    counts = count_incidents(s, [a.id for a in batch]) if count_incidents else {}
    for article in batch:
        yield article_document(article, counts.get(article.id, 0))


def install_sync(target: Any, get_index: IndexGetter, *, count_incidents: Counter | None = None,
                 touched_elsewhere: TouchFinder | None = None) -> None:
    """Wires the session (class, sessionmaker or scoped_session) so committed changes reach the index."""

    def after_flush(s: Session, _ctx: Any) -> None:
        touched: set[int] = s.info.setdefault(_PENDING, set())
        deletes: set[int] = s.info.setdefault(_DELETES, set())
        for obj in s.new:
            if isinstance(obj, Article):
                touched.add(obj.id)
            elif isinstance(obj, ArticleRevision):
                touched.add(obj.article_id)
        for obj in s.dirty:
            if isinstance(obj, Article) and _changed(obj, _ARTICLE_ATTRS):
                touched.add(obj.id)
            elif isinstance(obj, ArticleRevision) and s.is_modified(obj):
                touched.add(obj.article_id)
        for obj in s.deleted:
            if isinstance(obj, Article):
                deletes.add(obj.id)
        if touched_elsewhere is not None:
            touched.update(touched_elsewhere(s))

    def after_flush_postexec(s: Session, _ctx: Any) -> None:
        touched: set[int] = s.info.pop(_PENDING, set())
        deletes: set[int] = s.info.get(_DELETES, set())
        ids = sorted(touched - deletes)
        if not ids:
            return
        docs: dict[int, dict[str, Any]] = s.info.setdefault(_DOCS, {})
        with s.no_autoflush:
            articles = s.scalars(select(Article).where(Article.id.in_(ids))).all()
            for doc in documents(s, articles, count_incidents):
                docs[int(doc["id"])] = doc

    def after_commit(s: Session) -> None:
        docs: dict[int, dict[str, Any]] = s.info.pop(_DOCS, {})
        deletes: set[int] = s.info.pop(_DELETES, set())
        s.info.pop(_PENDING, None)
        if not docs and not deletes:
            return
        ix = get_index()
        if ix is None:
            return
        try:
            ix.apply(docs.values(), deletes)
        except Exception:
            # The database is the truth; `flask kb reindex` (and the start-up check) repairs the index.
            log.exception("search index update failed for articles %s", sorted(docs) + sorted(deletes))

    def after_rollback(s: Session) -> None:
        for key in (_PENDING, _DOCS, _DELETES):
            s.info.pop(key, None)

    event.listen(target, "after_flush", after_flush)
    event.listen(target, "after_flush_postexec", after_flush_postexec)
    event.listen(target, "after_commit", after_commit)
    event.listen(target, "after_rollback", after_rollback)


def rebuild_index(s: Session, ix: SearchIndex, *, count_incidents: Counter | None = None,
                  progress: Callable[[int], None] | None = None, batch: int = 500) -> int:
    """Writes every article from the database into a fresh index; returns how many."""

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

    return ix.rebuild(all_docs())
