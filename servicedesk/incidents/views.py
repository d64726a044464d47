"""Staff incident pages: the queue (tabs, filters, bulk assign), taking a report, and the incident page.

Views translate, services decide. The actions of the incident page live in action_views, the
call-back audit and the desk figures in audit_views; all hang on this module's blueprint.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_time, get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response

from kb.errors import DomainError, ValidationError
from kb.models import Article
from kb.orm import utcnow
from kb.search.service import search_articles, suggest_for_incident
from servicedesk import db
from servicedesk.auth.setup import STAFF, current, roles_required
from servicedesk.formerrors import attach_domain_error, domain_message
from servicedesk.incidents import lifecycle, queries, services
from servicedesk.incidents.forms import ACTION_FORMS, BulkAssignForm, NewIncidentForm, QueueFilterForm
from servicedesk.incidents.models import Incident
from servicedesk.incidents.sla import sla_state
from servicedesk.incidents.workflow import OPEN_STATES, allowed_actions
from servicedesk.org.models import MaintenanceGroup, Zone, mask_phone
from servicedesk.org.news import read_news
from servicedesk.search import current_index
from servicedesk.users.models import User
from servicedesk.web import safe_next

bp = Blueprint("incidents", __name__)
log = logging.getLogger(__name__)


TAB_LABELS: dict[str, Any] = {
    "mine": _l("Mine"),
    "team": _l("My team"),
    "unassigned": _l("Unassigned"),
    "at_risk": _l("At risk"),
    "breached": _l("Breached"),
    "awaiting": _l("Awaiting verification"),
    "open": _l("All open"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
    "all": _l("Everything"),
}
EVENT_LABELS: dict[str, Any] = {
    "join_problem": _l("Gathered into a problem"),
    "known_outage": _l("Reported during a known outage"),
    "create": _l("Reported"),
    "assign": _l("Assigned"),
    "start": _l("Work started"),
    "pend": _l("Put on hold"),
    "resume": _l("Resumed"),
    "escalate": _l("Handed over (escalated)"),
    "link_solution": _l("Solution linked"),
    "resolve": _l("Resolved"),
    "verify": _l("Fix verified"),
    "reject_fix": _l("Fix rejected"),
    "close": _l("Closed"),
    "reopen": _l("Reopened"),
    "route": _l("Routed to the zone's manager"),
    "repeat": _l("Reported again within 30 days"),
    "cancel": _l("Cancelled"),
    "mark_duplicate": _l("Marked as a duplicate"),
    "merge": _l("Duplicate merged in"),
    "close_with_parent": _l("Closed with its parent"),
    "release_duplicate": _l("Back to work: the parent was cancelled"),
    "follow_up": _l("Follow-up incident"),
    "field_work": _l("Field work recorded"),
    "audit": _l("Audit call-back"),
    "sla_breach": _l("SLA breached: escalated to the group leader"),
    "chase": _l("The subscriber called again (催修)"),
    "reclassify": _l("Report type changed"),
}
FIELD_LABELS: dict[str, Any] = {
    "arrived_at": _l("Arrived on site"), "completed_at": _l("Work completed"), "fault_cause": _l("Fault cause"),
    "steps": _l("Handling steps"), "ip_address": _l("IP address"), "vlan": _l("VLAN"),
    "mac_address": _l("MAC address"), "a_end": _l("A-end route"), "z_end": _l("Z-end route"),
    "group": _l("Team"), "assignee": _l("Assignee"), "duplicate_of": _l("Duplicate of"),
    "duplicates": _l("Duplicates"), "follow_up": _l("Followed up by"), "repeat_of": _l("Follows"),
    "audit": _l("Outcome"),
    "chase_count": _l("Chases"),
    "report_type": _l("Report type"),
}
# How a fix was verified, as the history's verify and reject_fix notes begin ("self: 好了。").
VERIFY_METHOD_LABELS: dict[str, Any] = {"self": _l("Confirmed in self-service"), "callback": _l("Call-back (回访)")}
PER_PAGE = 25
# Solutions an agent may link from the page search: approved ones and colleagues' work in progress.
LINKABLE_STATUSES = "approved,in_review,draft"


def me() -> User:
    user = current()
    assert user is not None  # roles_required let only logged-in staff through
    return user


def load(incident_id: int, *, for_update: bool = False) -> Incident:
    return services.get_incident(db.session(), current(), incident_id, for_update=for_update)


def desk_zone() -> ZoneInfo:
    return ZoneInfo(str(get_timezone() or current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC"))


def aware(value: datetime | None) -> datetime | None:
    """A time typed into a form (the desk's local time) as an aware datetime."""
    return value.replace(tzinfo=desk_zone()) if value is not None and value.tzinfo is None else value


def local(value: datetime | None) -> datetime | None:
    """A stored time as the naive local time a datetime-local input shows."""
    return value.astimezone(desk_zone()).replace(tzinfo=None) if value is not None else None


def event_note(action: str, note: str) -> str:
    """A history note as the page shows it: a verification's method in words, not its code."""
    if action in ("verify", "reject_fix"):
        method, _sep, text = note.partition(": ")
        label = VERIFY_METHOD_LABELS.get(method)
        if label is not None:
            return f"{label}: {text}" if text else str(label)
    return note


def sla_of(incident: Incident) -> str:
    """The SLA badge's state; only an open incident has a running clock to show."""
    if incident.status not in OPEN_STATES:
        return ""
    return sla_state(now=utcnow(), created_at=incident.created_at, resolve_by=incident.resolve_by,
                     resolved_at=incident.resolved_at, paused_at=incident.paused_at)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=desk_zone())


