"""Ranking: tiers of matched documents from bitmaps, then BM25F on a bounded short list.

Documents matching more of the query's clauses come first; among those, the ones matching more
clauses with the words typed in the title, tags or codes; then those matching more clauses
with the words typed at all (not synonyms); then BM25F (title 3, keywords 2, content 1, codes
3, pinyin 0.6). Only a bounded short list is scored document by document; when one tier holds
more than SCORE_LIMIT documents, the most recently written ones (the highest document
numbers) are scored.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator

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


def _tiers(counted: list[ClauseSets], matched: int) -> Iterator[int]:
    """Buckets of matched documents, best first.

    By how many clauses a document matches; then by how many it matches with the words typed
    in its title, tags or codes; then by how many with the words typed (not synonyms) at all.
    """
    if not counted:
        yield matched
        return
    k = len(counted)
    levels = [docsets.counter(cs.any for cs in counted), docsets.counter(cs.strong for cs in counted),
              docsets.counter(cs.literal for cs in counted)]

    def split(bits: int, depth: int) -> Iterator[int]:
        if depth == len(levels):
            yield bits
            return
        taken = 0
        for n in range(k, 0, -1):
            bucket = bits & docsets.at_least(levels[depth], n) & ~taken
            if bucket:
                taken |= bucket
                yield from split(bucket, depth + 1)
        rest = bits & ~taken
        if rest:
            yield from split(rest, depth + 1)

    yield from split(matched, 0)


def rank(view: View, plan: Plan, clauses: list[Clause], matched: int, need: int) -> tuple[list[int], dict[int, float]]:
    """The first `need` matched documents in relevance order, with their scores."""
    sets = [clause_sets(view, c) for c in clauses]
    counted = [cs for c, cs in zip(clauses, sets, strict=True) if not c.weak]
    order: list[int] = []
    scores: dict[int, float] = {}
    for bucket in _tiers(counted, matched):
        room = need - len(order)
        if room <= 0:
            break
        size = bucket.bit_count()
        if size > max(SCORE_LIMIT, room):
            # Too many equally good matches to score one by one: score the newest written.
            shortlist = docsets.top_ids(bucket, max(SCORE_LIMIT, room))
            bucket = docsets.from_ids(shortlist, view.size)
        bucket_scores = _score(view, clauses, sets, bucket)
        ranked = sorted(bucket_scores, key=lambda d: (-bucket_scores[d], -d))
        order.extend(ranked[:room])
        scores.update((d, bucket_scores[d]) for d in ranked[:room])
    return order, scores
