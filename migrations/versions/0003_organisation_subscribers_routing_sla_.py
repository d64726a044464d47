"""organisation, subscribers, routing, SLA pause and breach flags

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 06:43:30.719886
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('service_stations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_stations')),
    sa.UniqueConstraint('name', name=op.f('uq_service_stations_name'))
    )
    op.create_table('maintenance_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['leader_id'], ['users.id'], name=op.f('fk_maintenance_groups_leader_id_users')),
    sa.ForeignKeyConstraint(['station_id'], ['service_stations.id'], name=op.f('fk_maintenance_groups_station_id_service_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_maintenance_groups'))
    )
    with op.batch_alter_table('maintenance_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_maintenance_groups_station_id'), ['station_id'], unique=False)

    op.create_table('zones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=True),
    sa.Column('area', sa.Enum('urban', 'township', name='zone_area', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['maintenance_groups.id'], name=op.f('fk_zones_group_id_maintenance_groups')),
    sa.ForeignKeyConstraint(['manager_id'], ['users.id'], name=op.f('fk_zones_manager_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_zones')),
    sa.UniqueConstraint('code', name=op.f('uq_zones_code'))
    )
    with op.batch_alter_table('zones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_zones_group_id'), ['group_id'], unique=False)

    op.create_table('subscribers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('zone_id', sa.Integer(), nullable=True),
    sa.Column('service_level', sa.Enum('normal', 'vip', 'enterprise', name='service_level', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_subscribers_user_id_users')),
    sa.ForeignKeyConstraint(['zone_id'], ['zones.id'], name=op.f('fk_subscribers_zone_id_zones')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscribers')),
    sa.UniqueConstraint('account', name=op.f('uq_subscribers_account'))
    )
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscribers_phone'), ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscribers_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscribers_zone_id'), ['zone_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_notifications_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subscriber_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('zone_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('group_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('repeat_of_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('paused_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('breach_notified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_incidents_group_id'), ['group_id'], unique=False)
        batch_op.create_index('ix_incidents_open_resolve_by', ['status', 'resolve_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_subscriber_id'), ['subscriber_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_zone_id'), ['zone_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_incidents_zone_id_zones'), 'zones', ['zone_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_incidents_subscriber_id_subscribers'), 'subscribers', ['subscriber_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_incidents_repeat_of_id_incidents'), 'incidents', ['repeat_of_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_incidents_group_id_maintenance_groups'), 'maintenance_groups', ['group_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_incidents_group_id_maintenance_groups'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_incidents_repeat_of_id_incidents'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_incidents_subscriber_id_subscribers'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_incidents_zone_id_zones'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_incidents_zone_id'))
        batch_op.drop_index(batch_op.f('ix_incidents_subscriber_id'))
        batch_op.drop_index('ix_incidents_open_resolve_by')
        batch_op.drop_index(batch_op.f('ix_incidents_group_id'))
        batch_op.drop_column('breach_notified_at')
        batch_op.drop_column('paused_at')
        batch_op.drop_column('repeat_of_id')
        batch_op.drop_column('group_id')
        batch_op.drop_column('zone_id')
        batch_op.drop_column('subscriber_id')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_user_id'))

    op.drop_table('notifications')
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscribers_zone_id'))
        batch_op.drop_index(batch_op.f('ix_subscribers_user_id'))
        batch_op.drop_index(batch_op.f('ix_subscribers_phone'))

    op.drop_table('subscribers')
    with op.batch_alter_table('zones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_zones_group_id'))

    op.drop_table('zones')
    with op.batch_alter_table('maintenance_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_maintenance_groups_station_id'))

    op.drop_table('maintenance_groups')
    op.drop_table('service_stations')