def _queue_filters(form: QueueFilterForm) -> queries.QueueFilters:
    """The checked filters as the query wants them; an unknown zone is marked beside its field."""
    v = form.values()
    zone_id = None
    if v.get("zone"):
        zone_id = db.session.scalar(select(Zone.id).where(Zone.code == v["zone"].strip()))
        if zone_id is None:
            form.zone.errors = [*form.zone.errors, _("No zone has this code.")]
    assignee = (v.get("assignee") or "").strip()
    assignee_id = None
    if assignee == "me":
        assignee_id = me().id
    elif assignee and assignee != "none":
        assignee_id = db.session.scalar(select(User.id).where(User.username == assignee))
        if assignee_id is None:
            form.assignee.errors = [*form.assignee.errors, _("No active user has this username.")]
    service, report_type = v.get("service"), None
    if v.get("report_type"):  # "service:code": the type names its service
        service, report_type = v["report_type"].split(":", 1)
        if v.get("service") and v["service"] != service:
            form.report_type.errors = [*form.report_type.errors, _("This type is not one of the chosen service.")]
    return queries.QueueFilters(
        status=v.get("status"), service=service, report_type=report_type, category=v.get("category"),
        area=v.get("area"),
        zone_id=zone_id, tier=int(v["tier"]) if v.get("tier") else None,
        assignee_id=assignee_id, unassigned=assignee == "none",
        sla=v.get("sla"), q=v.get("q") or "",
        created_from=_day_start(v["created_from"]) if v.get("created_from") else None,
        created_to=_day_start(v["created_to"]) + timedelta(days=1) if v.get("created_to") else None,
    )


QUEUE_COLUMNS: dict[str, Any] = {
    "number": _l("Number"), "title": _l("Title"), "status": _l("Status"), "sla": _l("Resolve by · SLA"),
    "service": _l("Service"), "category": _l("Category"), "zone": _l("Zone · area"), "tier": _l("Tier"),
    "assignee": _l("Assignee"), "subscriber": _l("Reporter · account"), "created": _l("Reported"),
    "chases": _l("Chases · solution"),
}
DEFAULT_COLUMNS = ("number", "title", "status", "sla", "service", "zone", "assignee", "subscriber", "created",
                   "chases")
# The columns a click sorts by, each with the desk's orders it toggles between (first: the one a click gives).
SORTABLE = {"created": ("newest", "oldest"), "sla": ("resolve_by",), "tier": ("tier",), "chases": ("chases",)}
ASCENDING = ("oldest", "resolve_by")  # the others put the largest (newest, highest, most) first


def _columns() -> list[tuple[str, Any]]:
    """The columns asked for (?cols=…, number and title always), else the default set, in the desk's order."""
    asked = set(request.args.getlist("cols")) & set(QUEUE_COLUMNS)
    keys = asked | {"number", "title"} if asked else set(DEFAULT_COLUMNS)
    return [(k, QUEUE_COLUMNS[k]) for k in QUEUE_COLUMNS if k in keys]


