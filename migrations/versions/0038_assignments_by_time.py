"""ix_incident_events_assigned_at: the assignment entries of the incidents' history by time (partial), so the
period's dispatches are read as a range for the appointment promises (预约及时率, 履约准时率)

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-05 11:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0038'
down_revision = '0037'
branch_labels = None
depends_on = None

ASSIGNED = sa.text("field = 'assignee' AND new IS NOT NULL")


def upgrade() -> None:
    op.create_index('ix_incident_events_assigned_at', 'incident_events', ['at', 'incident_id'],
                    sqlite_where=ASSIGNED, postgresql_where=ASSIGNED)


def downgrade() -> None:
    op.drop_index('ix_incident_events_assigned_at', table_name='incident_events')
