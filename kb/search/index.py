"""The Whoosh index: writing documents, and searching with filters, facets and highlights.

Nothing outside kb.search touches Whoosh; views and the API call the service functions and
the sync hooks. One SearchIndex per process holds one read view, replaced only when the
index changed on disk; small updates are committed as small segments (large segments are
never rewritten on publish), and a full rebuild is written beside the live index and swapped
in, so searches keep answering meanwhile.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import index
from whoosh.index import TOC, FileIndex, clean_files
from whoosh.reading import IndexReader, MultiReader, SegmentReader
from whoosh.searching import Searcher

from kb.search import bulk, docsets, merging, whoosh_fixes
from kb.search.engine import FACETS, ScopeKey, allowed_bits, execute
from kb.search.highlight import highlights
from kb.search.query import FIELD_ALIASES as _FIELD_ALIASES
from kb.search.query import FILTER_FIELDS, build_plan, expand_prefix, marks_for, parse_query_text
from kb.search.reader import Caches, View, _same_deletions, _with_deletions, open_view
from kb.search.schema import SCHEMA_VERSION, make_schema

__all__ = ["FACET_FIELDS", "FILTER_FIELDS", "SORTS", "Hit", "Scope", "SearchIndex", "SearchResult",
           "parse_query_text"]

log = logging.getLogger(__name__)

FACET_FIELDS = ("type", "services", "tags")
SORTS = ("relevance", "newest", "most_used")
FIELD_ALIASES = _FIELD_ALIASES
VERSION_FILE = "kb_schema_version"
LEXICON_FILE = "kb_lexicon_version"
APPLIED_FILE = "kb_applied_seq"  # the number of the last database change written into this index
SYNC_LOCK_FILE = "kb_sync.lock"


class LockTimeout(Exception):
    """Another process (or thread) held the index's sync lock for longer than we would wait."""

whoosh_fixes.install()


@dataclass
class Hit:
    id: int
    title: str
    type: str
    status: str
    score: float
    highlights: list[str]
    services: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    summary: str = ""


@dataclass
class SearchResult:
    items: list[Hit]
    total: int
    page: int
    per_page: int
    facets: dict[str, dict[str, int]]


@dataclass
class Scope:
    """What a reader may see: statuses allowed, and whether internal articles count."""

    statuses: Sequence[str] = ("approved",)
    include_internal: bool = False


