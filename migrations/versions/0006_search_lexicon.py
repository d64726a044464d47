"""search lexicon: leads' dictionary words and synonym groups, and the lexicon version

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('search_words',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('word', sa.String(length=20), nullable=False),
    sa.Column('freq', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_search_words_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_words')),
    sa.UniqueConstraint('word', name=op.f('uq_search_words_word'))
    )
    op.create_table('synonym_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_synonym_groups_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_synonym_groups'))
    )
    op.create_table('synonym_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=40), nullable=False),
    sa.Column('term_key', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['synonym_groups.id'], name=op.f('fk_synonym_terms_group_id_synonym_groups'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_synonym_terms')),
    sa.UniqueConstraint('term_key', name=op.f('uq_synonym_terms_term_key'))
    )
    with op.batch_alter_table('synonym_terms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_synonym_terms_group_id'), ['group_id'], unique=False)
    state = op.create_table('search_lexicon_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_lexicon_state'))
    )
    # The one row every worker reads; '' is the lexicon before any lead changed it.
    op.bulk_insert(state, [{'id': 1, 'version': ''}])


def downgrade() -> None:
    op.drop_table('search_lexicon_state')
    with op.batch_alter_table('synonym_terms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_synonym_terms_group_id'))

    op.drop_table('synonym_terms')
    op.drop_table('synonym_groups')
    op.drop_table('search_words')
