"""incident search terms: single characters side by side are also indexed as pairs, so an unknown word
(a place name jieba cuts into characters) is found by its pairs instead of characters half the titles hold;
on PostgreSQL the table is never scanned by parallel workers (searches read short ranges of it)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 17:00:00.000000
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from alembic import op

from kb.search.analyzer import index_tokens
from servicedesk.incidents.terms import NO_PARALLEL, TERM_MAX, term_rows

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

BATCH = 5000


def _rewrite(rows_of: Callable[[Iterable[tuple[int, str]]], list[dict[str, Any]]]) -> None:
    """Every incident's words written again, a batch of incidents at a time (the analyzer runs in Python)."""
    conn = op.get_bind()
    incidents = sa.table('incidents', sa.column('id', sa.Integer), sa.column('title', sa.String))
    terms = sa.table('incident_terms', sa.column('term', sa.String), sa.column('incident_id', sa.Integer))
    last = 0
    while True:
        batch = conn.execute(sa.select(incidents.c.id, incidents.c.title).where(incidents.c.id > last)
                             .order_by(incidents.c.id).limit(BATCH)).all()
        if not batch:
            break
        first, last = int(batch[0][0]), int(batch[-1][0])
        conn.execute(sa.delete(terms).where(terms.c.incident_id >= first, terms.c.incident_id <= last))
        rows = rows_of((int(i), title) for i, title in batch)
        if rows:
            conn.execute(sa.insert(terms), rows)


def _words_before(pairs: Iterable[tuple[int, str]]) -> list[dict[str, Any]]:
    """The rows as 0007 wrote them: the index-mode tokens of each title, no pairs."""
    return [{"term": t, "incident_id": i} for i, title in pairs
            for t in sorted({w[:TERM_MAX] for w in index_tokens(title or "") if w})]


def upgrade() -> None:
    _rewrite(term_rows)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(NO_PARALLEL)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE incident_terms RESET (parallel_workers)")
    _rewrite(_words_before)
