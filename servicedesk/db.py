"""Engine and the scoped session, bound to the app in init_app. Models share kb.orm.Base."""

from __future__ import annotations

import importlib
import logging
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import Any

from flask import Flask, current_app, g, has_app_context, has_request_context
from sqlalchemy import Connection, Engine, create_engine, event, func, inspect, make_url
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from kb.orm import Base

__all__ = ["Base", "ReadOnlyWrite", "commit_then_read", "func", "init_app", "inspect_history", "load_models",
           "make_engine", "reading", "session", "side_session", "start_writing", "write_later", "writing"]

log = logging.getLogger(__name__)

session: scoped_session[Session] = scoped_session(sessionmaker(expire_on_commit=False))

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Whether the transactions begun in this context will write. SQLite fails at once, whatever its busy
# timeout, when a transaction that began by reading wants to write after another connection committed
# (its snapshot is stale). So a transaction that may write takes the write lock up front (BEGIN
# IMMEDIATE) and waits its turn; one that only reads begins deferred and never blocks a writer (WAL).
# Requests with a safe method only read; everything else (unsafe requests, CLI commands, scripts) may write.
_write_intent: ContextVar[bool] = ContextVar("servicedesk_write_intent", default=True)


class ReadOnlyWrite(RuntimeError):
    """A flush with changes in a context that declared it only reads (a GET request, say)."""


@contextmanager
def _intent(write: bool) -> Iterator[None]:
    token = _write_intent.set(write)
    try:
        yield
    finally:
        _write_intent.reset(token)


def reading() -> Any:
    """Transactions begun inside only read: on SQLite they begin deferred and never take the write lock."""
    return _intent(False)


def writing() -> Any:
    """Transactions begun inside may write: on SQLite they take the write lock when they begin."""
    return _intent(True)


def intends_write() -> bool:
    return _write_intent.get()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with SQLite made to behave: foreign keys on, WAL, real SAVEPOINTs, writers queueing for the
    lock up front. On every database, a context that declared it only reads is refused a write."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": LOCK_WAIT_SECONDS})
        engine = create_engine(url, **kwargs)
        queue_ = WriterQueue(make_url(url).database)

        @event.listens_for(engine, "connect")
        def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
            # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_on_begin(conn: Any) -> None:
            if not _write_intent.get():
                conn.exec_driver_sql("BEGIN")
                return
            queue_.enter(conn.info)
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                queue_.leave(conn.info)
                raise

        @event.listens_for(engine, "commit")
        @event.listens_for(engine, "rollback")
        def _sqlite_on_end(conn: Any) -> None:
            queue_.leave(conn.info)

        @event.listens_for(engine, "checkin")
        @event.listens_for(engine, "invalidate")
        def _sqlite_on_release(_dbapi_conn: Any, record: Any, *_args: Any) -> None:
            queue_.leave(record.info)  # a connection given back (or dropped) never keeps its place
    else:
        kwargs.setdefault("pool_pre_ping", True)
        if make_url(url).get_driver_name() == "psycopg":
            # psycopg prepares a statement run five times, and PostgreSQL may then plan it once for any values:
            # a plan blind to how many ids a title search's array holds (the queue's page took 9.7 ms at 1M
            # incidents, 1.3 ms planned for its values). Unprepared, every statement is planned for its values.
            # The server's own cached plans (foreign-key checks) are untouched: plan_cache_mode=force_custom_plan
            # on the connection did that too, and made flask sla check 2.5x slower.
            kwargs.setdefault("connect_args", {"prepare_threshold": None})
        engine = create_engine(url, **kwargs)
    event.listen(engine, "before_cursor_execute", _refuse_writes_when_reading)
    return engine


LOCK_WAIT_SECONDS = 30


