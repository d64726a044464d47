"""The Whoosh index: writing documents, and searching with filters, facets and highlights.

Nothing outside kb.search touches Whoosh; views and the API call search() and the sync hooks.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import highlight, index, sorting
from whoosh.qparser import MultifieldParser, OrGroup
from whoosh.query import And, Not, Or, Query, Term
from whoosh.reading import EmptyReader
from whoosh.searching import Searcher

from kb.search.analyzer import normalize_code
from kb.search.schema import make_schema

FACET_FIELDS = ("type", "services", "tags")
FILTER_FIELDS = ("type", "services", "category", "tags", "code", "status", "visibility", "author")
SORTS = ("relevance", "newest", "most_used")
_FIELD_ALIASES = {"service": "services", "tag": "tags", "fault_code": "code", "codes": "code"}


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
    """One on-disk Whoosh index with a shared, refreshed searcher and a single writer at a time."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        if index.exists_in(str(self.path)):
            self._ix = index.open_dir(str(self.path))
        else:
            self._ix = index.create_in(str(self.path), make_schema())
        self._write_lock = threading.Lock()
        self._searcher_lock = threading.Lock()
        self._searcher: Searcher | None = None

    # -- writing -----------------------------------------------------------------------------------
    def apply(self, upserts: Iterable[dict[str, Any]], deletes: Iterable[int] = ()) -> None:
        """Writes these documents and removes these ids in one commit."""
        upserts = list(upserts)
        deletes = list(deletes)
        if not upserts and not deletes:
            return
        with self._write_lock:
            writer = self._ix.writer(timeout=10.0)
            try:
                for aid in deletes:
                    writer.delete_by_term("id", str(aid))
                for doc in upserts:
                    writer.update_document(**doc)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()

    def rebuild(self, documents: Iterable[dict[str, Any]]) -> int:
        """Replaces the whole index with these documents; returns how many were written."""
        count = 0
        with self._write_lock:
            self._ix = index.create_in(str(self.path), make_schema())
            writer = self._ix.writer(procs=1, limitmb=256)
            try:
                for doc in documents:
                    writer.add_document(**doc)
                    count += 1
            except BaseException:
                writer.cancel()
                raise
            writer.commit(optimize=True)
        with self._searcher_lock:
            if self._searcher is not None:
                self._searcher.close()
            self._searcher = None
        return count

    def doc_count(self) -> int:
        return int(self.searcher().doc_count())

    def check(self) -> bool:
        """True when the index opens and answers."""
        try:
            self.searcher().doc_count()
        except Exception:
            return False
        return True

    # -- reading -----------------------------------------------------------------------------------
    def searcher(self) -> Searcher:
        with self._searcher_lock:
            if self._searcher is None:
                self._searcher = self._ix.searcher()
            elif not self._searcher.up_to_date():
                # A searcher opened on an empty index cannot refresh itself; open a new one.
                if isinstance(self._searcher.reader(), EmptyReader):
                    self._searcher = self._ix.searcher()
                else:
                    self._searcher = self._searcher.refresh()
            return self._searcher

    def search(
        self,
        text: str,
        *,
        scope: Scope,
        filters: dict[str, str] | None = None,
        page: int = 1,
        per_page: int = 20,
        sort: str = "relevance",
        with_facets: bool = True,
    ) -> SearchResult:
        """Matches text (with "phrases", -exclusions and field:value) within scope and filters."""
        searcher = self.searcher()
        free, field_filters, excluded = parse_query_text(text)
        for name, value in (filters or {}).items():
            if value:
                field_filters.append((_FIELD_ALIASES.get(name, name), value))
        restrict = _scope_filter(scope, field_filters)
        if free or excluded:
            parser = MultifieldParser(["title", "content", "tags", "code"], searcher.schema,
                                      group=OrGroup.factory(0.9))
            parsed = parser.parse(free) if free else None
            q: Query = parsed if parsed is not None else restrict
            if excluded:
                nots = [Not(parser.parse(e)) for e in excluded]
                q = And([q, *nots])
        else:
            q = restrict
        sortedby: Any = None
        reverse = False
        if sort == "newest" or (not free and sort == "relevance"):
            sortedby, reverse = "updated", True
        elif sort == "most_used":
            sortedby, reverse = "incidents", True
        groupedby = None
        if with_facets:
            groupedby = {
                "type": sorting.FieldFacet("type"),
                "services": sorting.FieldFacet("services", allow_overlap=True),
                "tags": sorting.FieldFacet("tags", allow_overlap=True),
            }
        page = max(page, 1)
        results = searcher.search(q, filter=restrict, limit=page * per_page, sortedby=sortedby,
                                  reverse=reverse, groupedby=groupedby, terms=True)
        results.fragmenter = highlight.ContextFragmenter(maxchars=120, surround=40)
        results.formatter = highlight.HtmlFormatter(tagname="mark", between=" … ")
        items: list[Hit] = []
        for hit in results[(page - 1) * per_page: page * per_page]:
            highlights = [h for h in (hit.highlights("title"), hit.highlights("content", top=2)) if h]
            items.append(Hit(
                id=int(hit["id"]), title=hit["title"], type=hit["type"], status=hit["status"],
                score=round(float(hit.score or 0.0), 4), highlights=highlights,
                services=[s for s in hit.get("services", "").split(",") if s],
                tags=[t for t in hit.get("tags", "").split(",") if t], summary=hit.get("summary", ""),
            ))
        facets: dict[str, dict[str, int]] = {}
        if with_facets:
            for name in FACET_FIELDS:
                groups = results.groups(name)
                facets["service" if name == "services" else "tag" if name == "tags" else name] = {
                    str(k): len(v) for k, v in sorted(groups.items(), key=lambda kv: -len(kv[1])) if k
                }
        return SearchResult(items=items, total=len(results), page=page, per_page=per_page, facets=facets)


_TOKEN = re.compile(r'(-?)(?:(\w+):)?("([^"]*)"|\S+)')


def parse_query_text(text: str) -> tuple[str, list[tuple[str, str]], list[str]]:
    """Splits user input into free text, field:value filters and -exclusions; quoted phrases survive."""
    free: list[str] = []
    filters: list[tuple[str, str]] = []
    excluded: list[str] = []
    for m in _TOKEN.finditer(text or ""):
        neg, fname, whole, quoted = m.groups()
        value = quoted if quoted is not None else whole
        if fname is not None:
            name = _FIELD_ALIASES.get(fname.lower(), fname.lower())
            if name in FILTER_FIELDS and value:
                if not neg:
                    filters.append((name, value))
                continue
            value = f"{fname}:{value}"
        term = f'"{value}"' if quoted is not None else _escape(value)
        if not term.strip('"'):
            continue
        (excluded if neg and value else free).append(term)
    return " ".join(free), filters, excluded


def _escape(term: str) -> str:
    # Whoosh's parser would read these as syntax; in our query language they are plain text.
    return re.sub(r'([:()\[\]{}^~*?+!\\/])', " ", term)


def _scope_filter(scope: Scope, field_filters: list[tuple[str, str]]) -> Query:
    parts: list[Query] = [Or([Term("status", s) for s in scope.statuses])]
    if not scope.include_internal:
        parts.append(Term("visibility", "public"))
    for name, value in field_filters:
        if name == "code":
            value = normalize_code(value)
        elif name in ("tags", "category"):
            value = value.lower()
        parts.append(Term(name, value))
    return And(parts)
