"""search index change log: every commit that changes what the index holds is numbered and logged in the
same transaction, and each node's index follows the log (a crash after the commit, a second process or a
second node cannot leave an index behind for good)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 17:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    sequence = op.create_table('search_index_sequence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('pruned_through', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_index_sequence'))
    )
    # The one row every commit that changes the index numbers itself from.
    op.bulk_insert(sequence, [{'id': 1, 'seq': 0, 'pruned_through': 0}])
    op.create_table('search_index_changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=True),
    sa.Column('lexicon_version', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_index_changes'))
    )
    with op.batch_alter_table('search_index_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_index_changes_seq'), ['seq'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('search_index_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_index_changes_seq'))
    op.drop_table('search_index_changes')
    op.drop_table('search_index_sequence')