class WriterQueue:
    """Writers to one SQLite file line up here before BEGIN IMMEDIATE, and are woken the moment the one
    before them finishes. Left to SQLite, a waiting writer sleeps in growing steps (up to 100 ms) between
    tries, so under load the lock stood idle while writers slept: 16 clients created 25 incidents a second
    where one created 100. Threads of a process queue on a lock; processes take turns on a lock file
    (flock) beside the database. A memory database (or a platform without flock) queues threads only."""

    def __init__(self, database: str | None) -> None:
        self._threads = threading.Lock()
        self._path = f"{database}.writers" if database and database != ":memory:" else None

    def enter(self, info: dict[str, Any]) -> None:
        if info.get("writer_queue"):
            return  # this connection holds its place already (a transaction begun again inside one)
        if not self._threads.acquire(timeout=LOCK_WAIT_SECONDS):
            raise sqlite3.OperationalError("database is locked (waited for the other writers of this process)")
        try:
            info["writer_queue"] = self._lock_file()
        except BaseException:
            self._threads.release()
            raise

    def leave(self, info: dict[str, Any]) -> None:
        held = info.pop("writer_queue", None)
        if held is None:
            return
        if isinstance(held, int):
            os.close(held)  # closing the file lets the next process in
        self._threads.release()

    def _lock_file(self) -> int | bool:
        if self._path is None:
            return True
        try:
            import fcntl
        except ImportError:
            return True
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        pause = 0.0005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    raise sqlite3.OperationalError("database is locked (waited for the other processes)") from None
                time.sleep(pause)  # one thread per process polls here; the others wait on the thread lock
                pause = min(pause * 2, 0.002)


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _refuse_writes_when_reading(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    if _write_intent.get() or not statement.lstrip()[:7].upper().startswith(_WRITES):
        return
    message = ("a request that only reads (GET) tried to write; write in an unsafe request, "
               "in db.writing(), or later with db.write_later()")
    if has_app_context() and current_app.testing:
        raise ReadOnlyWrite(message)
    log.warning(message + " (%s)", statement[:80])


def start_writing() -> None:
    """Declares that the request may write from here on, once it knows who is calling. What it read so far
    (the caller, the lexicon version) was read in a deferred transaction; on SQLite that one ends here, so
    the write lock is taken by the next statement and held for the work alone, not while the caller was
    looked up. Objects loaded so far stay loaded (the session does not expire on commit)."""
    if _write_intent.get():
        return
    s = session()
    if s.in_transaction() and not (s.new or s.dirty or s.deleted) and s.get_bind().dialect.name == "sqlite":
        s.commit()  # only reads so far: ends the deferred snapshot, which could not turn into a writer
    _write_intent.set(True)


def commit_then_read() -> None:
    """Commits the request's one unit of work (STYLE §4) and declares that the rest of the request only
    reads (to answer): on SQLite it then neither queues for the write lock again nor holds it while the
    answer is built. Undone with the request's own declaration at its teardown."""
    session.commit()
    if has_request_context() and "_write_intent_token" in g:
        _write_intent.set(False)


def side_session() -> Session:
    """A session apart from the request's, on its own connection (its own transaction), for bookkeeping
    that must neither wait for nor be undone with the request's work. Under the test-suite, whose
    session is bound to one connection, it nests in a savepoint of that connection instead."""
    bind = session.get_bind()
    if isinstance(bind, Connection):
        return Session(bind=bind, join_transaction_mode="create_savepoint", expire_on_commit=False)
    return Session(bind=bind, expire_on_commit=False)


Bookkeeping = Callable[[Session], object]
_later: queue.SimpleQueue[tuple[Engine, Bookkeeping]] = queue.SimpleQueue()
_later_pid: int | None = None
_later_lock = threading.Lock()


def write_later(work: Bookkeeping) -> None:
    """Runs work(session) and commits it in a transaction of its own, after and apart from the request's:
    for bookkeeping a read may cause (a view counted, a token's use stamped) that must neither make the
    read wait for the write lock nor fail it. A background thread of this process writes it (what fails
    is logged; what is queued when the process stops is lost). Under the test-suite, whose session is
    bound to one connection, it runs at once in a savepoint of that connection."""
    bind = session.get_bind()
    if isinstance(bind, Connection):
        with writing(), side_session() as s:
            work(s)
            s.commit()
        return
    global _later_pid
    with _later_lock:
        if _later_pid != os.getpid():  # first use in this process (or a forked worker)
            _later_pid = os.getpid()
            threading.Thread(target=_write_queued, name="servicedesk-write-later", daemon=True).start()
    assert isinstance(bind, Engine)
    _later.put((bind, work))


def _write_queued() -> None:
    while True:
        engine, work = _later.get()
        try:
            with writing(), Session(bind=engine, expire_on_commit=False) as s:
                work(s)
                s.commit()
        except Exception:
            log.warning("background bookkeeping write failed", exc_info=True)


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["sqlalchemy_engine"] = engine
    session.configure(bind=engine)

    @app.before_request
    def _declare_intent() -> None:
        # Every request begins by reading (who is calling); an unsafe one declares it writes once it knows
        # (start_writing: the API's guard, or _identify_then_write for the pages).
        g._write_intent_token = _write_intent.set(False)

    @app.teardown_request
    def _end_intent(_exc: BaseException | None) -> None:
        token = g.pop("_write_intent_token", None)
        if token is not None:
            # ValueError: set in another context (a server that moved the request): nothing to undo.
            with suppress(ValueError):
                _write_intent.reset(token)

    @app.teardown_appcontext
    def _remove_session(_exc: BaseException | None) -> None:
        # Whatever a request left uncommitted is rolled back here.
        session.remove()


MODEL_MODULES = ("kb.models", "kb.lexicon", "kb.search.changelog", "servicedesk.users.models",
                 "servicedesk.org.models", "servicedesk.incidents.models", "servicedesk.portal.models",
                 "servicedesk.notify.models", "kb.search.searchlog", "servicedesk.audit.models",
                 "servicedesk.conversation.models", "servicedesk.auth.sessions",
                 "servicedesk.figures.models", "servicedesk.problems.models",
                 "servicedesk.incidents.field_models", "servicedesk.catalogue.registry")


def load_models() -> None:
    """Imports every model module, so Base.metadata holds the whole schema (Alembic, create_all)."""
    for module in MODEL_MODULES:
        importlib.import_module(module)


def inspect_history(obj: Any, attr: str) -> list[Any]:
    """The values an attribute had and has within the current flush (old and new)."""
    hist = inspect(obj).attrs[attr].history
    return [*hist.deleted, *hist.added]
