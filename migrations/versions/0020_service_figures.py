"""service figures: the paying-subscriber base per month, figure targets and rules, indexes for the figures

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'subscriber_months',
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("month LIKE '____-__'", name=op.f('ck_subscriber_months_month_format')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_subscriber_months_updated_by_id_users')),
        sa.PrimaryKeyConstraint('month', name=op.f('pk_subscriber_months')),
    )
    op.create_table(
        'subscriber_counts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('zone_id', sa.Integer(), nullable=True),
        sa.Column('service', sa.String(length=40), nullable=True),
        sa.Column('paying', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=60), nullable=False),
        sa.CheckConstraint('paying >= 0', name=op.f('ck_subscriber_counts_paying_not_negative')),
        sa.CheckConstraint("scope = COALESCE(CAST(zone_id AS VARCHAR(20)), '0') || '|' || COALESCE(service, '')",
                           name=op.f('ck_subscriber_counts_scope_is_key')),
        sa.UniqueConstraint('month', 'scope', name='uq_subscriber_counts_month_scope'),
        sa.ForeignKeyConstraint(['month'], ['subscriber_months.month'], ondelete='CASCADE',
                                name=op.f('fk_subscriber_counts_month_subscriber_months')),
        sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], ondelete='CASCADE',
                                name=op.f('fk_subscriber_counts_zone_id_zones')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriber_counts')),
    )
    op.create_table(
        'figure_targets',
        sa.Column('figure', sa.String(length=40), nullable=False),
        sa.Column('target', sa.Float(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_figure_targets_updated_by_id_users')),
        sa.PrimaryKeyConstraint('figure', name=op.f('pk_figure_targets')),
    )
    op.create_table(
        'figure_rules',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('value', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_figure_rules_updated_by_id_users')),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_figure_rules')),
    )
    op.create_index('ix_incidents_resolved_at', 'incidents', ['resolved_at', 'category', 'resolve_by'])
    op.create_index('ix_incidents_responded_at', 'incidents', ['responded_at', 'respond_by'])
    op.create_index('ix_incidents_repeats', 'incidents', ['repeat_of_id', 'created_at'],
                    sqlite_where=sa.text('repeat_of_id IS NOT NULL'), postgresql_where=sa.text('repeat_of_id IS NOT NULL'))
    op.create_index('ix_incident_events_incident_action_at', 'incident_events', ['incident_id', 'action', 'at'])
    op.create_index('ix_incident_verifications_incident_accepted', 'incident_verifications',
                    ['incident_id', 'accepted', 'id'])


def downgrade() -> None:
    op.drop_index('ix_incident_verifications_incident_accepted', table_name='incident_verifications')
    op.drop_index('ix_incident_events_incident_action_at', table_name='incident_events')
    op.drop_index('ix_incidents_repeats', table_name='incidents')
    op.drop_index('ix_incidents_responded_at', table_name='incidents')
    op.drop_index('ix_incidents_resolved_at', table_name='incidents')
    op.drop_table('figure_rules')
    op.drop_table('figure_targets')
    op.drop_table('subscriber_counts')
    op.drop_table('subscriber_months')
