"""The app's handle on the knowledge-base index, and the thread that keeps it following the database."""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from sqlalchemy import event, func, inspect, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from kb.lexicon import refresh_lexicon
from kb.models import Article
from kb.search import changelog, usefulness
from kb.search.index import LockTimeout, SearchIndex, SearchResult
from kb.search.searchlog import DEFAULT_KEEP_DAYS, Outcome, prune_searches, record_outcome, record_search
from kb.search.service import observe_searches
from kb.search.sync import catch_up, install_sync, lag, rebuild_index, reconcile_index
from servicedesk import db
from servicedesk.background import Chore, run_rounds
from servicedesk.incidents.models import Incident
from servicedesk.incidents.services import incident_counts_for
from servicedesk.incidents.terms import recut_titles
from servicedesk.portal.models import ArticleFeedback

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
        for event_name, listener in (("after_flush", _collect_outcomes), ("after_commit", _outcomes_committed),
                                     ("after_rollback", _outcomes_rolled_back)):
            event.listen(db.session, event_name, listener)
        _installed = True
    app.after_request(_note_outcomes)


# -- the search log: query, role, results count and what came of it; written apart from the request --------

PRUNE_LOG_EVERY_SECONDS = 3600
USEFULNESS_EVERY_SECONDS = 300
HELD_KEY = "kb_search"  # the browser session's last search: its token, when, the ids it listed
HELD_IDS = 20
DEFAULT_OUTCOME_MINUTES = 30


def search_log_keep_days() -> int:
    """SEARCH_LOG_KEEP_DAYS (setting or environment), default 90; 0 keeps no search log at all."""
    value = current_app.config.get("SEARCH_LOG_KEEP_DAYS", os.environ.get("SEARCH_LOG_KEEP_DAYS"))
    return DEFAULT_KEEP_DAYS if value in (None, "") else max(0, int(value))


def outcome_window_seconds() -> int:
    """SEARCH_OUTCOME_MINUTES (default 30): how long after a search what the same browser does counts for it."""
    value = current_app.config.get("SEARCH_OUTCOME_MINUTES", os.environ.get("SEARCH_OUTCOME_MINUTES"))
    return 60 * (DEFAULT_OUTCOME_MINUTES if value in (None, "") else max(0, int(value)))


def log_search(actor: object, text: str, result: SearchResult) -> None:
    """Records a search for the leads' page: the role of whoever searched, never who (no id, name, address).
    A browser session holds the search's random token for a while, so what it opens, answers, links or
    reports next is noted against the search, not against a person."""
    if not has_app_context() or search_log_keep_days() == 0:
        return
    role = str(getattr(actor, "role", "") or "anonymous")
    token = secrets.token_hex(8)
    total = result.total
    db.write_later(lambda s: record_search(s, text, role, total, token))
    if has_request_context() and request.blueprint != "api":
        session[HELD_KEY] = {"t": token, "at": int(time.time()), "ids": [h.id for h in result.items[:HELD_IDS]]}


def _held_search() -> dict[str, Any] | None:
    held = session.get(HELD_KEY)
    if not isinstance(held, dict) or not isinstance(held.get("t"), str) or not isinstance(held.get("at"), int):
        return None
    if time.time() - held["at"] > outcome_window_seconds():
        session.pop(HELD_KEY, None)
        return None
    return held


_PENDING = "_kb_outcomes_pending"
_DONE = "_kb_outcomes"


def _collect_outcomes(s: Session, _context: object) -> None:
    """Within a request: what this flush did that a search may have led to ("solved it", a link, a report)."""
    if not has_request_context():
        return
    found: list[tuple[Outcome, int]] = []
    for obj in s.new:
        if isinstance(obj, ArticleFeedback) and obj.solved:
            found.append((Outcome.SOLVED, obj.article_id))
        elif isinstance(obj, Incident):
            found.append((Outcome.REPORTED, 0))
    for obj in list(s.new) + list(s.dirty):
        if isinstance(obj, Incident):
            added = inspect(obj).attrs["solution_id"].history.added
            found.extend((Outcome.LINKED, int(i)) for i in added if i is not None)
    if found:
        g.setdefault(_PENDING, []).extend(found)


def _outcomes_committed(_s: Session) -> None:
    if has_request_context() and _PENDING in g:
        g.setdefault(_DONE, []).extend(g.pop(_PENDING))


def _outcomes_rolled_back(_s: Session) -> None:
    if has_request_context():
        g.pop(_PENDING, None)


def _note_outcomes(response: Response) -> Response:
    """After a request: what it did that the browser's last search led to is noted against that search."""
    events: list[tuple[Outcome, int]] = g.pop(_DONE, [])
    if request.endpoint == "knowledge.article" and request.method == "GET" and response.status_code == 200 \
            and request.view_args:
        events.append((Outcome.OPENED, int(request.view_args["article_id"])))
    if not events or response.status_code >= 400 or request.blueprint == "api":
        return response
    held = _held_search()
    if held is None:
        return response
    token, ids = held["t"], [i for i in held.get("ids", []) if isinstance(i, int)]
    notes: list[tuple[Outcome, int, int | None]] = []
    for kind, article_id in dict.fromkeys(events):
        if kind is Outcome.REPORTED:
            notes.append((kind, 0, None))
        elif article_id in ids:
            notes.append((kind, article_id, ids.index(article_id) + 1))
    if not notes:
        return response

    def work(s: Session) -> None:
        for kind, article_id, rank in notes:
            record_outcome(s, token, kind, article_id, rank)

    db.write_later(work)
    if any(kind is Outcome.REPORTED for kind, _, _ in notes):
        session.pop(HELD_KEY, None)  # the report closes what this search led to
    return response


def prune_search_log() -> int:
    """Drops searches (and what came of them) older than the configured keep-days; returns how many."""
    keep_days = search_log_keep_days()
    with db.writing(), db.side_session() as s:
        gone = prune_searches(s, keep_days)
        s.commit()
    return gone


def refresh_usefulness() -> int:
    """Re-reads how useful each article proved ("solved it" answers plus incidents linking it as their
    solution) into the ranking's bounded signal; returns how many articles have any use."""
    uses: dict[int, int] = {}
    with _reading_session() as s:
        for article_id, n in s.execute(select(ArticleFeedback.article_id, func.count())
                                       .where(ArticleFeedback.solved.is_(True))
                                       .group_by(ArticleFeedback.article_id)):
            uses[int(article_id)] = uses.get(int(article_id), 0) + int(n)
        for solution_id, m in s.execute(select(Incident.solution_id, func.count())
                                        .where(Incident.solution_id.is_not(None)).group_by(Incident.solution_id)):
            if solution_id is not None:
                uses[int(solution_id)] = uses.get(int(solution_id), 0) + int(m)
    usefulness.set_uses(uses)
    return len(uses)


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
    # LockTimeout: another process of this node is catching up (or rebuilding): it writes what we would have.
    run_rounds(app, "search index follower", interval, _look, quiet=(LockTimeout,),
               chores=(Chore(PRUNE_EVERY_SECONDS, prune_changes),
                       Chore(PRUNE_LOG_EVERY_SECONDS, prune_search_log),  # here, not on a search's way
                       Chore(USEFULNESS_EVERY_SECONDS, refresh_usefulness)))


def _look() -> bool:
    follow_once()
    return False  # it caught up with all there was: the next look after the interval


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
    try:
        refresh_usefulness()
    except SQLAlchemyError:
        log.warning("could not read how useful articles proved; ranking without it for now", exc_info=True)
    return repaired
