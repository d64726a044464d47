"""The Whoosh schema of the knowledge base, and how an article becomes a document.

Searched fields: title, keywords (tags, category, device models, change reference), content
(symptom, cause, steps, body), code (fault/alarm codes, exact) and pinyin (the toneless pinyin
of the Chinese words of title and tags, for input-method typos). type, status, visibility,
services, tags, category, code and author are exact values for filters and facets.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from kb.models import Article
from kb.rendering import markdown_to_text
from kb.search.analyzer import chinese_analyzer, is_cjk, normalize_code, segment
from kb.search.pinyin import spellings

# Bump when the fields change: an index written with another version is rebuilt.
SCHEMA_VERSION = 3
SUMMARY_CHARS = 200


def make_schema() -> Schema:
    analyzer = chinese_analyzer()
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        type=ID(stored=True),
        status=ID(stored=True),
        visibility=ID(stored=True),
        author=ID(stored=True),
        services=KEYWORD(stored=True, commas=True, scorable=False),
        category=KEYWORD(stored=True, commas=True, lowercase=True, scorable=False),
        tags=KEYWORD(stored=True, commas=True, lowercase=True, scorable=False),
        code=KEYWORD(stored=True, commas=True, lowercase=True, scorable=True),
        title=TEXT(analyzer=analyzer, stored=True),
        keywords=TEXT(analyzer=analyzer, phrase=False),
        content=TEXT(analyzer=analyzer, stored=True),
        pinyin=KEYWORD(scorable=True),
        updated=DATETIME(stored=True, sortable=True),
        incidents=NUMERIC(stored=True, sortable=True),
        summary=STORED(),
    )


def pinyin_terms(texts: Iterable[str]) -> str:
    """The fuzzy pinyin spellings of the Chinese words (two characters or more) in texts."""
    seen: dict[str, None] = {}
    for text in texts:
        for seg in segment(text, index=True):
            if seg.kind == "cjk" and len(seg.text) >= 2:
                for sp in spellings(seg.text):
                    seen.setdefault(sp, None)
        # A Chinese tag is one word to the reader even when jieba does not know it.
        if is_cjk(text) and 2 <= len(text) <= 8:
            for sp in spellings(text):
                seen.setdefault(sp, None)
    return " ".join(seen)


def refresh_pinyin(doc: dict[str, Any]) -> None:
    """Sets a document's pinyin from its title and tags (again, when the dictionary changed)."""
    doc["pinyin"] = pinyin_terms([doc["title"], *doc["tags"].split(",")])


def _plain(value: str) -> str:
    return value.replace(",", " ").strip()


def make_document(
    *,
    id: int,
    type: str,
    status: str,
    visibility: str,
    author: int | str,
    title: str,
    updated: datetime,
    symptom: str = "",
    cause: str = "",
    steps: str = "",
    body: str = "",
    services: Iterable[str] = (),
    category: str = "",
    tags: Iterable[str] = (),
    fault_codes: Iterable[str] = (),
    device_models: Iterable[str] = (),
    change_ref: str = "",
    incidents: int = 0,
) -> dict[str, Any]:
    """The index document for one article's visible content (also used by the benchmark).

    Content is stored as plain text (Markdown marks removed), so snippets read as text.
    """
    tags = [_plain(t) for t in tags if _plain(t)]
    codes = [normalize_code(c) for c in fault_codes if c.strip()]
    models = [m for m in device_models if m.strip()]
    symptom, cause, steps, body = (markdown_to_text(p) for p in (symptom, cause, steps, body))
    content = "\n".join(p for p in (symptom, cause, steps, body) if p)
    doc = {
        "id": str(id),
        "type": type,
        "status": status,
        "visibility": visibility,
        "author": str(author),
        "services": ",".join(_plain(s) for s in services),
        "category": _plain(category),
        "tags": ",".join(tags),
        "code": ",".join(codes),
        "title": title,
        "keywords": "\n".join([*tags, category, *models, change_ref]),
        "content": content,
        "updated": updated.replace(tzinfo=None),
        "incidents": incidents,
        "summary": (symptom or body or steps)[:SUMMARY_CHARS],
    }
    refresh_pinyin(doc)
    return doc


def article_document(article: Article, incident_count: int = 0) -> dict[str, Any]:
    """The index document for an article: what readers see (live revision, else newest draft)."""
    rev = article.current
    return make_document(
        id=article.id,
        type=article.type.value,
        status=article.status.value,
        visibility=rev.visibility.value,
        author=article.author_id,
        title=rev.title,
        updated=article.updated_at,
        symptom=rev.symptom,
        cause=rev.cause,
        steps=rev.steps,
        body=rev.body,
        services=rev.services,
        category=rev.category,
        tags=rev.tags,
        fault_codes=rev.fault_codes,
        device_models=rev.device_models,
        change_ref=rev.change_ref,
        incidents=incident_count,
    )
