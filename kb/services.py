"""The knowledge-base rules: writing, revising, reviewing and retiring articles.

Every function flushes and never commits: the caller (a view, the API, the CLI) commits once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from kb.actors import Actor
from kb.errors import Conflict, Forbidden, NotFound, ValidationError
from kb.models import Article, ArticleRevision, Review
from kb.orm import utcnow
from kb.permissions import can_read_article, can_retire, can_review, can_write_articles, is_own_work
from kb.validation import clean_bool, clean_datetime, clean_list, clean_text, is_valid_id, parse_enum
from kb.vocabulary import SERVICES
from kb.workflow import (
    REVISION_MOVES,
    ArticleStatus,
    ArticleType,
    ChangeKind,
    Decision,
    RevisionStatus,
    Visibility,
)

TITLE_MAX = 200
BODY_MAX = 100_000
FIELD_MAX = 20_000
COMMENT_MAX = 2_000
CHANGE_REF_MAX = 60

# The content fields a revision carries, with how each is cleaned.
TEXT_FIELDS = {"body": BODY_MAX, "symptom": FIELD_MAX, "cause": FIELD_MAX, "steps": FIELD_MAX}
LIST_FIELDS = ("services", "tags", "fault_codes", "device_models")
# Only change artefacts carry these; any other type refuses them (and loses them when its type changes).
CHANGE_FIELDS = ("change_kind", "change_ref", "planned_start", "planned_end")
EDITABLE = ("title", "category", "visibility", "type", *TEXT_FIELDS, *LIST_FIELDS, *CHANGE_FIELDS)
# Everything a revision holds that a new revision copies.
CONTENT = ("title", "category", "visibility", *TEXT_FIELDS, *LIST_FIELDS, *CHANGE_FIELDS)


def _clean_field(name: str, value: Any) -> Any:
    if name == "title":
        return clean_text(value, "title", max_len=TITLE_MAX)
    if name in TEXT_FIELDS:
        return clean_text(value, name, max_len=TEXT_FIELDS[name], required=False)
    if name == "category":
        return clean_text(value, "category", max_len=80, required=False)
    if name == "visibility":
        return parse_enum(Visibility, value, "visibility")
    if name == "type":
        return parse_enum(ArticleType, value, "type")
    if name == "change_kind":
        return parse_enum(ChangeKind, value, name) if value not in (None, "") else None
    if name == "change_ref":
        return clean_text(value, name, max_len=CHANGE_REF_MAX, required=False)
    if name in ("planned_start", "planned_end"):
        return clean_datetime(value, name)
    if name == "services":
        return clean_list(value, "services", allowed=SERVICES)
    if name == "fault_codes":
        return [c.upper() for c in clean_list(value, "fault_codes", max_len=40)]
    return clean_list(value, name)


def clean_article_fields(data: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """The known fields of data, cleaned; unknown fields and every bad value are reported together."""
    unknown = sorted(set(data) - set(EDITABLE))
    errors: dict[str, str] = dict.fromkeys(unknown, "unknown field")
    out: dict[str, Any] = {}
    for name in EDITABLE:
        if name not in data:
            if not partial and name in ("title", "type"):
                errors[name] = "required"
            continue
        try:
            out[name] = _clean_field(name, data[name])
        except ValidationError as exc:
            errors.update(exc.fields)
    if not errors and "type" in out:
        _check_change_fields(out["type"], out)
    if errors:
        first = next(iter(errors))
        raise ValidationError(f"Please correct the article fields ({first}: {errors[first]}).", fields=errors)
    return out


def _check_change_fields(article_type: ArticleType, values: Mapping[str, Any]) -> None:
    """Change fields only on change artefacts, and a planned window that has both ends, in order."""
    if article_type != ArticleType.CHANGE:
        sent = [name for name in CHANGE_FIELDS if values.get(name)]
        if sent:
            raise ValidationError("Only change artefacts carry a change kind, reference and planned window.",
                                  fields=dict.fromkeys(sent, "only for change artefacts"))
        return
    start, end = values.get("planned_start"), values.get("planned_end")
    if (start is None) != (end is None):
        missing = "planned_end" if end is None else "planned_start"
        raise ValidationError("A planned window needs both a start and an end.",
                              fields={missing: "both start and end"})
    if start is not None and end is not None and end <= start:
        raise ValidationError("The planned window must end after it starts.",
                              fields={"planned_end": "must be after the start"})


def _require_content(rev: ArticleRevision) -> None:
    if not (rev.body or rev.steps or rev.symptom):
        raise ValidationError("An article needs a body or, for a solution, its symptom and steps.",
                              fields={"body": "required"})


def create_article(s: Session, author: Actor, data: Mapping[str, Any]) -> Article:
    """A new article holding one draft revision written by author."""
    if not can_write_articles(author):
        raise Forbidden("Only staff write knowledge-base articles.")
    fields = clean_article_fields(data, partial=False)
    article_type = fields.pop("type")
    fields.setdefault("visibility", Visibility.INTERNAL)
    now = utcnow()
    article = Article(type=article_type, status=ArticleStatus.DRAFT, author_id=author.id,
                      created_at=now, updated_at=now)
    rev = ArticleRevision(number=1, status=RevisionStatus.DRAFT, author_id=author.id,
                          created_at=now, updated_at=now, **fields)
    _require_content(rev)
    article.revisions.append(rev)
    s.add(article)
    s.flush()
    return article


_NO_CHANGE_FIELDS: dict[str, Any] = {"change_kind": None, "change_ref": "", "planned_start": None,
                                     "planned_end": None}


def content_of(rev: ArticleRevision) -> dict[str, Any]:
    """A revision's content as the fields a new revision starts from (lists copied)."""
    return {name: list(value) if isinstance(value, list) else value
            for name in CONTENT for value in [getattr(rev, name)]}


