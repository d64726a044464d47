"""The incident page's field-record cards (servicedesk.incidents.field_records): site photos, the customer's
signature, measurements; the photo and signature files, staff only; the printable work order (确认单).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from flask import current_app, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, MultipleFileField, StringField, TextAreaField

from kb.attachments import MAX_BYTES
from kb.errors import DomainError, NotFound
from kb.orm import utcnow
from servicedesk import db
from servicedesk.api.attachments import content_disposition
from servicedesk.attachments import MULTIPART_OVERHEAD, current_store
from servicedesk.auth.setup import STAFF, roles_required
from servicedesk.formerrors import domain_message
from servicedesk.incidents import booking, field_records, services
from servicedesk.incidents.field_models import KINDS, FieldPhoto, FieldSignature
from servicedesk.incidents.models import Incident
from servicedesk.incidents.signature_png import MAX_BYTES as SIGNATURE_MAX_BYTES
from servicedesk.incidents.views import EVENT_LABELS, FIELD_LABELS, bp, detail_page, load, me
from servicedesk.incidents.workflow import next_status

EVENT_LABELS.update({
    "field_photo": _l("Site photo added"),
    "field_photo_removed": _l("Site photo removed"),
    "signature": _l("Customer signature collected"),
    "measurement": _l("Measurement recorded"),
})
KIND_LABELS: dict[str, Any] = {
    "optical_power": _l("Optical power (received at the ONU)"),
    "speed_down": _l("Speed test, download"),
    "speed_up": _l("Speed test, upload"),
    "ping_loss": _l("Ping loss (1472-byte packets)"),
}
UNITS = field_records.UNITS
FIELD_LABELS.update({"photo": _l("Photo"), "signature": _l("Signed by"), **KIND_LABELS})

# The services' short reasons, said in full beside the field.
REASONS: dict[str, Any] = {
    "required": _l("This field is required."),
    "too large": _l("The file is larger than %(mb)d MB.", mb=MAX_BYTES // (1024 * 1024)),
    "empty": _l("The file is empty."),
    "no file name": _l("The file needs a name."),
    "type not allowed": _l("Site photos are JPEG, PNG or WebP pictures."),
    "not a photo": _l("Site photos are JPEG, PNG or WebP pictures."),
    "content does not match the file type": _l("The file's content is not what its name says."),
    "too many": _l("Send at most %(num)d photos at once; an incident holds at most %(max)d.",
                   num=field_records.MAX_PHOTOS_PER_FORM, max=field_records.MAX_PHOTOS_PER_INCIDENT),
    "blank": _l("The signature is blank: ask the customer to sign."),
    "dimensions": _l("The signature image has the wrong size."),
    "not a png": _l("The signature is not a drawn PNG image."),
    "damaged": _l("The signature is not a drawn PNG image."),
    "unsupported png": _l("The signature is not a drawn PNG image."),
    "a number": _l("Enter a number, e.g. -19.5."),
    "required with a speed test": _l("Give the contracted bandwidth to judge the speed test."),
    "enter at least one reading": _l("Enter at least one reading."),
    "too long": _l("This text is too long."),
    "in the future": _l("This time is in the future."),
}
# The photo form carries several pictures: its route takes them, every other route the app's limit.
PHOTOS_MAX_BYTES = field_records.MAX_PHOTOS_PER_FORM * MAX_BYTES + MULTIPART_OVERHEAD
SIGNATURE_FORM_MAX_BYTES = SIGNATURE_MAX_BYTES * 2 + MULTIPART_OVERHEAD  # base64 in a form field


def _allow_uploads() -> None:
    if request.endpoint == "incidents.field_photos":
        request.max_content_length = PHOTOS_MAX_BYTES
    elif request.endpoint == "incidents.field_signature":
        request.max_form_memory_size = SIGNATURE_FORM_MAX_BYTES


# First of all hooks, like the other upload routes': the limit must be set before anything reads the form.
bp.record_once(lambda state: state.app.before_request_funcs.setdefault(None, []).insert(0, _allow_uploads))


class FieldPhotosForm(FlaskForm):
    photos = MultipleFileField(_l("Site photos (arrival, equipment, labels, work done)"))


class RemovePhotoForm(FlaskForm):
    pass


class SignatureForm(FlaskForm):
    signer_name = StringField(_l("Signer's name"))
    signature = HiddenField()


class MeasurementForm(FlaskForm):
    optical_power_dbm = StringField(_l("Optical power (dBm)"), render_kw={"inputmode": "decimal"})
    speed_down_mbps = StringField(_l("Download (Mbps)"), render_kw={"inputmode": "decimal"})
    speed_up_mbps = StringField(_l("Upload (Mbps)"), render_kw={"inputmode": "decimal"})
    contracted_mbps = StringField(_l("Contracted bandwidth (Mbps)"), render_kw={"inputmode": "decimal"})
    contracted_up_mbps = StringField(_l("Contracted upload (Mbps, if set)"), render_kw={"inputmode": "decimal"})
    ping_loss_percent = StringField(_l("Ping loss, 1472 bytes (%)"), render_kw={"inputmode": "decimal"})
    note = TextAreaField(_l("Note (where, which device)"))


def thresholds() -> field_records.Thresholds:
    return field_records.Thresholds.from_config(current_app.config)


@bp.app_template_global("field_record_panel")
def field_record_panel(incident: Incident) -> dict[str, Any]:
    """The cards' facts and forms (a refused form keeps what was typed)."""
    s = db.session()
    user = me()
    photos = field_records.list_photos(s, incident)
    readings = field_records.list_measurements(s, incident)
    contract = {kind: next((f"{m.contracted_mbps:g}" for m in readings if m.kind == kind and m.contracted_mbps), "")
                for kind in ("speed_down", "speed_up")}
    measure = g.get("measurement_form") or MeasurementForm(
        formdata=None, data={"contracted_mbps": contract["speed_down"], "contracted_up_mbps": contract["speed_up"]})
    return {
        "photos": photos, "removable": {p.id for p in photos if field_records.can_remove_photo(user, p)},
        "signature": field_records.signature_of(s, incident), "readings": readings,
        "limits": thresholds(), "kind_labels": KIND_LABELS, "units": UNITS,
        "open": next_status("field_work", incident.status) is not None,
        "photos_form": g.get("photos_form") or FieldPhotosForm(formdata=None),
        "remove_form": RemovePhotoForm(formdata=None),
        "signature_form": g.get("signature_form") or SignatureForm(formdata=None),
        "measurement_form": measure,
    }


