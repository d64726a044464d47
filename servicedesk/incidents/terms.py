"""The word index of incident titles: any incident is found by the words of its title, however old.

Each incident's title is cut by the knowledge base's analyzer (kb.search.analyzer: jieba with the O&M
dictionary, codes and IPs kept whole and normalised, English lower-cased and stemmed) and every word is
a row of incident_terms (term, incident_id), whose primary key is the index. The rows are written in the
flush that inserts the incident or changes its title, so they commit and roll back with it.

A search asks for incidents holding every word of the query; single characters side by side (what
jieba makes of a word it does not know, such as a place name) are indexed and asked for as pairs, so
乡南小区 is 乡南 + 小区 rather than four characters that half the titles hold. The search starts from how
many titles hold each word (counted up to PROBE_CAP, estimated beyond): when one word is rare, its
incidents are read off the index with a key probe per other word; when every word is common, the words'
lists are merged in id order (INTERSECT on SQLite, a merge join on PostgreSQL), which reads each list once
and stops at ID_CAP + 1. Up to ID_CAP matches, the search is that list of ids
(fetched by key and sorted in a few milliseconds, whatever the table's size). When more incidents hold
every word, the words are common together, and the queue checks each row of its view for them as it reads
the view in order: such a combination fills a page after a few rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from itertools import pairwise
from typing import Any, NamedTuple

from sqlalchemy import (
    DDL,
    ColumnElement,
    CompoundSelect,
    Connection,
    FromClause,
    Integer,
    Select,
    String,
    and_,
    any_,
    bindparam,
    column,
    delete,
    event,
    false,
    func,
    insert,
    inspect,
    intersect,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapper, Session, aliased

from kb.search.analyzer import Segment, index_tokens, is_cjk, segment, split_word
from servicedesk.incidents.models import Incident, IncidentTerm

TERM_MAX = 40  # the column's width: longer words are cut, alike in titles and in queries
QUERY_TERMS_MAX = 8  # the words of a query that are looked up (a query is a few words, not a paragraph)
ID_CAP = 3_000  # up to this many matches are a list of ids (at 1M on PostgreSQL, 10,000 made the page sort too many)
PROBE_CAP = 2000  # a word in at most this many titles is read off the index with a probe per other word


def _single_runs(segments: list[Segment]) -> list[list[Segment]]:
    """The runs of two or more single Chinese characters that stand side by side: what jieba makes of a
    word it does not know (a place name such as 乡南小区 becomes 乡 南 小区)."""
    runs: list[list[Segment]] = []
    run: list[Segment] = []
    for seg in segments:
        single = seg.kind == "cjk" and len(seg.text) == 1
        if single and run and run[-1].end == seg.start:
            run.append(seg)
            continue
        if len(run) > 1:
            runs.append(run)
        run = [seg] if single else []
    if len(run) > 1:
        runs.append(run)
    return runs


def _bigrams(run: list[Segment]) -> list[str]:
    return [a.text + b.text for a, b in pairwise(run)]


def title_terms(title: str) -> set[str]:
    """The words an incident is found by: the index-mode tokens of its title (long words and the
    dictionary words inside them, codes whole), and each pair of single characters side by side (an
    unknown word is found by its pairs, not by characters that half the titles hold)."""
    words = set(index_tokens(title))
    for run in _single_runs(segment(title)):
        words.update(_bigrams(run))
    return {t[:TERM_MAX] for t in words if t}


def query_terms(q: str) -> list[str]:
    """The words a search asks for, in the order typed. A long Chinese word is asked for by the
    dictionary words that tile it (the index holds those inside every long word), so 无法上网 also finds
    a title that says 无法 … 上网 apart; single characters side by side are asked for by their pairs."""
    segments = segment(q)
    runs = {id(seg): run for run in _single_runs(segments) for seg in run}
    out: list[str] = []
    for seg in segments:
        run = runs.get(id(seg))
        if run is not None:
            pieces: tuple[str, ...] | None = tuple(_bigrams(run)) if seg is run[0] else ()
        else:
            pieces = split_word(seg.text) if is_cjk(seg.text) else None
        for word in (seg.text,) if pieces is None else pieces:
            word = word[:TERM_MAX]
            if word and word not in out:
                out.append(word)
    return out[:QUERY_TERMS_MAX]


# A search reads short ranges of incident_terms, or merges a few of them: never worth parallel workers. Told
# so, PostgreSQL stops choosing a parallel hash of whole lists when it misjudges how many incidents match.
NO_PARALLEL = DDL("ALTER TABLE incident_terms SET (parallel_workers = 0)")
event.listen(IncidentTerm.__table__, "after_create", NO_PARALLEL.execute_if(dialect="postgresql"))


def _rows(incident_id: int, title: str) -> list[dict[str, Any]]:
    return [{"term": t, "incident_id": incident_id} for t in sorted(title_terms(title))]


def _insert_pairs(conn: Connection, pairs: list[tuple[str, int]]) -> None:
    """Inserts (term, incident_id) rows: on PostgreSQL as two arrays in one statement (row by row, a batch
    of thousands costs a round trip each), elsewhere as an executemany."""
    if not pairs:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(insert(IncidentTerm), [{"term": t, "incident_id": i} for t, i in pairs])
        return
    both = (func.unnest(bindparam("terms", type_=postgresql.ARRAY(String)),
                        bindparam("ids", type_=postgresql.ARRAY(Integer)))
            .table_valued("term", "incident_id").render_derived())
    conn.execute(insert(IncidentTerm).from_select(["term", "incident_id"], select(both.c.term, both.c.incident_id)),
                 {"terms": [t for t, _ in pairs], "ids": [i for _, i in pairs]})


def write_terms(conn: Connection, incident_id: int, title: str, *, replace: bool = False) -> None:
    """Writes an incident's title words (replace: first drops the words of its former title)."""
    if replace:
        conn.execute(delete(IncidentTerm).where(IncidentTerm.incident_id == incident_id))
    _insert_pairs(conn, [(t, incident_id) for t in sorted(title_terms(title))])


