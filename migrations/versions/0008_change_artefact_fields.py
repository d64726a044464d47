"""change artefact fields: kind, change reference and planned window on article revisions

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('article_revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('change_kind', sa.Enum(
            'change_request', 'test_plan', 'technical_plan', 'cutover_plan', name='change_kind',
            native_enum=False, create_constraint=True, length=20), nullable=True))
        batch_op.add_column(sa.Column('change_ref', sa.String(length=60), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('planned_start', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('planned_end', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            'planned_window_order',
            'planned_end IS NULL OR planned_start IS NULL OR planned_end > planned_start',
        )


def downgrade() -> None:
    with op.batch_alter_table('article_revisions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_article_revisions_planned_window_order'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_article_revisions_change_kind'), type_='check')
        batch_op.drop_column('planned_end')
        batch_op.drop_column('planned_start')
        batch_op.drop_column('change_ref')
        batch_op.drop_column('change_kind')