def _sort_links(current: str) -> dict[str, dict[str, str]]:
    """Per sortable column: the link a click follows and the aria-sort state it shows now."""
    links = {}
    for key, orders in SORTABLE.items():
        state = "none"
        if current in orders:
            state = "ascending" if current in ASCENDING else "descending"
        following = orders[(orders.index(current) + 1) % len(orders)] if current in orders else orders[0]
        args: dict[str, Any] = {**request.args.to_dict(flat=False), "sort": [following]}
        args.pop("page", None)
        links[key] = {"url": url_for(".queue", **args), "state": state}
    return links


@bp.get("/desk/incidents")
@roles_required(*STAFF)
def queue() -> Any:
    s = db.session()
    form = QueueFilterForm(formdata=request.args)
    form.validate()
    filters = _queue_filters(form)
    tab = request.args.get("tab", queries.DEFAULT_TAB)
    tab = tab if tab in queries.TABS else queries.DEFAULT_TAB
    sort = request.args.get("sort") if request.args.get("sort") in queries.SORTS else None
    form.sort.data = sort or queries.TAB_SORT.get(tab, "newest")
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), 10_000)
    rows_only = request.headers.get("X-Queue-Refresh") == "rows"
    result = queries.queue_page(s, me().id, tab=tab, filters=filters, sort=sort, page=page, per_page=PER_PAGE,
                                with_counts=not rows_only)
    columns = _columns()
    shown = {"result": result, "sla": sla_of, "mask_phone": mask_phone, "columns": columns}
    if rows_only:  # queue.js refreshing the rows in place
        return render_template("incidents/_queue_rows.html", **shown), 400 if form.errors else 200
    bulk = BulkAssignForm(formdata=None).set_staff(queries.staff_choices(s)).set_groups(queries.group_choices(s))
    return render_template("incidents/queue.html", form=form, tab=tab, tabs=TAB_LABELS, bulk=bulk,
                           tab_cap=queries.TAB_CAP, all_columns=list(QUEUE_COLUMNS.items()),
                           column_keys={k for k, _label in columns}, sort_links=_sort_links(form.sort.data),
                           now_shown=format_time(utcnow(), "HH:mm:ss"),
                           refresh_ms=int(current_app.config.get("QUEUE_REFRESH_SECONDS", 60)) * 1000,
                           saved_views=saved_views.views_of(s, me()), **shown), 400 if form.errors else 200


@bp.post("/desk/incidents/bulk-assign")
@bp.post("/desk/incidents/bulk")
@roles_required(*STAFF)
def bulk_assign() -> Response:
    """One action on the ticked incidents, all or none, then back to the same queue view."""
    s = db.session()
    form = BulkAssignForm().set_staff(queries.staff_choices(s)).set_groups(queries.group_choices(s))
    back = safe_next(request.form.get("next"), url_for(".queue"))
    if not form.validate_on_submit():
        flash(_("Nothing was changed: tick at least one incident and fill in what the action needs."), "error")
        return redirect(back)
    ids = list(dict.fromkeys(int(i) for i in form.ids.data if i))
    action = form.action.data or "assign"
    try:
        incidents = lifecycle.incidents_by_ids(s, ids)
        for incident in incidents:
            services.check_version(incident, request.form.get(f"version-{incident.id}"))
        done = _bulk(s, form, action, incidents)
        s.commit()
    except DomainError as exc:
        s.rollback()
        reason = bulk_reason(exc, action)
        flash(_("Nothing was assigned: %(reason)s", reason=reason) if action == "assign"
              else _("Nothing was changed: %(reason)s", reason=reason), "error")
        return redirect(back)
    except Exception as exc:
        conflict = services.concurrent_change(exc)
        if conflict is None:
            raise
        s.rollback()
        flash(_("Nothing was changed: someone else changed one of these incidents at the same moment."), "error")
        return redirect(back)
    flash(done, "success")
    return redirect(back)


