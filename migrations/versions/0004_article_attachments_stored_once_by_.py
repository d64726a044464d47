"""article attachments stored once by content hash

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 06:56:27.074394
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('blobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blobs')),
    sa.UniqueConstraint('sha256', name=op.f('uq_blobs_sha256'))
    )
    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('blob_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_attachments_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['blob_id'], ['blobs.id'], name=op.f('fk_attachments_blob_id_blobs')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_attachments_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
    sa.UniqueConstraint('article_id', 'filename', name='uq_attachments_article_filename')
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_article_id'), ['article_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachments_blob_id'), ['blob_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_blob_id'))
        batch_op.drop_index(batch_op.f('ix_attachments_article_id'))

    op.drop_table('attachments')
    op.drop_table('blobs')
