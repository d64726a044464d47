"""first response judged, SLA-at-risk warnings, call-back attempts and the 'unreachable' verification

Revision ID: 0019
Revises: 0015
Create Date: 2026-12-05 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0015'
branch_labels = None
depends_on = None


OLD_METHODS = ('self', 'callback')
NEW_METHODS = (*OLD_METHODS, 'unreachable')


def upgrade() -> None:
    op.create_table(
        'incident_sla_flags',
        sa.Column('incident_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('response_missed', 'at_risk', name='sla_flag_kind', native_enum=False,
                                  create_constraint=True, length=20), nullable=False),
        sa.Column('flagged_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('run', sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ondelete='CASCADE',
                                name=op.f('fk_incident_sla_flags_incident_id_incidents')),
        sa.PrimaryKeyConstraint('incident_id', 'kind', name=op.f('pk_incident_sla_flags')),
    )
    op.create_index(op.f('ix_incident_sla_flags_run'), 'incident_sla_flags', ['run'])
    op.create_table(
        'incident_callback_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('incident_id', sa.Integer(), nullable=False),
        sa.Column('by_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('outcome', sa.Enum('reached', 'unreachable', name='callback_outcome', native_enum=False,
                                     create_constraint=True, length=20), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_incident_callback_attempts_by_id_users')),
        sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ondelete='CASCADE',
                                name=op.f('fk_incident_callback_attempts_incident_id_incidents')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_callback_attempts')),
    )
    op.create_index('ix_incident_callback_attempts_incident_at', 'incident_callback_attempts',
                    ['incident_id', 'at', 'id'])
    # A plain CREATE INDEX: no table rebuild needed for it on SQLite.
    op.create_index('ix_incidents_unanswered', 'incidents', ['status', 'respond_by', 'id', 'paused_at'],
                    postgresql_where=sa.text('responded_at IS NULL'), sqlite_where=sa.text('responded_at IS NULL'))
    with op.batch_alter_table('incident_verifications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_incident_verifications_verification_method'), type_='check')
        batch_op.create_check_constraint('verification_method', sa.column('method').in_(NEW_METHODS))
        batch_op.create_check_constraint('unreachable_unrated',
                                         "method <> 'unreachable' OR (accepted AND rating IS NULL)")


def downgrade() -> None:
    # An 'unreachable' verification cannot be expressed before this revision: it becomes a call-back.
    op.execute("UPDATE incident_verifications SET method = 'callback' WHERE method = 'unreachable'")
    with op.batch_alter_table('incident_verifications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_incident_verifications_unreachable_unrated'), type_='check')
        batch_op.drop_constraint(op.f('ck_incident_verifications_verification_method'), type_='check')
        batch_op.create_check_constraint('verification_method', sa.column('method').in_(OLD_METHODS))
    op.drop_index('ix_incidents_unanswered', table_name='incidents',
                  postgresql_where=sa.text('responded_at IS NULL'), sqlite_where=sa.text('responded_at IS NULL'))
    op.drop_index('ix_incident_callback_attempts_incident_at', table_name='incident_callback_attempts')
    op.drop_table('incident_callback_attempts')
    op.drop_index(op.f('ix_incident_sla_flags_run'), table_name='incident_sla_flags')
    op.drop_table('incident_sla_flags')
