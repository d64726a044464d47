"""Alembic environment: every model imported, so autogenerate sees the whole schema."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, pool

from kb.orm import Base
from servicedesk.db import load_models, make_engine

load_models()

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _sqlite_foreign_keys_off(conn: Connection) -> None:
    # SQLite rebuilds a table to alter it ("batch" mode); with foreign keys on, dropping the old
    # table would cascade-delete the rows that refer to it. The pragma only works outside a transaction.
    if conn.dialect.name == "sqlite" and not conn.in_transaction():
        conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=pool.NullPool)
    with engine.connect() as conn:
        _sqlite_foreign_keys_off(conn)
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        conn.commit()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
