"""Which documents match each clause of a query, as bitmaps (memoised per index generation).

A clause matches "anywhere" (any field, any alternative), "literally" (by the words typed, not a
synonym) and "strongly" (by the words typed, in the title, tags, codes or title pinyin); the
ranking counts all three. For long pasted text only the most telling clauses are used.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from whoosh.query import Phrase

from kb.search import synonyms as synonyms_mod
from kb.search.analyzer import domain_words
from kb.search.query import Clause
from kb.search.reader import View

TEXT_FIELDS = {"title": 3.0, "keywords": 2.0, "content": 1.0}  # searched fields and their weights
PHRASE_CHECK_LIMIT = 200


def _and_all(view: View, fields: Sequence[str], tokens: Sequence[str]) -> int:
    """Documents holding every token in at least one of the fields."""
    acc = -1
    for tok in tokens:
        either = 0
        for f in fields:
            either |= view.term_bits(f, tok)
        acc &= either
        if not acc:
            return 0
    return max(acc, 0)


def phrase_bits(view: View, fieldname: str, tokens: tuple[str, ...], exact: bool) -> int:
    """Documents with the words in this order; a synonym's or an unknown word's characters
    shared by very many documents are taken as found together (word-by-word checking of
    thousands of documents is what made long pasted text slow)."""
    candidates = _and_all(view, (fieldname,), tokens)
    if not candidates or (not exact and candidates.bit_count() > PHRASE_CHECK_LIMIT):
        return candidates
    return view.query_bits(("phrase", fieldname, tokens), Phrase(fieldname, list(tokens)))


@dataclass(frozen=True)
class ClauseSets:
    any: int  # documents matching the clause anywhere, synonyms included
    literal: int  # ... by the words typed (or their pinyin), not by a synonym
    strong: int  # ... by the words typed, in the title, tags, codes or title pinyin
    alts: tuple[int, ...]  # per alternative, anywhere


def clause_sets(view: View, clause: Clause) -> ClauseSets:
    def compute() -> ClauseSets:
        strong = literal = any_ = 0
        per_alt: list[int] = []
        for alt in clause.alts:
            if alt.mode == "term":
                tok = alt.tokens[0]
                s = view.term_bits("title", tok) | view.term_bits("keywords", tok)
                if clause.code:
                    s |= view.term_bits("code", tok)
                a = s | view.term_bits("content", tok)
            elif alt.mode == "phrase":
                s = phrase_bits(view, "title", alt.tokens, alt.exact)
                a = s | phrase_bits(view, "content", alt.tokens, alt.exact)
            else:
                s = _and_all(view, ("title", "keywords"), alt.tokens)
                a = _and_all(view, ("title", "keywords", "content"), alt.tokens)
            per_alt.append(a)
            any_ |= a
            if not alt.synonym:
                strong |= s
                literal |= a
        for sp in clause.pinyin:
            p = view.term_bits("pinyin", sp)
            strong |= p
            literal |= p
            any_ |= p
        return ClauseSets(any_, literal, strong, tuple(per_alt))

    result = view.memo(("clause", clause.key()), compute)
    assert isinstance(result, ClauseSets)
    return result


def select_clauses(view: View, clauses: list[Clause], limit: int) -> list[Clause]:
    """For long pasted text: the limit most telling clauses.

    Codes first; then by rarity in the index, raised for words said more than once, for the
    O&M vocabulary (a rare place name tells less than 光衰) and for the first few words (a
    title, the opening sentence). Words no document holds are dropped.
    """
    if len(clauses) <= limit:
        return clauses
    n = max(view.doc_count, 1)
    domain = domain_words()
    synonyms = synonyms_mod.current()
    ranked: list[tuple[float, int, Clause]] = []
    for i, c in enumerate(clauses):
        df = _estimated_df(view, c)
        if df == 0:
            continue
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        score = idf * (1 + 0.5 * math.log(c.count))
        if c.code:
            score += 10.0
        if c.label.lower() in domain or (len(c.alts) > 1 and synonyms.alternatives(c.label) != (c.label,)):
            score += 3.0
        if i < 4:
            score += 1.5
        if c.weak:
            score -= 5.0
        ranked.append((score, i, c))
    ranked.sort(key=lambda t: (-t[0], t[1]))
    keep = sorted(ranked[:limit], key=lambda t: t[1])
    return [c for _, _, c in keep]


def _estimated_df(view: View, clause: Clause) -> int:
    """Roughly how many documents match the clause as typed, from term dictionaries only."""

    def token_df(tok: str) -> int:
        fields = (*TEXT_FIELDS, "code") if clause.code else tuple(TEXT_FIELDS)
        return max(view.doc_frequency(f, tok) for f in fields)

    best = 0
    for alt in clause.alts:
        if alt.synonym:
            continue
        dfs = [token_df(t) for t in alt.tokens]
        best = max(best, dfs[0] if alt.mode == "term" else min(dfs))
    for sp in clause.pinyin:
        best = max(best, view.doc_frequency("pinyin", sp))
    return best
