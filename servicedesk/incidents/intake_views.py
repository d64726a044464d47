"""The hotline intake's page parts: the caller lookup (JSON for the page's script, links without it), the
caller's incidents beside the form, and the chase (催修) of an open one."""

from __future__ import annotations

import math
from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import HiddenField, StringField
from wtforms.validators import Length, Optional

from kb.errors import DomainError
from servicedesk import db
from servicedesk.auth.setup import STAFF, roles_required
from servicedesk.auth.throttle import current_guard
from servicedesk.errors import json_error
from servicedesk.formerrors import domain_message
from servicedesk.incidents import intake, services
from servicedesk.incidents.forms import NewIncidentForm
from servicedesk.incidents.views import bp, load, me, sla_of
from servicedesk.org.forms import LEVEL_LABELS
from servicedesk.org.models import Subscriber, Zone, mask_phone
from servicedesk.users.services import CALLER_LOOKUP
from servicedesk.web import AREA_LABELS, safe_next


class ChaseForm(FlaskForm):
    note = StringField(_l("What the caller said"), validators=[Optional(), Length(max=services.NOTE_MAX)])
    caller_phone = HiddenField(validators=[Optional(), Length(max=40)])
    next = HiddenField()


def zone_rows(s: Session) -> list[tuple[str, str, str]]:
    return [(code, name, area.value) for code, name, area in
            s.execute(select(Zone.code, Zone.name, Zone.area).order_by(Zone.code))]


def picked_subscriber(s: Session) -> Subscriber | None:
    """The subscriber record the agent picked (?subscriber=<id>), or the one the typed account names."""
    raw = request.values.get("subscriber", "")
    if raw.isascii() and raw.isdigit() and len(raw) < 10:
        return s.get(Subscriber, int(raw))
    account = (request.form.get("customer_account") or "").strip()
    if account:
        return s.scalar(select(Subscriber).where(Subscriber.account == account))
    return None


def caller_card(sub: Subscriber) -> dict[str, Any]:
    """What the page and its script show of a subscriber record (the phone masked, as in every list)."""
    zone = sub.zone
    return {"id": sub.id, "account": sub.account, "name": sub.name, "phone": mask_phone(sub.phone),
            "address": sub.address, "zone": zone.code if zone is not None else "",
            "zone_name": zone.name if zone is not None else "",
            "area": zone.area.value if zone is not None else "",
            "area_label": str(AREA_LABELS.get(zone.area.value, zone.area.value)) if zone is not None else "",
            "service_level": str(LEVEL_LABELS.get(sub.service_level.value, sub.service_level.value))}


def _panel(account: str, phone: str) -> dict[str, Any]:
    found = intake.caller_incidents(db.session(), account=account, phone=phone)
    back = request.full_path if request.method == "GET" else url_for(".new")
    return {"caller": found, "chase_form": ChaseForm(formdata=None, next=back, caller_phone=phone), "sla": sla_of,
            "account": account, "phone": phone}


def intake_page(form: NewIncidentForm, picked: Subscriber | None) -> str:
    query = (request.args.get("q") or "").strip()[:100]
    wait = lookup_wait() if query else 0
    if wait:
        flash(_too_many(wait), "error")
    matches = [caller_card(sub) for sub in intake.lookup_callers(db.session(), query)] if query and not wait \
        else None
    account = picked.account if picked is not None else (form.customer_account.data or "").strip()
    phone = (form.caller_phone.data or "").strip()
    return render_template("incidents/new.html", form=form, query=query, matches=matches,
                           picked=caller_card(picked) if picked is not None else None,
                           zone_areas=getattr(form, "zone_areas", {}), area_labels=AREA_LABELS,
                           **_panel(account, phone))


def lookup_wait() -> int:
    """0 when the acting staff member may look the subscriber base up now (the look is counted), else the
    seconds to wait (CALLER_LOOKUP per person, shared by every process and node when Redis is set)."""
    guard, who = current_guard(), me().username
    wait = guard.wait_seconds(CALLER_LOOKUP, who)
    if wait > 0:
        return max(1, math.ceil(wait))
    guard.failed(CALLER_LOOKUP, who)
    return 0


def _too_many(wait: int) -> str:
    return _("Too many lookups in a short time; try again in %(seconds)d seconds.", seconds=wait)


@bp.get("/desk/callers")
@roles_required(*STAFF)
def callers() -> Response:
    """Subscriber records matching a phone, an account or a name: the intake page's lookup."""
    query = (request.args.get("q") or "").strip()[:100]
    wait = lookup_wait() if query else 0
    if wait:
        response = json_error(429, "too_many_lookups", _too_many(wait))
        response.headers["Retry-After"] = str(wait)
        return response
    found = intake.lookup_callers(db.session(), query) if query else []
    return jsonify({"items": [caller_card(sub) for sub in found]})


@bp.get("/desk/callers/incidents")
@roles_required(*STAFF)
def caller_panel() -> str:
    """The caller's open and recent incidents, as the part of the intake page the script swaps in."""
    account = (request.args.get("account") or "").strip()[:40]
    phone = (request.args.get("phone") or "").strip()[:40]
    back = safe_next(request.args.get("next"), url_for(".new"))
    panel = _panel(account, phone)
    panel["chase_form"] = ChaseForm(formdata=None, next=back, caller_phone=phone)
    return render_template("incidents/_caller_incidents.html", **panel)


@bp.post("/desk/incidents/<int:incident_id>/chase")
@roles_required(*STAFF)
def chase(incident_id: int) -> Response:
    """A repeat call about an open incident (催修): counted on it, its assignee told; back to the intake."""
    s = db.session()
    form = ChaseForm()
    back = safe_next(form.next.data, url_for(".detail", incident_id=incident_id))
    if not form.validate_on_submit():
        flash(_("Nothing was recorded: the form had expired or was too long; try again."), "error")
        return redirect(back)
    incident = load(incident_id, for_update=True)
    try:
        intake.chase_incident(s, incident, me(), note=form.note.data or "", caller_phone=form.caller_phone.data)
        s.commit()
    except DomainError as exc:
        s.rollback()
        if exc.code == "not_open":  # resolved or ended since the intake page showed it
            flash(_("%(number)s is no longer open, so no chase was recorded: confirm its fix with the caller, "
                    "or record a new incident.", number=incident.number), "error")
        else:
            flash(domain_message(exc, incident.status), "error")
        return redirect(back)
    flash(_("Chase recorded on %(number)s (called %(count)d times); its engineer is told.",
            number=incident.number, count=incident.chase_count), "success")
    return redirect(back)
