"""The incident rules, shared by the pages, the API and the CLI. Services flush; callers commit."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from kb.actors import Role, is_staff
from kb.errors import Conflict, Forbidden, NotFound, ValidationError
from kb.models import Article
from kb.orm import utcnow
from kb.services import create_article
from kb.validation import clean_bool, clean_text, is_valid_id, parse_enum
from kb.vocabulary import ACTIVE, DEFAULT_CATEGORY, REPORT_TYPES, offered_types
from kb.workflow import ArticleStatus, ArticleType
from servicedesk.incidents.models import Incident, IncidentEvent, Verification
from servicedesk.incidents.sla import DEFAULT_POLICY, SlaPolicy
from servicedesk.incidents.workflow import (
    Area,
    Category,
    Channel,
    IncidentStatus,
    Priority,
    VerificationMethod,
    next_status,
)
from servicedesk.org.models import MaintenanceGroup, Subscriber
from servicedesk.org.services import route_for, zone_by_code
from servicedesk.org.sla_policies import policy_in_force
from servicedesk.users.models import User

TITLE_MAX = 200
DESCRIPTION_MAX = 20_000
NOTE_MAX = 5_000
CATEGORIES = frozenset(c.value for c in Category)
PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{4,30}$")
CALLER_NAME_MAX = 100
REOPEN_WINDOW_DAYS = 7
REPEAT_WINDOW_DAYS = 30
CLOCK_SKEW = timedelta(minutes=2)  # a time "now" typed on a slightly fast clock is not in the future


@dataclass(frozen=True)
class CloseBlocker:
    code: str
    message: str


def can_view_incident(user: User | None, incident: Incident) -> bool:
    """Staff see every incident; a subscriber only those they reported."""
    return user is not None and (is_staff(user) or incident.reporter_id == user.id)


def get_incident(s: Session, user: User | None, incident_id: object, *, for_update: bool = False) -> Incident:
    """The incident if it exists and user may see it; otherwise NotFound (never revealing which).

    for_update locks the row until the commit (PostgreSQL), so two agents acting at once take turns
    and the second one sees what the first one did.
    """
    incident = (s.get(Incident, incident_id, with_for_update=True if for_update else None)
                if is_valid_id(incident_id) else None)
    if incident is None or not can_view_incident(user, incident):
        raise NotFound("No such incident.")
    return incident


def check_version(incident: Incident, seen: object) -> None:
    """Refuses the change when the caller acted on an older version of the incident than the current one."""
    if seen in (None, ""):
        return
    try:
        version = int(str(seen))
    except ValueError:
        raise ValidationError("The version is a whole number.", fields={"version": "must be an integer"}) from None
    if version != incident.version:
        raise Conflict(f"The incident changed since you read it (version {version}, now {incident.version}); "
                       "reload it and try again.", code="stale_version", fields={"version": f"now {incident.version}"})


def concurrent_change(exc: Exception) -> Conflict | None:
    """The Conflict to report when a commit lost a race with another agent's change, else None.

    A stale version (the row changed under us) and SQLite's refusal to write from an outdated
    snapshot both mean the same thing to the person: someone else was quicker.
    """
    said = str(getattr(exc, "orig", exc)).lower()
    if isinstance(exc, StaleDataError) or (isinstance(exc, OperationalError) and any(
            word in said for word in ("locked", "deadlock", "could not serialize"))):
        return Conflict("Someone else changed this incident at the same moment; nothing of yours was saved. "
                        "Here is its current state.", code="concurrent_change")
    return None


def _require_staff(actor: User, what: str) -> None:
    if not is_staff(actor):
        raise Forbidden(f"Only service-desk staff {what}.")


_DONE = {
    "assign": "assigned", "start": "started", "pend": "put on hold", "resume": "resumed",
    "escalate": "escalated", "link_solution": "given a solution", "resolve": "resolved",
    "verify_accept": "verified", "verify_reject": "rejected", "close": "closed", "reopen": "reopened",
    "cancel": "cancelled", "mark_duplicate": "marked as a duplicate", "follow_up": "followed up",
    "field_work": "given a field-work record", "close_with_parent": "closed with its parent",
    "release_duplicate": "released from its parent",
}


def _move(incident: Incident, action: str) -> IncidentStatus:
    target = next_status(action, incident.status)
    if target is None:
        raise Conflict(
            f"An incident that is '{incident.status.value}' cannot be {_DONE.get(action, action)}.",
            code="invalid_transition",
        )
    return target


def _record(s: Session, incident: Incident, actor: User | None, action: str, *, field: str | None = None,
            old: object = None, new: object = None, note: str = "") -> None:
    s.add(IncidentEvent(
        incident=incident, actor_id=actor.id if actor else None, at=utcnow(), action=action, field=field,
        old=None if old is None else str(old), new=None if new is None else str(new), note=note,
    ))
    incident.updated_at = utcnow()


def _set_status(s: Session, incident: Incident, actor: User, action: str, target: IncidentStatus,
                note: str = "") -> None:
    if target != incident.status:
        _record(s, incident, actor, action, field="status", old=incident.status.value, new=target.value, note=note)
        incident.status = target
    else:
        _record(s, incident, actor, action, note=note)


def stamp_first_response(incident: Incident) -> None:
    """Stamps the first response (the SLA's respond-by is judged on it): the first time staff act on the
    incident by assigning, starting, putting on hold, escalating or resolving it, or write to the subscriber (a
    public reply). Routing at creation is not one, nor an internal note."""
    if incident.responded_at is None:
        incident.responded_at = utcnow()


def _choice(data: Mapping[str, Any], name: str, cls: Any, default: Any, errors: dict[str, str]) -> Any:
    if data.get(name) in (None, ""):
        if default is None:
            errors[name] = "required"
        return default
    try:
        return parse_enum(cls, data[name], name)
    except ValidationError as exc:
        errors.update(exc.fields)
        return default


def check_past(when: datetime, name: str, *, not_before: datetime | None = None, before_what: str = "") -> None:
    """Refuses a time in the future (beyond a little clock skew) or before not_before, naming the field."""
    if when.tzinfo is None:
        raise ValidationError("A time needs its time zone.", fields={name: "naive time"})
    if when > utcnow() + CLOCK_SKEW:
        raise ValidationError("This time is in the future.", fields={name: "in the future"})
    if not_before is not None and when < not_before:
        raise ValidationError(f"This time is before {before_what}.", fields={name: f"before {before_what}"})


def clean_phone(value: object, field: str = "contact_phone") -> str:
    """A phone number as typed (digits, spaces, dashes, a leading +), or a ValidationError."""
    text = clean_text(value, field, max_len=40)
    if not PHONE_RE.match(text):
        raise ValidationError("Enter a phone number we can call (digits only, e.g. 13812345678).",
                              fields={field: "not a phone number"})
    return text


def _caller(data: Mapping[str, Any], values: dict[str, Any], errors: dict[str, str]) -> None:
    """Who called, when staff record it: a name and a phone, both optional (the account holder's record
    serves when the holder called), the phone checked when given."""
    try:
        values["caller_name"] = clean_text(data.get("caller_name"), "caller_name", max_len=CALLER_NAME_MAX,
                                           required=False)
    except ValidationError as exc:
        errors.update(exc.fields)
    phone = data.get("caller_phone")
    values["caller_phone"] = ""
    if phone not in (None, ""):
        try:
            values["caller_phone"] = clean_phone(phone, "caller_phone")
        except ValidationError as exc:
            errors.update(exc.fields)


def _report_type(data: Mapping[str, Any], service: object, errors: dict[str, str]) -> str | None:
    """The report type chosen for a new report: one the catalogue offers under its service, or none."""
    chosen = data.get("report_type")
    if chosen in (None, ""):
        return None
    offered = offered_types(service) if isinstance(service, str) else []
    if not isinstance(chosen, str) or chosen not in offered:
        errors["report_type"] = ("one of: " + ", ".join(offered)) if offered else "this service has no report types"
        return None
    return chosen


def create_incident(s: Session, actor: User, data: Mapping[str, Any], *, reporter: User | None = None,
                    policy: SlaPolicy = DEFAULT_POLICY) -> Incident:
    """A new incident with its SLA due times; subscribers report for themselves, staff for anyone."""
    if reporter is not None and reporter.id != actor.id and not is_staff(actor):
        raise Forbidden("Subscribers report incidents for themselves only.")
    reporter = reporter or actor
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, max_len, required in (("title", TITLE_MAX, True), ("description", DESCRIPTION_MAX, False),
                                    ("customer_account", 40, False)):
        try:
            values[name] = clean_text(data.get(name), name, max_len=max_len, required=required)
        except ValidationError as exc:
            errors.update(exc.fields)
    if is_staff(actor):
        _caller(data, values, errors)
    service = data.get("service")
    if not isinstance(service, str) or service not in ACTIVE:
        errors["service"] = "one of: " + ", ".join(ACTIVE)  # the catalogue's services offered for new reports
    report_type = _report_type(data, service, errors)
    # Unless chosen, the SLA category is the report type's (the catalogue's), else the service's default.
    default = DEFAULT_CATEGORY.get(service) if isinstance(service, str) else None
    if report_type is not None:
        default = REPORT_TYPES[str(service)][report_type][2]
    category = _choice(data, "category", Category, Category(default) if default in CATEGORIES else None, errors)
    area = _choice(data, "area", Area, Area.URBAN, errors)
    default_channel = Channel.PORTAL if actor.role == Role.USER else Channel.HOTLINE
    channel = _choice(data, "channel", Channel, default_channel, errors)
    priority = _choice(data, "priority", Priority, Priority.NORMAL, errors)
    zone = None
    if data.get("zone") not in (None, ""):
        try:
            zone = zone_by_code(s, data["zone"])
        except ValidationError as exc:
            errors.update(exc.fields)
    if errors:
        first = next(iter(errors))
        raise ValidationError(f"Please correct the report ({first}: {errors[first]}).", fields=errors)
    subscriber = None
    if values["customer_account"]:
        subscriber = s.scalar(select(Subscriber).where(Subscriber.account == values["customer_account"]))
    if zone is None and subscriber is not None:
        zone = subscriber.zone
    if zone is not None and data.get("area") in (None, ""):
        area = zone.area
    level = subscriber.service_level.value if subscriber is not None else "normal"
    now = utcnow()
    policy = policy_in_force(s, policy)
    respond_by, resolve_by, calendar = policy.due_times(created_at=now, category=category, area=area,
                                                        service=str(service), service_level=level)
    route = route_for(zone)
    incident = Incident(
        **values, service=service, report_type=report_type, category=category, area=area, channel=channel,
        priority=priority,
        status=IncidentStatus.NEW, tier=1, reporter_id=reporter.id, created_by_id=actor.id,
        respond_by=respond_by, resolve_by=resolve_by, sla_calendar=calendar, created_at=now, updated_at=now,
        subscriber=subscriber, zone=route.zone, group=route.group,
    )
    incident.repeat_of = _earlier_incident(s, reporter, values["customer_account"], str(service), now)
    s.add(incident)
    s.flush()
    incident.number = f"INC{policy.local_day(now):%Y%m%d}-{incident.id:06d}"  # the desk's day, not UTC's
    _record(s, incident, actor, "create", field="status", new=IncidentStatus.NEW.value)
    if incident.repeat_of is not None:
        # The event's label says what happened; a note would be stored in one language for every reader.
        _record(s, incident, actor, "repeat", field="repeat_of", new=incident.repeat_of.number)
    if route.assignee is not None:
        incident.assignee = route.assignee
        incident.status = IncidentStatus.ASSIGNED
        _record(s, incident, actor, "route", field="assignee", new=route.assignee.username,
                note=f"{route.zone.name} ({route.zone.code})" if route.zone else "")
    from servicedesk.problems.outages import join_outage  # problems build on these services

    join_outage(s, incident, actor)  # reported during a known outage: it joins the outage's problem
    s.flush()
    return incident


def reclassify_incident(s: Session, incident: Incident, actor: User, report_type: object) -> Incident:
    """Corrects the report type once the agent knows more (the caller said "no internet", it was the Wi-Fi):
    one the catalogue offers under the incident's service, or none. The SLA category and targets promised at the
    report stay as they were; the figures count the incident under its new type."""
    _require_staff(actor, "change report types")
    if incident.status in (IncidentStatus.CLOSED, IncidentStatus.CANCELLED):
        raise Conflict("An ended incident keeps its report type.", code="invalid_transition",
                       fields={"report_type": "the incident has ended"})
    errors: dict[str, str] = {}
    chosen = _report_type({"report_type": report_type}, incident.service, errors)
    if errors:
        raise ValidationError(f"Please choose a report type of this service ({errors['report_type']}).",
                              fields=errors)
    if chosen == incident.report_type:
        raise ValidationError("The incident has this report type already.", fields={"report_type": "unchanged"})
    _record(s, incident, actor, "reclassify", field="report_type", old=incident.report_type, new=chosen)
    incident.report_type = chosen
    incident.updated_at = utcnow()
    s.flush()
    return incident


def _earlier_incident(s: Session, reporter: User, account: str, service: str, now: datetime) -> Incident | None:
    """The latest incident of the same subscriber and service closed within the repeat window, if any."""
    same_subscriber = Incident.customer_account == account if account else Incident.reporter_id == reporter.id
    return s.scalar(
        select(Incident).where(same_subscriber, Incident.service == service,
                               Incident.status == IncidentStatus.CLOSED,
                               Incident.closed_at >= now - timedelta(days=REPEAT_WINDOW_DAYS))
        .order_by(Incident.closed_at.desc()).limit(1)
    )


def assign_incident(s: Session, incident: Incident, actor: User, assignee: User | None) -> Incident:
    """Hands the incident to an active staff member (or takes it off anyone's desk)."""
    _require_staff(actor, "assign incidents")
    target = _move(incident, "assign")
    if assignee is not None and (not assignee.is_staff or not assignee.active):
        raise ValidationError("Incidents can only be assigned to active staff.", fields={"assignee": "not staff"})
    old = incident.assignee.username if incident.assignee else None
    incident.assignee = assignee
    _record(s, incident, actor, "assign", field="assignee", old=old, new=assignee.username if assignee else None)
    stamp_first_response(incident)
    if target != incident.status:
        _set_status(s, incident, actor, "assign", target)
    s.flush()
    return incident


def start_work(s: Session, incident: Incident, actor: User) -> Incident:
    """The acting agent takes the incident and starts working on it."""
    _require_staff(actor, "work on incidents")
    target = _move(incident, "start")
    if incident.assignee_id is None:
        incident.assignee = actor
        _record(s, incident, actor, "assign", field="assignee", new=actor.username)
    stamp_first_response(incident)
    _set_status(s, incident, actor, "start", target)
    s.flush()
    return incident


def _unpause(s: Session, incident: Incident) -> None:
    """Moves the due times on by the time spent pending, in the incident's calendar: the SLA clock does
    not run while paused."""
    if incident.paused_at is None:
        return
    policy, now = policy_in_force(s), utcnow()
    incident.respond_by = policy.after_pause(incident.sla_calendar, incident.respond_by, incident.paused_at, now)
    incident.resolve_by = policy.after_pause(incident.sla_calendar, incident.resolve_by, incident.paused_at, now)
    incident.paused_at = None


def pend_incident(s: Session, incident: Incident, actor: User, reason: object) -> Incident:
    """Parks the incident waiting for the subscriber, parts or a third party; a reason is required."""
    _require_staff(actor, "put incidents on hold")
    target = _move(incident, "pend")
    text = clean_text(reason, "reason", max_len=NOTE_MAX)
    stamp_first_response(incident)
    incident.paused_at = utcnow()
    _set_status(s, incident, actor, "pend", target, note=text)
    s.flush()
    return incident


def resume_incident(s: Session, incident: Incident, actor: User) -> Incident:
    """Takes a pending incident back into work."""
    _require_staff(actor, "resume incidents")
    target = _move(incident, "resume")
    _unpause(s, incident)
    _set_status(s, incident, actor, "resume", target)
    s.flush()
    return incident


def link_solution(s: Session, incident: Incident, actor: User, article: Article) -> Incident:
    """Links (or relinks) the incident's one solution; the article must be a live, unretired solution."""
    _require_staff(actor, "link solutions")
    _move(incident, "link_solution")
    if article.type != ArticleType.SOLUTION:
        raise ValidationError("Only a solution article can solve an incident.",
                              fields={"article_id": "not a solution"})
    if article.status == ArticleStatus.RETIRED:
        raise Conflict("This solution is retired and can no longer be linked.", code="article_retired")
    if incident.solution_id == article.id:
        return incident
    old = incident.solution_id
    incident.solution = article
    _record(s, incident, actor, "link_solution", field="solution_id", old=old, new=article.id)
    s.flush()
    return incident


def write_solution(s: Session, incident: Incident, author: User, data: Mapping[str, Any]) -> Article:
    """A new draft solution written from the incident and linked to it in the same unit of work."""
    _move(incident, "link_solution")
    article = create_article(s, author, {**data, "type": ArticleType.SOLUTION.value})
    link_solution(s, incident, author, article)
    return article


def escalate_incident(s: Session, incident: Incident, actor: User, *, tier: object, reason: object,
                      assignee: User | None = None, group: MaintenanceGroup | None = None) -> Incident:
    """Hands the incident to a higher tier (转交) with a reason and a target: a team, a person, or both.

    Without a named team the incident stays with its own maintenance group; with neither a person
    nor any team to take it over, the hand-over is refused.
    """
    _require_staff(actor, "escalate incidents")
    target = _move(incident, "escalate")
    if not isinstance(tier, int) or isinstance(tier, bool) or not 1 <= tier <= 4:
        raise ValidationError("The tier is a whole number from 1 to 4.", fields={"tier": "1 to 4"})
    if tier <= incident.tier:
        raise ValidationError(f"The incident is already at L{incident.tier}; escalate to a higher tier.",
                              fields={"tier": f"greater than {incident.tier}"})
    text = clean_text(reason, "reason", max_len=NOTE_MAX)
    if assignee is not None and (not assignee.is_staff or not assignee.active):
        raise ValidationError("Incidents can only be assigned to active staff.", fields={"assignee": "not staff"})
    if assignee is None and group is None and incident.group_id is None:
        raise ValidationError("Name the team or the person who takes the incident over.",
                              fields={"group": "a team or a person"})
    _record(s, incident, actor, "escalate", field="tier", old=incident.tier, new=tier, note=text)
    stamp_first_response(incident)
    incident.tier = tier
    if group is not None and group.id != incident.group_id:
        _record(s, incident, actor, "escalate", field="group",
                old=incident.group.name if incident.group else None, new=group.name)
        incident.group = group
    old = incident.assignee.username if incident.assignee else None
    incident.assignee = assignee
    if old != (assignee.username if assignee else None):
        _record(s, incident, actor, "assign", field="assignee", old=old, new=assignee.username if assignee else None)
    _set_status(s, incident, actor, "escalate", target if assignee else IncidentStatus.NEW)
    s.flush()
    return incident


def resolve_incident(s: Session, incident: Incident, actor: User, note: object) -> Incident:
    """Marks the fix done with a note; the incident then waits for the reporter's verification."""
    _require_staff(actor, "resolve incidents")
    target = _move(incident, "resolve")
    text = clean_text(note, "note", max_len=NOTE_MAX)
    _unpause(s, incident)
    stamp_first_response(incident)
    incident.resolution_note = text
    incident.resolved_at = utcnow()
    incident.verified = False
    _set_status(s, incident, actor, "resolve", target, note=text)
    s.flush()
    return incident


def verify_incident(s: Session, incident: Incident, actor: User, *, accepted: object, rating: object = None,
                    comment: object = "", method: object = None, called_at: datetime | None = None) -> Verification:
    """Records the reporter's verdict on the fix, in person or through a staff call-back (回访).

    A call-back records who called (the actor), when (called_at, default now; never in the future nor
    before the fix), the outcome, rating and comment. Accepting marks the incident verified; rejecting
    needs a reason and sends it back to work.
    """
    if method in (None, ""):
        method = VerificationMethod.SELF.value if actor.id == incident.reporter_id else None
    if method is None and not is_staff(actor):
        raise Forbidden("Only the reporting user confirms a fix themselves.")
    if method is None:
        raise ValidationError("Staff record a verification as a call-back: method 'callback'.",
                              fields={"method": "must be 'callback' for staff"})
    how = parse_enum(VerificationMethod, method, "method")
    if how == VerificationMethod.UNREACHABLE:
        # Nobody answered: accepted and unrated, by a lead once the operator's rule is met (see callbacks).
        if clean_bool(accepted, "accepted") is not True or rating is not None:
            raise ValidationError("An unreachable subscriber's verification is accepted and carries no rating.",
                                  fields={"accepted": "must be true", "rating": "must be empty"})
        from servicedesk.incidents.callbacks import record_unreachable

        return record_unreachable(s, incident, actor, comment=comment)
    if how == VerificationMethod.SELF and actor.id != incident.reporter_id:
        raise Forbidden("Only the reporting user confirms a fix themselves.")
    if how == VerificationMethod.CALLBACK and not is_staff(actor):
        raise Forbidden("Only staff record call-backs.")
    ok = clean_bool(accepted, "accepted")
    if rating is not None and (not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5):
        raise ValidationError("The rating is 1 to 5 stars.", fields={"rating": "1 to 5"})
    text = clean_text(comment, "comment", max_len=NOTE_MAX, required=not ok)
    target = _move(incident, "verify_accept" if ok else "verify_reject")
    at = utcnow()
    if called_at is not None and how == VerificationMethod.CALLBACK:
        check_past(called_at, "called_at", not_before=incident.resolved_at, before_what="the fix")
        at = called_at
    verification = Verification(incident=incident, by_id=actor.id, method=how, accepted=ok,
                                rating=rating, comment=text, at=at)
    s.add(verification)
    incident.verified = ok
    if not ok:
        incident.reopen_count += 1
        incident.resolved_at = None
    _set_status(s, incident, actor, "verify" if ok else "reject_fix", target,
                note=f"{how.value}: {text}" if text else how.value)
    s.flush()
    return verification


def close_blockers(incident: Incident) -> list[CloseBlocker]:
    """What still stands between the incident and closing, in the order the rule checks it."""
    blockers: list[CloseBlocker] = []
    if incident.solution is None:
        blockers.append(CloseBlocker("no_solution", "No solution is linked to this incident."))
    elif not incident.solution.is_approved:
        blockers.append(CloseBlocker(
            "solution_not_approved",
            "The linked solution has not been approved by a technical lead (content and form review).",
        ))
    if not incident.verified:
        blockers.append(CloseBlocker(
            "not_verified", "The reporting user has not verified the fix (self-service or call-back).",
        ))
    return blockers


def close_incident(s: Session, incident: Incident, actor: User) -> Incident:
    """Closes the incident only when it links one approved solution and the reporter verified the fix.

    This is the one place the close rule lives; pages, API and CLI all call it.
    """
    _require_staff(actor, "close incidents")
    if incident.status == IncidentStatus.CLOSED:
        raise Conflict("This incident is already closed.", code="already_closed")
    blockers = close_blockers(incident)
    if blockers:
        raise Conflict(blockers[0].message, code=blockers[0].code)
    target = _move(incident, "close")
    incident.closed_at = utcnow()
    _set_status(s, incident, actor, "close", target)
    _close_duplicates(s, incident, actor)
    s.flush()
    return incident


def duplicates_of(s: Session, parent: Incident) -> list[Incident]:
    """The incidents merged into parent that still wait for it, oldest first."""
    return list(s.scalars(select(Incident).where(Incident.duplicate_of_id == parent.id,
                                                 Incident.status == IncidentStatus.DUPLICATE)
                          .order_by(Incident.id)))


def _close_duplicates(s: Session, parent: Incident, actor: User) -> None:
    """Closes the parent's duplicates through its solution and its verified fix."""
    for child in duplicates_of(s, parent):
        target = _move(child, "close_with_parent")
        if child.solution_id != parent.solution_id:
            _record(s, child, actor, "link_solution", field="solution_id", old=child.solution_id,
                    new=parent.solution_id, note=f"through {parent.number}")
            child.solution_id = parent.solution_id
        child.verified = True
        child.paused_at = None
        child.resolved_at = parent.resolved_at or parent.closed_at
        child.resolution_note = child.resolution_note or parent.resolution_note
        child.closed_at = parent.closed_at
        _set_status(s, child, actor, "close_with_parent", target, note=f"closed with {parent.number}")


def reopen_deadline(incident: Incident, window_days: int = REOPEN_WINDOW_DAYS) -> datetime | None:
    """Until when a closed incident may still be reopened; None when it is not closed."""
    if incident.status != IncidentStatus.CLOSED or incident.closed_at is None:
        return None
    return incident.closed_at + timedelta(days=window_days)


def reopen_incident(s: Session, incident: Incident, actor: User, reason: object, *,
                    window_days: int = REOPEN_WINDOW_DAYS) -> Incident:
    """Sends a resolved or recently closed incident back to work, with a reason."""
    if not (is_staff(actor) or actor.id == incident.reporter_id):
        raise Forbidden("Only staff or the reporting user reopen an incident.")
    target = _move(incident, "reopen")
    text = clean_text(reason, "reason", max_len=NOTE_MAX)
    deadline = reopen_deadline(incident, window_days)
    if deadline is not None and utcnow() > deadline:
        raise Conflict(f"Closed more than {window_days} days ago; open a new incident linked to it instead.",
                       code="reopen_window_passed")
    incident.verified = False
    incident.closed_at = None
    incident.resolved_at = None
    incident.reopen_count += 1
    _set_status(s, incident, actor, "reopen", target, note=text)
    s.flush()
    return incident


def incident_counts_for(s: Session, article_ids: list[int]) -> dict[int, int]:
    """How many incidents link each of these articles as their solution."""
    if not article_ids:
        return {}
    rows = s.execute(select(Incident.solution_id, func.count()).where(Incident.solution_id.in_(article_ids))
                     .group_by(Incident.solution_id))
    return {int(aid): int(n) for aid, n in rows if aid is not None}
