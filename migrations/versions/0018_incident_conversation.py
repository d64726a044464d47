"""incident_messages: the conversation on an incident (public replies and staff's internal notes)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 20:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'incident_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('incident_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('body_html', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('public', 'internal')", name=op.f('ck_incident_messages_incident_message_kind')),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_incident_messages_author_id_users')),
        sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], ondelete='CASCADE',
                            name=op.f('fk_incident_messages_incident_id_incidents')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_messages')),
    )
    op.create_index('ix_incident_messages_incident_id_id', 'incident_messages', ['incident_id', 'id'])
    op.create_table(
        'incident_message_attachments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('blob_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['blob_id'], ['blobs.id'], name=op.f('fk_incident_message_attachments_blob_id_blobs')),
        sa.ForeignKeyConstraint(['message_id'], ['incident_messages.id'], ondelete='CASCADE',
                                name=op.f('fk_incident_message_attachments_message_id_incident_messages')),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'],
                                name=op.f('fk_incident_message_attachments_uploaded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_message_attachments')),
    )
    op.create_index(op.f('ix_incident_message_attachments_message_id'), 'incident_message_attachments',
                    ['message_id'])
    op.create_index(op.f('ix_incident_message_attachments_blob_id'), 'incident_message_attachments', ['blob_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_incident_message_attachments_blob_id'), table_name='incident_message_attachments')
    op.drop_index(op.f('ix_incident_message_attachments_message_id'), table_name='incident_message_attachments')
    op.drop_table('incident_message_attachments')
    op.drop_index('ix_incident_messages_incident_id_id', table_name='incident_messages')
    op.drop_table('incident_messages')
