"""A database of a test's own for running the Alembic migrations in: a new SQLite file, or a schema made afresh
on PostgreSQL (dropped again after)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic.config import Config
from sqlalchemy import Connection, text

from servicedesk import create_app, db
from servicedesk.cli import alembic_config
from servicedesk.config import config_for_tests


@dataclass(frozen=True)
class Migrating:
    cfg: Config  # Alembic's, migrating through conn
    conn: Connection  # in one transaction, committed at the end
    schema: str | None  # on PostgreSQL, the schema the tables are in


@contextmanager
def migrating(database_url: str, tmp_path: Path, name: str) -> Iterator[Migrating]:
    """Alembic's config and one connection to migrate with, in `name`: tmp_path/name.db for SQLite, a schema of
    that name on PostgreSQL."""
    sqlite = database_url.startswith("sqlite")
    url, schema = (f"sqlite:///{tmp_path / f'{name}.db'}", None) if sqlite else (database_url, name)
    app = create_app(config_for_tests(tmp_path, url))
    with app.app_context():
        cfg = alembic_config()
        eng = db.make_engine(url)
        try:
            with eng.begin() as conn:
                if schema:
                    conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    conn.execute(text(f"CREATE SCHEMA {schema}"))
                    conn.execute(text(f"SET search_path TO {schema}"))
                cfg.attributes["connection"] = conn
                yield Migrating(cfg, conn, schema)
                if schema:
                    conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        finally:
            eng.dispose()
            app.extensions["sqlalchemy_engine"].dispose()
