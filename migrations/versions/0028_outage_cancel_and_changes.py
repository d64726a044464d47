"""outage notices may be withdrawn (cancelled_at); changes (CHG…), their history and the incidents they caused

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05 01:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


def upgrade() -> None:
    with op.batch_alter_table('outages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=24), nullable=True),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('kind', _enum('change_type', 'standard', 'normal', 'emergency'), nullable=False),
        sa.Column('risk', _enum('change_risk', 'low', 'medium', 'high'), nullable=False),
        sa.Column('cutover', sa.Boolean(), nullable=False),
        sa.Column('services', sa.JSON(), nullable=False),
        sa.Column('zones', sa.JSON(), nullable=False),
        sa.Column('artefact_ids', sa.JSON(), nullable=False),
        sa.Column('planned_start', sa.DateTime(timezone=True), nullable=False),
        sa.Column('planned_end', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', _enum('change_status', 'requested', 'approved', 'scheduled', 'in_progress', 'completed',
                                  'failed', 'rolled_back'), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=False),
        sa.Column('implementer_id', sa.Integer(), nullable=True),
        sa.Column('approved_by_id', sa.Integer(), nullable=True),
        sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('outage_id', sa.Integer(), nullable=True),
        sa.Column('review', sa.Text(), nullable=False),
        sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_changes_requested_by_id_users')),
        sa.ForeignKeyConstraint(['implementer_id'], ['users.id'], name=op.f('fk_changes_implementer_id_users')),
        sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_changes_approved_by_id_users')),
        sa.ForeignKeyConstraint(['outage_id'], ['outages.id'], name=op.f('fk_changes_outage_id_outages')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_changes')),
        sa.UniqueConstraint('number', name=op.f('uq_changes_number')),
    )
    op.create_index('ix_changes_planned_start', 'changes', ['planned_start', 'planned_end'])
    op.create_table(
        'change_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('change_id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('action', sa.String(length=30), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_change_events_actor_id_users')),
        sa.ForeignKeyConstraint(['change_id'], ['changes.id'], ondelete='CASCADE',
                                name=op.f('fk_change_events_change_id_changes')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_change_events')),
    )
    op.create_index(op.f('ix_change_events_change_id'), 'change_events', ['change_id'])
    op.create_table(
        'change_incidents',
        sa.Column('incident_id', sa.Integer(), nullable=False),
        sa.Column('change_id', sa.Integer(), nullable=False),
        sa.Column('linked_by_id', sa.Integer(), nullable=True),
        sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ondelete='CASCADE',
                                name=op.f('fk_change_incidents_incident_id_incidents')),
        sa.ForeignKeyConstraint(['change_id'], ['changes.id'], ondelete='CASCADE',
                                name=op.f('fk_change_incidents_change_id_changes')),
        sa.ForeignKeyConstraint(['linked_by_id'], ['users.id'], name=op.f('fk_change_incidents_linked_by_id_users')),
        sa.PrimaryKeyConstraint('incident_id', name=op.f('pk_change_incidents')),
    )
    op.create_index(op.f('ix_change_incidents_change_id'), 'change_incidents', ['change_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_change_incidents_change_id'), table_name='change_incidents')
    op.drop_table('change_incidents')
    op.drop_index(op.f('ix_change_events_change_id'), table_name='change_events')
    op.drop_table('change_events')
    op.drop_index('ix_changes_planned_start', table_name='changes')
    op.drop_table('changes')
    with op.batch_alter_table('outages', schema=None) as batch_op:
        batch_op.drop_column('cancelled_at')
