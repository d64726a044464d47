"""Who sees what in search, and suggestions for an incident's text."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kb.actors import Actor, is_staff
from kb.errors import ValidationError
from kb.search.index import SORTS, Scope, SearchIndex, SearchResult
from kb.workflow import ArticleStatus

MAX_PER_PAGE = 100
QUERY_MAX = 500
SUGGEST_TEXT_MAX = 2_000  # of an incident's title + description; the rarest words are used
SUGGEST_CLAUSES = 12
_SYNTAX = str.maketrans({'"': " ", "“": " ", "”": " ", ":": " ", "：": " "})

# Called after each first-page search with text, as (actor, text, result): the app logs it (role only).
SearchObserver = Callable[[Any, str, SearchResult], None]
_observers: list[SearchObserver] = []


def observe_searches(observer: SearchObserver) -> None:
    """Registers observer once: it is told of every first-page search with text, after the search."""
    if observer not in _observers:
        _observers.append(observer)


def _as_free_text(text: str) -> str:
    """Pasted text is not query syntax: no phrases, filters or exclusions in it."""
    return " ".join(w.lstrip("-") for w in text.translate(_SYNTAX).split())


def scope_for(actor: Actor | None, status: str | None) -> Scope:
    """Subscribers and visitors: approved public only. Staff: approved internal too, other states on request."""
    if not is_staff(actor):
        return Scope(statuses=(ArticleStatus.APPROVED.value,), include_internal=False)
    if status:
        wanted = [s.strip() for s in status.split(",") if s.strip()]
        allowed = {s.value for s in ArticleStatus}
        bad = [s for s in wanted if s not in allowed]
        if bad:
            raise ValidationError(f"Unknown status: {', '.join(bad)}.",
                                  fields={"status": "one of: " + ", ".join(sorted(allowed))})
        return Scope(statuses=tuple(wanted), include_internal=True)
    return Scope(statuses=(ArticleStatus.APPROVED.value,), include_internal=True)


def search_articles(
    ix: SearchIndex,
    actor: Actor | None,
    text: str,
    *,
    filters: Mapping[str, Any] | None = None,
    status: str | None = None,
    page: int = 1,
    per_page: int = 20,
    sort: str = "relevance",
) -> SearchResult:
    """Search within what actor may see; bad paging or sort values are a ValidationError."""
    if len(text) > QUERY_MAX:
        raise ValidationError(f"The search text is longer than {QUERY_MAX} characters.", fields={"q": "too long"})
    if page < 1:
        raise ValidationError("page starts at 1.", fields={"page": "at least 1"})
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationError(f"per_page is 1 to {MAX_PER_PAGE}.", fields={"per_page": f"1 to {MAX_PER_PAGE}"})
    if sort not in SORTS:
        raise ValidationError("Unknown sort.", fields={"sort": "one of: " + ", ".join(SORTS)})
    if filters and "visibility" in filters and not is_staff(actor):
        filters = {k: v for k, v in filters.items() if k != "visibility"}
    result = ix.search(text, scope=scope_for(actor, status), filters=filters, page=page, per_page=per_page,
                       sort=sort)
    if page == 1 and text.strip():
        for observer in _observers:
            observer(actor, text, result)
    return result


def suggest_for_incident(ix: SearchIndex, actor: Actor | None, title: str, description: str,
                         *, limit: int = 5) -> SearchResult:
    """Approved solutions ranked for an incident's title and description (long pastes are trimmed)."""
    text = f"{title} {description}"[:SUGGEST_TEXT_MAX]
    return ix.search(_as_free_text(text), scope=scope_for(actor, None), filters={"type": "solution"},
                     per_page=limit, with_facets=False, max_clauses=SUGGEST_CLAUSES)


def suggest_titles(ix: SearchIndex, actor: Actor | None, text: str, *, limit: int = 8) -> list[dict[str, object]]:
    """Up to limit article titles matching what the user is typing, within what actor may see."""
    text = text.strip()[:100]
    if not text:
        return []
    result = ix.search(text, scope=scope_for(actor, None), per_page=min(limit, 8), with_facets=False,
                       prefix=True)
    return [{"id": h.id, "title": h.title, "type": h.type} for h in result.items]