def _bulk(s: Any, form: BulkAssignForm, action: str, incidents: list[Incident]) -> str:
    """Runs the bulk action through the single-incident services; the success message."""
    actor = me()
    assignee = s.get(User, int(form.assignee.data)) if form.assignee.data else None
    if action == "escalate":
        group = s.get(MaintenanceGroup, int(form.group.data)) if (form.group.data or "").isdigit() else None
        lifecycle.bulk_apply(s, actor, incidents, lambda i: services.escalate_incident(
            s, i, actor, tier=int(form.tier.data or 2), reason=form.reason.data, assignee=assignee, group=group),
            "escalated")
        if group is not None:
            return _("%(num)d incidents handed over to L%(tier)s, %(team)s.", num=len(incidents),
                     tier=form.tier.data, team=group.name)
        return _("%(num)d incidents handed over to L%(tier)s.", num=len(incidents), tier=form.tier.data)
    if action == "pend":
        lifecycle.bulk_apply(s, actor, incidents, lambda i: services.pend_incident(s, i, actor, form.reason.data),
                             "put on hold")
        return _("%(num)d incidents put on hold.", num=len(incidents))
    if action == "solution":
        article = s.get(Article, form.article_id.data) if form.article_id.data else None
        if article is None:
            raise ValidationError("No such article.", fields={"article_id": "no such article"})
        lifecycle.bulk_apply(s, actor, incidents, lambda i: services.link_solution(s, i, actor, article), "linked")
        return _("Solution linked to %(num)d incidents.", num=len(incidents))
    lifecycle.bulk_assign(s, actor, incidents, assignee)
    who = assignee.name if assignee else _("nobody")
    return _("%(num)d incidents assigned to %(who)s.", num=len(incidents), who=who)


def bulk_reason(exc: DomainError, action: str = "assign") -> str:
    """Why a bulk action was refused, naming the incidents that stood in the way."""
    if exc.code == "stale_version":
        return _("one of them changed since the list was shown; reload and tick again.")
    if exc.code == "invalid_transition":
        numbers = exc.fields.get("ids", "")
        if action == "assign":
            return _("%(numbers)s cannot be assigned in their current state.", numbers=numbers)
        return _("%(numbers)s cannot take this action in their current state.", numbers=numbers)
    return _(exc.message)


