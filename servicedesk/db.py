"""Engine and the scoped session, bound to the app in init_app. Models share kb.orm.Base."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import Engine, create_engine, event, func, inspect, make_url
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from kb.orm import Base

__all__ = ["Base", "func", "init_app", "inspect_history", "make_engine", "session"]

session: scoped_session[Session] = scoped_session(sessionmaker(expire_on_commit=False))


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with SQLite made to behave: foreign keys on, WAL, real SAVEPOINTs."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)

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
            conn.exec_driver_sql("BEGIN")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if make_url(url).get_driver_name() == "psycopg":
        # psycopg prepares a statement run five times, and PostgreSQL may then plan it once for any values:
        # a plan blind to how many ids a title search's array holds (the queue's page took 9.7 ms at 1M
        # incidents, 1.3 ms planned for its values). Unprepared, every statement is planned for its values.
        # The server's own cached plans (foreign-key checks) are untouched: plan_cache_mode=force_custom_plan
        # on the connection did that too, and made flask sla check 2.5x slower.
        kwargs.setdefault("connect_args", {"prepare_threshold": None})
    return create_engine(url, **kwargs)


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["sqlalchemy_engine"] = engine
    session.configure(bind=engine)

    @app.teardown_appcontext
    def _remove_session(_exc: BaseException | None) -> None:
        # Whatever a request left uncommitted is rolled back here.
        session.remove()


def inspect_history(obj: Any, attr: str) -> list[Any]:
    """The values an attribute had and has within the current flush (old and new)."""
    hist = inspect(obj).attrs[attr].history
    return [*hist.deleted, *hist.added]
