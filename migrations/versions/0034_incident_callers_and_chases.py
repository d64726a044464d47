"""hotline intake: the caller's name and phone on an incident, and repeat calls (催修) counted

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-05 06:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('caller_name', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('caller_phone', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('chase_count', sa.Integer(), server_default='0', nullable=False))
    op.create_table(
        'incident_chases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('incident_id', sa.Integer(), nullable=False),
        sa.Column('by_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('caller_phone', sa.String(length=40), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_incident_chases_by_id_users')),
        sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ondelete='CASCADE',
                                name=op.f('fk_incident_chases_incident_id_incidents')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_chases')),
    )
    op.create_index(op.f('ix_incident_chases_incident_id'), 'incident_chases', ['incident_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_incident_chases_incident_id'), table_name='incident_chases')
    op.drop_table('incident_chases')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_column('chase_count')
        batch_op.drop_column('caller_phone')
        batch_op.drop_column('caller_name')
