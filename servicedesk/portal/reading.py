"""Reading in the portal: the visit's trail (searches, articles read) and "Did this solve your problem?"."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from kb import services as kb_services
from kb.actors import is_staff
from kb.models import Article
from servicedesk import db
from servicedesk.auth.setup import current
from servicedesk.extensions import csrf
from servicedesk.portal import trail
from servicedesk.portal.blueprint import bp
from servicedesk.portal.forms import ArticleFeedbackForm
from servicedesk.portal.services import FeedbackCount, feedback_counts, record_article_feedback

FOLLOWED = frozenset({"knowledge.search", "knowledge.article"})


@bp.after_app_request
def _follow_the_visit(response: Response) -> Response:
    """Notes what a subscriber or visitor searched and read, for a report they may make next."""
    if request.endpoint not in FOLLOWED or request.method != "GET" or response.status_code != 200 \
            or is_staff(current()):
        return response
    if request.endpoint == "knowledge.search":
        trail.note_search(request.args.get("q", ""))
    elif request.endpoint == "knowledge.article" and request.view_args:
        trail.note_article(int(request.view_args["article_id"]))
        trail.note_search(request.args.get("q", ""))  # came from a suggestion, which carries what was typed
    return response


@bp.app_template_global()
def article_feedback(article: Article) -> dict[str, Any]:
    """What the article page needs for its "Did this solve your problem?" block."""
    if is_staff(current()):
        counts = feedback_counts(db.session(), [article.id]).get(article.id, FeedbackCount())
        return {"counts": counts, "form": None, "answer": None}
    form = ArticleFeedbackForm(formdata=None, q=request.args.get("q") or trail.last_query())
    return {"counts": None, "form": form, "answer": trail.answer_for(article.id)}


@bp.post("/kb/<int:article_id>/solved")
def article_solved(article_id: int) -> Response:
    """Yes counts a deflection and thanks the reader; no counts too and opens the report form."""
    s = db.session()
    reader = current()
    article = kb_services.get_article(s, reader, article_id)
    back = url_for("knowledge.article", article_id=article.id) + "#solved"
    form = ArticleFeedbackForm()
    if not form.validate_on_submit():
        flash(_("The page had been open too long; please answer again."), "warning")
        return redirect(back)
    solved = bool(form.yes.data)
    if trail.answer_for(article.id) is None and not is_staff(reader):  # one answer per article and visit
        record_article_feedback(s, article, reader, solved=solved, search_query=form.q.data or trail.last_query())
        db.session.commit()
        trail.note_answer(article.id, "yes" if solved else "no")
    if solved:
        return redirect(back)  # the page thanks the reader in place of the question
    trail.note_search(form.q.data or "")
    return redirect(url_for("portal.report", article=article.id))


csrf.exempt(article_solved)  # an expired page asks again instead of showing an error
