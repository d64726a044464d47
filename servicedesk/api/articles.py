"""Knowledge-base articles: write, edit, submit, review, retire; list and read them with their history."""

from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kb import services as kb
from kb.actors import is_staff
from kb.diff import diff_revisions
from kb.errors import NotFound, ValidationError
from kb.models import Article, ArticleRevision
from kb.workflow import ArticleStatus, ArticleType
from servicedesk.api import bp
from servicedesk.api import serializers as ser
from servicedesk.api.common import (
    actor,
    anonymous_allowed,
    choice_arg,
    commit,
    id_exists,
    int_arg,
    int_value,
    json_body,
    name_value,
    page_args,
    paginate,
    require,
    session,
    user,
)
from servicedesk.incidents.services import incident_counts_for
from servicedesk.knowledge.signals import article_signals, needs_attention
from servicedesk.users.models import User

Reply = tuple[dict[str, Any], int]


def load_article(article_id: int) -> Article:
    """The article if it exists and the caller may read it; otherwise 404."""
    if not id_exists(article_id):
        raise NotFound("No such article.")
    return kb.get_article(session(), actor(), article_id)


def article_json(a: Article) -> dict[str, Any]:
    if is_staff(actor()):
        sig = article_signals(session(), [a.id])[a.id]
        return ser.article(a, actor(), sig.linked, sig)
    count = incident_counts_for(session(), [a.id]).get(a.id, 0)
    return ser.article(a, actor(), count)


def load_revision(a: Article, number: int) -> ArticleRevision:
    found = next((r for r in a.revisions if r.number == number), None)
    if found is None:
        raise NotFound(f"Revision {number} does not exist.")
    return found


@bp.get("/articles")
def list_articles() -> dict[str, Any]:
    me = user()
    require(is_staff(me), "Only staff list every article; use /search for published ones.")
    errors: dict[str, str] = {}
    page, per_page = page_args(errors)
    statuses = choice_arg("status", [s.value for s in ArticleStatus], errors)
    types = choice_arg("type", [t.value for t in ArticleType], errors)
    author: str | None = None
    try:
        author = name_value(request.args, "author", required=False)
    except ValidationError as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationError("Bad filter or paging values.", fields=errors)
    stmt = select(Article).order_by(Article.updated_at.desc(), Article.id.desc())
    if statuses:
        stmt = stmt.where(Article.status.in_([ArticleStatus(s) for s in statuses]))
    if types:
        stmt = stmt.where(Article.type.in_([ArticleType(t) for t in types]))
    if author:
        stmt = stmt.where(Article.author_id == select(User.id).where(User.username == author).scalar_subquery())
    return paginate(session(), stmt, page, per_page, ser.article_summary, options=[selectinload(Article.author)])


@bp.post("/articles")
def create_article() -> Reply:
    a = kb.create_article(session(), user(), json_body())
    commit()
    return article_json(a), 201


@bp.get("/articles/<int:article_id>")
@anonymous_allowed
def get_article(article_id: int) -> dict[str, Any]:
    return article_json(load_article(article_id))


@bp.patch("/articles/<int:article_id>")
def update_article(article_id: int) -> dict[str, Any]:
    data = json_body()
    version = int_value(data, "version", required=False)
    data.pop("version", None)
    a = load_article(article_id)
    if not data:
        # An empty edit of an approved article would open a revision identical to the live one.
        raise ValidationError("Send at least one field to change.", fields={"body": "nothing to change"})
    kb.update_article(session(), a, user(), data, expected_version=version)
    commit()
    return article_json(a)


@bp.post("/articles/<int:article_id>/submit")
def submit_article(article_id: int) -> dict[str, Any]:
    json_body(allowed=())
    a = load_article(article_id)
    kb.submit_article(session(), a, user())
    commit()
    return article_json(a)


@bp.post("/articles/<int:article_id>/review")
def review_article(article_id: int) -> dict[str, Any]:
    data = json_body(allowed=("content_ok", "form_ok", "decision", "comment"))
    a = load_article(article_id)
    kb.review_article(session(), a, user(), content_ok=data.get("content_ok"), form_ok=data.get("form_ok"),
                      decision=data.get("decision"), comment=data.get("comment", ""))
    commit()
    return article_json(a)


@bp.post("/articles/<int:article_id>/retire")
def retire_article(article_id: int) -> dict[str, Any]:
    json_body(allowed=())
    a = load_article(article_id)
    kb.retire_article(session(), a, user())
    commit()
    return article_json(a)


@bp.get("/articles/<int:article_id>/revisions")
def list_revisions(article_id: int) -> dict[str, Any]:
    me = user()
    a = load_article(article_id)
    require(is_staff(me), "Only staff see an article's revision history.")
    page, per_page = page_args()
    stmt = (select(ArticleRevision).where(ArticleRevision.article_id == a.id)
            .order_by(ArticleRevision.number.desc()))
    return paginate(session(), stmt, page, per_page, ser.revision)


@bp.get("/articles/<int:article_id>/revisions/<int:old>/diff/<int:new>")
def diff_article_revisions(article_id: int, old: int, new: int) -> dict[str, Any]:
    me = user()
    a = load_article(article_id)
    require(is_staff(me), "Only staff compare an article's revisions.")
    before, after = load_revision(a, old), load_revision(a, new)
    changes = [ser.field_diff(d) for d in diff_revisions(before, after)]
    return {"from": before.number, "to": after.number, "fields": changes}


@bp.post("/articles/<int:article_id>/revisions/<int:number>/restore")
def restore_article_revision(article_id: int, number: int) -> dict[str, Any]:
    data = json_body(allowed=("version",))
    version = int_value(data, "version", required=False)
    a = load_article(article_id)
    # The same rule PATCH applies: restoring over an edit you have not seen would silently lose it.
    kb.restore_revision(session(), a, user(), number, expected_version=version)
    commit()
    return article_json(a)


@bp.post("/articles/<int:article_id>/helpful")
@anonymous_allowed
def mark_helpful(article_id: int) -> dict[str, Any]:
    json_body(allowed=())
    a = load_article(article_id)
    helpful = kb.record_helpful(session(), a)
    commit()
    return {"id": a.id, "helpful": helpful}


@bp.get("/articles/needs-attention")
def articles_needing_attention() -> dict[str, Any]:
    me = user()
    require(is_staff(me), "Only staff see the articles that need attention.")
    errors: dict[str, str] = {}
    limit = int_arg("limit", 50, 1, 100, errors)
    if errors:
        raise ValidationError("Bad limit.", fields=errors)
    items = [ser.needs_attention_item(a, sig) for a, sig in needs_attention(session(), limit=limit)]
    return {"items": items, "total": len(items)}
