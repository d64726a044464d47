"""What the self-service portal adds to an incident and an article.

The details a subscriber gives with a report (contact phone, address, what they searched), the
articles they read before reporting, their photos, the tags of their rating, their "did this solve
your problem?" answers, and the subscriber account they registered with.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.attachments import register_blob_reference
from kb.models import Article, Blob
from kb.orm import Base, utcnow
from servicedesk.incidents.models import Incident, Verification
from servicedesk.users.models import User

# The tags a subscriber may add to a star rating, in the order the form shows them.
RATING_TAGS = ("on_time", "polite", "fixed_first_time", "explained_clearly")


class PortalReport(Base):
    """How a subscriber reported an incident through the portal; one per incident.

    The token is the one-time token of the report form: the same form sent twice (a double click,
    the back button) finds this row instead of making a second incident.
    """

    __tablename__ = "portal_reports"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    token: Mapped[str] = mapped_column(String(64))
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    search_query: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    incident: Mapped[Incident] = relationship()

    __table_args__ = (UniqueConstraint("reporter_id", "token", name="uq_portal_reports_reporter_token"),)


class IncidentViewedArticle(Base):
    """An article the subscriber read in the portal before reporting: where the agent starts."""

    __tablename__ = "incident_viewed_articles"

    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)
    position: Mapped[int] = mapped_column(SmallInteger, default=0)

    article: Mapped[Article] = relationship()


class IncidentPhoto(Base):
    """A photo the reporter sent with the fault (stored once by SHA-256, like article attachments)."""

    __tablename__ = "incident_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    blob_id: Mapped[int] = mapped_column(ForeignKey("blobs.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    blob: Mapped[Blob] = relationship(lazy="joined")


# A photo's bytes are never dropped as an orphan while the photo exists.
register_blob_reference(IncidentPhoto.blob_id)


class VerificationTag(Base):
    """One tag of a subscriber's star rating (on time, polite, fixed first time, explained clearly)."""

    __tablename__ = "verification_tags"

    verification_id: Mapped[int] = mapped_column(ForeignKey("incident_verifications.id", ondelete="CASCADE"),
                                                 primary_key=True)
    tag: Mapped[str] = mapped_column(String(30), primary_key=True)

    verification: Mapped[Verification] = relationship()

    __table_args__ = (
        CheckConstraint("tag IN (" + ", ".join(f"'{t}'" for t in RATING_TAGS) + ")", name="known_tag"),
    )


class ArticleFeedback(Base):
    """A reader's answer to "Did this solve your problem?"; a yes is a deflected incident."""

    __tablename__ = "article_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    solved: Mapped[bool] = mapped_column(Boolean)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    search_query: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_article_feedback_article_solved", "article_id", "solved"),)


class SubscriberRegistration(Base):
    """The subscriber account a portal user registered with; verified when it matched a subscriber
    record by phone (that record's user_id then points at the user)."""

    __tablename__ = "subscriber_registrations"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    account: Mapped[str] = mapped_column(String(40), index=True)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
