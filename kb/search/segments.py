"""What we learn about each immutable segment, kept across index generations.

Term bitmaps and postings are read once per segment and kept in byte-budgeted caches shared by
the segments of an index; columns, facet values and lengths are kept per segment. A segment
never changes once written (only its deletions do, and those are applied through the view's
live bitmap), so nothing here goes stale until the segment is merged away.
"""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeAlias, cast

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.query import Query
from whoosh.reading import SegmentReader
from whoosh.searching import Searcher

from kb.search import docsets

Postings: TypeAlias = "tuple[array[int], array[float]]"

BITMAP_BUDGET = 32 * 1024 * 1024  # bytes of cached term bitmaps, all segments together
POSTINGS_BUDGET = 64 * 1024 * 1024  # bytes of cached postings (ids + weights), all segments together


class LRU:
    """A byte-budgeted least-recently-used cache, shared by the segments of one index."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.used = 0
        self._items: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: Any, value: Any, size: int) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.used -= old[1]
            self._items[key] = (value, size)
            self.used += size
            while self.used > self.budget and len(self._items) > 1:
                _, (_, s) = self._items.popitem(last=False)
                self.used -= s


class Caches:
    """The caches of one index: term bitmaps and postings (by segment), and per-segment state."""

    def __init__(self) -> None:
        self.bits = LRU(BITMAP_BUDGET)
        self.postings = LRU(POSTINGS_BUDGET)
        self.segments: dict[str, SegmentCache] = {}
        self.facet_base: dict[Any, tuple[dict[str, int], dict[str, int]]] = {}


class SegmentCache:
    """What we learn about one immutable segment: term bitmaps, postings, columns, facet values."""

    def __init__(self, reader: SegmentReader, shared: Caches) -> None:
        self.reader = reader
        self.segid = reader.segment().segment_id()
        self.size = reader.doc_count_all()
        self.lock = threading.Lock()
        self._bits = shared.bits
        self._postings = shared.postings
        self._columns: dict[str, list[Any]] = {}
        self._values: dict[str, list[tuple[str, int]]] = {}
        self._memo: dict[Any, Any] = {}

    def memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        """A value derived from this segment alone, computed once."""
        with self.lock:
            if key in self._memo:
                return self._memo[key]
        value = compute()
        with self.lock:
            self._memo[key] = value
        return value

    # -- postings ----------------------------------------------------------------------------------
    def postings(self, field: str, text: str) -> Postings | None:
        """Document numbers and term weights of a term in this segment (deleted ones included)."""
        key = (self.segid, field, text)
        hit = self._postings.get(key)
        if hit is not None:
            return hit if hit != () else None
        found = _read_postings(self.reader, field, text)
        self._postings.put(key, found or (), 8 * len(found[0]) + 64 if found else 64)
        return found

    def term_bits(self, field: str, text: str) -> int:
        """The local bitmap of documents holding the term (deleted ones included)."""
        key = (self.segid, field, text)
        hit = self._bits.get(key)
        if hit is not None:
            return int(hit)
        found = self.postings(field, text)
        bits = docsets.from_ids(found[0], self.size) if found else 0
        self._bits.put(key, bits, (self.size >> 3) + 64 if bits else 64)
        return bits

    def query_bits(self, key: Any, query: Query) -> int:
        """The local bitmap of a Whoosh query (e.g. a phrase) run on this segment alone."""
        key = (self.segid, key)
        hit = self._bits.get(key)
        if hit is not None:
            return int(hit)
        searcher = Searcher(self.reader)
        matcher = query.matcher(searcher, searcher.boolean_context())
        ids: list[int] = []
        while matcher.is_active():
            ids.append(matcher.id())
            matcher.next()
        bits = docsets.from_ids(ids, self.size)
        self._bits.put(key, bits, (self.size >> 3) + 64 if bits else 64)
        return bits

    # -- values ------------------------------------------------------------------------------------
    def column(self, field: str) -> list[Any]:
        """A sortable column's values for every document of the segment."""
        with self.lock:
            col = self._columns.get(field)
        if col is None:
            has = self.reader.has_column(field)
            col = list(self.reader.column_reader(field)) if has else [None] * self.size
            with self.lock:
                self._columns[field] = col
        return col

    def facet_values(self, field: str) -> dict[str, int]:
        """Every value of an exact field -> local bitmap of the documents holding it."""

        def compute() -> dict[str, int]:
            return {value: self.term_bits(field, value) for value, _ in self.values(field)}

        return cast(dict[str, int], self.memo(("facet", field), compute))

    def values(self, field: str) -> list[tuple[str, int]]:
        """Every value of an exact field with its document frequency in this segment."""
        with self.lock:
            vals = self._values.get(field)
        if vals is None:
            fieldobj = self.reader.schema[field]
            vals = []
            for btext in self.reader.lexicon(field):
                text = fieldobj.from_bytes(btext)
                vals.append((text, self.reader.doc_frequency(field, text)))
            with self.lock:
                self._values[field] = vals
        return vals


def _read_postings(reader: SegmentReader, field: str, text: str) -> Postings | None:
    if field not in reader.schema:
        return None
    try:
        btext = reader._text_to_bytes(field, text)
        if (field, btext) not in reader._terms:
            return None
        m = reader._terms.matcher(field, btext, reader.schema[field].format)
    except (KeyError, ValueError):
        return None
    ids: array[int] = array("I")
    weights: array[float] = array("f")
    if isinstance(m, W3LeafMatcher):
        # Whole blocks at a time: an order of magnitude faster than id()/next() per posting.
        while m.is_active():
            if m._ids is None:
                m._read_ids()
            if m._weights is None:
                m._read_weights()
            ids.extend(m._ids)
            weights.extend(m._weights)
            m._next_block()
    else:
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            m.next()
    return ids, weights
