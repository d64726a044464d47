"""The search dictionary page: technical leads and administrators add and remove the words search
keeps whole and the synonym groups it expands. The rules come from kb.lexicon."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField

from kb import lexicon
from kb.actors import Role
from kb.errors import DomainError
from kb.search.analyzer import shipped_words
from kb.search.synonyms import shipped_groups
from servicedesk import db
from servicedesk.auth.setup import current, roles_required
from servicedesk.knowledge.forms import ActionForm
from servicedesk.knowledge.views import bp

MANAGERS = (Role.LEAD, Role.ADMIN)


class WordForm(FlaskForm):
    word = StringField(_l("Word"), render_kw={"maxlength": lexicon.WORD_MAX, "autocomplete": "off"})


class SynonymGroupForm(FlaskForm):
    terms = StringField(_l("Terms"), render_kw={"maxlength": lexicon.TERMS_TEXT_MAX, "autocomplete": "off"})


def _page(status: int = 200, word_form: WordForm | None = None, group_form: SynonymGroupForm | None = None) -> Any:
    s = db.session()
    return render_template(
        "knowledge/lexicon.html",
        words=lexicon.list_words(s), groups=lexicon.list_synonym_groups(s),
        shipped_words=shipped_words(), shipped_groups=shipped_groups(),
        word_form=word_form or WordForm(formdata=None), group_form=group_form or SynonymGroupForm(formdata=None),
        action_form=ActionForm(),
    ), status


def _refused(form: FlaskForm, exc: DomainError) -> None:
    """The service's reason, in the reader's language, beside the field it names."""
    for name in exc.fields:
        field = form._fields.get(name)
        text = lexicon.MESSAGES.get(exc.code)
        if field is not None and text is not None:
            field.errors = [*field.errors, _(text, **exc.params)]
        elif field is not None:
            field.errors = [*field.errors, _(exc.message)]


def _save(form: FlaskForm, run: Any, done: str, page_form: str) -> Any:
    """Valid form → service → commit → back to the page; else the page with the text and the reason."""
    if not form.validate_on_submit():
        return _page(400, **{page_form: form})
    try:
        run()
    except DomainError as exc:
        db.session.rollback()
        _refused(form, exc)
        return _page(exc.status, **{page_form: form})
    db.session.commit()
    flash(done, "success")
    return redirect(url_for(".lexicon"))


def _me() -> Any:
    user = current()
    assert user is not None  # roles_required let only leads and administrators through
    return user


@bp.get("/kb/lexicon", endpoint="lexicon")
@roles_required(*MANAGERS)
def lexicon_page() -> Any:
    # "Add a synonym" from the page of searches that found nothing: the query waits in the group form.
    terms = (request.args.get("terms") or "")[:lexicon.TERMS_TEXT_MAX]
    return _page(group_form=SynonymGroupForm(formdata=None, data={"terms": terms}) if terms else None)


@bp.post("/kb/lexicon/words")
@roles_required(*MANAGERS)
def lexicon_add_word() -> Any:
    form = WordForm()
    word = (form.word.data or "").strip()
    return _save(form, lambda: lexicon.add_word(db.session(), _me(), form.word.data),
                 _("%(word)s is now one word in search; "
                   "articles and incident titles containing it are indexed again.", word=word),
                 "word_form")


@bp.post("/kb/lexicon/groups")
@roles_required(*MANAGERS)
def lexicon_add_group() -> Any:
    form = SynonymGroupForm()
    return _save(form, lambda: lexicon.add_synonym_group(db.session(), _me(), form.terms.data),
                 _("Synonym group added: searching for one of its terms finds the others."), "group_form")


def _remove(run: Any) -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        done = run()
    except DomainError as exc:
        db.session.rollback()
        flash(_(exc.message), "error")
        return redirect(url_for(".lexicon"))
    db.session.commit()
    flash(done, "success")
    return redirect(url_for(".lexicon"))


@bp.post("/kb/lexicon/words/<int:word_id>/remove")
@roles_required(*MANAGERS)
def lexicon_remove_word(word_id: int) -> Response:
    return _remove(lambda: _("%(word)s removed from the dictionary; "
                             "articles and incident titles containing it are indexed again.",
                             word=lexicon.remove_word(db.session(), _me(), word_id)))


@bp.post("/kb/lexicon/groups/<int:group_id>/remove")
@roles_required(*MANAGERS)
def lexicon_remove_group(group_id: int) -> Response:
    return _remove(lambda: _("Synonym group %(terms)s removed.",
                             terms=" = ".join(lexicon.remove_synonym_group(db.session(), _me(), group_id))))


import servicedesk.knowledge.unfound_views  # noqa: E402,F401  (the searches that found nothing)
