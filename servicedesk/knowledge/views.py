"""Knowledge-base pages: search and reading for everyone; writing, submitting and reviewing for staff.

The rules come from kb.services and kb.permissions; these views parse forms, load what the reader
may see (404 otherwise), call one service, commit once and redirect.
"""

from __future__ import annotations

from typing import Any

import nh3
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.wrappers import Response

from kb import services as kb_services
from kb.actors import Role, is_staff
from kb.attachments import add_attachment, remove_attachment
from kb.diff import diff_revisions
from kb.errors import DomainError
from kb.models import Article, ArticleRevision
from kb.permissions import can_retire, is_own_work
from kb.search.index import Hit
from kb.search.service import search_articles
from kb.workflow import ArticleType, RevisionStatus
from servicedesk import db
from servicedesk.attachments import current_store
from servicedesk.auth.setup import STAFF, current, roles_required
from servicedesk.formerrors import attach_domain_error, domain_message
from servicedesk.incidents import queries
from servicedesk.incidents import services as incident_services
from servicedesk.incidents.models import Incident
from servicedesk.incidents.views import aware, local
from servicedesk.knowledge.forms import (
    CHANGE_KIND_LABELS,
    ActionForm,
    ArticleForm,
    AttachmentForm,
    ReviewForm,
    SearchForm,
)
from servicedesk.knowledge.signals import article_signals
from servicedesk.search import current_index
from servicedesk.users.models import User
from servicedesk.web import safe_next

bp = Blueprint("knowledge", __name__)

PER_PAGE = 20
REVIEW_PER_PAGE = 30
FIELD_LABELS: dict[str, Any] = {
    "title": _l("Title"), "symptom": _l("Symptom"), "cause": _l("Cause"), "steps": _l("Steps"), "body": _l("Body"),
    "services": _l("Services"), "category": _l("Category"), "tags": _l("Tags"), "fault_codes": _l("Fault codes"),
    "device_models": _l("Device models"), "visibility": _l("Visibility"), "change_kind": _l("Change document"),
    "change_ref": _l("Change reference"), "planned_start": _l("Planned start"), "planned_end": _l("Planned end"),
}


@bp.app_template_filter("marks")
def marks(html: str) -> Markup:
    """A search highlight: Whoosh escapes the text itself; keep only its <mark> tags, to be sure."""
    return Markup(nh3.clean(html or "", tags={"mark"}, attributes={}))  # noqa: S704 - sanitised


@bp.app_template_global("change_kind_label")
def change_kind_label(kind: object) -> str:
    key = str(getattr(kind, "value", kind))
    return str(CHANGE_KIND_LABELS.get(key, key))


def article_images(art: Article) -> dict[str, str]:
    """The article's pictures by file name, for ![…](name) in its Markdown (served with its permissions)."""
    return {a.filename: url_for("knowledge.attachment", article_id=art.id, attachment_id=a.id)
            for a in art.attachments if a.is_image}


def present_hit(hit: Hit) -> tuple[Markup, list[Markup]]:
    """The hit's title (highlighted when the title matched) and its content snippets."""
    title: Markup = Markup.escape(hit.title)
    snippets: list[Markup] = []
    for raw in hit.highlights:
        html = marks(raw)
        plain = " ".join(html.striptags().split())
        if plain == " ".join(hit.title.split()):
            title = html
        elif plain and plain not in hit.title:
            snippets.append(html)
    return title, snippets


def _me() -> User:
    user = current()
    assert user is not None  # roles_required let only logged-in staff through
    return user


def _page_arg() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


@bp.get("/kb/search")
def search() -> Any:
    form = SearchForm(formdata=request.args)
    form.validate()
    actor, result, status = current(), None, 200
    sort = form.sort.data if form.sort.data and not form.sort.errors else "relevance"
    try:
        result = search_articles(current_index(), actor, "" if form.q.errors else (form.q.data or ""),
                                 filters=form.filters(), page=_page_arg(), per_page=PER_PAGE, sort=sort,
                                 status=(form.status.data or None) if is_staff(actor) else None)
    except DomainError as exc:
        attach_domain_error(form, exc)
        status = exc.status
    return render_template("knowledge/search.html", form=form, result=result, present=present_hit,
                           staff=is_staff(actor)), 400 if form.errors else status


