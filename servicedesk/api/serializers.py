"""Domain objects as the JSON the API contract describes. Times are ISO 8601 with offset (UTC)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kb.actors import Actor, is_staff
from kb.models import Article, ArticleRevision, Review
from kb.orm import utcnow
from kb.permissions import can_read_article
from kb.search.index import Hit, SearchResult
from servicedesk.incidents.models import Incident, IncidentEvent, Verification
from servicedesk.incidents.services import close_blockers
from servicedesk.incidents.sla import is_breached
from servicedesk.users.models import ApiToken, User

CONTENT_FIELDS = ("title", "body", "symptom", "cause", "steps", "services", "category", "tags", "fault_codes",
                  "device_models")


def when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def username(u: User | None) -> str | None:
    return u.username if u is not None else None


# -- users ---------------------------------------------------------------------------------------

def user(u: User) -> dict[str, Any]:
    return {
        "id": u.id,
        "username": u.username,
        "display_name": u.display_name,
        "email": u.email,
        "phone": u.phone,
        "role": u.role.value,
        "active": u.active,
        "is_staff": u.is_staff,
        "created_at": when(u.created_at),
        "last_login_at": when(u.last_login_at),
    }


def token(t: ApiToken) -> dict[str, Any]:
    return {"id": t.id, "prefix": t.prefix, "name": t.name, "created_at": when(t.created_at),
            "last_used_at": when(t.last_used_at)}


# -- articles ------------------------------------------------------------------------------------

def review(r: Review) -> dict[str, Any]:
    return {
        "revision": r.revision.number,
        "reviewer": username(r.reviewer),
        "content_ok": r.content_ok,
        "form_ok": r.form_ok,
        "decision": r.decision.value,
        "comment": r.comment,
        "decided_at": when(r.decided_at),
    }


def _content(rev: ArticleRevision) -> dict[str, Any]:
    out: dict[str, Any] = {name: getattr(rev, name) for name in CONTENT_FIELDS}
    out["services"] = list(rev.services)
    out["tags"] = list(rev.tags)
    out["fault_codes"] = list(rev.fault_codes)
    out["device_models"] = list(rev.device_models)
    out["visibility"] = rev.visibility.value
    return out


def revision(rev: ArticleRevision) -> dict[str, Any]:
    return {
        "number": rev.number,
        "status": rev.status.value,
        "version": rev.version,
        **_content(rev),
        "author": username(rev.author),
        "created_at": when(rev.created_at),
        "updated_at": when(rev.updated_at),
        "submitted_at": when(rev.submitted_at),
        "decided_at": when(rev.decided_at),
        "reviews": [review(r) for r in rev.reviews],
    }


def article(a: Article, viewer: Actor | None, incident_count: int) -> dict[str, Any]:
    """What readers see (the live revision, else the newest draft); staff also see the pending revision.

    `version` is the number to send back as "version" on PATCH for optimistic locking.
    """
    shown = a.current
    staff = is_staff(viewer)
    if staff:
        reviews = [r for rev in a.revisions for r in rev.reviews]
    else:
        reviews = list(a.live_revision.reviews) if a.live_revision is not None else []
    working = a.working_revision
    return {
        "id": a.id,
        "type": a.type.value,
        "status": a.status.value,
        **_content(shown),
        "author": username(a.author),
        "created_at": when(a.created_at),
        "updated_at": when(a.updated_at),
        "retired_at": when(a.retired_at),
        "incident_count": incident_count,
        "revision": shown.number,
        "version": a.latest.version,
        "reviews": [review(r) for r in sorted(reviews, key=lambda r: r.decided_at)],
        "pending_revision": revision(working) if staff and working is not None and working is not shown else None,
    }


def article_summary(a: Article) -> dict[str, Any]:
    shown = a.current
    working = a.working_revision
    return {
        "id": a.id,
        "type": a.type.value,
        "status": a.status.value,
        "title": shown.title,
        "visibility": shown.visibility.value,
        "services": list(shown.services),
        "category": shown.category,
        "tags": list(shown.tags),
        "author": username(a.author),
        "created_at": when(a.created_at),
        "updated_at": when(a.updated_at),
        "version": a.latest.version,
        "pending_revision": working.status.value if working is not None and working is not shown else None,
    }


# -- search --------------------------------------------------------------------------------------

def hit(h: Hit) -> dict[str, Any]:
    return {"id": h.id, "title": h.title, "type": h.type, "status": h.status, "score": h.score,
            "highlights": list(h.highlights), "services": list(h.services), "tags": list(h.tags),
            "summary": h.summary}


def search_result(r: SearchResult) -> dict[str, Any]:
    return {"items": [hit(h) for h in r.items], "total": r.total, "page": r.page, "per_page": r.per_page,
            "facets": r.facets}


# -- incidents -----------------------------------------------------------------------------------

def sla(i: Incident) -> dict[str, Any]:
    return {"respond_by": when(i.respond_by), "resolve_by": when(i.resolve_by),
            "breached": is_breached(now=utcnow(), resolve_by=i.resolve_by, resolved_at=i.resolved_at)}


def event(e: IncidentEvent) -> dict[str, Any]:
    return {"at": when(e.at), "actor": username(e.actor), "action": e.action, "field": e.field,
            "old": e.old, "new": e.new, "note": e.note}


def verification(v: Verification) -> dict[str, Any]:
    return {"at": when(v.at), "by": username(v.by), "method": v.method.value, "accepted": v.accepted,
            "rating": v.rating, "comment": v.comment}


def incident_summary(i: Incident) -> dict[str, Any]:
    return {
        "id": i.id,
        "number": i.number,
        "title": i.title,
        "status": i.status.value,
        "tier": i.tier,
        "service": i.service,
        "category": i.category.value,
        "area": i.area.value,
        "priority": i.priority.value,
        "channel": i.channel.value,
        "customer_account": i.customer_account,
        "reporter": username(i.reporter),
        "assignee": username(i.assignee),
        "solution_id": i.solution_id,
        "verified": i.verified,
        "created_at": when(i.created_at),
        "updated_at": when(i.updated_at),
        "sla": sla(i),
    }


def incident(i: Incident, viewer: Actor | None) -> dict[str, Any]:
    sol = i.solution
    solution = None
    if sol is not None:
        # A subscriber learns that an internal solution exists, not what it says.
        solution = {"id": sol.id, "title": sol.title if can_read_article(viewer, sol) else None,
                    "status": sol.status.value}
    return {
        **incident_summary(i),
        "description": i.description,
        "created_by": username(i.created_by),
        "resolution_note": i.resolution_note,
        "reopen_count": i.reopen_count,
        "responded_at": when(i.responded_at),
        "resolved_at": when(i.resolved_at),
        "closed_at": when(i.closed_at),
        "solution": solution,
        "history": [event(e) for e in i.events],
        "verifications": [verification(v) for v in i.verifications],
        "close_blockers": [{"code": b.code, "message": b.message} for b in close_blockers(i)],
    }
