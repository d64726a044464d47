"""The leads' page of what people could not find: searches that found nothing and searches followed by a
fault report, each with "write an article for this" (a new draft whose symptom is the query) and "add a
synonym" (the dictionary page, the query ready in the form)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from kb import services as kb_services
from kb.actors import Role
from kb.errors import DomainError
from kb.search.searchlog import outcome_counts, searches_followed_by_report, unanswered_searches
from servicedesk import db
from servicedesk.auth.setup import current, roles_required
from servicedesk.knowledge.forms import ActionForm
from servicedesk.knowledge.views import bp

MANAGERS = (Role.LEAD, Role.ADMIN)
DAYS = 30
LIMIT = 100
TITLE_MAX = 200


@bp.get("/kb/unfound", endpoint="unfound")
@roles_required(*MANAGERS)
def unfound_page() -> Any:
    s = db.session()
    items = unanswered_searches(s, days=DAYS, limit=LIMIT)
    reported = searches_followed_by_report(s, days=DAYS, limit=LIMIT)
    return render_template("knowledge/unfound.html", items=items, reported=reported,
                           outcomes=outcome_counts(s, days=DAYS), days=DAYS, limit=LIMIT, action_form=ActionForm())


@bp.post("/kb/unfound/draft", endpoint="unfound_draft")
@roles_required(*MANAGERS)
def unfound_draft() -> Response:
    """A new solution draft whose title and symptom are the query; the author goes on in the editor."""
    if not ActionForm().validate_on_submit():
        abort(400)
    query = " ".join((request.form.get("query") or "").split())
    if not query:
        abort(400)
    user = current()
    assert user is not None  # roles_required let only leads and administrators through
    try:
        art = kb_services.create_article(db.session(), user, {"type": "solution", "title": query[:TITLE_MAX],
                                                              "symptom": query})
    except DomainError as exc:
        db.session.rollback()
        flash(_(exc.message), "error")
        return redirect(url_for(".unfound"))
    db.session.commit()
    flash(_("Draft started from the search “%(query)s”: write the cause and the steps, then submit it.",
            query=query), "success")
    return redirect(url_for(".edit", article_id=art.id))