def _apply(rev: ArticleRevision, fields: Mapping[str, Any]) -> None:
    for name, value in fields.items():
        setattr(rev, name, value)


def update_article(s: Session, article: Article, editor: Actor, data: Mapping[str, Any],
                   *, expected_version: int | None = None) -> ArticleRevision:
    """Edits the working revision, or opens a new one when the article is live; the live one stays live."""
    if not can_write_articles(editor):
        raise Forbidden("Only staff edit knowledge-base articles.")
    if article.status == ArticleStatus.RETIRED:
        raise Conflict("This article is retired and can no longer be edited.", code="article_retired")
    fields = clean_article_fields(data, partial=True)
    if "type" in fields:
        new_type = fields.pop("type")
        if new_type != article.type and article.live_revision_id is not None:
            raise ValidationError("The type of an approved article cannot change.", fields={"type": "fixed"})
        article.type = new_type
    if article.type != ArticleType.CHANGE:
        _check_change_fields(article.type, fields)
        fields.update(_NO_CHANGE_FIELDS)
    working = article.working_revision
    now = utcnow()
    if working is not None:
        if working.status not in REVISION_MOVES["edit"][0]:
            raise Conflict("This revision is under review; wait for the decision before editing.",
                           code="article_in_review")
        if expected_version is not None and expected_version != working.version:
            raise Conflict("Someone else saved this article meanwhile; reload it and apply your changes again.",
                           code="edit_conflict")
        rev = working
        _apply(rev, fields)
        rev.status = RevisionStatus.DRAFT
        if article.live_revision_id is None:
            article.status = ArticleStatus.DRAFT
    else:
        live = article.latest
        if expected_version is not None and expected_version != live.version:
            raise Conflict("Someone else saved this article meanwhile; reload it and apply your changes again.",
                           code="edit_conflict")
        rev = ArticleRevision(number=live.number + 1, status=RevisionStatus.DRAFT, author_id=editor.id,
                              created_at=now, extra=dict(live.extra), **content_of(live))
        _apply(rev, fields)
        article.revisions.append(rev)
    rev.updated_at = now
    article.updated_at = now
    _require_content(rev)
    _check_change_fields(article.type, content_of(rev))
    s.flush()
    return rev


def submit_article(s: Session, article: Article, actor: Actor) -> ArticleRevision:
    """Sends the working revision to the technical leads' review queue."""
    if not can_write_articles(actor):
        raise Forbidden("Only staff submit articles for review.")
    if article.status == ArticleStatus.RETIRED:
        raise Conflict("This article is retired.", code="article_retired")
    rev = article.working_revision
    if rev is None:
        raise Conflict("There is no draft to submit; edit the article first.", code="nothing_to_submit")
    if rev.status not in REVISION_MOVES["submit"][0]:
        raise Conflict("This revision is already waiting for review.", code="already_in_review")
    _require_content(rev)
    rev.status = REVISION_MOVES["submit"][1]
    rev.submitted_at = utcnow()
    if article.live_revision_id is None:
        article.status = ArticleStatus.IN_REVIEW
    article.updated_at = rev.submitted_at
    s.flush()
    return rev