class SearchIndex:
    """One on-disk Whoosh index with a shared read view and a single writer at a time."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self._write_lock = threading.RLock()
        self._sync_lock = threading.Lock()
        self._view_lock = threading.Lock()
        self._view: View | None = None
        self._caches = Caches()
        self._replay: list[tuple[list[dict[str, Any]], list[int]]] | None = None
        self._merge_lock = threading.Lock()
        self._merger: threading.Thread | None = None
        self.background_merge = True
        merging.clear_stale_scratch(self.path)
        self._ix = self._open_or_create()

    # -- opening -----------------------------------------------------------------------------------
    def _version_ok(self) -> bool:
        marker = self.path / VERSION_FILE
        try:
            return marker.read_text().strip() == str(SCHEMA_VERSION)
        except OSError:
            return False

    def _open_or_create(self) -> FileIndex:
        if index.exists_in(str(self.path)) and self._version_ok():
            try:
                return index.open_dir(str(self.path))
            except Exception:
                log.exception("search index at %s is unreadable; starting an empty one", self.path)
        # No index yet, or one written by an older schema: start empty. The app sees that the
        # index holds fewer articles than the database and rebuilds it.
        ix = index.create_in(str(self.path), make_schema())
        (self.path / VERSION_FILE).write_text(str(SCHEMA_VERSION))
        return ix

    # -- reading -----------------------------------------------------------------------------------
    def view(self) -> View:
        """The current read view; reopened (reusing unchanged segments) only when the index changed."""
        with self._view_lock:
            current = self._view
            if current is not None and self._ix.latest_generation() == current.generation:
                return current
            for attempt in range(20):
                try:
                    self._view = open_view(self._ix, current, self._caches)
                    break
                except OSError:
                    # A commit replaced the table of contents and removed a merged-away segment
                    # between our reading the one and opening the other: read it again.
                    if attempt == 19:
                        raise
                    time.sleep(0.01)
            assert self._view is not None
            return self._view

    def warm(self) -> None:
        """Computes what every search needs (scopes, facet values), e.g. once at start-up."""
        view = self.view()
        for statuses, internal in ((("approved",), False), (("approved",), True)):
            allowed_bits(view, ScopeKey(statuses, internal, (), ()))
        for _, fieldname, limit in FACETS:
            view.facet_bits(fieldname, limit)

    def searcher(self) -> Searcher:
        return self.view().searcher

    def doc_count(self) -> int:
        return self.view().doc_count

    def check(self) -> bool:
        """True when the index opens and answers."""
        try:
            self.view()
        except Exception:
            return False
        return True

    def state(self) -> dict[int, tuple[str, Any]]:
        """Article id -> (status, updated) of every live document (to reconcile with the database)."""
        v = self.view()
        status_of: dict[int, str] = {}
        for status in v.facet_bits("status"):
            for d in docsets.iter_ids(v.term_bits("status", status)):
                status_of[d] = status
        out: dict[int, tuple[str, Any]] = {}
        for d in docsets.iter_ids(v.live):
            raw = v.column_value("id", d)
            if raw is None:
                continue
            out[int(raw)] = (status_of.get(d, ""), v.column_value("updated", d))
        return out

    def lexicon_version(self) -> str:
        """The version of the leads' lexicon the documents were last written with ('' for none)."""
        try:
            return (self.path / LEXICON_FILE).read_text().strip()
        except OSError:
            return ""

    def mark_lexicon(self, version: str) -> None:
        """Records that every document affected by the lexicon of this version was written with it."""
        (self.path / LEXICON_FILE).write_text(version)

    # -- following the database ---------------------------------------------------------------------
    @contextmanager
    def sync_lock(self, timeout: float = 5.0) -> Iterator[None]:
        """Held while catching up with the database, by one thread of one process at a time: the processes
        of a node share the index folder, so they take turns through a lock file (flock)."""
        deadline = time.monotonic() + timeout
        if not self._sync_lock.acquire(timeout=max(timeout, 0.0)):
            raise LockTimeout(str(self.path))
        try:
            with _file_lock(self.path / SYNC_LOCK_FILE, deadline):
                yield
        finally:
            self._sync_lock.release()

    def applied_seq(self) -> int | None:
        """The number of the last database change this index holds; None when it never followed the log."""
        try:
            return int((self.path / APPLIED_FILE).read_text().strip())
        except (OSError, ValueError):
            return None

    def set_applied_seq(self, seq: int) -> None:
        """Records (atomically) that every database change up to seq is in the index."""
        tmp = self.path / f"{APPLIED_FILE}.{os.getpid()}.{threading.get_ident()}"
        tmp.write_text(str(seq))
        os.replace(tmp, self.path / APPLIED_FILE)

    # -- writing -----------------------------------------------------------------------------------
    def apply(self, upserts: Iterable[dict[str, Any]], deletes: Iterable[int] = ()) -> None:
        """Writes these documents and removes these ids in one commit."""
        upserts = list(upserts)
        deletes = [int(d) for d in deletes]
        if not upserts and not deletes:
            return
        with self._write_lock:
            if self._replay is not None:
                self._replay.append((upserts, deletes))
            self._write(self._ix, upserts, deletes)
        if self.background_merge:
            self._schedule_merge()

    def _write(self, ix: FileIndex, upserts: list[dict[str, Any]], deletes: list[int]) -> None:
        writer = ix.writer(timeout=10.0)
        try:
            # Find the old versions through the readers we already hold: Whoosh would otherwise
            # open (and copy into memory) every segment of the index for each commit.
            searcher = Searcher(self._reader_for(ix, writer.segments))
            searcher.close = lambda: None
            searcher._orig_close = lambda: None
            writer._searcher = searcher
            for aid in {*deletes, *(int(doc["id"]) for doc in upserts)}:
                writer.delete_by_term("id", str(aid), searcher=searcher)
            for doc in upserts:
                writer.add_document(**doc)
        except BaseException:
            writer.cancel()
            raise
        # Never merge here: merging re-writes postings in Python; small segments are merged
        # off to the side (merge_small) so a publish stays a few milliseconds.
        writer.commit(merge=False)

    # -- merging small segments ------------------------------------------------------------------
    def merge_small(self) -> int:
        """Merges the small segments left by publishing, now; returns how many merges ran."""
        return merging.merge_due(self._ix, self.path)

    def _schedule_merge(self) -> None:
        with self._merge_lock:
            if self._merger is not None and self._merger.is_alive():
                return
            try:
                segments = self._ix._read_toc().segments
            except OSError:
                # Another process committed and cleaned up the table of contents we were about to read:
                # its own publish schedules the merge. The documents are written either way.
                return
            if not merging.plan(segments):
                return
            self._merger = threading.Thread(target=self._merge_in_background, name="kb-index-merge", daemon=True)
            self._merger.start()

    def _merge_in_background(self) -> None:
        try:
            merging.merge_in_child(self.path)  # this thread only waits: the merge holds no lock of ours
        except Exception:
            log.exception("merging small search index segments failed; they stay as they are")

    def wait_for_merges(self, timeout: float | None = None) -> None:
        merger = self._merger
        if merger is not None:
            merger.join(timeout)

    def _reader_for(self, ix: FileIndex, segments: list[Any]) -> IndexReader:
        readers: list[IndexReader] = []
        with self._view_lock:
            for segment in segments:
                cache = self._caches.segments.get(segment.segment_id())
                if cache is None:
                    readers.append(SegmentReader(ix.storage, ix.schema, segment))
                elif _same_deletions(cache.reader.segment(), segment):
                    readers.append(cache.reader)
                else:
                    readers.append(_with_deletions(cache.reader, segment))
        if not readers:
            from whoosh.reading import EmptyReader

            return EmptyReader(ix.schema)
        return readers[0] if len(readers) == 1 else MultiReader(readers)

    def rebuild(self, documents: Iterable[dict[str, Any]], *, procs: int | None = None) -> int:
        """Replaces the whole index with these documents; returns how many were written.

        The new index is written beside the live one (on every core for large rebuilds) and
        swapped in at the end, so searches keep answering from the old one meanwhile; updates
        applied during the rebuild are replayed onto the new one.
        """
        self.wait_for_merges()
        staging = self.path.with_name(self.path.name + ".rebuild")
        bulk.clear(staging)
        staging.mkdir(parents=True)
        with self._write_lock:
            self._replay = []
        try:
            count, folders = bulk.build(staging, documents, procs)
            with self._write_lock:
                self._swap_in(folders)
                replay, self._replay = self._replay or [], None
                for upserts, deletes in replay:
                    self._write(self._ix, upserts, deletes)
        finally:
            with self._write_lock:
                self._replay = None
            bulk.clear(staging)
        return count

    def _swap_in(self, folders: list[Path]) -> None:
        """Makes the segments written in folders the live index, as one new generation."""
        segments: list[Any] = []
        schema = None
        for folder in folders:
            toc = index.open_dir(str(folder))._read_toc()
            segments.extend(toc.segments)
            schema = toc.schema
        lock = self._ix.lock("WRITELOCK")
        lock.acquire(blocking=True)
        try:
            for folder in folders:
                for name in os.listdir(folder):
                    if name.startswith("MAIN_") and not name.endswith("WRITELOCK"):
                        os.replace(folder / name, self.path / name)
            storage = self._ix.storage
            generation = max(self._ix.latest_generation(), 0) + 1
            TOC(schema or make_schema(), segments, generation).write(storage, self._ix.indexname)
            clean_files(storage, self._ix.indexname, generation, segments)
            (self.path / VERSION_FILE).write_text(str(SCHEMA_VERSION))
        finally:
            lock.release()
        self._ix = index.open_dir(str(self.path))
        with self._view_lock:
            self._view = None
            self._caches = Caches()

    # -- searching ---------------------------------------------------------------------------------
    def search(
        self,
        text: str,
        *,
        scope: Scope,
        filters: Mapping[str, Any] | None = None,
        page: int = 1,
        per_page: int = 20,
        sort: str = "relevance",
        with_facets: bool = True,
        max_clauses: int = 10,
        prefix: bool = False,
    ) -> SearchResult:
        """Matches text (with "phrases", -exclusions and field:value) within scope and filters.

        max_clauses bounds how many words of a long text are used (the rarest are kept);
        prefix=True lets the last English word match as a prefix (type-ahead).
        """
        page = max(page, 1)
        view = self.view()
        plan = build_plan(text, filters)
        if prefix and plan.optional:
            plan.optional[-1] = expand_prefix(view, plan.optional[-1])
        key = ScopeKey(tuple(scope.statuses), scope.include_internal, tuple(plan.filters),
                       tuple(plan.not_filters), plan.updated_from, plan.updated_to)
        outcome = execute(view, plan, key, need=page * per_page, sort=sort, with_facets=with_facets,
                          max_clauses=max_clauses)
        marks = marks_for(outcome.clauses) if len(outcome.clauses) < len(plan.clauses) else plan.marks
        items: list[Hit] = []
        for docnum in outcome.docnums[(page - 1) * per_page: page * per_page]:
            stored = view.stored(docnum)
            title = str(stored.get("title", ""))
            items.append(Hit(
                id=int(stored["id"]),
                title=title,
                type=str(stored.get("type", "")),
                status=str(stored.get("status", "")),
                score=round(float(outcome.scores.get(docnum, 0.0)), 4),
                highlights=highlights(title, str(stored.get("content", "")), marks) if marks else [],
                services=[s for s in str(stored.get("services", "")).split(",") if s],
                tags=[t for t in str(stored.get("tags", "")).split(",") if t],
                summary=str(stored.get("summary", "")),
            ))
        return SearchResult(items=items, total=outcome.total, page=page, per_page=per_page, facets=outcome.facets)


@contextmanager
def _file_lock(path: Path, deadline: float) -> Iterator[None]:
    """An exclusive lock on path between processes (and between open files of one process)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: one process serves, and the thread lock above is enough
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockTimeout(str(path)) from None
                time.sleep(0.005)
        yield
    finally:
        os.close(fd)  # closing releases the lock