@bp.route("/desk/incidents/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new() -> Any:
    """The hotline intake: look the caller up, see their open and recent incidents, chase or record anew."""
    s = db.session()
    form = NewIncidentForm().set_zones(intake_views.zone_rows(s))
    picked = intake_views.picked_subscriber(s)
    if picked is not None and not form.is_submitted():
        form.customer_account.data = picked.account
        form.zone.data = picked.zone.code if picked.zone is not None else ""
    if not form.is_submitted() and request.args.get("phone"):
        form.caller_phone.data = request.args["phone"][:40]  # back from a chase on a caller without an account
    if not form.validate_on_submit():
        return intake_views.intake_page(form, picked), 400 if form.is_submitted() else 200
    reporter = queries.active_user_by_username(s, form.reporter.data) if form.reporter.data else None
    try:
        if form.reporter.data and reporter is None:
            raise ValidationError("No such user.", fields={"reporter": "no such user"})
        incident = services.create_incident(s, me(), form.incident_data(), reporter=reporter,
                                            policy=current_app.extensions["sla_policy"])
    except DomainError as exc:
        db.session.rollback()
        attach_domain_error(form, exc)
        flash(domain_message(exc), "error")
        return intake_views.intake_page(form, picked), exc.status
    db.session.commit()
    flash(_("Incident %(number)s recorded.", number=incident.number), "success")
    return redirect(url_for(".detail", incident_id=incident.id))


def _kb_search(text: str) -> tuple[list[Any], str | None]:
    """Solutions matching what the agent typed into the page's search box."""
    if not text.strip():
        return [], None
    try:
        result = search_articles(current_index(), current(), text, filters={"type": "solution"},
                                 status=LINKABLE_STATUSES, per_page=10)
    except DomainError as exc:
        return [], domain_message(exc)
    except Exception:
        log.exception("knowledge search failed on the incident page")
        return [], _("The knowledge search is not available right now; link by article number instead.")
    return result.items, None


def _suggestions(incident: Incident) -> list[Any] | None:
    """Approved solutions for the incident's text; None when the index cannot answer.

    The index follows the database and can be rebuilt, so a failing index must not take the
    incident page (and with it resolving and closing) down.
    """
    try:
        return suggest_for_incident(current_index(), current(), incident.title, incident.description).items
    except Exception:
        log.exception("suggestions failed for incident %s", incident.id)
        return None


def prepare(form: FlaskForm, staff: list[tuple[str, str]] | None = None) -> FlaskForm:
    """Fills a form's pickers (people, teams) from the database."""
    if hasattr(form, "set_staff"):
        roles = getattr(form, "pick_roles", None)  # a picker of its own (escalation: specialists and leads)
        if roles is not None:
            form.set_staff(queries.staff_choices(db.session(), roles))
        else:
            form.set_staff(staff if staff is not None else queries.staff_choices(db.session()))
    if hasattr(form, "set_groups"):
        form.set_groups(queries.group_choices(db.session()))
    return form


def _defaults(incident: Incident) -> dict[str, dict[str, Any]]:
    work = incident.field_work
    fw: dict[str, Any] = {}
    if work is not None:
        fw = {name: getattr(work, name) for name in ("fault_cause", "steps", "ip_address", "mac_address",
                                                      "a_end", "z_end")}
        fw.update(arrived_at=local(work.arrived_at), completed_at=local(work.completed_at),
                  vlan=str(work.vlan) if work.vlan else "")
    return {"assign_form": {"assignee": str(incident.assignee_id or "")}, "field_work_form": fw,
            "reclassify_form": {"report_type": incident.report_type or ""}}


def detail_page(incident: Incident, status: int = 200, **given: FlaskForm) -> Any:
    """The incident page; forms passed in (a refused or invalid action) keep what the user typed."""
    s = db.session()
    staff = queries.staff_choices(s)
    forms: dict[str, Any] = {}
    defaults = _defaults(incident)
    for name, (cls, prefix) in ACTION_FORMS.items():
        form = given.get(name) or cls(prefix=prefix, formdata=None, data=defaults.get(name))
        if name not in given:
            form.version.data = str(incident.version)
        if hasattr(form, "set_types"):
            form.set_types(incident.service, incident.report_type)
        forms[name] = prepare(form, staff)
    kbq = request.args.get("kbq", "")
    kb_hits, kb_error = _kb_search(kbq)
    window = int(current_app.config.get("REOPEN_WINDOW_DAYS", services.REOPEN_WINDOW_DAYS))
    deadline = services.reopen_deadline(incident, window)
    actions = set(allowed_actions(incident.status))
    if deadline is not None and utcnow() > deadline:
        actions.discard("reopen")
    else:
        actions.discard("follow_up")
    return render_template(
        "incidents/detail.html", incident=incident, **forms,
        actions=actions, blockers=services.close_blockers(incident),
        # Suggestions serve linking a solution: no search for an incident that can no longer take one.
        suggestions=_suggestions(incident) if "link_solution" in actions else [],
        kbq=kbq, kb_hits=kb_hits, kb_error=kb_error, event_labels=EVENT_LABELS, field_labels=FIELD_LABELS,
        sla_state=sla_of(incident), reopen_until=deadline, related=queries.related_incidents(s, incident),
        leased_line=incident.service == "leased_line",
        portal=portal_context(s, incident),
        event_note=event_note,
        people=queries.display_names(s, [v for ev in incident.events if ev.field == "assignee"
                                         for v in (ev.old, ev.new)]),
    ), status


def portal_context(s: Any, incident: Incident) -> dict[str, Any]:
    """What the subscriber left in the portal: contact, what they searched and read, photos, rating tags."""
    from servicedesk.portal.forms import RATING_TAG_LABELS
    from servicedesk.portal.photos import photos_for
    from servicedesk.portal.services import report_for, tags_for, viewed_articles_for

    return {
        "report": report_for(s, incident.id),
        "viewed": viewed_articles_for(s, incident.id),
        "photos": photos_for(s, incident.id),
        "tags": tags_for(s, [v.id for v in incident.verifications]),
        "tag_labels": RATING_TAG_LABELS,
    }


@bp.get("/desk/incidents/<int:incident_id>")
@roles_required(*STAFF)
def detail(incident_id: int) -> Any:
    incident = load(incident_id)
    me_now = current()
    if me_now is not None:
        read_news(me_now, incident.id)  # "assigned to you", "SLA at risk", replies: read once opened
    return detail_page(incident)


# The other pages of this blueprint register their routes on import.
import servicedesk.incidents.action_views  # noqa: E402
import servicedesk.incidents.audit_views  # noqa: E402,F401
from servicedesk.incidents import intake_views, saved_views  # noqa: E402