def term_rows(pairs: Iterable[tuple[int, str]]) -> list[dict[str, Any]]:
    """The rows of many incidents at once, from (id, title) pairs (migration backfill, bulk loads)."""
    return [row for incident_id, title in pairs for row in _rows(int(incident_id), title or "")]


RECUT_BATCH = 2000


class Rewritten(NamedTuple):
    """What a rewrite of title words did: incidents read, and how many of them had words that changed."""

    incidents: int
    changed: int


def rewrite_title_words(s: Session, *, holding: Iterable[str] | None = None,
                        progress: Callable[[int], object] | None = None) -> Rewritten:
    """Writes again the words of incident titles, cut as the analyzer now cuts: of every incident, or only of
    those whose title holds one of the words in holding. Reads in id-ordered batches and writes only what
    differs (per word, a delete over a range of the primary key; one insert), so a second run writes nothing.
    progress, if given, is called with the size of each batch."""
    holds = [Incident.title.contains(w, autoescape=True) for w in sorted(set(holding or ())) if w]
    if holding is not None and not holds:
        return Rewritten(0, 0)
    conn = s.connection()
    cut: dict[str, set[str]] = {}  # many incidents share a title
    read = changed = last = 0
    while True:
        rows = conn.execute(select(Incident.id, Incident.title).where(or_(*holds) if holds else true(),
                                                                      Incident.id > last)
                            .order_by(Incident.id).limit(RECUT_BATCH)).all()
        if not rows:
            return Rewritten(read, changed)
        ids = [int(r.id) for r in rows]
        held: dict[int, set[str]] = {i: set() for i in ids}
        for term, incident_id in conn.execute(select(IncidentTerm.term, IncidentTerm.incident_id)
                                              .where(IncidentTerm.incident_id.in_(ids))):
            held[int(incident_id)].add(term)
        gone: dict[str, list[int]] = {}
        added: list[tuple[str, int]] = []
        for r in rows:
            wanted = cut.get(r.title)
            if wanted is None:
                wanted = cut[r.title] = title_terms(r.title or "")
            have = held[int(r.id)]
            if have != wanted:
                changed += 1
                for term in have - wanted:
                    gone.setdefault(term, []).append(int(r.id))
                added.extend((term, int(r.id)) for term in sorted(wanted - have))
        for term, gone_ids in gone.items():  # a few words, each a range of the primary key
            conn.execute(delete(IncidentTerm).where(IncidentTerm.term == term, IncidentTerm.incident_id.in_(gone_ids)))
        _insert_pairs(conn, added)
        read, last = read + len(rows), ids[-1]
        if progress is not None:
            progress(len(rows))


