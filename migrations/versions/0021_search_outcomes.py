"""search outcomes: each search gets a random token; what was opened from it, "solved it", linked or reported

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 11:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('search_log') as batch:
        batch.add_column(sa.Column('token', sa.String(length=16), nullable=True))
    op.create_index(op.f('ix_search_log_token'), 'search_log', ['token'], unique=False)
    op.create_table(
        'search_outcomes',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('token', sa.String(length=16), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('rank', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_outcomes')),
        sa.UniqueConstraint('token', 'kind', 'article_id', name=op.f('uq_search_outcomes_token')),
    )
    op.create_index(op.f('ix_search_outcomes_created_at'), 'search_outcomes', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_search_outcomes_created_at'), table_name='search_outcomes')
    op.drop_table('search_outcomes')
    op.drop_index(op.f('ix_search_log_token'), table_name='search_log')
    with op.batch_alter_table('search_log') as batch:
        batch.drop_column('token')
