"""Runs a search plan against a view: scope and filters, exact totals, facets, sorting.

Every set operation (scope, filters, exclusions, clause matches, tiers, facet counts, the
total) is a bitmap operation, so its cost does not grow with the number of matching documents
the way a per-document Python loop would; ranking.py scores a bounded short list.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from kb.search import docsets, usefulness
from kb.search.matching import clause_sets, phrase_bits, select_clauses
from kb.search.query import Clause, Plan
from kb.search.ranking import rank
from kb.search.reader import Part, View

TAG_FACET_LIMIT = 200
DIRECT_SORT_LIMIT = 2_000


@dataclass(frozen=True)
class ScopeKey:
    statuses: tuple[str, ...]
    include_internal: bool
    filters: tuple[tuple[str, str], ...]
    not_filters: tuple[tuple[str, str], ...]
    updated_from: datetime | None = None
    updated_to: datetime | None = None


@dataclass
class Outcome:
    docnums: list[int]
    scores: dict[int, float]
    total: int
    facets: dict[str, dict[str, int]]
    clauses: list[Clause]  # the clauses used (long text: the ones selected)


# -- sets -----------------------------------------------------------------------------------------


def allowed_bits(view: View, key: ScopeKey) -> int:
    """Live documents within the reader's scope and the filters (cached per view generation)."""

    def compute() -> int:
        bits = 0
        for status in key.statuses:
            bits |= view.term_bits("status", status)
        if not key.include_internal:
            bits &= view.term_bits("visibility", "public")
        for name, value in key.filters:
            # a,b within one filter means either; two filters on one field mean both
            either = 0
            for v in value.split(","):
                either |= view.term_bits(name, v.strip())
            bits &= either
        for name, value in key.not_filters:
            bits &= ~view.term_bits(name, value)
        if key.updated_from is not None or key.updated_to is not None:
            bits &= updated_bits(view, key.updated_from, key.updated_to)
        return bits & view.live

    return int(view.memo(("scope", key), compute))


def updated_bits(view: View, low: datetime | None, high: datetime | None) -> int:
    """Documents last changed in [low, high)."""
    lo = low.replace(tzinfo=UTC).timestamp() if low is not None else float("-inf")
    hi = high.replace(tzinfo=UTC).timestamp() if high is not None else float("inf")
    bits = 0
    for part in view.parts:
        order = _ascending(part, "updated")
        keys = [k for k, _ in order]
        start, stop = bisect.bisect_left(keys, lo), bisect.bisect_left(keys, hi)
        if stop > start:
            bits |= docsets.from_ids((i for _, i in order[start:stop]), part.size) << part.offset
    return bits


def _ascending(part: Part, fieldname: str) -> list[tuple[float, int]]:
    def compute() -> list[tuple[float, int]]:
        return sorted((_key(v), i) for i, v in enumerate(part.cache.column(fieldname)))

    return cast(list[tuple[float, int]], part.cache.memo(("ascending", fieldname), compute))


# -- sorting by a column --------------------------------------------------------------------------


def sorted_by(view: View, fieldname: str, matched: int, need: int) -> list[int]:
    """The first `need` matched documents by a sortable column, highest first."""
    total = matched.bit_count()
    if total <= DIRECT_SORT_LIMIT:
        ids = docsets.to_list(matched)
        return heapq.nlargest(need, ids, key=lambda d: (_value(view, fieldname, d), d))
    member = docsets.Membership(matched)
    out: list[int] = []
    for d in _walk(view, fieldname):
        if d in member:
            out.append(d)
            if len(out) >= need:
                break
    return out


def _value(view: View, fieldname: str, docnum: int) -> float:
    return _key(view.column_value(fieldname, docnum))


def _walk(view: View, fieldname: str) -> Iterator[int]:
    """Every document of the view in descending column order (merging per-segment orders)."""

    streams = [_shifted(reversed(_ascending(part, fieldname)), part.offset) for part in view.parts]
    for _, d in heapq.merge(*streams, reverse=True):
        yield d


