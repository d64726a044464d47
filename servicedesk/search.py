"""The app's handle on the knowledge-base index."""

from __future__ import annotations

import logging

from flask import Flask, current_app, has_app_context, request
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from kb.lexicon import refresh_lexicon
from kb.models import Article
from kb.search.index import SearchIndex
from kb.search.sync import install_sync, rebuild_index, reconcile_index
from servicedesk import db
from servicedesk.incidents.models import Incident
from servicedesk.incidents.services import incident_counts_for
from servicedesk.incidents.terms import recut_titles

log = logging.getLogger(__name__)


def current_index() -> SearchIndex:
    return current_app.extensions["kb_index"]


def _index_or_none() -> SearchIndex | None:
    return current_app.extensions.get("kb_index") if has_app_context() else None


def _articles_whose_use_changed(s: Session) -> set[int]:
    """Articles whose incident count changes with this flush (an incident linked or relinked)."""
    touched: set[int] = set()
    for obj in list(s.new) + list(s.dirty):
        if isinstance(obj, Incident):
            hist = db.inspect_history(obj, "solution_id")
            touched.update(i for i in hist if i is not None)
    return touched


_installed = False


def load_lexicon() -> bool:
    """Brings this process's dictionary and synonyms up to the database's (another worker may have
    changed them): one primary-key read when nothing changed."""
    return refresh_lexicon(db.session())


def _load_lexicon_for_request() -> None:
    if request.endpoint == "static":
        return
    try:
        load_lexicon()
    except SQLAlchemyError:
        # The database is unreachable: keep the lexicon loaded; the request itself (the health
        # check, say) reports the database.
        db.session.rollback()
        log.warning("could not check the search lexicon version", exc_info=True)


def init_app(app: Flask) -> None:
    global _installed
    app.extensions["kb_index"] = SearchIndex(app.config["INDEX_DIR"])
    app.before_request(_load_lexicon_for_request)
    if not _installed:
        install_sync(db.session, _index_or_none, count_incidents=incident_counts_for,
                     touched_elsewhere=_articles_whose_use_changed, on_words=recut_titles)
        _installed = True


def reindex(progress: object = None) -> int:
    """Rebuilds the index from the database."""
    return rebuild_index(db.session(), current_index(), count_incidents=incident_counts_for,
                         progress=progress if callable(progress) else None)


def repair_index() -> int:
    """Start-up: an empty or lost index is rebuilt, else what a crash between commit and index
    update left stale is rewritten. Returns how many articles were written."""
    s = db.session()
    ix = current_index()
    if int(s.scalar(select(db.func.count()).select_from(Article)) or 0) and ix.doc_count() == 0:
        return reindex()
    repaired = reconcile_index(s, ix, count_incidents=incident_counts_for)
    ix.warm()  # scope and facet sets, so the first searches are not the slow ones
    return repaired
