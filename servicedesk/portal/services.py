"""The portal's rules: a fault report made once however often it is sent, with its photo and the
articles read before it; "did this solve your problem?"; the tags of a star rating. Photos: photos.py.

Services flush; the caller commits.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kb import services as kb_services
from kb.actors import is_staff
from kb.attachments import BlobStore
from kb.errors import Forbidden, NotFound, TooLarge, ValidationError
from kb.models import Article
from kb.orm import utcnow
from kb.permissions import can_read_article
from kb.validation import clean_text
from servicedesk.incidents.models import Incident, Verification
from servicedesk.incidents.services import (
    DESCRIPTION_MAX,
    TITLE_MAX,
    clean_phone,
    create_incident,
    verify_incident,
)
from servicedesk.incidents.sla import DEFAULT_POLICY, SlaPolicy
from servicedesk.org.models import Subscriber
from servicedesk.portal.models import (
    RATING_TAGS,
    ArticleFeedback,
    IncidentViewedArticle,
    PortalReport,
    SubscriberRegistration,
    VerificationTag,
)
from servicedesk.portal.photos import Photo, check_photo, store_photo
from servicedesk.users.models import User

ADDRESS_MAX = 300
QUERY_MAX = 200
VIEWED_MAX = 10
SAME_REPORT_WINDOW = timedelta(minutes=10)
TOKEN_RE = re.compile(r"^[A-Za-z0-9_\-]{16,64}$")


@dataclass(frozen=True)
class FeedbackCount:
    """Readers who said an article solved their problem (deflections), and who said it did not."""

    solved: int = 0
    not_solved: int = 0


def new_report_token() -> str:
    """A one-time token for a report form; sending the form twice with it makes one incident."""
    return secrets.token_urlsafe(24)


def phone_digits(phone: str) -> str:
    """The digits that identify a phone, without a +86/0086 country prefix: for comparing numbers."""
    digits = re.sub(r"\D", "", phone)
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            return digits[len(prefix):]
    return digits


def _readable_articles(s: Session, reader: User, article_ids: Iterable[int]) -> list[Article]:
    seen: list[Article] = []
    for article_id in article_ids:
        article = s.get(Article, article_id) if isinstance(article_id, int) else None
        if article is not None and article not in seen and can_read_article(reader, article):
            seen.append(article)
        if len(seen) >= VIEWED_MAX:
            break
    return seen


def _find_report(s: Session, reporter: User, token: str) -> PortalReport | None:
    return s.scalar(select(PortalReport).where(PortalReport.reporter_id == reporter.id, PortalReport.token == token))


def report_fault(s: Session, reporter: User, data: Mapping[str, Any], *, token: str,
                 store: BlobStore | None = None, photo: Photo | None = None, viewed: Sequence[int] = (),
                 search_query: str = "", policy: SlaPolicy = DEFAULT_POLICY) -> tuple[Incident, bool]:
    """Records a subscriber's fault report once: (the incident, whether it is new).

    A form sent again with the same token (double click, back button, two tabs), or the same report
    sent again within SAME_REPORT_WINDOW, returns the incident the first sending made. The incident
    links the articles the reporter read before reporting.
    """
    if not isinstance(token, str) or not TOKEN_RE.match(token):
        raise ValidationError("The report form is incomplete; reload it and send it again.",
                              fields={"token": "invalid"})
    existing = _find_report(s, reporter, token) or _same_report(s, reporter, data)
    if existing is not None:
        return existing.incident, False
    errors: dict[str, str] = {}
    details: dict[str, str] = {}
    for name, check in (("contact_phone", clean_phone),
                        ("address", lambda v: clean_text(v, "address", max_len=ADDRESS_MAX))):
        try:
            details[name] = check(data.get(name))
        except ValidationError as exc:
            errors.update(exc.fields)
    if photo is not None:
        try:
            check_photo(photo)
        except (ValidationError, TooLarge) as exc:
            if not errors:
                raise
            errors.update(exc.fields)
    if errors:
        first = next(iter(errors))
        raise ValidationError(f"Please correct the report ({first}: {errors[first]}).", fields=errors)
    if photo is not None and store is None:
        raise ValueError("a photo needs a blob store")
    fields = {k: data.get(k) for k in ("title", "description", "service", "report_type", "customer_account",
                                       "area", "zone")}
    # A fault report, unless the subscriber chose a type that counts as something else (a bill question).
    category = None if fields["report_type"] else "fault"
    try:
        with s.begin_nested():
            incident = create_incident(s, reporter, {**fields, "category": category, "channel": "portal"},
                                       policy=policy)
            s.add(PortalReport(incident_id=incident.id, reporter_id=reporter.id, token=token,
                               search_query=_clip(search_query, QUERY_MAX), **details))
            for position, article in enumerate(_readable_articles(s, reporter, viewed)):
                s.add(IncidentViewedArticle(incident_id=incident.id, article_id=article.id, position=position))
            if photo is not None and store is not None:
                store_photo(s, store, incident, reporter, photo)
            s.flush()
    except IntegrityError:
        # The same form, sent twice at the same moment: the other sending made the incident.
        existing = _find_report(s, reporter, token)
        if existing is None:
            raise
        return existing.incident, False
    return incident, True


def _same_report(s: Session, reporter: User, data: Mapping[str, Any]) -> PortalReport | None:
    """The reporter's report of the last minutes with the same service, title and description, if any.

    Going back to a sent form and sending it again can arrive with a fresh token (the browser fetched
    the form anew but kept what was typed); it is still the same report.
    """
    try:
        title = clean_text(data.get("title"), "title", max_len=TITLE_MAX)
        description = clean_text(data.get("description"), "description", max_len=DESCRIPTION_MAX, required=False)
    except ValidationError:
        return None  # not a report that could have been made
    return s.scalar(
        select(PortalReport).join(Incident, Incident.id == PortalReport.incident_id)
        .where(PortalReport.reporter_id == reporter.id, PortalReport.created_at >= utcnow() - SAME_REPORT_WINDOW,
               Incident.service == data.get("service"), Incident.title == title,
               Incident.description == description)
        .order_by(PortalReport.created_at.desc()).limit(1))


def _clip(text: str, limit: int) -> str:
    return " ".join(str(text or "").split())[:limit]


def report_for(s: Session, incident_id: int) -> PortalReport | None:
    """The portal details (contact phone, address, what was searched) of an incident, if reported there."""
    return s.get(PortalReport, incident_id)


def viewed_articles_for(s: Session, incident_id: int) -> list[Article]:
    """The articles the reporter read in the portal before reporting, in the order read."""
    return list(s.scalars(select(Article).join(IncidentViewedArticle, IncidentViewedArticle.article_id == Article.id)
                          .where(IncidentViewedArticle.incident_id == incident_id)
                          .order_by(IncidentViewedArticle.position)))


def record_article_feedback(s: Session, article: Article, reader: User | None, *, solved: bool,
                            search_query: str = "") -> ArticleFeedback:
    """A reader's answer to "Did this solve your problem?"; a yes also counts as a helpful vote."""
    if is_staff(reader):
        raise Forbidden("Only subscribers and visitors answer whether an article solved their problem.")
    if not article.is_approved or not can_read_article(reader, article):
        raise NotFound("No such article.")
    feedback = ArticleFeedback(article_id=article.id, solved=bool(solved), user_id=reader.id if reader else None,
                               search_query=_clip(search_query, QUERY_MAX))
    s.add(feedback)
    if solved:
        kb_services.record_helpful(s, article)
    s.flush()
    return feedback


