"""queue_views: a staff member's saved queue views (tab, filters, sort, columns) by name

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-05 06:15:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'queue_views',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('query', sa.String(length=2000), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE',
                                name=op.f('fk_queue_views_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_views')),
        sa.UniqueConstraint('user_id', 'name', name='uq_queue_views_user_name'),
    )


def downgrade() -> None:
    op.drop_table('queue_views')