def _shifted(order: Iterable[tuple[float, int]], offset: int) -> Iterator[tuple[float, int]]:
    for k, i in order:
        yield k, offset + i


def _key(v: object) -> float:
    if v is None:
        return float("-inf")
    if isinstance(v, datetime):
        return (v.replace(tzinfo=UTC) if v.tzinfo is None else v).timestamp()
    return float(v)  # type: ignore[arg-type]


# -- facets ---------------------------------------------------------------------------------------

FACETS = (("type", "type", None), ("service", "services", None), ("tag", "tags", TAG_FACET_LIMIT))


def facet_counts(view: View, matched: int) -> dict[str, dict[str, int]]:
    """Counts per value over the matched documents (tags: the TAG_FACET_LIMIT most common in the index)."""
    out: dict[str, dict[str, int]] = {}
    for name, fieldname, limit in FACETS:
        counts = {}
        for value, bits in view.facet_bits(fieldname, limit).items():
            n = (bits & matched).bit_count()
            if n and value:
                counts[value] = n
        out[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return out


# -- exact matches --------------------------------------------------------------------------------

RUNS_UP_TO_CLAUSES = 6  # longer text is described, not typed as a name: no exact runs looked for


def exact_bits(view: View, plan: Plan, clauses: list[Clause]) -> int:
    """Documents holding a fault code typed (in their codes) or, for short queries, words typed together
    as they stand (in the title or the text)."""
    bits = 0
    for clause in clauses:
        if clause.code:
            for alt in clause.alts:
                if alt.mode == "term" and not alt.synonym:
                    bits |= view.term_bits("code", alt.tokens[0])
    if len(plan.clauses) <= RUNS_UP_TO_CLAUSES:
        for run in plan.runs:
            bits |= phrase_bits(view, "title", run, True) | phrase_bits(view, "content", run, True)
    return bits


def _usefulness(view: View) -> Callable[[int], float] | None:
    """The usefulness factor of a document (by its article id), or None when no article has any use yet."""
    factors = usefulness.factors()
    if not factors:
        return None

    def boost(docnum: int) -> float:
        raw = view.column_value("id", docnum)
        return factors.get(int(raw), 1.0) if raw is not None else 1.0

    return boost


# -- the whole search -----------------------------------------------------------------------------


def execute(view: View, plan: Plan, scope_key: ScopeKey, *, need: int, sort: str, with_facets: bool,
            max_clauses: int = 10) -> Outcome:
    """Matches, counts, facets and the first `need` documents in the requested order."""
    allowed = allowed_bits(view, scope_key)
    for clause in plan.excluded:
        allowed &= ~clause_sets(view, clause).any
    clauses = [*plan.required, *select_clauses(view, plan.optional, max(max_clauses - len(plan.required), 1))]
    if plan.required:
        matched = allowed
        for clause in plan.required:
            matched &= clause_sets(view, clause).any
    elif clauses:
        union = 0
        for clause in clauses:
            union |= clause_sets(view, clause).any
        matched = allowed & union
    elif plan.optional:
        matched = 0  # words were typed, none of them is in the index
    else:
        matched = allowed
    dominant = 0
    if clauses and matched:
        dominant = exact_bits(view, plan, clauses) & matched
        if dominant:
            # An exact code or the words typed together found something: what only a synonym or the
            # glossary matched is left out (E-1302 双节点测试 does not bring 测量 articles along).
            literal = 0
            for clause in clauses:
                literal |= clause_sets(view, clause).literal
            matched &= literal | dominant
    total = matched.bit_count()
    facets = facet_counts(view, matched) if with_facets else {}
    scores: dict[int, float] = {}
    if not total:
        docnums: list[int] = []
    elif sort == "relevance" and clauses:
        docnums, scores = rank(view, plan, clauses, matched, need, dominant=dominant, boost_of=_usefulness(view))
    elif sort == "most_used":
        docnums = sorted_by(view, "incidents", matched, need)
    else:
        docnums = sorted_by(view, "updated", matched, need)
    return Outcome(docnums, scores, total, facets, clauses)