def review_article(s: Session, article: Article, reviewer: Actor, *, content_ok: object, form_ok: object,
                   decision: object, comment: object = "") -> Review:
    """Records a lead's content and form checks on the revision under review, and approves or rejects it.

    Approval needs both checks; rejection needs a reason; nobody reviews their own work.
    """
    if not can_review(reviewer):
        raise Forbidden("Only a technical lead reviews articles.")
    rev = article.working_revision
    if rev is None or rev.status != RevisionStatus.IN_REVIEW:
        raise Conflict("This article has no revision waiting for review.", code="not_in_review")
    if is_own_work(reviewer, rev):
        raise Forbidden("Authors never review their own articles; ask another technical lead.",
                        code="own_article")
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, raw, parse in (
        ("content_ok", content_ok, lambda v: clean_bool(v, "content_ok")),
        ("form_ok", form_ok, lambda v: clean_bool(v, "form_ok")),
        ("decision", decision, lambda v: parse_enum(Decision, v, "decision")),
        ("comment", comment, lambda v: clean_text(v, "comment", max_len=COMMENT_MAX, required=False)),
    ):
        try:
            values[name] = parse(raw)
        except ValidationError as exc:
            errors.update(exc.fields)
    if not errors:
        if values["decision"] == Decision.APPROVE and not (values["content_ok"] and values["form_ok"]):
            errors["decision"] = "approval needs both the content check and the form check"
        if values["decision"] == Decision.REJECT and not values["comment"]:
            errors["comment"] = "a rejection needs a reason"
    if errors:
        first = next(iter(errors))
        raise ValidationError(f"The review cannot be recorded: {first}: {errors[first]}.", fields=errors)
    now = utcnow()
    review = Review(revision=rev, reviewer_id=reviewer.id, decided_at=now, **values)
    s.add(review)
    rev.decided_at = now
    if values["decision"] == Decision.APPROVE:
        rev.status = RevisionStatus.APPROVED
        previous = article.live_revision
        if previous is not None and previous is not rev:
            previous.status = RevisionStatus.SUPERSEDED
        # Set the column itself so the CHECK (approved => live revision) holds within one UPDATE.
        article.live_revision = rev
        article.live_revision_id = rev.id
        article.status = ArticleStatus.APPROVED
    else:
        rev.status = RevisionStatus.REJECTED
        if article.live_revision_id is None:
            article.status = ArticleStatus.REJECTED
    article.updated_at = now
    s.flush()
    return review


def retire_article(s: Session, article: Article, actor: Actor) -> Article:
    """Takes an article out of search and linking; incidents that used it keep their link."""
    if not can_retire(actor):
        raise Forbidden("Only a technical lead or an administrator retires articles.")
    if article.status == ArticleStatus.RETIRED:
        raise Conflict("This article is already retired.", code="article_retired")
    article.status = ArticleStatus.RETIRED
    article.retired_at = article.updated_at = utcnow()
    s.flush()
    return article


def get_article(s: Session, actor: Actor | None, article_id: object) -> Article:
    """The article if it exists and actor may read it; otherwise NotFound (never revealing which)."""
    article = s.get(Article, article_id) if is_valid_id(article_id) else None
    if article is None or not can_read_article(actor, article):
        raise NotFound("No such article.")
    return article


def review_queue(s: Session, *, limit: int | None = None, offset: int = 0) -> list[ArticleRevision]:
    """Revisions waiting for a technical lead, oldest first (a page of them when limit is given)."""
    stmt = (select(ArticleRevision).where(ArticleRevision.status == RevisionStatus.IN_REVIEW)
            .order_by(ArticleRevision.submitted_at, ArticleRevision.id).offset(offset).limit(limit))
    return list(s.scalars(stmt))


def review_queue_count(s: Session) -> int:
    """How many revisions wait for review."""
    stmt = select(func.count()).select_from(ArticleRevision).where(ArticleRevision.status == RevisionStatus.IN_REVIEW)
    return int(s.scalar(stmt) or 0)


def record_helpful(s: Session, article: Article) -> int:
    """Counts one "this helped me" vote, safely under concurrent voters; returns the new count."""
    s.execute(update(Article).where(Article.id == article.id).values(helpful_count=Article.helpful_count + 1))
    return int(s.scalar(select(Article.helpful_count).where(Article.id == article.id)) or 0)


def record_view(s: Session, article_id: int) -> None:
    """Counts one reading of the article, safely under concurrent readers (one UPDATE, no read first)."""
    s.execute(update(Article).where(Article.id == article_id).values(view_count=Article.view_count + 1))


def restore_revision(s: Session, article: Article, actor: Actor, number: int,
                     *, expected_version: int | None = None) -> ArticleRevision:
    """Copies an old revision's content into the working draft (a new one when the article is live);
    with expected_version, refuses (edit_conflict) when the article changed since the caller looked."""
    old = next((r for r in article.revisions if r.number == number), None)
    if old is None:
        raise NotFound(f"Revision {number} does not exist.")
    fields = content_of(old)
    if article.type != ArticleType.CHANGE:
        for name in CHANGE_FIELDS:
            fields.pop(name)
    return update_article(s, article, actor, fields, expected_version=expected_version)