def recut_titles(s: Session, words: Iterable[str]) -> int:
    """The dictionary hook: a lead has just added or removed words, so the incidents whose titles hold them
    get their words written again, in the flush that changes the dictionary (they commit or roll back with
    it): 乡南小区 taught as one word finds the incidents indexed before by its pairs, and after it is removed,
    those indexed whole. Returns how many incidents were read."""
    return rewrite_title_words(s, holding=list(words)).incidents


@event.listens_for(Incident, "after_insert")
def _incident_inserted(_mapper: Mapper[Any], conn: Connection, incident: Incident) -> None:
    write_terms(conn, incident.id, incident.title)


@event.listens_for(Incident, "after_update")
def _incident_updated(_mapper: Mapper[Any], conn: Connection, incident: Incident) -> None:
    if inspect(incident).attrs.title.history.has_changes():
        write_terms(conn, incident.id, incident.title, replace=True)


def _has(term: str, incident_id: Any) -> ColumnElement[bool]:
    """The incident holds the word: one probe of the (term, incident_id) primary key per row. Said as a
    scalar subquery, not EXISTS: PostgreSQL turns an EXISTS into a join and, misjudging how many rows
    match, hashes the word's whole list (in parallel) where a few thousand probes would do."""
    t = aliased(IncidentTerm)
    return select(literal(1)).where(t.term == term, t.incident_id == incident_id).scalar_subquery().is_not(None)


def _frequencies(s: Session, words: list[str]) -> dict[str, float]:
    """How many titles hold each word: counted up to PROBE_CAP, and beyond it estimated from how far back
    the word's newest PROBE_CAP + 1 incidents reach (ids grow with time), which is enough to order common
    words without reading their whole lists. One statement, a short range of the index per word."""
    cols = []
    for n, w in enumerate(words):
        newest = (select(IncidentTerm.incident_id).where(IncidentTerm.term == w)
                  .order_by(IncidentTerm.incident_id.desc()).limit(PROBE_CAP + 1).subquery())
        cols.append(select(func.count(), func.min(newest.c.incident_id), func.max(newest.c.incident_id))
                    .select_from(newest).subquery(f"w{n}"))
    joined: FromClause = cols[0]
    for sub in cols[1:]:
        joined = joined.join(sub, true())  # one row each: side by side
    row = s.execute(select(*[c for sub in cols for c in sub.c]).select_from(joined)).one()
    out: dict[str, float] = {}
    for n, w in enumerate(words):
        count, low, high = (int(v or 0) for v in row[3 * n:3 * n + 3])
        out[w] = count if count <= PROBE_CAP else count * high / max(1, high - low + 1)
    return out


