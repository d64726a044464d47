"""Domain objects as the JSON the API contract describes. Times are ISO 8601 with offset (UTC)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kb.actors import Actor, is_staff
from kb.diff import FieldDiff
from kb.models import Article, ArticleRevision, Attachment, Review
from kb.orm import utcnow
from kb.permissions import can_read_article
from kb.search.index import Hit, SearchResult
from servicedesk.incidents.models import Incident, IncidentEvent, Verification
from servicedesk.incidents.services import close_blockers
from servicedesk.incidents.sla import is_breached, sla_state
from servicedesk.knowledge.signals import Signals
from servicedesk.org.models import (
    MaintenanceGroup,
    Notification,
    ServiceStation,
    SlaPolicyRule,
    Subscriber,
    Zone,
    mask_phone,
)
from servicedesk.portal.visibility import note_for_subscriber, subscriber_sees
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
    out["change_kind"] = rev.change_kind.value if rev.change_kind else None
    out["change_ref"] = rev.change_ref
    out["planned_start"] = when(rev.planned_start)
    out["planned_end"] = when(rev.planned_end)
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


def signals(sig: Signals) -> dict[str, int]:
    return {"linked": sig.linked, "solved": sig.solved, "reopened": sig.reopened,
            "reported_again": sig.reported_again, "views": sig.views, "helpful": sig.helpful}


def article(a: Article, viewer: Actor | None, incident_count: int, sig: Signals | None = None) -> dict[str, Any]:
    """What readers see (the live revision, else the newest draft); staff also see the pending revision
    and the quality signals.

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
        "signals": signals(sig) if staff and sig is not None else None,
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


def needs_attention_item(a: Article, sig: Signals) -> dict[str, Any]:
    return {**article_summary(a), "signals": signals(sig)}


def field_diff(d: FieldDiff) -> dict[str, Any]:
    return {"field": d.field, "lines": [{"op": op, "text": text} for op, text in d.lines]}


def attachment(att: Attachment, url: str) -> dict[str, Any]:
    return {"id": att.id, "filename": att.filename, "size": att.blob.size, "content_type": att.blob.content_type,
            "is_image": att.is_image, "created_at": when(att.created_at), "url": url}


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
    now = utcnow()
    return {"respond_by": when(i.respond_by), "resolve_by": when(i.resolve_by),
            "breached": is_breached(now=now, resolve_by=i.resolve_by, resolved_at=i.resolved_at),
            "state": sla_state(now=now, created_at=i.created_at, resolve_by=i.resolve_by, resolved_at=i.resolved_at,
                               paused_at=i.paused_at),
            "paused": i.paused_at is not None, "paused_at": when(i.paused_at), "calendar": i.sla_calendar.value}


def event(e: IncidentEvent) -> dict[str, Any]:
    return {"at": when(e.at), "actor": username(e.actor), "action": e.action, "field": e.field,
            "old": e.old, "new": e.new, "note": e.note}


def history(i: Incident, viewer: Actor | None) -> list[dict[str, Any]]:
    """The incident's history: all of it for staff; for the subscriber what the portal shows them (the steps
    that mean something to them, no staff names, no internal notes or their traces, no hold reasons)."""
    if is_staff(viewer):
        return [event(e) for e in i.events]
    return [{"at": when(e.at), "actor": username(e.actor) if e.actor_id == i.reporter_id else None,
             "action": e.action, "field": e.field if e.field == "status" else None,
             "old": e.old if e.field == "status" else None, "new": e.new if e.field == "status" else None,
             "note": note_for_subscriber(e)}
            for e in i.events if subscriber_sees(e)]


def verification(v: Verification) -> dict[str, Any]:
    return {"at": when(v.at), "by": username(v.by), "method": v.method.value, "accepted": v.accepted,
            "rating": v.rating, "comment": v.comment}


def zone_ref(z: Zone | None) -> dict[str, Any] | None:
    return {"code": z.code, "name": z.name} if z is not None else None


def group_ref(g: MaintenanceGroup | None) -> dict[str, Any] | None:
    return {"id": g.id, "name": g.name} if g is not None else None


