"""appointments: the visit window agreed with the subscriber (预约), reschedules and cancels kept

Revision ID: 0025
Revises: 0021
Create Date: 2026-12-05 00:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'incident_appointments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('incident_id', sa.Integer(), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('agreed_with', sa.String(length=100), nullable=False),
        sa.Column('engineer_id', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('made_by_id', sa.Integer(), nullable=False),
        sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('cancel_reason', sa.Text(), nullable=False),
        sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_incident_appointments_window_ends_after_start')),
        sa.ForeignKeyConstraint(['engineer_id'], ['users.id'], name=op.f('fk_incident_appointments_engineer_id_users')),
        sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ondelete='CASCADE',
                                name=op.f('fk_incident_appointments_incident_id_incidents')),
        sa.ForeignKeyConstraint(['made_by_id'], ['users.id'], name=op.f('fk_incident_appointments_made_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_appointments')),
    )
    op.create_index('ix_incident_appointments_incident_made', 'incident_appointments',
                    ['incident_id', 'made_at', 'id'])


def downgrade() -> None:
    op.drop_index('ix_incident_appointments_incident_made', table_name='incident_appointments')
    op.drop_table('incident_appointments')