@bp.get("/kb/<int:article_id>")
def article(article_id: int) -> Any:
    s = db.session()
    art = kb_services.get_article(s, current(), article_id)
    article_id = art.id
    db.write_later(lambda later: kb_services.record_view(later, article_id))  # a read; the count follows
    staff = is_staff(current())
    linked, linked_total = queries.incidents_for_article(s, art.id) if staff else ([], 0)
    reviews = sorted((r for rev in art.revisions for r in rev.reviews), key=lambda r: r.decided_at, reverse=True)
    return render_template("knowledge/article.html", article=art, rev=art.current, staff=staff,
                           linked=linked, linked_total=linked_total, reviews=reviews if staff else [],
                           action_form=ActionForm(), upload_form=AttachmentForm(), images=article_images(art),
                           can_retire=can_retire(current()))


def _article_type(value: str | None) -> ArticleType:
    try:
        return ArticleType(value or ArticleType.SOLUTION.value)
    except ValueError:
        abort(404)


def _prefill(incident: Incident) -> dict[str, Any]:
    return {"title": incident.title, "symptom": incident.description, "services": [incident.service]}


@bp.route("/kb/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new() -> Any:
    s = db.session()
    incident_id = request.args.get("incident", type=int)
    incident = incident_services.get_incident(s, _me(), incident_id) if "incident" in request.args else None
    article_type = ArticleType.SOLUTION if incident else _article_type(request.args.get("type"))
    form = ArticleForm(article_type=article_type, data=_prefill(incident) if incident else None)
    page = {"form": form, "article_type": article_type, "incident": incident}
    if not form.validate_on_submit():
        return render_template("knowledge/new.html", **page), 400 if form.is_submitted() else 200
    try:
        if incident is not None:
            art = incident_services.write_solution(s, incident, _me(), form.article_data(aware))
        else:
            art = kb_services.create_article(s, _me(), {"type": article_type.value, **form.article_data(aware)})
    except DomainError as exc:
        db.session.rollback()
        attach_domain_error(form, exc, form.aliases())
        flash(domain_message(exc, incident.status if incident else None), "error")
        return render_template("knowledge/new.html", **page), exc.status
    db.session.commit()
    if incident is not None:
        flash(_("Draft saved and linked to %(number)s. Submit it for review when it is ready.",
                number=incident.number), "success")
    else:
        flash(_("Draft saved. Submit it for review when it is ready."), "success")
    return redirect(url_for(".article", article_id=art.id))


def _edit_page(art: Article, form: ArticleForm | None, status: int = 200) -> Any:
    return render_template("knowledge/edit.html", article=art, form=form, base=art.working_revision or art.latest,
                           opens_revision=art.working_revision is None), status


@bp.route("/kb/<int:article_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def edit(article_id: int) -> Any:
    s = db.session()
    art = kb_services.get_article(s, _me(), article_id)
    base = art.working_revision or art.latest
    if request.method == "GET":
        return _edit_page(art, ArticleForm.from_revision(base, art.type, local))
    form = ArticleForm(article_type=art.type)
    if not form.validate_on_submit():
        return _edit_page(art, form, 400)
    try:
        rev = kb_services.update_article(s, art, _me(), form.article_data(aware), expected_version=form.version())
    except DomainError as exc:
        db.session.rollback()
        attach_domain_error(form, exc, form.aliases())
        flash(domain_message(exc), "error")
        if exc.code == "edit_conflict":
            # Keep the user's text; the next save deliberately replaces the version they have now seen.
            form.expected_version.data = str((art.working_revision or art.latest).version)
            flash(_("Your text is kept below. Compare it with the saved version, then save again to replace it."),
                  "info")
        return _edit_page(art, form, exc.status)
    db.session.commit()
    flash(_("Revision %(number)s saved as a draft.", number=rev.number), "success")
    return redirect(url_for(".article", article_id=art.id))


def _article_action(article_id: int, service: Any, done: str) -> Response:
    s = db.session()
    art = kb_services.get_article(s, _me(), article_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        service(s, art, _me())
    except DomainError as exc:
        db.session.rollback()
        flash(domain_message(exc), "error")
        return redirect(url_for(".article", article_id=article_id))
    db.session.commit()
    flash(done, "success")
    return redirect(safe_next(request.form.get("next"), url_for(".article", article_id=article_id)))


@bp.post("/kb/<int:article_id>/submit")
@roles_required(*STAFF)
def submit(article_id: int) -> Response:
    return _article_action(article_id, kb_services.submit_article,
                           _("Submitted: a technical lead will review the content and the form."))


@bp.post("/kb/<int:article_id>/retire")
@roles_required(Role.LEAD, Role.ADMIN)
def retire(article_id: int) -> Response:
    return _article_action(article_id, kb_services.retire_article,
                           _("Retired: the article no longer appears in search or for linking."))


@bp.get("/kb/review")
@roles_required(Role.LEAD)
def review_queue() -> Any:
    s = db.session()
    page = _page_arg()
    shown = kb_services.review_queue(s, limit=REVIEW_PER_PAGE, offset=(page - 1) * REVIEW_PER_PAGE)
    signals = article_signals(s, [rev.article_id for rev in shown])
    return render_template("knowledge/review_queue.html", revisions=shown, signals=signals,
                           total=kb_services.review_queue_count(s),
                           page=page, per_page=REVIEW_PER_PAGE, me=_me())


def _review_page(art: Article, rev: ArticleRevision, form: ReviewForm, status: int = 200) -> Any:
    linked, linked_total = queries.incidents_for_article(db.session(), art.id)
    live = art.live_revision
    changes = diff_revisions(live, rev) if live is not None and live is not rev else []
    return render_template("knowledge/review.html", article=art, rev=rev, form=form, linked=linked,
                           linked_total=linked_total, own=is_own_work(_me(), rev), changes=changes,
                           images=article_images(art),
                           field_labels=FIELD_LABELS), status


@bp.route("/kb/<int:article_id>/review", methods=["GET", "POST"])
@roles_required(Role.LEAD)
def review(article_id: int) -> Any:
    s = db.session()
    art = kb_services.get_article(s, _me(), article_id)
    rev = art.working_revision
    if rev is None or rev.status != RevisionStatus.IN_REVIEW:
        flash(_("This article has no revision waiting for review."), "info")
        return redirect(url_for(".article", article_id=art.id))
    form = ReviewForm()
    if not form.validate_on_submit():
        status = 403 if is_own_work(_me(), rev) else 400 if form.is_submitted() else 200
        return _review_page(art, rev, form, status)
    try:
        review = kb_services.review_article(s, art, _me(), content_ok=form.content_ok.data, form_ok=form.form_ok.data,
                                            decision=form.decision.data, comment=form.comment.data or "")
    except DomainError as exc:
        db.session.rollback()
        attach_domain_error(form, exc)
        flash(domain_message(exc), "error")
        return _review_page(art, rev, form, exc.status)
    db.session.commit()
    flash(_("Approved: revision %(number)s is live.", number=rev.number) if review.decision.value == "approve"
          else _("Rejected: the author sees your reason."), "success")
    return redirect(url_for(".review_queue"))


@bp.get("/kb/<int:article_id>/files/<int:attachment_id>")
def attachment(article_id: int, attachment_id: int) -> Response:
    art = kb_services.get_article(db.session(), current(), article_id)
    found = next((a for a in art.attachments if a.id == attachment_id), None)
    if found is None:
        abort(404)
    # Pictures show in the page; every other type downloads, so a browser never renders it as ours.
    response = send_file(current_store().path(found.blob.sha256), mimetype=found.blob.content_type,
                         as_attachment=not found.is_image, download_name=found.filename, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/kb/<int:article_id>/files")
@roles_required(*STAFF)
def upload(article_id: int) -> Response:
    s = db.session()
    art = kb_services.get_article(s, _me(), article_id)
    form = AttachmentForm()
    back = url_for(".article", article_id=art.id) + "#files"
    if not form.validate_on_submit():
        flash(" ".join(str(e) for e in form.file.errors), "error")
        return redirect(back)
    try:
        added = add_attachment(s, current_store(), art, _me(), form.file.data.filename or "", form.file.data.read())
    except DomainError as exc:
        db.session.rollback()
        flash(_(exc.message), "error")
        return redirect(back)
    db.session.commit()
    flash(_("Attached %(name)s.", name=added.filename), "success")
    return redirect(back)


@bp.post("/kb/<int:article_id>/files/<int:attachment_id>/remove")
@roles_required(*STAFF)
def remove_file(article_id: int, attachment_id: int) -> Response:
    s = db.session()
    art = kb_services.get_article(s, _me(), article_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    remove_attachment(s, art, _me(), attachment_id)
    db.session.commit()
    flash(_("The file was removed from the article."), "success")
    return redirect(url_for(".article", article_id=art.id) + "#files")




import servicedesk.knowledge.revision_views  # noqa: E402,F401  (history, restore, needs attention)
