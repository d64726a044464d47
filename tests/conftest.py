"""Test fixtures: one schema per run, every test inside a rolled-back transaction.

Set TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) to run on PostgreSQL;
without it the suite uses a SQLite file in a temporary folder.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from flask_login import FlaskLoginClient
from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.orm import Session

from kb.actors import Role
from kb.orm import Base
from servicedesk import create_app, db
from servicedesk.config import config_for_tests
from servicedesk.users.models import User
from tests import factories


def _database_url(tmp: Path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp / 'test.db'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _database_url(tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    db.load_models()
    eng = db.make_engine(database_url)
    with eng.begin() as conn:
        if eng.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            Base.metadata.drop_all(conn)
        Base.metadata.create_all(conn)
    yield eng
    eng.dispose()


@pytest.fixture
def app(engine: Engine, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    application = create_app(config_for_tests(tmp_path, database_url))
    application.test_client_class = FlaskLoginClient
    connection = engine.connect()
    outer = connection.begin()
    db.session.remove()
    db.session.configure(bind=connection, join_transaction_mode="create_savepoint")

    @application.before_request
    def _like_a_new_request() -> None:
        # The test keeps one app context open, so `g` (logged-in user, locale, CSRF token) would
        # leak between requests; and what the test set up exists before the request, as in
        # production, so a request that rolls back its own work keeps the test's data.
        for key in list(vars(g)):
            delattr(g, key)
        db.session.commit()

    application.before_request_funcs[None].insert(0, application.before_request_funcs[None].pop())
    ctx = application.app_context()
    ctx.push()
    try:
        yield application
    finally:
        ctx.pop()
        db.session.remove()
        outer.rollback()
        connection.close()
        application.extensions["sqlalchemy_engine"].dispose()


@pytest.fixture
def s(app: Flask):
    return db.session()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def subscriber(app: Flask) -> User:
    return factories.user(Role.USER, "zhang.wei", display_name="张伟")


@pytest.fixture
def agent(app: Flask) -> User:
    return factories.user(Role.AGENT, "li.na", display_name="李娜")


@pytest.fixture
def lead(app: Flask) -> User:
    return factories.user(Role.LEAD, "wang.qiang", display_name="王强")


@pytest.fixture
def admin(app: Flask) -> User:
    return factories.user(Role.ADMIN, "admin0", display_name="管理员")


def login_client(app: Flask, user: User) -> FlaskClient:
    """A test client logged in as user (Flask-Login's FlaskLoginClient)."""
    return app.test_client(user=user)  # type: ignore[call-arg]


def _delete_audit_events_after(conn: Connection, mark: int) -> None:
    """The audit log is append-only (a trigger refuses deletes): the test's own events go with the trigger
    lifted for that one statement, inside the cleanup's transaction."""
    from servicedesk.audit.models import _SQLITE

    if not conn.scalar(text("SELECT count(*) FROM audit_events WHERE id > :m"), {"m": mark}):
        return
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
        conn.execute(text("DELETE FROM audit_events WHERE id > :m"), {"m": mark})
        conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))
    else:
        conn.execute(text("DROP TRIGGER audit_events_no_delete"))
        conn.execute(text("DELETE FROM audit_events WHERE id > :m"), {"m": mark})
        conn.execute(text(_SQLITE[1]))


@pytest.fixture
def committed(engine: Engine) -> Iterator[Callable[[], Session]]:
    """Sessions on their own connections; every row they commit is deleted after the test."""
    tables = [t for t in Base.metadata.sorted_tables if "id" in t.c]
    with engine.connect() as conn:
        marks = {t.name: conn.scalar(select(func.coalesce(func.max(t.c.id), 0))) for t in tables}
    sessions: list[Session] = []

    def make() -> Session:
        sessions.append(Session(engine, expire_on_commit=False))
        return sessions[-1]

    yield make
    for sess in sessions:
        sess.close()
    with engine.begin() as conn:
        conn.execute(text("UPDATE articles SET status = 'draft', live_revision_id = NULL WHERE id > :m"),
                     {"m": marks["articles"]})
        for t in reversed(Base.metadata.sorted_tables):
            if t.name == "audit_events":
                _delete_audit_events_after(conn, marks[t.name])
                continue
            if t.name in marks:
                conn.execute(t.delete().where(t.c.id > marks[t.name]))
                continue
            # A link table without an id of its own (problem_zones): its rows that point at new rows go.
            for fk in t.foreign_keys:
                target = fk.column.table.name
                if target in marks and fk.column.name == "id":
                    conn.execute(t.delete().where(fk.parent > marks[target]))
