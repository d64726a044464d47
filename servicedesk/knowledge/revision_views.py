"""Revision history with "restore as new draft", and the leads' list of articles that need attention."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from kb import services as kb_services
from kb.actors import Role
from kb.errors import DomainError
from servicedesk import db
from servicedesk.auth.setup import STAFF, roles_required
from servicedesk.formerrors import domain_message
from servicedesk.knowledge.forms import RestoreForm
from servicedesk.knowledge.signals import needs_attention
from servicedesk.knowledge.views import _me, bp

ATTENTION_LIMIT = 100


@bp.get("/kb/<int:article_id>/history")
@roles_required(*STAFF)
def history(article_id: int) -> Any:
    art = kb_services.get_article(db.session(), _me(), article_id)
    working = art.working_revision
    return render_template("knowledge/history.html", article=art, revisions=list(reversed(art.revisions)),
                           restore_form=RestoreForm(data={"version": str(art.latest.version)}),
                           can_restore=art.status.value != "retired"
                           and not (working is not None and working.status.value == "in_review"))


@bp.post("/kb/<int:article_id>/history/<int:number>/restore")
@roles_required(*STAFF)
def restore(article_id: int, number: int) -> Response:
    s = db.session()
    art = kb_services.get_article(s, _me(), article_id)
    form = RestoreForm()
    if not form.validate_on_submit():
        abort(400)
    version = form.version.data
    try:
        rev = kb_services.restore_revision(s, art, _me(), number,
                                           expected_version=int(version) if str(version).isdigit() else None)
    except DomainError as exc:
        db.session.rollback()
        flash(domain_message(exc), "error")
        return redirect(url_for(".history", article_id=article_id))
    db.session.commit()
    flash(_("Revision %(old)s restored as draft revision %(new)s. Check it, then submit it for review.",
            old=number, new=rev.number), "success")
    return redirect(url_for(".edit", article_id=art.id))


@bp.get("/kb/attention")
@roles_required(Role.LEAD)
def attention() -> Any:
    items = needs_attention(db.session(), limit=ATTENTION_LIMIT)
    return render_template("knowledge/attention.html", items=items, limit=ATTENTION_LIMIT)
