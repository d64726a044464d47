"""Who may read, write, review and retire articles."""

from __future__ import annotations

from kb.actors import Actor, Role, is_staff
from kb.models import Article, ArticleRevision
from kb.workflow import ArticleStatus, Visibility


def is_public(article: Article) -> bool:
    """Approved, live and public: what subscribers and anonymous visitors may read."""
    live = article.live_revision
    return article.status == ArticleStatus.APPROVED and live is not None and live.visibility == Visibility.PUBLIC


def can_read_article(actor: Actor | None, article: Article) -> bool:
    return is_staff(actor) or is_public(article)


def can_write_articles(actor: Actor | None) -> bool:
    return is_staff(actor)


def can_review(actor: Actor | None) -> bool:
    return actor is not None and actor.role == Role.LEAD


def is_own_work(actor: Actor, revision: ArticleRevision) -> bool:
    """Authors of the revision or of the article never approve it."""
    return actor.id in (revision.author_id, revision.article.author_id)


def can_review_revision(actor: Actor | None, revision: ArticleRevision) -> bool:
    return actor is not None and can_review(actor) and not is_own_work(actor, revision)


def can_retire(actor: Actor | None) -> bool:
    return actor is not None and actor.role in (Role.LEAD, Role.ADMIN)
