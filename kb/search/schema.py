"""The Whoosh schema of the knowledge base, and how an article becomes a document."""

from __future__ import annotations

from typing import Any

from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from kb.models import Article
from kb.search.analyzer import chinese_analyzer, normalize_code


def make_schema() -> Schema:
    analyzer = chinese_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        type=ID(stored=True),
        status=ID(stored=True),
        visibility=ID(stored=True),
        author=ID(stored=True),
        services=KEYWORD(stored=True, commas=True, scorable=False),
        category=KEYWORD(stored=True, commas=True, lowercase=True, scorable=False),
        tags=KEYWORD(stored=True, commas=True, lowercase=True, scorable=True),
        code=KEYWORD(stored=True, commas=True, lowercase=True, scorable=True),
        title=TEXT(analyzer=analyzer, stored=True, field_boost=3.0),
        content=TEXT(analyzer=analyzer, stored=True),
        updated=DATETIME(stored=True, sortable=True),
        incidents=NUMERIC(stored=True, sortable=True),
        summary=STORED(),
    )


def article_document(article: Article, incident_count: int = 0) -> dict[str, Any]:
    """The index document for an article: what readers see (live revision, else newest draft)."""
    rev = article.current
    content = "\n".join(p for p in (rev.symptom, rev.cause, rev.steps, rev.body) if p)
    return {
        "id": str(article.id),
        "type": article.type.value,
        "status": article.status.value,
        "visibility": rev.visibility.value,
        "author": str(article.author_id),
        "services": ",".join(rev.services),
        "category": rev.category.replace(",", " "),
        "tags": ",".join(t.replace(",", " ") for t in rev.tags),
        "code": ",".join(normalize_code(c) for c in rev.fault_codes),
        "title": rev.title,
        "content": content,
        "updated": article.updated_at.replace(tzinfo=None),
        "incidents": incident_count,
        "summary": (rev.symptom or rev.body)[:200],
    }
