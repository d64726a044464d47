"""field records: site photos, the customer's signature, measurements judged against the operator's limits

Revision ID: 0032
Revises: 0028
Create Date: 2026-12-05 06:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0032'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'incident_field_photos',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('incident_id', sa.Integer(), nullable=False),
        sa.Column('blob_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['blob_id'], ['blobs.id'], name=op.f('fk_incident_field_photos_blob_id_blobs')),
        sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ondelete='CASCADE',
                                name=op.f('fk_incident_field_photos_incident_id_incidents')),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'],
                                name=op.f('fk_incident_field_photos_uploaded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_field_photos')),
    )
    op.create_index(op.f('ix_incident_field_photos_blob_id'), 'incident_field_photos', ['blob_id'])
    op.create_index('ix_incident_field_photos_incident_id_id', 'incident_field_photos', ['incident_id', 'id'])
    op.create_table(
        'incident_field_signatures',
        sa.Column('incident_id', sa.Integer(), nullable=False),
        sa.Column('blob_id', sa.Integer(), nullable=False),
        sa.Column('signer_name', sa.String(length=100), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('collected_by_id', sa.Integer(), nullable=False),
        sa.Column('collected_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['blob_id'], ['blobs.id'], name=op.f('fk_incident_field_signatures_blob_id_blobs')),
        sa.ForeignKeyConstraint(['collected_by_id'], ['users.id'],
                                name=op.f('fk_incident_field_signatures_collected_by_id_users')),
        sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ondelete='CASCADE',
                                name=op.f('fk_incident_field_signatures_incident_id_incidents')),
        sa.PrimaryKeyConstraint('incident_id', name=op.f('pk_incident_field_signatures')),
    )
    op.create_index(op.f('ix_incident_field_signatures_blob_id'), 'incident_field_signatures', ['blob_id'])
    op.create_table(
        'incident_field_measurements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('incident_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.Column('contracted_mbps', sa.Float(), nullable=True),
        sa.Column('low', sa.Float(), nullable=True),
        sa.Column('high', sa.Float(), nullable=True),
        sa.Column('high_inclusive', sa.Boolean(), nullable=False),
        sa.Column('in_range', sa.Boolean(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('optical_power', 'speed_down', 'speed_up', 'ping_loss')",
                           name=op.f('ck_incident_field_measurements_field_measurement_kind')),
        sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ondelete='CASCADE',
                                name=op.f('fk_incident_field_measurements_incident_id_incidents')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                                name=op.f('fk_incident_field_measurements_recorded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_field_measurements')),
    )
    op.create_index('ix_incident_field_measurements_incident_id_id', 'incident_field_measurements',
                    ['incident_id', 'id'])


def downgrade() -> None:
    op.drop_index('ix_incident_field_measurements_incident_id_id', table_name='incident_field_measurements')
    op.drop_table('incident_field_measurements')
    op.drop_index(op.f('ix_incident_field_signatures_blob_id'), table_name='incident_field_signatures')
    op.drop_table('incident_field_signatures')
    op.drop_index('ix_incident_field_photos_incident_id_id', table_name='incident_field_photos')
    op.drop_index(op.f('ix_incident_field_photos_blob_id'), table_name='incident_field_photos')
    op.drop_table('incident_field_photos')
