"""Ranking: a short list of the best covered documents from bitmaps, then BM25F times coverage.

Each clause weighs what it tells (its IDF: a rare fault word much, a word in every article little). The
documents covering the most weight come first into a short list (a clause matched only through a synonym or
the glossary counts SYNONYM_SHARE of its weight); those are scored by BM25F (title 3, keywords 2, content 1,
codes 3, pinyin 0.6) times their share of the query's weight squared, so a document missing one telling word
drops a little, not below every document that matched the filler. Documents holding the exact fault code
typed, or the words typed together as they stand, come first. A small usefulness factor (kb.search.usefulness)
reorders only scores within its band. Only a bounded short list is scored document by document; when the best
covered bucket holds more than SCORE_LIMIT documents, the most recently written ones are scored.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterator

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length

from kb.search import docsets
from kb.search.matching import TEXT_FIELDS, ClauseSets, clause_sets
from kb.search.query import Alt, Clause, Plan
from kb.search.reader import Part, View

PHRASE_FIELDS = ("title", "content")
CODE_BOOST = 3.0
PINYIN_BOOST = 0.6
K1 = 1.2
B = 0.75
SCORE_LIMIT = 600
SHORTLIST = 60  # documents beyond the best covered bucket that are scored
UNITS = 6  # coverage units of the most telling clause
SYNONYM_SHARE = 0.6  # a clause matched only through a synonym or the glossary counts this much
CODE_WEIGHT = 1.5
COORD_POWER = 2.0
_LENGTH = [byte_to_length(i) for i in range(256)]


class _Scorer:
    """BM25F over a candidate set, reading cached postings and lengths segment by segment."""

    def __init__(self, view: View, candidates: int) -> None:
        self.view = view
        self.candidates = candidates
        self.n = max(view.doc_count, 1)

    def _lengths(self, part: Part, fieldname: str) -> bytes:
        return bytes(part.cache.memo(("lengths", fieldname), lambda: _length_bytes(part, fieldname)))

    def term(self, fieldname: str, token: str, boost: float, within: int) -> dict[int, float]:
        """Score of the term in this field for each candidate (within the given set) holding it."""
        view = self.view
        bits = view.term_bits(fieldname, token) & self.candidates & within
        out: dict[int, float] = {}
        if not bits:
            return out
        df = view.term_bits(fieldname, token).bit_count()
        idf = math.log(1 + (self.n - df + 0.5) / (df + 0.5)) * boost
        use_length = fieldname in TEXT_FIELDS
        avgdl = view.avg_length(fieldname) or 1.0
        for part, (ids, weights) in view.postings_parts(fieldname, token):
            local_bits = (bits >> part.offset) & docsets.full(part.size)
            if not local_bits:
                continue
            lengths = self._lengths(part, fieldname) if use_length else b""
            for local in docsets.iter_ids(local_bits):
                i = bisect.bisect_left(ids, local)
                if i >= len(ids) or ids[i] != local:
                    continue
                tf = weights[i]
                norm = K1 * (1 - B + B * _LENGTH[lengths[local]] / avgdl) if use_length else K1
                out[part.offset + local] = idf * tf * (K1 + 1) / (tf + norm)
        return out

    def alt(self, clause: Clause, alt: Alt, within: int) -> dict[int, float]:
        acc: dict[int, float] = {}
        fields: list[tuple[str, float]] = (
            [(f, TEXT_FIELDS[f]) for f in PHRASE_FIELDS] if alt.mode == "phrase" else list(TEXT_FIELDS.items())
        )
        if clause.code and alt.mode == "term":
            fields.append(("code", CODE_BOOST))
        for tok in alt.tokens:
            for f, boost in fields:
                for d, s in self.term(f, tok, boost * alt.boost, within).items():
                    acc[d] = acc.get(d, 0.0) + s
        return acc

    def clause(self, clause: Clause, sets: ClauseSets) -> dict[int, float]:
        """Per document: the best alternative's score, plus a quarter of the others'.

        (A document that says both 光猫 and ONU is a little better, not twice as good.)
        """
        best: dict[int, float] = {}
        rest: dict[int, float] = {}

        def add(scores: dict[int, float]) -> None:
            for d, s in scores.items():
                b = best.get(d, 0.0)
                if s > b:
                    best[d] = s
                    rest[d] = rest.get(d, 0.0) + b
                else:
                    rest[d] = rest.get(d, 0.0) + s

        for alt, alt_bits in zip(clause.alts, sets.alts, strict=True):
            if alt_bits & self.candidates:
                add(self.alt(clause, alt, alt_bits))
        for sp in clause.pinyin:
            add(self.term("pinyin", sp, PINYIN_BOOST, -1))
        return {d: b + 0.25 * rest.get(d, 0.0) for d, b in best.items()}


def _length_bytes(part: Part, fieldname: str) -> bytes:
    """The byte-coded length of a field for every document of a segment (Whoosh's own coding)."""
    try:
        col = part.reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if col is None:
            return bytes(part.size)
        raw = bytes(col._dbfile.get(col._basepos, col._count))
    except AttributeError:
        from whoosh.util.numeric import length_to_byte

        raw = bytes(length_to_byte(part.reader.doc_field_length(i, fieldname, 0) or 0) for i in range(part.size))
    return raw + bytes(max(0, part.size - len(raw)))


def _score(view: View, clauses: list[Clause], sets: list[ClauseSets], candidates: int) -> dict[int, float]:
    scorer = _Scorer(view, candidates)
    total: dict[int, float] = dict.fromkeys(docsets.iter_ids(candidates), 0.0)
    for clause, cs in zip(clauses, sets, strict=True):
        if not cs.any & candidates:
            continue
        for d, s in scorer.clause(clause, cs).items():
            total[d] += s
    return total


def clause_weights(view: View, clauses: list[Clause], sets: list[ClauseSets]) -> list[float]:
    """How much each clause tells: its IDF in the index (a code a little more, a lone character nothing)."""
    n = max(view.doc_count, 1)
    out: list[float] = []
    for clause, cs in zip(clauses, sets, strict=True):
        if clause.weak:
            out.append(0.0)
            continue
        df = cs.any.bit_count()
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        out.append(idf * (CODE_WEIGHT if clause.code else 1.0))
    return out


def _coverage_levels(sets: list[ClauseSets], weights: list[float]) -> tuple[list[int], int]:
    """Bit-sliced counts of weighted coverage: each clause adds up to UNITS (a telling one) or as little as 1
    (a common one), a match only through a synonym or glossary term SYNONYM_SHARE of that."""
    top = max(weights, default=0.0)
    bitmaps: list[int] = []
    if top <= 0:
        return docsets.counter(cs.any for cs in sets), len(sets)
    for cs, w in zip(sets, weights, strict=True):
        if w <= 0:
            continue
        units = max(1, round(UNITS * w / top))
        syn_units = max(1, round(units * SYNONYM_SHARE))
        only_synonym = cs.any & ~cs.literal
        bitmaps.extend([cs.literal] * units)
        bitmaps.extend([only_synonym] * syn_units)
    return docsets.counter(bitmaps), len(bitmaps)


def _buckets(levels: list[int], most: int, matched: int) -> Iterator[int]:
    """Matched documents by weighted coverage, best first."""
    taken = 0
    for n in range(most, 0, -1):
        bucket = matched & docsets.at_least(levels, n) & ~taken
        if bucket:
            taken |= bucket
            yield bucket
    rest = matched & ~taken
    if rest:
        yield rest


def _shortlist(buckets: Iterator[int], need: int, size: int) -> int:
    """The best covered documents, at least `need` and about SHORTLIST of them; when a bucket is too big to
    score one by one, its most recently written documents."""
    want = max(need, SHORTLIST)
    chosen = 0
    count = 0
    for bucket in buckets:
        n = bucket.bit_count()
        room = max(want - count, 0) if count else max(SCORE_LIMIT, need)
        if room <= 0:
            break
        if n > room:
            bucket = docsets.from_ids(docsets.top_ids(bucket, room), size)
            n = room
        chosen |= bucket
        count += n
    return chosen


def rank(view: View, plan: Plan, clauses: list[Clause], matched: int, need: int,
         *, dominant: int = 0, boost_of: Callable[[int], float] | None = None) -> tuple[list[int], dict[int, float]]:
    """The first `need` matched documents in relevance order, with their scores.

    A short list of the best covered documents (coverage weighted by what each clause tells) is scored by
    BM25F times its coverage share, so one missing rare word costs a little and a match on filler words
    gives little. Documents in `dominant` (the exact fault code, the exact words typed together) come first.
    boost_of(docnum) is a small usefulness factor (at most 1 + MAX_USEFUL_BOOST) applied within a band.
    """
    sets = [clause_sets(view, c) for c in clauses]
    weights = clause_weights(view, clauses, sets)
    total_weight = sum(weights) or 1.0
    levels, most = _coverage_levels(sets, weights)
    candidates = _shortlist(_buckets(levels, most, matched), need, view.size)
    base = _score(view, clauses, sets, candidates)
    coverage = dict.fromkeys(base, 0.0)
    for cs, w in zip(sets, weights, strict=True):
        if w <= 0:
            continue
        for d in docsets.iter_ids(cs.literal & candidates):
            coverage[d] += w
        for d in docsets.iter_ids(cs.any & ~cs.literal & candidates):
            coverage[d] += w * SYNONYM_SHARE
    scores = {d: s * (coverage[d] / total_weight) ** COORD_POWER for d, s in base.items()}
    top_member = docsets.Membership(dominant & candidates)
    if boost_of is not None:
        scores = {d: s * boost_of(d) for d, s in scores.items()}
    ranked = sorted(scores, key=lambda d: (d not in top_member, -scores[d], -d))
    order = ranked[:need]
    return order, {d: scores[d] for d in order}
