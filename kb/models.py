"""Articles, their revisions and the reviews that judged them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.orm import Base, enum_column, utcnow
from kb.workflow import ArticleStatus, ArticleType, ChangeKind, Decision, RevisionStatus, Visibility

if TYPE_CHECKING:
    from servicedesk.users.models import User



class Article(Base):
    """One piece of knowledge, stored once. Its content lives in revisions."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[ArticleType] = mapped_column(enum_column(ArticleType, "article_type"))
    status: Mapped[ArticleStatus] = mapped_column(enum_column(ArticleStatus, "article_status"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    live_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("article_revisions.id", use_alter=True, name="fk_articles_live_revision_id"),
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    helpful_count: Mapped[int] = mapped_column(Integer, default=0)
    # The key an imported article came with, so importing the same files again updates, never duplicates.
    source_key: Mapped[str | None] = mapped_column(String(200), unique=True)

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    revisions: Mapped[list[ArticleRevision]] = relationship(
        back_populates="article",
        foreign_keys="ArticleRevision.article_id",
        order_by="ArticleRevision.number",
        lazy="selectin",
        cascade="all, delete-orphan",
    )
    live_revision: Mapped[ArticleRevision | None] = relationship(
        foreign_keys=[live_revision_id], post_update=True
    )
    attachments: Mapped[list[Attachment]] = relationship(
        order_by="Attachment.filename", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        CheckConstraint(
            "status <> 'approved' OR live_revision_id IS NOT NULL", name="approved_has_live_revision"
        ),
    )

    @property
    def latest(self) -> ArticleRevision:
        return self.revisions[-1]

    @property
    def working_revision(self) -> ArticleRevision | None:
        """The revision being drafted or reviewed, if any (always the newest)."""
        latest = self.revisions[-1] if self.revisions else None
        if latest is not None and latest.status not in (RevisionStatus.APPROVED, RevisionStatus.SUPERSEDED):
            return latest
        return None

    @property
    def current(self) -> ArticleRevision:
        """What readers see: the live revision if there is one, else the newest draft."""
        return self.live_revision or self.latest

    @property
    def title(self) -> str:
        return self.current.title

    @property
    def visibility(self) -> Visibility:
        return self.current.visibility

    @property
    def is_approved(self) -> bool:
        return self.status == ArticleStatus.APPROVED and self.live_revision_id is not None

    def __repr__(self) -> str:
        return f"<Article {self.id} {self.type} {self.status}>"


class ArticleRevision(Base):
    """One version of an article's content; reviews judge exactly one revision."""

    __tablename__ = "article_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    status: Mapped[RevisionStatus] = mapped_column(enum_column(RevisionStatus, "revision_status"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    symptom: Mapped[str] = mapped_column(Text, default="")
    cause: Mapped[str] = mapped_column(Text, default="")
    steps: Mapped[str] = mapped_column(Text, default="")
    services: Mapped[list[str]] = mapped_column(default=list)
    category: Mapped[str] = mapped_column(String(80), default="")
    tags: Mapped[list[str]] = mapped_column(default=list)
    fault_codes: Mapped[list[str]] = mapped_column(default=list)
    device_models: Mapped[list[str]] = mapped_column(default=list)
    visibility: Mapped[Visibility] = mapped_column(enum_column(Visibility, "visibility"))
    # Change artefacts only: what the document is, the change's reference (变更单号) and its planned window.
    change_kind: Mapped[ChangeKind | None] = mapped_column(enum_column(ChangeKind, "change_kind"))
    change_ref: Mapped[str] = mapped_column(String(60), default="")
    planned_start: Mapped[datetime | None]
    planned_end: Mapped[datetime | None]
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    article: Mapped[Article] = relationship(back_populates="revisions", foreign_keys=[article_id])
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    reviews: Mapped[list[Review]] = relationship(
        back_populates="revision", order_by="Review.decided_at", lazy="selectin", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("article_id", "number", name="uq_article_revisions_article_number"),
        CheckConstraint("planned_end IS NULL OR planned_start IS NULL OR planned_end > planned_start",
                        name="planned_window_order"),
    )
    __mapper_args__ = {"version_id_col": version}


class Review(Base):
    """A technical lead's judgement of one revision: content check, form check, decision."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("article_revisions.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    content_ok: Mapped[bool] = mapped_column(Boolean)
    form_ok: Mapped[bool] = mapped_column(Boolean)
    decision: Mapped[Decision] = mapped_column(enum_column(Decision, "review_decision"))
    comment: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    revision: Mapped[ArticleRevision] = relationship(back_populates="reviews")
    reviewer: Mapped[User] = relationship()

    __table_args__ = (
        CheckConstraint("decision <> 'approve' OR (content_ok AND form_ok)", name="approve_needs_both_checks"),
        Index("ix_reviews_reviewer_decided", "reviewer_id", "decided_at"),
    )


class Blob(Base):
    """A file stored once by its SHA-256, however many articles refer to it."""

    __tablename__ = "blobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attachment(Base):
    """A file attached to an article under a name (topology diagram, PDF, spreadsheet)."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    blob_id: Mapped[int] = mapped_column(ForeignKey("blobs.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    blob: Mapped[Blob] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("article_id", "filename", name="uq_attachments_article_filename"),)

    @property
    def is_image(self) -> bool:
        return self.blob.content_type.startswith("image/")
