"""Turns the desk's own records into messages at flush time, so every door (pages, API, CLI) emits them.

Each incident history row (IncidentEvent) and each article review is looked at as it is flushed; the
messages it causes are added to the same flush, hence to the same transaction: a change that rolls back
(or a savepoint rolled back) takes its messages with it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from kb.actors import Role
from kb.models import ArticleRevision, Review
from kb.workflow import Decision, RevisionStatus
from servicedesk.incidents.models import Incident, IncidentEvent
from servicedesk.notify.services import emit_webhooks, incident_data, notify_user, notify_users, sms_phone
from servicedesk.notify.settings import link
from servicedesk.users.models import User


def _user_named(s: Session, username: str | None) -> User | None:
    return s.scalar(select(User).where(User.username == username)) if username else None


def _subscriber_phone(incident: Incident) -> str:
    sub = incident.subscriber
    return sub.phone if sub is not None and sub.user_id in (None, incident.reporter_id) else ""


def on_incident_event(s: Session, ev: IncidentEvent, done: set[tuple[int, str]]) -> None:
    """The messages one history row causes (at most one per event and incident in a flush)."""
    incident = ev.incident
    if incident is None or incident.id is None:
        return
    kind = _kind(ev)
    if kind is None or (incident.id, kind) in done:
        return
    done.add((incident.id, kind))
    data = incident_data(incident)
    portal = link(f"/my/incidents/{incident.id}")
    desk = link(f"/desk/incidents/{incident.id}")
    reporter = incident.reporter
    assignee = incident.assignee if kind != "incident.assigned" else _user_named(s, ev.new) or incident.assignee
    if kind in ("incident.created", "incident.resolved") and reporter is not None:
        _tell_subscriber(s, incident, reporter, kind, {**data, "link": portal})
    elif kind in ("incident.assigned", "incident.reopened"):
        if assignee is not None and assignee.id != ev.actor_id:
            notify_user(s, assignee, kind, {**data, "link": desk}, incident_id=incident.id)
    elif kind == "incident.chased":
        # The engineer on it, else the team's leader: the subscriber called again.
        chased = assignee or (incident.group.leader if incident.group is not None else None)
        if chased is not None and chased.id != ev.actor_id:
            notify_user(s, chased, kind, {**data, "link": desk, "comment": ev.note}, incident_id=incident.id)
    elif kind == "incident.reply":
        author = s.get(User, ev.actor_id) if ev.actor_id else None
        if author is not None and author.is_staff and reporter is not None and reporter.id != author.id:
            _tell_subscriber(s, incident, reporter, kind, {**data, "link": portal})
        elif assignee is not None and (author is None or not author.is_staff):
            notify_user(s, assignee, kind, {**data, "link": desk}, incident_id=incident.id)
    if kind != "incident.reply":
        emit_webhooks(s, kind, {"incident": data}, incident_id=incident.id)


def tell_reporter(s: Session, incident: Incident, kind: str, data: dict[str, Any]) -> None:
    """Tells the incident's reporter (or the subscriber's phone, for a caller logged by staff) of `kind`, with
    the incident's own fields and the portal link, in this transaction (the outbox)."""
    if incident.reporter is not None:
        full = {**incident_data(incident), "link": link(f"/my/incidents/{incident.id}"), **data}
        _tell_subscriber(s, incident, incident.reporter, kind, full)


def _tell_subscriber(s: Session, incident: Incident, reporter: User, kind: str, data: dict[str, Any]) -> None:
    """The reporter, when a subscriber reported it; when staff logged it for a caller (hotline, field), the
    subscriber's phone on record gets the SMS instead and the staff member nothing."""
    if not reporter.is_staff:
        notify_user(s, reporter, kind, data, incident_id=incident.id, phone=_subscriber_phone(incident))
        return
    sub = incident.subscriber
    if sub is not None and sub.phone:
        sms_phone(s, sub.phone, kind, data, incident_id=incident.id)


def _kind(ev: IncidentEvent) -> str | None:
    if ev.action == "create":
        return "incident.created"
    if ev.action == "reply":
        return "incident.reply"
    if ev.action == "note":
        return None  # internal notes stay among staff, in the timeline
    if ev.action == "reopen":
        return "incident.reopened"
    if ev.action == "chase":
        return "incident.chased"
    if ev.field == "assignee" and ev.new:
        return "incident.assigned"
    if ev.field == "status" and ev.new == "resolved":
        return "incident.resolved"
    if ev.field == "status" and ev.new == "closed":
        return "incident.closed"
    return None


def on_review(s: Session, review: Review) -> None:
    rev = review.revision
    if rev is None:
        return
    article = rev.article
    approved = review.decision == Decision.APPROVE
    kind = "article.approved" if approved else "article.rejected"
    data = {"id": article.id if article is not None else rev.article_id, "title": rev.title,
            "comment": review.comment or "", "link": link(f"/kb/{rev.article_id}")}
    author = s.get(User, rev.author_id)
    if author is not None and author.id != review.reviewer_id:
        notify_user(s, author, kind, data)
    if approved:
        emit_webhooks(s, kind, {"article": {"id": data["id"], "title": rev.title}})


def on_submitted(s: Session, rev: ArticleRevision) -> None:
    leads = s.scalars(select(User).where(User.role == Role.LEAD, User.active.is_(True),
                                         User.id != rev.author_id).order_by(User.id)).all()
    notify_users(s, leads, "article.submitted",
                 {"id": rev.article_id, "title": rev.title, "link": link(f"/kb/{rev.article_id}")})


def _submitted(rev: ArticleRevision) -> bool:
    from sqlalchemy import inspect

    hist = inspect(rev).attrs["status"].history
    return RevisionStatus.IN_REVIEW in (hist.added or ()) and RevisionStatus.IN_REVIEW not in (hist.deleted or ())


def _before_flush(s: Session, _ctx: Any, _instances: Any) -> None:
    events = [o for o in s.new if isinstance(o, IncidentEvent)]
    reviews = [o for o in s.new if isinstance(o, Review)]
    submitted = [o for o in (*s.new, *s.dirty) if isinstance(o, ArticleRevision) and _submitted(o)]
    if not (events or reviews or submitted):
        return
    done: set[tuple[int, str]] = set()
    with s.no_autoflush:
        for ev in sorted(events, key=lambda e: e.id or 0):
            on_incident_event(s, ev, done)
        for review in reviews:
            on_review(s, review)
        for rev in submitted:
            on_submitted(s, rev)


_installed = False


def install() -> None:
    """Listens on every session (once per process)."""
    global _installed
    if _installed:
        return
    _installed = True
    event.listen(Session, "before_flush", _before_flush)
