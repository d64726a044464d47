"""awaiting-verification index: the resolved incidents not yet verified, newest first (the awaiting queue
and its count, which every queue page shows)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 19:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

WHERE = {'postgresql_where': sa.text("status = 'resolved' AND verified IS false"),
         'sqlite_where': sa.text("status = 'resolved' AND verified = 0")}


def upgrade() -> None:
    op.create_index('ix_incidents_awaiting', 'incidents', ['created_at', 'id'], unique=False, **WHERE)


def downgrade() -> None:
    op.drop_index('ix_incidents_awaiting', table_name='incidents', **WHERE)