def _matching_ids(s: Session, words: list[str], counts: dict[str, float]) -> list[int]:
    """The newest incidents holding every word, at most ID_CAP + 1 of them (words: rarest first)."""
    rarest, rest = words[0], words[1:]
    if counts[rarest] <= PROBE_CAP or not rest:
        # A word in few titles: read its incidents and probe the (term, incident_id) key for each other word.
        first = aliased(IncidentTerm)
        stmt: Select[Any] | CompoundSelect[Any] = (
            select(first.incident_id).where(first.term == rarest, *[_has(w, first.incident_id) for w in rest])
            .order_by(first.incident_id.desc()).limit(ID_CAP + 1))
    elif s.get_bind().dialect.name == "sqlite":
        # Every word is common: the words' lists, each a range of the index in id order, are merged newest
        # first, stopping at ID_CAP + 1 (a probe per incident of a long list would cost more). The ORDER BY
        # stands on the INTERSECT itself: SQLite then merges the ranges as it reads them.
        merged = intersect(*[select(IncidentTerm.incident_id).where(IncidentTerm.term == w) for w in words])
        stmt = merged.order_by(merged.selected_columns.incident_id.desc()).limit(ID_CAP + 1)
    else:
        # PostgreSQL merges the two rarest words' ranges with a merge join (its INTERSECT hashes every
        # list), then probes the key for each other word on what the join yields: OFFSET 0 keeps the
        # planner from moving the probes below the join, onto every incident of the rarest word.
        first, second = aliased(IncidentTerm), aliased(IncidentTerm)
        both = (select(first.incident_id.label("incident_id"))
                .join(second, and_(second.incident_id == first.incident_id, second.term == rest[0]))
                .where(first.term == rarest).order_by(first.incident_id.desc()).offset(0).subquery())
        stmt = (select(both.c.incident_id).where(*[_has(w, both.c.incident_id) for w in rest[1:]])
                .order_by(both.c.incident_id.desc()).limit(ID_CAP + 1))
    # The ids come back as one value (an array, a JSON list): thousands of rows cost more to fetch one by one.
    found = stmt.subquery()
    if s.get_bind().dialect.name == "postgresql":
        return [int(i) for i in s.scalar(select(func.array_agg(found.c.incident_id))) or ()]
    return [int(i) for i in json.loads(s.scalar(select(func.json_group_array(found.c.incident_id))) or "[]")]


def _id_in(s: Session, ids: list[int]) -> ColumnElement[bool]:
    """Incident.id IN ids, the ids travelling as one value (a PostgreSQL array, a JSON list on SQLite): a
    statement with thousands of parameters costs more to build, send and parse than to run."""
    if s.get_bind().dialect.name == "postgresql":
        return Incident.id == any_(bindparam("title_ids", ids, type_=postgresql.ARRAY(Integer)))
    values = select(column("value", Integer)).select_from(func.json_each(bindparam("title_ids", json.dumps(ids))))
    return Incident.id.in_(values.scalar_subquery())


class SearchMatch(NamedTuple):
    """A search as the queue takes it: the condition, how many incidents are known to match (exact for a
    list of ids; when many match, the lower bound the search counted up to), and whether the condition
    probes the word index row by row (a count then costs a probe per row it reads)."""

    condition: ColumnElement[bool]
    at_least: int = 0
    probed: bool = False


def title_condition(s: Session, q: str) -> SearchMatch:
    """Incidents whose title holds every word of q, as a condition served by the word index."""
    words = query_terms(q)
    if not words:
        return SearchMatch(false())
    counts = _frequencies(s, words)
    words.sort(key=counts.__getitem__)
    if counts[words[0]] == 0:
        return SearchMatch(false())  # a word no title holds: nothing to look for
    if counts[words[0]] > ID_CAP and len(words) == 1:
        # One common word (by the estimate; if it is wrong, the ids below say so): the queue checks its
        # rows as it reads them. Its newest PROBE_CAP + 1 titles were counted: that many hold it.
        return SearchMatch(_has(words[0], Incident.id), PROBE_CAP + 1, probed=True)
    ids = _matching_ids(s, words, counts)
    if len(ids) <= ID_CAP:
        return SearchMatch(_id_in(s, ids) if ids else false(), len(ids))
    # Many incidents hold every word: the queue checks its rows as it reads them, and fills a page quickly.
    return SearchMatch(and_(*[_has(w, Incident.id) for w in words]), len(ids), probed=True)
