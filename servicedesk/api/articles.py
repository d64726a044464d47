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
from servicedesk.api import schemas as sch
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
from servicedesk.api.contract import READ, WRITE, Empty, operation
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
@operation("list_articles", tag="articles", summary="List articles (staff)", query=sch.ArticleQuery,
           responses={200: sch.ArticlePage}, errors=(401, 403))
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
@operation("create_article", tag="articles", summary="Write a new article; it starts as a draft",
           body=sch.ArticleInput, responses={201: sch.Article}, errors=(401, 403, 409))
def create_article() -> Reply:
    a = kb.create_article(session(), user(), json_body())
    commit()
    return article_json(a), 201


@bp.get("/articles/<int:article_id>")
@operation("get_article", tag="articles", summary="Read an article", responses={200: sch.Article}, errors=(401,),
           description="Visitors and subscribers read approved public articles only; others are 404.")
@anonymous_allowed
def get_article(article_id: int) -> dict[str, Any]:
    return article_json(load_article(article_id))


@bp.patch("/articles/<int:article_id>")
@operation("update_article", tag="articles", summary="Edit an article", body=sch.ArticlePatch,
           body_required=True, responses={200: sch.Article}, errors=WRITE,
           description="Editing an approved article opens a new revision that goes through review again; the "
                       "approved one stays live meanwhile (see pending_revision).")
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
@operation("submit_article", tag="articles", summary="Send the draft to review", body=Empty,
           responses={200: sch.Article}, errors=WRITE)
def submit_article(article_id: int) -> dict[str, Any]:
    a = load_article(article_id)
    kb.submit_article(session(), a, user())
    commit()
    return article_json(a)


@bp.post("/articles/<int:article_id>/review")
@operation("review_article", tag="articles",
           summary="Review the revision in review (technical lead; never the author)", body=sch.ReviewInput,
           responses={200: sch.Article}, errors=WRITE,
           description="Approval needs content_ok and form_ok both true (else 400); the author gets 403.")
def review_article(article_id: int) -> dict[str, Any]:
    data = json_body()
    a = load_article(article_id)
    kb.review_article(session(), a, user(), content_ok=data.get("content_ok"), form_ok=data.get("form_ok"),
                      decision=data.get("decision"), comment=data.get("comment", ""))
    commit()
    return article_json(a)


@bp.post("/articles/<int:article_id>/retire")
@operation("retire_article", tag="articles", summary="Retire an article (lead or admin)", body=Empty,
           responses={200: sch.Article}, errors=WRITE)
def retire_article(article_id: int) -> dict[str, Any]:
    a = load_article(article_id)
    kb.retire_article(session(), a, user())
    commit()
    return article_json(a)


@bp.get("/articles/<int:article_id>/revisions")
@operation("list_revisions", tag="articles", summary="An article's revisions, newest first (staff)",
           query=sch.Paged, responses={200: sch.RevisionPage})
def list_revisions(article_id: int) -> dict[str, Any]:
    me = user()
    a = load_article(article_id)
    require(is_staff(me), "Only staff see an article's revision history.")
    page, per_page = page_args()
    stmt = (select(ArticleRevision).where(ArticleRevision.article_id == a.id)
            .order_by(ArticleRevision.number.desc()))
    return paginate(session(), stmt, page, per_page, ser.revision)


@bp.get("/articles/<int:article_id>/revisions/<int:old>/diff/<int:new>")
@operation("diff_revisions", tag="articles", summary="What changed between two revisions, field by field (staff)",
           responses={200: sch.RevisionDiff}, errors=READ)
def diff_article_revisions(article_id: int, old: int, new: int) -> dict[str, Any]:
    me = user()
    a = load_article(article_id)
    require(is_staff(me), "Only staff compare an article's revisions.")
    before, after = load_revision(a, old), load_revision(a, new)
    changes = [ser.field_diff(d) for d in diff_revisions(before, after)]
    return {"from": before.number, "to": after.number, "fields": changes}


@bp.post("/articles/<int:article_id>/revisions/<int:number>/restore")
@operation("restore_revision", tag="articles", summary="Restore an old revision as the new draft (staff)",
           body=sch.RestoreInput, responses={200: sch.Article}, errors=WRITE,
           description="The live revision stays live until the restored draft is reviewed and approved.")
def restore_article_revision(article_id: int, number: int) -> dict[str, Any]:
    data = json_body()
    version = int_value(data, "version", required=False)
    a = load_article(article_id)
    # The same rule PATCH applies: restoring over an edit you have not seen would silently lose it.
    kb.restore_revision(session(), a, user(), number, expected_version=version)
    commit()
    return article_json(a)


@bp.post("/articles/<int:article_id>/helpful")
@operation("mark_helpful", tag="articles", summary="Vote 'this was helpful'", body=Empty,
           responses={200: sch.Helpful}, errors=(401, 404), description="Anyone who may read the article.")
@anonymous_allowed
def mark_helpful(article_id: int) -> dict[str, Any]:
    a = load_article(article_id)
    helpful = kb.record_helpful(session(), a)
    commit()
    return {"id": a.id, "helpful": helpful}


@bp.get("/articles/needs-attention")
@operation("list_articles_needing_attention", tag="articles",
           summary="Articles whose incidents were reopened or reported again, worst first (staff)",
           query=sch.AttentionQuery, responses={200: sch.NeedsAttentionList}, errors=(401, 403))
def articles_needing_attention() -> dict[str, Any]:
    me = user()
    require(is_staff(me), "Only staff see the articles that need attention.")
    errors: dict[str, str] = {}
    limit = int_arg("limit", 50, 1, 100, errors)
    if errors:
        raise ValidationError("Bad limit.", fields=errors)
    items = [ser.needs_attention_item(a, sig) for a, sig in needs_attention(session(), limit=limit)]
    return {"items": items, "total": len(items)}
