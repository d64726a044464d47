"""problem_zones: a problem strikes in one or several zones (its zone_id moves there)

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-05 06:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'problem_zones',
        sa.Column('problem_id', sa.Integer(), nullable=False),
        sa.Column('zone_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['problem_id'], ['problems.id'], ondelete='CASCADE',
                                name=op.f('fk_problem_zones_problem_id_problems')),
        sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_problem_zones_zone_id_zones')),
        sa.PrimaryKeyConstraint('problem_id', 'zone_id', name=op.f('pk_problem_zones')),
    )
    op.create_index(op.f('ix_problem_zones_zone_id'), 'problem_zones', ['zone_id'])
    op.execute("INSERT INTO problem_zones (problem_id, zone_id) SELECT id, zone_id FROM problems "
               "WHERE zone_id IS NOT NULL")
    with op.batch_alter_table('problems', schema=None) as batch_op:
        batch_op.drop_constraint('fk_problems_zone_id_zones', type_='foreignkey')
        batch_op.drop_column('zone_id')


def downgrade() -> None:
    with op.batch_alter_table('problems', schema=None) as batch_op:
        batch_op.add_column(sa.Column('zone_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_problems_zone_id_zones', 'zones', ['zone_id'], ['id'])
    op.execute("UPDATE problems SET zone_id = (SELECT MIN(zone_id) FROM problem_zones "
               "WHERE problem_zones.problem_id = problems.id)")
    op.drop_index(op.f('ix_problem_zones_zone_id'), table_name='problem_zones')
    op.drop_table('problem_zones')
