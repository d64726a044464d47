"""Consistent read views of the Whoosh index, with caches that survive new commits.

A View is one generation of the index: its segments, their document-number offsets, the
live (not deleted) documents, and memoised bitmaps for terms, facets and scopes. Opening
the next view after a commit reuses the readers and caches of every segment that did not
change: segments are immutable, so a term's bitmap or postings read once stay valid until
the segment is merged away. Only deletions change in place, and those are applied through
the live bitmap. (whoosh-reloaded's own Searcher.refresh() reuses readers with stale
deletions and keeps merged-away segments, so it is not used.)
"""

from __future__ import annotations

import bisect
import copy
import threading
from collections.abc import Callable, Iterable
from typing import Any

from whoosh.index import FileIndex
from whoosh.query import Query
from whoosh.reading import IndexReader, MultiReader, SegmentReader
from whoosh.searching import Searcher

from kb.search import docsets
from kb.search.segments import Caches, Postings, SegmentCache

STABLE_SEGMENT_DOCS = 1_000  # segments at least this big rarely change: their facet sets are kept


class Part:
    """One segment inside a view: its reader (with this generation's deletions) and offset."""

    __slots__ = ("cache", "live", "offset", "reader", "size")

    def __init__(self, cache: SegmentCache, reader: SegmentReader, offset: int) -> None:
        self.cache = cache
        self.reader = reader
        self.offset = offset
        self.size = cache.size
        live = docsets.full(self.size)
        if reader.has_deletions():
            live &= ~docsets.from_ids(reader.segment().deleted_docs(), self.size)
        self.live = live


class View:
    """One generation of the index, read consistently, with per-generation memos."""

    def __init__(self, ix: FileIndex, generation: int, parts: list[Part], schema: Any, shared: Caches) -> None:
        self.ix = ix
        self.shared = shared
        self.generation = generation
        self.parts = parts
        self.schema = schema
        self.size = sum(p.size for p in parts)
        self._starts = [p.offset for p in parts]
        live = 0
        for p in parts:
            live |= p.live << p.offset
        self.live = live
        self.doc_count = live.bit_count()
        readers: list[IndexReader] = [p.reader for p in parts]
        if len(readers) == 1:
            reader: IndexReader = readers[0]
        elif readers:
            reader = MultiReader(readers, generation=generation)
        else:
            from whoosh.reading import EmptyReader

            reader = EmptyReader(schema)
        self.searcher = Searcher(reader, fromindex=ix)
        self._memo: dict[Any, Any] = {}
        self._lock = threading.Lock()

    # -- memo --------------------------------------------------------------------------------------
    def forget(self, *, queries_only: bool = False) -> None:
        """Drops this view's memos (segment caches stay); queries_only keeps scopes and facets."""
        with self._lock:
            if not queries_only:
                self._memo.clear()
                return
            for key in [k for k in self._memo if k[0] in ("clause", "t", "q")]:
                del self._memo[key]

    def memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._memo:
                return self._memo[key]
        value = compute()
        with self._lock:
            if len(self._memo) > 20_000:
                self._memo.clear()
            self._memo[key] = value
        return value

    # -- document sets -----------------------------------------------------------------------------
    def term_bits(self, field: str, text: str) -> int:
        """Live documents holding the term."""

        def compute() -> int:
            bits = 0
            for p in self.parts:
                local = p.cache.term_bits(field, text)
                if local:
                    bits |= (local & p.live) << p.offset
            return bits

        return int(self.memo(("t", field, text), compute))

    def query_bits(self, key: Any, query: Query) -> int:
        """Live documents matching a Whoosh query (phrases), computed segment by segment."""

        def compute() -> int:
            bits = 0
            for p in self.parts:
                local = p.cache.query_bits(key, query)
                if local:
                    bits |= (local & p.live) << p.offset
            return bits

        return int(self.memo(("q", key), compute))

    def doc_frequency(self, field: str, text: str) -> int:
        """How many documents hold the term (from the term dictionaries: no postings read)."""

        def compute() -> int:
            if field not in self.schema:
                return 0
            return sum(int(p.reader.doc_frequency(field, text)) for p in self.parts)

        return int(self.memo(("df", field, text), compute))

    def facet_bits(self, field: str, limit: int | None = None) -> dict[str, int]:
        """Value -> documents (deleted ones included: count them against live sets only),
        for the values of an exact field (the limit most common).

        The large segments' part is kept across index generations, so a publish (one more
        small segment) only adds the small segments' values.
        """

        def compute() -> dict[str, int]:
            stable = [p for p in self.parts if p.size >= STABLE_SEGMENT_DOCS]
            small = [p for p in self.parts if p.size < STABLE_SEGMENT_DOCS]
            key = (field, tuple((p.cache.segid, p.offset) for p in stable))
            entry = self.shared.facet_base.get(key)
            if entry is None:
                stable_freq: dict[str, int] = {}
                for p in stable:
                    for value, df in p.cache.values(field):
                        stable_freq[value] = stable_freq.get(value, 0) + df
                if len(self.shared.facet_base) > 16:
                    self.shared.facet_base.clear()
                entry = self.shared.facet_base[key] = (stable_freq, {})
            stable_freq, stable_bits = entry
            freq = dict(stable_freq)
            for p in small:
                for value, df in p.cache.values(field):
                    freq[value] = freq.get(value, 0) + df
            chosen = sorted(freq, key=lambda v: (-freq[v], v))
            if limit is not None:
                chosen = chosen[:limit]
            out: dict[str, int] = {}
            for value in chosen:
                bits = stable_bits.get(value)
                if bits is None:
                    bits = stable_bits[value] = _combine(stable, field, value)
                out[value] = bits
            for p in small:
                for value, local in p.cache.facet_values(field).items():
                    if value in out:
                        out[value] |= local << p.offset
            return out

        return dict(self.memo(("f", field, limit), compute))

    # -- per-document values -----------------------------------------------------------------------
    def locate(self, docnum: int) -> tuple[Part, int]:
        i = bisect.bisect_right(self._starts, docnum) - 1
        part = self.parts[i]
        return part, docnum - part.offset

    def column_value(self, field: str, docnum: int) -> Any:
        part, local = self.locate(docnum)
        return part.cache.column(field)[local]

    def stored(self, docnum: int) -> dict[str, Any]:
        part, local = self.locate(docnum)
        return dict(part.reader.stored_fields(local))

    def avg_length(self, field: str) -> float:
        def compute() -> float:
            total = sum(p.reader.field_length(field) for p in self.parts)
            return float(total) / max(self.size, 1)

        return float(self.memo(("avgdl", field), compute))

    def doc_length(self, field: str, docnum: int) -> int:
        part, local = self.locate(docnum)
        return int(part.reader.doc_field_length(local, field, 0) or 0)

    def postings_parts(self, field: str, text: str) -> Iterable[tuple[Part, Postings]]:
        for p in self.parts:
            found = p.cache.postings(field, text)
            if found is not None:
                yield p, found


