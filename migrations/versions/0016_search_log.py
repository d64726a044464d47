"""search_log: what was searched (query, role only, results count), pruned after a configured time

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-04 20:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'search_log',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('query', sa.String(length=500), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('results', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_log')),
    )
    op.create_index(op.f('ix_search_log_created_at'), 'search_log', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_search_log_created_at'), table_name='search_log')
    op.drop_table('search_log')
