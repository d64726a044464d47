"""problems: one fault behind many incidents, its root cause, workaround and solution; incidents join one

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 00:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'problems',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=24), nullable=True),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('service', sa.String(length=40), nullable=False),
        sa.Column('zone_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.Enum('open', 'known_error', 'resolved', 'closed', name='problem_status',
                                    native_enum=False, create_constraint=True, length=20), nullable=False),
        sa.Column('root_cause', sa.Text(), nullable=False),
        sa.Column('workaround', sa.Text(), nullable=False),
        sa.Column('solution_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_problems_created_by_id_users')),
        sa.ForeignKeyConstraint(['solution_id'], ['articles.id'], name=op.f('fk_problems_solution_id_articles')),
        sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_problems_zone_id_zones')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_problems')),
        sa.UniqueConstraint('number', name=op.f('uq_problems_number')),
    )
    op.create_index('ix_problems_status_service', 'problems', ['status', 'service'])
    op.create_table(
        'problem_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('problem_id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('action', sa.String(length=30), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_problem_events_actor_id_users')),
        sa.ForeignKeyConstraint(['problem_id'], ['problems.id'], ondelete='CASCADE',
                                name=op.f('fk_problem_events_problem_id_problems')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_problem_events')),
    )
    op.create_index(op.f('ix_problem_events_problem_id'), 'problem_events', ['problem_id'])
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('problem_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_incidents_problem_id'), ['problem_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_incidents_problem_id_problems'), 'problems', ['problem_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_incidents_problem_id_problems'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_incidents_problem_id'))
        batch_op.drop_column('problem_id')
    op.drop_index(op.f('ix_problem_events_problem_id'), table_name='problem_events')
    op.drop_table('problem_events')
    op.drop_index('ix_problems_status_service', table_name='problems')
    op.drop_table('problems')
