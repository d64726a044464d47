"""indexes for the queue's report-type filter and its tier and chases orders, per state (the work tabs merge
their states' ordered slices): measured at a million incidents, these pages sorted a whole state without them

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-05 12:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = '0039'
down_revision = '0038'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_incidents_type_status_created', 'incidents',
                    ['service', 'report_type', 'status', 'created_at', 'id'])
    op.create_index('ix_incidents_status_tier', 'incidents', ['status', 'tier', 'id'])
    op.create_index('ix_incidents_status_chases', 'incidents', ['status', 'chase_count', 'id'])


def downgrade() -> None:
    op.drop_index('ix_incidents_status_chases', table_name='incidents')
    op.drop_index('ix_incidents_status_tier', table_name='incidents')
    op.drop_index('ix_incidents_type_status_created', table_name='incidents')
