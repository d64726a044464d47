"""outage notices: services and zones affected, the window, the problem behind them

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 01:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'outages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('services', sa.JSON(), nullable=False),
        sa.Column('zones', sa.JSON(), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('problem_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_outages_created_by_id_users')),
        sa.ForeignKeyConstraint(['problem_id'], ['problems.id'], name=op.f('fk_outages_problem_id_problems')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outages')),
    )
    op.create_index('ix_outages_ended_starts', 'outages', ['ended_at', 'starts_at'])


def downgrade() -> None:
    op.drop_index('ix_outages_ended_starts', table_name='outages')
    op.drop_table('outages')
