"""The app's handle on the knowledge-base index, and the thread that keeps it following the database."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, has_app_context, request
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from kb.lexicon import refresh_lexicon
from kb.models import Article
from kb.search import changelog
from kb.search.index import LockTimeout, SearchIndex
from kb.search.searchlog import DEFAULT_KEEP_DAYS, prune_searches, record_search
from kb.search.service import observe_searches
from kb.search.sync import catch_up, install_sync, lag, rebuild_index, reconcile_index
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


def _follow_from_first_request() -> None:
    # Servers that start workers themselves (run.py's gunicorn) start the follower at boot; any other
    # WSGI server gets it with its first request.
    start_follower(current_app._get_current_object())  # type: ignore[attr-defined]


def _load_lexicon_for_request() -> None:
    if request.endpoint == "static" or _follower_pid == os.getpid():
        return  # this process's follower brings the lexicon up to date with each look at the change log
    try:
        load_lexicon()
    except SQLAlchemyError:
        # The database is unreachable: keep the lexicon loaded; the request itself (the health
        # check, say) reports the database.
        db.session.rollback()
        log.warning("could not check the search lexicon version", exc_info=True)


@contextmanager
def _reading_session() -> Iterator[Session]:
    """A session of its own for reading the change log and the articles it names."""
    with db.reading(), db.side_session() as s:
        yield s


def init_app(app: Flask) -> None:
    global _installed
    app.extensions["kb_index"] = SearchIndex(app.config["INDEX_DIR"])
    app.before_request(_load_lexicon_for_request)
    app.before_request(_follow_from_first_request)
    if not _installed:
        install_sync(db.session, _index_or_none, open_session=_reading_session, count_incidents=incident_counts_for,
                     touched_elsewhere=_articles_whose_use_changed, on_words=recut_titles)
        observe_searches(log_search)
        _installed = True


# -- the search log: query, role and results count; written apart from the (reading) request ---------

_last_log_prune = 0.0
PRUNE_LOG_EVERY_SECONDS = 3600


def search_log_keep_days() -> int:
    """SEARCH_LOG_KEEP_DAYS (setting or environment), default 90; 0 keeps no search log at all."""
    value = current_app.config.get("SEARCH_LOG_KEEP_DAYS", os.environ.get("SEARCH_LOG_KEEP_DAYS"))
    return DEFAULT_KEEP_DAYS if value in (None, "") else max(0, int(value))


def log_search(actor: object, text: str, total: int) -> None:
    """Records a search for the leads' page: the role of whoever searched, never who (no id, name, address)."""
    global _last_log_prune
    if not has_app_context():
        return
    keep_days = search_log_keep_days()
    if keep_days == 0:
        return
    role = str(getattr(actor, "role", "") or "anonymous")
    prune = time.monotonic() - _last_log_prune > PRUNE_LOG_EVERY_SECONDS
    if prune:
        _last_log_prune = time.monotonic()

    def work(s: Session) -> None:
        record_search(s, text, role, total)
        if prune:
            prune_searches(s, keep_days)

    db.write_later(work)


def catch_up_index(timeout: float = 5.0) -> int:
    """Writes into this node's index whatever was committed (by any process or node) and is not there yet."""
    return catch_up(_reading_session, current_index(), count_incidents=incident_counts_for, timeout=timeout)


def index_lag() -> tuple[int, float | None]:
    """How many committed changes this node's index lacks, and how long the oldest has waited (seconds)."""
    with _reading_session() as s:
        return lag(s, current_index())


# -- the follower: one thread per process ---------------------------------------------------------

_follower_lock = threading.Lock()
_follower_pid: int | None = None
PRUNE_EVERY_SECONDS = 3600


def start_follower(app: Flask) -> bool:
    """Starts this process's follower thread (once per process, again after a fork); False when polling is off."""
    global _follower_pid
    interval = float(app.config.get("INDEX_POLL_SECONDS") or 0)
    if interval <= 0:
        return False
    with _follower_lock:
        if _follower_pid == os.getpid():
            return True
        _follower_pid = os.getpid()
    threading.Thread(target=_follow, args=(app, interval), name="kb-index-follower", daemon=True).start()
    return True


def _follow(app: Flask, interval: float) -> None:
    last_prune = time.monotonic()
    failing = False
    while True:
        time.sleep(interval)
        try:
            with app.app_context():
                try:
                    follow_once()
                    if time.monotonic() - last_prune > PRUNE_EVERY_SECONDS:
                        last_prune = time.monotonic()
                        prune_changes()
                finally:
                    db.session.remove()
            failing = False
        except LockTimeout:
            pass  # another process of this node is catching up (or rebuilding): it writes what we would have
        except Exception:
            if not failing:  # say it once, not four times a second
                log.exception("search index follower: catching up failed; retrying")
            failing = True


def follow_once() -> int:
    """One look at the change log: catches up when the database holds changes this node's index lacks."""
    ix = current_index()
    with _reading_session() as s:
        top = changelog.head(s).seq
        refresh_lexicon(s)  # the leads' words and synonyms, as another process or node may have changed them
    applied = ix.applied_seq()
    if applied is not None and applied == top:
        return 0
    return catch_up_index(timeout=1.0)


def prune_changes() -> int:
    """Drops change-log rows older than a week (nodes away longer compare their whole index on return)."""
    with db.writing(), db.side_session() as s:
        gone = changelog.prune(s)
        s.commit()
    return gone


def reindex(progress: object = None) -> int:
    """Rebuilds the index from the database."""
    return rebuild_index(db.session(), current_index(), count_incidents=incident_counts_for,
                         progress=progress if callable(progress) else None)


def repair_index() -> int:
    """Start-up: an empty or lost index is rebuilt, else the change log is caught up and the whole
    index compared with the database (what an older version or a hand-edit left stale is rewritten).
    Returns how many articles were written."""
    s = db.session()
    ix = current_index()
    if int(s.scalar(select(db.func.count()).select_from(Article)) or 0) and ix.doc_count() == 0:
        return reindex()
    repaired = catch_up_index(timeout=60.0)
    repaired += reconcile_index(s, ix, count_incidents=incident_counts_for)
    ix.warm()  # scope and facet sets, so the first searches are not the slow ones
    return repaired