def subscriber_ref(sub: Subscriber | None, *, full_phone: bool = False) -> dict[str, Any] | None:
    """The subscriber as an incident shows it; the phone is masked unless full_phone."""
    if sub is None:
        return None
    return {"account": sub.account, "name": sub.name, "phone": sub.phone if full_phone else mask_phone(sub.phone),
            "service_level": sub.service_level.value}


def incident_summary(i: Incident) -> dict[str, Any]:
    earlier = i.repeat_of
    return {
        "id": i.id,
        "number": i.number,
        "title": i.title,
        "status": i.status.value,
        "tier": i.tier,
        "service": i.service,
        "report_type": i.report_type,
        "category": i.category.value,
        "area": i.area.value,
        "priority": i.priority.value,
        "channel": i.channel.value,
        "customer_account": i.customer_account,
        "caller_name": i.caller_name,
        "caller_phone": mask_phone(i.caller_phone) if i.caller_phone else "",
        "chase_count": i.chase_count,
        "reporter": username(i.reporter),
        "assignee": username(i.assignee),
        "solution_id": i.solution_id,
        "verified": i.verified,
        "created_at": when(i.created_at),
        "updated_at": when(i.updated_at),
        "sla": sla(i),
        "zone": zone_ref(i.zone),
        "group": group_ref(i.group),
        "subscriber": subscriber_ref(i.subscriber),
        "repeat_of": {"id": earlier.id, "number": earlier.number, "solution_id": earlier.solution_id}
        if earlier is not None else None,
        "version": i.version,
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
        # Staff reading one incident may call the subscriber back; lists and subscribers see it masked.
        "subscriber": subscriber_ref(i.subscriber, full_phone=is_staff(viewer)),
        "caller_phone": i.caller_phone if is_staff(viewer) else mask_phone(i.caller_phone) if i.caller_phone else "",
        "description": i.description,
        "created_by": username(i.created_by),
        "resolution_note": i.resolution_note,
        "cancel_reason": i.cancel_reason,
        "duplicate_of": {"id": i.duplicate_of.id, "number": i.duplicate_of.number} if i.duplicate_of else None,
        "reopen_count": i.reopen_count,
        "responded_at": when(i.responded_at),
        "resolved_at": when(i.resolved_at),
        "closed_at": when(i.closed_at),
        "solution": solution,
        "history": history(i, viewer),
        "verifications": [verification(v) for v in i.verifications],
        "close_blockers": [{"code": b.code, "message": b.message} for b in close_blockers(i)],
    }


# -- organisation and notifications --------------------------------------------------------------

def zone(z: Zone) -> dict[str, Any]:
    g = z.group
    return {"id": z.id, "code": z.code, "name": z.name, "area": z.area.value, "manager": username(z.manager),
            "group": {"id": g.id, "name": g.name, "leader": username(g.leader),
                      "station": {"id": g.station.id, "name": g.station.name}}}


def group(g: MaintenanceGroup) -> dict[str, Any]:
    return {"id": g.id, "name": g.name, "leader": username(g.leader),
            "station": {"id": g.station.id, "name": g.station.name},
            "zones": [{"id": z.id, "code": z.code, "name": z.name, "manager": username(z.manager)} for z in g.zones]}


def station(st: ServiceStation) -> dict[str, Any]:
    return {"id": st.id, "name": st.name, "groups": [group(g) for g in st.groups]}


def subscriber(sub: Subscriber, *, full_phone: bool) -> dict[str, Any]:
    return {"id": sub.id, "account": sub.account, "name": sub.name,
            "phone": sub.phone if full_phone else mask_phone(sub.phone), "address": sub.address,
            "service_level": sub.service_level.value, "zone": zone_ref(sub.zone), "user": username(sub.user),
            "created_at": when(sub.created_at)}


def notification(n: Notification, incident_number: str | None) -> dict[str, Any]:
    return {"id": n.id, "kind": n.kind, "message": n.message,
            "incident": {"id": n.incident_id, "number": incident_number} if n.incident_id is not None else None,
            "created_at": when(n.created_at), "read_at": when(n.read_at), "read": n.read_at is not None}


def sla_policy(r: SlaPolicyRule) -> dict[str, Any]:
    return {"id": r.id, "category": r.category, "area": r.area, "service_level": r.service_level,
            "respond_minutes": r.respond_minutes, "resolve_minutes": r.resolve_minutes, "calendar": r.calendar.value,
            "updated_at": when(r.updated_at)}
