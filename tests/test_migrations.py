"""The Alembic migrations build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

from kb.orm import Base
from servicedesk import create_app
from servicedesk.cli import alembic_config
from servicedesk.config import config_for_tests
from tests.migrating import migrating


def test_migrations_match_models_and_downgrade(engine: Engine, database_url: str, tmp_path: Path) -> None:
    with migrating(database_url, tmp_path, "migration_check") as m:
        command.upgrade(m.cfg, "head")
        diff = compare_metadata(MigrationContext.configure(m.conn), Base.metadata)
        assert diff == []
        command.downgrade(m.cfg, "base")
        tables = m.conn.execute(text(
            "SELECT name FROM sqlite_master WHERE type='table'" if not m.schema else
            f"SELECT table_name FROM information_schema.tables WHERE table_schema='{m.schema}'"
        )).scalars().all()
        assert set(tables) <= {"alembic_version"}


def test_sqlite_table_rebuilds_keep_rows_and_constraints(engine: Engine, database_url: str, tmp_path: Path) -> None:
    """SQLite alters tables by rebuilding them; rows that refer to them must survive (no cascade)."""
    url = f"sqlite:///{tmp_path / 'upgrade.db'}"
    app = create_app(config_for_tests(tmp_path, url))
    with app.app_context():
        cfg = alembic_config()
        command.upgrade(cfg, "0001")
        eng = app.extensions["sqlalchemy_engine"]
        with eng.begin() as c:
            c.execute(text("INSERT INTO users (id, username, display_name, email, phone, role, password_hash,"
                           " active, locale, created_at)"
                           " VALUES (1, 'li.na', '李娜', '', '', 'agent', '', 1, '', '2026-01-01')"))
            c.execute(text("INSERT INTO articles (id, type, status, author_id, created_at, updated_at, view_count,"
                           " helpful_count) VALUES (1, 'solution', 'draft', 1, '2026-01-01', '2026-01-01', 0, 0)"))
            c.execute(text(
                "INSERT INTO article_revisions (id, article_id, number, status, title, body, symptom, cause, steps,"
                " services, category, tags, fault_codes, device_models, visibility, extra, author_id, created_at,"
                " updated_at, version) VALUES (1, 1, 1, 'draft', '光猫红灯', '正文', '', '', '', '[]', '', '[]', '[]',"
                " '[]', 'public', '{}', 1, '2026-01-01', '2026-01-01', 1)"))
        command.upgrade(cfg, "head")
        with eng.connect() as c:
            assert c.execute(text("SELECT count(*) FROM article_revisions")).scalar() == 1
            ddl = c.execute(text("SELECT sql FROM sqlite_master WHERE name = 'articles'")).scalar()
            assert "approved_has_live_revision" in ddl and "article_revisions" in ddl
            assert c.execute(text("PRAGMA foreign_key_check")).all() == []
        eng.dispose()
