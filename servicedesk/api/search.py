"""Knowledge-base search and title suggestions, within what the caller may see."""

from __future__ import annotations

from typing import Any

from flask import request

from kb.errors import ValidationError
from kb.search.service import search_articles, suggest_titles
from servicedesk.api import bp
from servicedesk.api import schemas as sch
from servicedesk.api import serializers as ser
from servicedesk.api.common import actor, anonymous_allowed, page_args
from servicedesk.api.contract import operation
from servicedesk.search import current_index

FILTERS = ("type", "service", "category", "tag", "code", "visibility")


@bp.get("/search")
@operation("search_articles", tag="search", summary="Search the knowledge base", query=sch.SearchQuery,
           responses={200: sch.SearchResult}, errors=(401,),
           description="Subscribers and visitors see approved public articles; staff approved internal ones too, "
                       "and other states when they ask with status=.")
@anonymous_allowed
def search() -> dict[str, Any]:
    page, per_page = page_args()
    filters = {name: request.args[name].strip() for name in FILTERS if request.args.get(name, "").strip()}
    result = search_articles(
        current_index(), actor(), request.args.get("q", ""),
        filters=filters, status=request.args.get("status") or None, page=page, per_page=per_page,
        sort=request.args.get("sort") or "relevance",
    )
    return ser.search_result(result)


@bp.get("/search/suggest")
@operation("suggest_titles", tag="search", summary="Title suggestions while typing (at most 8)",
           query=sch.SuggestQuery, responses={200: sch.SuggestionList}, errors=(401,))
@anonymous_allowed
def suggest() -> dict[str, Any]:
    text = request.args.get("q", "")
    if len(text) > 500:
        raise ValidationError("The text is too long for suggestions.", fields={"q": "at most 500 characters"})
    items = suggest_titles(current_index(), actor(), text)
    return {"items": items, "total": len(items)}