def _combine(parts: list[Part], field: str, value: str) -> int:
    bits = 0
    for p in parts:
        local = p.cache.facet_values(field).get(value)
        if local:
            bits |= local << p.offset
    return bits


def open_view(ix: FileIndex, previous: View | None, shared: Caches) -> View:
    """The index's latest generation, reusing the segment readers and caches we already hold."""
    toc = ix._read_toc()
    parts: list[Part] = []
    offset = 0
    old_readers: dict[str, SegmentReader] = {}
    if previous is not None:
        for p in previous.parts:
            old_readers[p.cache.segid] = p.reader
    caches = shared.segments
    alive: dict[str, SegmentCache] = {}
    for segment in toc.segments:
        segid = segment.segment_id()
        cache = caches.get(segid)
        old = old_readers.get(segid) or (cache.reader if cache is not None else None)
        if old is None:
            reader = SegmentReader(ix.storage, toc.schema, segment, generation=toc.generation)
        elif _same_deletions(old.segment(), segment):
            reader = old
        else:
            reader = _with_deletions(old, segment)
        if cache is None:
            cache = SegmentCache(reader, shared)
        cache.reader = reader
        alive[segid] = cache
        parts.append(Part(cache, reader, offset))
        offset += cache.size
    caches.clear()
    caches.update(alive)
    return View(ix, toc.generation, parts, toc.schema, shared)


def _same_deletions(a: Any, b: Any) -> bool:
    if a.deleted_count() != b.deleted_count():
        return False
    return a.deleted_count() == 0 or set(a.deleted_docs()) == set(b.deleted_docs())


def _with_deletions(old: SegmentReader, segment: Any) -> SegmentReader:
    """The same open segment files, seen with the newer generation's deletions.

    Opening a SegmentReader copies the segment's term and posting files into memory (tens of
    milliseconds and megabytes for a large segment), so a publish that only marks the old
    version of one article deleted must not pay that again.
    """
    new = copy.copy(old)
    new.__dict__.pop("deleted_docs_set", None)
    new._segment = segment
    new._perdoc = old.codec().per_document_reader(old.storage(), segment)
    return new
