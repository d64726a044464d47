"""article source key for idempotent import

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 06:40:09.960581
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_key', sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_articles_source_key'), ['source_key'])



def downgrade() -> None:
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_articles_source_key'), type_='unique')
        batch_op.drop_column('source_key')

