"""SLA policies as rows (seeded with the operators' figures) and each incident's SLA calendar

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

CATEGORIES = ('any', 'fault', 'complaint', 'request', 'consultation')
AREAS = ('any', 'urban', 'township')
LEVELS = ('any', 'normal', 'vip', 'enterprise')

# The operators' figures, as the desk shipped them before they became data (and as
# servicedesk.incidents.sla.DEFAULT_RULES still holds them for a database without rows): acknowledge in
# 30 min; resolve faults in 4 h urban / 8 h township, complaints 2 h / 5 h, installs and other requests
# 24 h / 48 h; enterprise customers (leased lines) respond within 5 min; all 7×24.
RESOLVE_HOURS = {('fault', 'urban'): 4, ('fault', 'township'): 8, ('complaint', 'urban'): 2,
                 ('complaint', 'township'): 5, ('request', 'urban'): 24, ('request', 'township'): 48,
                 ('consultation', 'urban'): 24, ('consultation', 'township'): 48}


def _seed() -> list[dict[str, object]]:
    now = datetime.now(UTC)
    rows: list[dict[str, object]] = [{'category': 'any', 'area': 'any', 'service_level': 'any',
                                      'respond_minutes': 30, 'resolve_minutes': 24 * 60}]
    for (category, area), hours in RESOLVE_HOURS.items():
        rows.append({'category': category, 'area': area, 'service_level': 'any', 'respond_minutes': 30,
                     'resolve_minutes': hours * 60})
        rows.append({'category': category, 'area': area, 'service_level': 'enterprise', 'respond_minutes': 5,
                     'resolve_minutes': hours * 60})
    return [{**row, 'calendar': '24x7', 'updated_at': now} for row in rows]


def upgrade() -> None:
    table = op.create_table('sla_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('area', sa.String(length=20), nullable=False),
    sa.Column('service_level', sa.String(length=20), nullable=False),
    sa.Column('respond_minutes', sa.Integer(), nullable=False),
    sa.Column('resolve_minutes', sa.Integer(), nullable=False),
    sa.Column('calendar', sa.Enum('24x7', 'business', name='sla_calendar', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('respond_minutes > 0 AND resolve_minutes > 0', name=op.f('ck_sla_policies_positive_minutes')),
    sa.CheckConstraint(sa.column('category').in_(CATEGORIES), name=op.f('ck_sla_policies_category_known')),
    sa.CheckConstraint(sa.column('area').in_(AREAS), name=op.f('ck_sla_policies_area_known')),
    sa.CheckConstraint(sa.column('service_level').in_(LEVELS), name=op.f('ck_sla_policies_service_level_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_policies')),
    sa.UniqueConstraint('category', 'area', 'service_level', name=op.f('uq_sla_policies_category'))
    )
    op.bulk_insert(table, _seed())
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sla_calendar', sa.Enum('24x7', 'business', name='incident_sla_calendar', native_enum=False, create_constraint=True, length=20), server_default='24x7', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_incidents_incident_sla_calendar'), type_='check')
        batch_op.drop_column('sla_calendar')
    op.drop_table('sla_policies')
