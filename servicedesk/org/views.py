"""Organisation admin pages (stations, groups, zones), subscriber records, and the in-app notifications.

Views translate, services decide: servicedesk.org.services holds every rule. The SLA policy pages live
in sla_views, on this module's blueprint.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response

from kb.actors import Role
from kb.errors import DomainError
from servicedesk import db
from servicedesk.auth.setup import STAFF, current, roles_required
from servicedesk.formerrors import attach_domain_error
from servicedesk.incidents.queries import active_staff, all_groups
from servicedesk.org import queries, services
from servicedesk.org.forms import (
    LEVEL_LABELS,
    GroupEditForm,
    GroupForm,
    StationForm,
    SubscriberForm,
    ZoneEditForm,
    ZoneForm,
)
from servicedesk.org.models import MaintenanceGroup, ServiceStation, Subscriber, Zone, mask_phone
from servicedesk.users.models import User

bp = Blueprint("org", __name__)
PER_PAGE = 25


def _me() -> User:
    user = current()
    assert user is not None
    return user


@bp.app_context_processor
def _notification_count() -> dict[str, Any]:
    """unread_notifications() for the navigation; counted only when a page asks (and capped at 99+)."""
    def unread() -> int:
        user = current()
        return queries.unread_count(db.session(), user.id) if user is not None else 0
    return {"unread_notifications": unread}


def _person(value: str | None) -> User | None:
    return db.session.get(User, int(value)) if value else None


def _org_page(status: int = 200, **given: FlaskForm) -> Any:
    s = db.session()
    stations = queries.organisation(s)
    staff = active_staff(s)
    groups = all_groups(s)
    forms = {
        "station_form": given.get("station_form") or StationForm(formdata=None),
        "group_form": (given.get("group_form") or GroupForm(formdata=None)).fill(stations, staff),
        "zone_form": (given.get("zone_form") or ZoneForm(formdata=None)).fill(groups, staff),
    }
    return render_template("org/organisation.html", stations=stations, **forms), status


@bp.get("/desk/org")
@roles_required(Role.ADMIN)
def organisation() -> Any:
    return _org_page()


def _save(form_name: str, form: FlaskForm, run: Any, done: str) -> Any:
    """Valid form → service → commit → back to the organisation page; else the page with the form kept."""
    if not form.validate_on_submit():
        return _org_page(400, **{form_name: form})
    try:
        run()
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        attach_domain_error(form, exc, summary=True)
        return _org_page(exc.status, **{form_name: form})
    flash(done, "success")
    return redirect(url_for(".organisation"))


@bp.post("/desk/org/stations")
@roles_required(Role.ADMIN)
def create_station() -> Any:
    form = StationForm()
    return _save("station_form", form, lambda: services.create_station(db.session(), _me(), form.name.data),
                 _("Station saved."))


@bp.post("/desk/org/groups")
@roles_required(Role.ADMIN)
def create_group() -> Any:
    s = db.session()
    form = GroupForm().fill(queries.organisation(s), active_staff(s))

    def run() -> None:
        station = s.get(ServiceStation, int(form.station.data))
        if station is None:
            abort(404)
        services.create_group(s, _me(), station, form.name.data, leader=_person(form.leader.data))
    return _save("group_form", form, run, _("Group saved."))


@bp.post("/desk/org/zones")
@roles_required(Role.ADMIN)
def create_zone() -> Any:
    s = db.session()
    form = ZoneForm().fill(all_groups(s), active_staff(s))

    def run() -> None:
        group = s.get(MaintenanceGroup, int(form.group.data))
        if group is None:
            abort(404)
        services.create_zone(s, _me(), group, code=form.code.data, name=form.name.data,
                             manager=_person(form.manager.data), area=form.area.data)
    return _save("zone_form", form, run, _("Zone saved."))


@bp.route("/desk/org/groups/<int:group_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_group(group_id: int) -> Any:
    s = db.session()
    group = s.get(MaintenanceGroup, group_id) or abort(404)
    form = GroupEditForm(data={"name": group.name, "leader": str(group.leader_id or "")}
                         if request.method == "GET" else None).fill(active_staff(s))
    if form.validate_on_submit():
        try:
            services.update_group(s, _me(), group, name=form.name.data, leader=_person(form.leader.data))
            s.commit()
            flash(_("Group saved."), "success")
            return redirect(url_for(".organisation"))
        except DomainError as exc:
            s.rollback()
            attach_domain_error(form, exc, summary=True)
            return render_template("org/edit.html", form=form, what=group.name, kind="group"), exc.status
    status = 400 if form.is_submitted() else 200
    return render_template("org/edit.html", form=form, what=group.name, kind="group"), status


@bp.route("/desk/org/zones/<int:zone_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_zone(zone_id: int) -> Any:
    s = db.session()
    zone = s.get(Zone, zone_id) or abort(404)
    data = {"name": zone.name, "manager": str(zone.manager_id or ""), "area": zone.area.value,
            "group": str(zone.group_id)}
    form = ZoneEditForm(data=data if request.method == "GET" else None).fill(all_groups(s), active_staff(s))
    title = f"{zone.code} {zone.name}"
    if form.validate_on_submit():
        try:
            services.update_zone(s, _me(), zone, name=form.name.data, manager=_person(form.manager.data),
                                 area=form.area.data, group=s.get(MaintenanceGroup, int(form.group.data)))
            s.commit()
            flash(_("Zone saved."), "success")
            return redirect(url_for(".organisation"))
        except DomainError as exc:
            s.rollback()
            attach_domain_error(form, exc, summary=True)
            return render_template("org/edit.html", form=form, what=title, kind="zone"), exc.status
    status = 400 if form.is_submitted() else 200
    return render_template("org/edit.html", form=form, what=title, kind="zone"), status


@bp.get("/desk/subscribers")
@roles_required(*STAFF)
def subscribers() -> Any:
    q = request.args.get("q", "")
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), 10_000)
    result = queries.subscribers_page(db.session(), q, page=page, per_page=PER_PAGE)
    return render_template("org/subscribers.html", result=result, q=q, mask_phone=mask_phone,
                           levels=LEVEL_LABELS, cap=queries.COUNT_CAP)


def _subscriber_form_page(form: SubscriberForm, sub: Subscriber | None, status: int = 200) -> Any:
    return render_template("org/subscriber.html", form=form, sub=sub, levels=LEVEL_LABELS,
                           can_set_level=services.can_set_service_level(_me())), status


@bp.route("/desk/subscribers/new", methods=["GET", "POST"])
@bp.route("/desk/subscribers/<account>", methods=["GET", "POST"])
@roles_required(*STAFF)
def subscriber(account: str | None = None) -> Any:
    s = db.session()
    sub = s.scalar(select(Subscriber).where(Subscriber.account == account)) if account else None
    if account and sub is None:
        abort(404)
    data = None
    if sub is not None and request.method == "GET":
        data = {"account": sub.account, "name": sub.name, "phone": sub.phone, "address": sub.address,
                "zone": sub.zone.code if sub.zone else "", "service_level": sub.service_level.value}
    form = SubscriberForm(data=data)
    if sub is not None:
        form.account.data = sub.account  # the account is the record's key: it never changes here
    if not form.validate_on_submit():
        return _subscriber_form_page(form, sub, 400 if form.is_submitted() else 200)
    if sub is None and s.scalar(select(Subscriber.id).where(Subscriber.account == form.account.data.strip())):
        form.account.errors = [*form.account.errors, _("A subscriber with this account exists.")]
        return _subscriber_form_page(form, sub, 409)
    try:
        saved = services.upsert_subscriber(s, _me(), {"account": form.account.data, **form.subscriber_data()})
        s.commit()
    except DomainError as exc:
        s.rollback()
        attach_domain_error(form, exc, summary=True)
        return _subscriber_form_page(form, sub, exc.status)
    flash(_("Subscriber %(account)s saved.", account=saved.account), "success")
    return redirect(url_for(".subscriber", account=saved.account))


@bp.get("/notifications")
@login_required
def notifications() -> Any:
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), 10_000)
    result = queries.notifications_page(db.session(), _me().id, page=page, per_page=PER_PAGE)
    return render_template("org/notifications.html", result=result)


@bp.get("/notifications/<int:notification_id>")
@login_required
def open_notification(notification_id: int) -> Response:
    """Opens a notification: marks it read and goes to its incident (the desk's page for staff, the portal's
    for the subscriber who reported it); only the user's own notifications, 404 for anyone else's."""
    me = _me()
    found = queries.notification_of(db.session(), me.id, notification_id)
    if found is None:
        abort(404)
    if found.read_at is None:
        db.start_writing()  # a GET that writes: the user's own read mark, nothing else
        services.mark_notifications_read(db.session(), me, [found.id])
        db.session.commit()
    if found.incident_id is None:
        return redirect(url_for(".notifications"))
    endpoint = "incidents.detail" if me.is_staff else "portal.my_incident"
    return redirect(url_for(endpoint, incident_id=found.incident_id))


@bp.post("/notifications/read")
@login_required
def read_notifications() -> Response:
    """Marks one notification (id=…) or all of them read."""
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    raw = request.form.get("id", "")
    ids = [int(raw)] if raw.isdigit() else None
    changed = services.mark_notifications_read(db.session(), _me(), ids)
    db.session.commit()
    if ids is None:
        flash(_("%(num)d notifications marked read.", num=changed), "success")
    return redirect(url_for(".notifications"))


import servicedesk.org.sla_views  # noqa: E402,F401
