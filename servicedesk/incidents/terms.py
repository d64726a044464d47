"""The word index of incident titles: any incident is found by the words of its title, however old.

Each incident's title is cut by the knowledge base's analyzer (kb.search.analyzer: jieba with the O&M
dictionary, codes and IPs kept whole and normalised, English lower-cased and stemmed) and every word is
a row of incident_terms (term, incident_id), whose primary key is the index. The rows are written in the
flush that inserts the incident or changes its title, so they commit and roll back with it.

A search asks for incidents holding every word of the query. It starts from the rarest word and reads its
incidents off the index, checking each for the other words: when at most RARE_CAP incidents hold them all,
the search is that list of ids (few rows to fetch, whatever the table's size). When more do, the words are
common together, and the queue checks each row of its view for them as it reads the view in order: a
common combination fills a page after a few rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, delete, event, exists, false, func, insert, inspect, select
from sqlalchemy.orm import Mapper, Session, aliased

from kb.search.analyzer import Segment, index_tokens, is_cjk, segment, split_word
from servicedesk.incidents.models import Incident, IncidentTerm

TERM_MAX = 40  # the column's width: longer words are cut, alike in titles and in queries
QUERY_TERMS_MAX = 8  # the words of a query that are looked up (a query is a few words, not a paragraph)
RARE_CAP = 2000  # a word in at most this many titles is read off the index; above it, it is "common"


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


def _rows(incident_id: int, title: str) -> list[dict[str, Any]]:
    return [{"term": t, "incident_id": incident_id} for t in sorted(title_terms(title))]


def write_terms(conn: Connection, incident_id: int, title: str, *, replace: bool = False) -> None:
    """Writes an incident's title words (replace: first drops the words of its former title)."""
    if replace:
        conn.execute(delete(IncidentTerm).where(IncidentTerm.incident_id == incident_id))
    rows = _rows(incident_id, title)
    if rows:
        conn.execute(insert(IncidentTerm), rows)


def term_rows(pairs: Iterable[tuple[int, str]]) -> list[dict[str, Any]]:
    """The rows of many incidents at once, from (id, title) pairs (migration backfill, bulk loads)."""
    return [row for incident_id, title in pairs for row in _rows(int(incident_id), title or "")]


@event.listens_for(Incident, "after_insert")
def _incident_inserted(_mapper: Mapper[Any], conn: Connection, incident: Incident) -> None:
    write_terms(conn, incident.id, incident.title)


@event.listens_for(Incident, "after_update")
def _incident_updated(_mapper: Mapper[Any], conn: Connection, incident: Incident) -> None:
    if inspect(incident).attrs.title.history.has_changes():
        write_terms(conn, incident.id, incident.title, replace=True)


def _has(term: str, incident_id: Any) -> ColumnElement[bool]:
    """The incident holds the word: one probe of the (term, incident_id) primary key."""
    t = aliased(IncidentTerm)
    return exists().where(t.term == term, t.incident_id == incident_id)


def title_condition(s: Session, q: str) -> ColumnElement[bool]:
    """Incidents whose title holds every word of q, as a condition served by the word index."""
    words = query_terms(q)
    if not words:
        return false()
    # How many titles hold each word, counted no further than RARE_CAP + 1 (a range of the index each).
    capped = [select(func.count()).select_from(
        select(IncidentTerm.incident_id).where(IncidentTerm.term == w).limit(RARE_CAP + 1).subquery()
    ).scalar_subquery().label(f"w{n}") for n, w in enumerate(words)]
    counts = dict(zip(words, (int(c or 0) for c in s.execute(select(*capped)).one()), strict=True))
    words.sort(key=counts.__getitem__)
    rarest, rest = words[0], words[1:]
    if counts[rarest] == 0:
        return false()  # a word no title holds: nothing to look for
    if counts[rarest] > RARE_CAP and not rest:
        return _has(rarest, Incident.id)  # one common word: the queue checks its rows as it reads them
    # The rarest word's incidents that hold the other words too, up to RARE_CAP + 1 of them: when the words
    # seldom stand together this reads the rarest word's whole list, one key probe per other word.
    first = aliased(IncidentTerm)
    stmt = (select(first.incident_id).where(first.term == rarest, *[_has(w, first.incident_id) for w in rest])
            .order_by(first.incident_id.desc()).limit(RARE_CAP + 1))
    ids = [int(i) for i in s.scalars(stmt)]
    if len(ids) <= RARE_CAP:
        return Incident.id.in_(ids) if ids else false()
    # Many incidents hold every word: the queue checks its rows as it reads them, and fills a page quickly.
    return and_(*[_has(w, Incident.id) for w in words])