def _place(form: FlaskForm, exc: DomainError, default_field: str) -> None:
    """Each refused field's reason beside it (the file's name too, for photos); the rest above the form."""
    name = exc.params.get("filename")
    for key, reason in (exc.fields or {default_field: ""}).items():
        text = str(REASONS.get(reason)) if reason in REASONS else domain_message(exc)
        target = form._fields.get(key) or form._fields.get(default_field)
        if target is None:
            form.form_errors.append(text)
            continue
        target.errors = [*target.errors, f"{name}: {text}" if name and key == "photos" else text]


def _write(incident_id: int, form: FlaskForm, g_name: str, default_field: str, anchor: str,
           run: Callable[[Incident], str]) -> Any:
    """One write: valid form → service → commit → back to the card; else the page again with the form kept."""
    s = db.session()
    incident = load(incident_id, for_update=True)  # two engineers at once take turns: both land
    status = 400
    if form.validate_on_submit():
        try:
            message = run(incident)
            s.commit()
            flash(message, "success")
            return redirect(url_for("incidents.detail", incident_id=incident.id) + anchor)
        except DomainError as exc:
            s.rollback()
            status = exc.status
            _place(form, exc, default_field)
            flash(domain_message(exc, incident.status), "error")
        except Exception as exc:
            conflict = services.concurrent_change(exc)
            if conflict is None:
                raise
            s.rollback()
            status = conflict.status
            flash(domain_message(conflict), "error")
        incident = load(incident_id)
    else:
        flash(_("Nothing was changed: please correct the fields marked below."), "error")
    setattr(g, g_name, form)
    return detail_page(incident, status)


def _uploads() -> list[tuple[str, bytes]]:
    return [(f.filename or "", f.read()) for f in request.files.getlist("photos") if f.filename]


@bp.post("/desk/incidents/<int:incident_id>/field-photos")
@roles_required(*STAFF)
def field_photos(incident_id: int) -> Any:
    form = FieldPhotosForm()

    def run(incident: Incident) -> str:
        added = field_records.add_photos(db.session(), current_store(), incident, me(), _uploads())
        return _("Site photos added: %(num)d.", num=len(added))
    page = _write(incident_id, form, "photos_form", "photos", "#field-photos", run)
    if g.get("photos_form") is not None and request.files.getlist("photos"):
        form.photos.description = _("Choose the photos again: a browser does not keep them when the page returns.")
    return page