def feedback_counts(s: Session, article_ids: Sequence[int]) -> dict[int, FeedbackCount]:
    """Per article: how many readers said it solved their problem (deflections) and how many said not."""
    if not article_ids:
        return {}
    rows = s.execute(select(ArticleFeedback.article_id, ArticleFeedback.solved, func.count())
                     .where(ArticleFeedback.article_id.in_(list(article_ids)))
                     .group_by(ArticleFeedback.article_id, ArticleFeedback.solved))
    counts: dict[int, dict[bool, int]] = {}
    for article_id, solved, n in rows:
        counts.setdefault(int(article_id), {})[bool(solved)] = int(n)
    return {aid: FeedbackCount(c.get(True, 0), c.get(False, 0)) for aid, c in counts.items()}


def clean_tags(tags: object) -> list[str]:
    """The rating tags, known ones only and in their usual order."""
    if tags is None:
        return []
    if not isinstance(tags, (list, tuple)) or not all(isinstance(t, str) for t in tags):
        raise ValidationError("Rating tags are a list of names.", fields={"tags": "must be a list of strings"})
    unknown = sorted(set(tags) - set(RATING_TAGS))
    if unknown:
        raise ValidationError(f"Unknown rating tag: {', '.join(unknown)}.",
                              fields={"tags": "one of: " + ", ".join(RATING_TAGS)})
    return [t for t in RATING_TAGS if t in tags]


def confirm_fix(s: Session, incident: Incident, reporter: User, *, rating: object, tags: object = (),
                comment: object = "") -> Verification:
    """The reporter confirms the fix with a 1-5 star rating, tags and a comment, stored with the verification."""
    chosen = clean_tags(list(tags) if isinstance(tags, (list, tuple)) else tags)
    verification = verify_incident(s, incident, reporter, accepted=True, rating=rating, comment=comment)
    for tag in chosen:
        s.add(VerificationTag(verification_id=verification.id, tag=tag))
    s.flush()
    return verification


def tags_for(s: Session, verification_ids: Sequence[int]) -> dict[int, list[str]]:
    """The rating tags of each verification, in their usual order."""
    if not verification_ids:
        return {}
    out: dict[int, list[str]] = {}
    for vid, tag in s.execute(select(VerificationTag.verification_id, VerificationTag.tag)
                              .where(VerificationTag.verification_id.in_(list(verification_ids)))):
        out.setdefault(int(vid), []).append(tag)
    return {vid: [t for t in RATING_TAGS if t in found] for vid, found in out.items()}


def report_defaults(s: Session, user: User) -> dict[str, str]:
    """What the report form can fill in for the user: their account, phone, address and zone."""
    registration = s.get(SubscriberRegistration, user.id)
    subscriber = s.scalar(select(Subscriber).where(Subscriber.user_id == user.id).order_by(Subscriber.id).limit(1))
    last = s.scalar(select(PortalReport).where(PortalReport.reporter_id == user.id)
                    .order_by(PortalReport.created_at.desc()).limit(1))
    account = subscriber.account if subscriber else (registration.account if registration else "")
    return {
        "customer_account": account,
        "contact_phone": (last.contact_phone if last else "") or user.phone or (subscriber.phone if subscriber else ""),
        "address": (last.address if last else "") or (subscriber.address if subscriber else ""),
        "zone": subscriber.zone.code if subscriber and subscriber.zone else "",
    }