@bp.post("/desk/incidents/<int:incident_id>/field-photos/<int:photo_id>/remove")
@roles_required(*STAFF)
def remove_field_photo(incident_id: int, photo_id: int) -> Any:
    def run(incident: Incident) -> str:
        field_records.remove_photo(db.session(), incident, me(), photo_id)
        return _("The photo was removed; the history keeps its name.")
    return _write(incident_id, RemovePhotoForm(), "remove_form", "photos", "#field-photos", run)


def _file(blob_sha: str, content_type: str, filename: str) -> Response:
    path = current_store().path(blob_sha)
    if not path.is_file():
        raise NotFound("The file of this photo is missing; tell an administrator.")
    response = send_file(path, mimetype=content_type, conditional=True, etag=blob_sha, max_age=0)
    response.headers["Content-Disposition"] = content_disposition(filename, True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"  # who may read it is checked on every request
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/desk/incidents/<int:incident_id>/field-photos/<int:photo_id>")
@roles_required(*STAFF)
def field_photo(incident_id: int, photo_id: int) -> Response:
    incident = load(incident_id)
    photo: FieldPhoto = field_records.get_photo(db.session(), incident, me(), photo_id)
    return _file(photo.blob.sha256, photo.blob.content_type, photo.filename)


@bp.get("/desk/incidents/<int:incident_id>/signature.png")
@roles_required(*STAFF)
def field_signature_image(incident_id: int) -> Response:
    incident = load(incident_id)
    found: FieldSignature | None = field_records.signature_of(db.session(), incident)
    if found is None:
        raise NotFound("No signature was collected.")
    return _file(found.blob.sha256, "image/png", f"{incident.number}-signature.png")


def _png(value: str | None) -> bytes:
    """The PNG of the canvas's data URL (empty when nothing was drawn or it is not base64)."""
    text = (value or "").strip()
    prefix = "data:image/png;base64,"
    if text.startswith(prefix):
        text = text[len(prefix):]
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return b"not base64"


@bp.post("/desk/incidents/<int:incident_id>/signature")
@roles_required(*STAFF)
def field_signature(incident_id: int) -> Any:
    form = SignatureForm()

    def run(incident: Incident) -> str:
        field_records.save_signature(db.session(), current_store(), incident, me(), form.signer_name.data,
                                     _png(form.signature.data))
        return _("The customer's signature was saved.")
    # A refused drawing is drawn again (the template starts the canvas empty); the name stays as typed.
    return _write(incident_id, form, "signature_form", "signature", "#field-signature", run)


@bp.post("/desk/incidents/<int:incident_id>/measurements")
@roles_required(*STAFF)
def field_measurements(incident_id: int) -> Any:
    form = MeasurementForm()

    def run(incident: Incident) -> str:
        data = {name: form[name].data for name in (*field_records.FIELDS.values(), "contracted_mbps",
                                                   "contracted_up_mbps", "note")}
        added = field_records.record_measurements(db.session(), incident, me(), data, thresholds())
        outside = sum(1 for m in added if not m.in_range)
        if outside:
            return _("Measurements saved; %(num)d outside the operator's limits (highlighted).", num=outside)
        return _("Measurements saved; all within the operator's limits.")
    return _write(incident_id, form, "measurement_form", "optical_power_dbm", "#field-measurements", run)


@bp.get("/desk/incidents/<int:incident_id>/work-order")
@roles_required(*STAFF)
def work_order(incident_id: int) -> str:
    incident = load(incident_id)
    s = db.session()
    windows = booking.history(s, incident)
    appointment = next((w for w in windows if not w.cancel_reason), None)
    readings = field_records.list_measurements(s, incident)
    return render_template(
        "incidents/work_order.html", incident=incident, work=incident.field_work, appointment=appointment,
        engineer=appointment.engineer if appointment else incident.assignee,
        photos=field_records.list_photos(s, incident), signature=field_records.signature_of(s, incident),
        readings=sorted(readings, key=lambda m: (KINDS.index(m.kind), m.taken_at)), kind_labels=KIND_LABELS,
        units=UNITS, limits=thresholds(),
        verification=incident.verifications[-1] if incident.verifications else None, printed=utcnow())
