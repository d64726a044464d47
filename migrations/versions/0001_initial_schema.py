"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 06:34:16.167092
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    live_fk = [sa.ForeignKeyConstraint(['live_revision_id'], ['article_revisions.id'],
                                       name='fk_articles_live_revision_id')] if sqlite else []
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('role', sa.Enum('user', 'agent', 'specialist', 'lead', 'admin', name='user_role', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('type', sa.Enum('solution', 'procedure', 'change', 'reference', name='article_type', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('status', sa.Enum('draft', 'in_review', 'approved', 'rejected', 'retired', name='article_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('live_revision_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('view_count', sa.Integer(), nullable=False),
    sa.Column('helpful_count', sa.Integer(), nullable=False),
    sa.CheckConstraint("status <> 'approved' OR live_revision_id IS NOT NULL", name=op.f('ck_articles_approved_has_live_revision')),
    *live_fk,
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_articles_author_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_articles'))
    )
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_articles_status'), ['status'], unique=False)

    op.create_table('article_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'in_review', 'approved', 'rejected', 'superseded', name='revision_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('symptom', sa.Text(), nullable=False),
    sa.Column('cause', sa.Text(), nullable=False),
    sa.Column('steps', sa.Text(), nullable=False),
    sa.Column('services', sa.JSON(), nullable=False),
    sa.Column('category', sa.String(length=80), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('fault_codes', sa.JSON(), nullable=False),
    sa.Column('device_models', sa.JSON(), nullable=False),
    sa.Column('visibility', sa.Enum('internal', 'public', name='visibility', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_revisions_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_article_revisions_author_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_article_revisions')),
    sa.UniqueConstraint('article_id', 'number', name='uq_article_revisions_article_number')
    )
    with op.batch_alter_table('article_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_article_revisions_article_id'), ['article_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_article_revisions_status'), ['status'], unique=False)

    # articles and article_revisions point at each other; the live-revision link comes last
    # (SQLite takes it inline above, as it cannot add a foreign key to an existing table).
    if not sqlite:
        op.create_foreign_key('fk_articles_live_revision_id', 'articles', 'article_revisions',
                              ['live_revision_id'], ['id'])

    op.create_table('incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=24), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('service', sa.String(length=40), nullable=False),
    sa.Column('category', sa.Enum('fault', 'complaint', 'request', 'consultation', name='incident_category', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('area', sa.Enum('urban', 'township', name='incident_area', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('customer_account', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.Enum('hotline', 'portal', 'field', 'api', 'email', 'wechat', name='incident_channel', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('priority', sa.Enum('low', 'normal', 'high', 'urgent', name='incident_priority', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('status', sa.Enum('new', 'assigned', 'in_progress', 'pending', 'resolved', 'closed', name='incident_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('tier', sa.SmallInteger(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('solution_id', sa.Integer(), nullable=True),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.Column('resolution_note', sa.Text(), nullable=False),
    sa.Column('reopen_count', sa.Integer(), nullable=False),
    sa.Column('respond_by', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolve_by', sa.DateTime(timezone=True), nullable=False),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status <> 'closed' OR (solution_id IS NOT NULL AND verified)", name=op.f('ck_incidents_closed_needs_solution_and_verification')),
    sa.CheckConstraint("status <> 'resolved' OR resolved_at IS NOT NULL", name=op.f('ck_incidents_resolved_has_time')),
    sa.CheckConstraint('tier BETWEEN 1 AND 4', name=op.f('ck_incidents_tier_range')),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_incidents_assignee_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_incidents_created_by_id_users')),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_incidents_reporter_id_users')),
    sa.ForeignKeyConstraint(['solution_id'], ['articles.id'], name=op.f('fk_incidents_solution_id_articles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents')),
    sa.UniqueConstraint('number', name=op.f('uq_incidents_number'))
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incidents_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_reporter_id'), ['reporter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_solution_id'), ['solution_id'], unique=False)
        batch_op.create_index('ix_incidents_status_created', ['status', 'created_at'], unique=False)

    op.create_table('incident_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=True),
    sa.Column('old', sa.Text(), nullable=True),
    sa.Column('new', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_incident_events_actor_id_users')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_events_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_events'))
    )
    with op.batch_alter_table('incident_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_events_incident_id'), ['incident_id'], unique=False)

    op.create_table('incident_verifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.Enum('self', 'callback', name='verification_method', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=False),
    sa.Column('rating', sa.SmallInteger(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('rating IS NULL OR rating BETWEEN 1 AND 5', name=op.f('ck_incident_verifications_rating_range')),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_incident_verifications_by_id_users')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_verifications_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_verifications'))
    )
    with op.batch_alter_table('incident_verifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_verifications_incident_id'), ['incident_id'], unique=False)

    op.create_table('reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('content_ok', sa.Boolean(), nullable=False),
    sa.Column('form_ok', sa.Boolean(), nullable=False),
    sa.Column('decision', sa.Enum('approve', 'reject', name='review_decision', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("decision <> 'approve' OR (content_ok AND form_ok)", name=op.f('ck_reviews_approve_needs_both_checks')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_reviews_reviewer_id_users')),
    sa.ForeignKeyConstraint(['revision_id'], ['article_revisions.id'], name=op.f('fk_reviews_revision_id_article_revisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews'))
    )
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index('ix_reviews_reviewer_decided', ['reviewer_id', 'decided_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_reviews_revision_id'), ['revision_id'], unique=False)



def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint('fk_articles_live_revision_id', 'articles', type_='foreignkey')
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviews_revision_id'))
        batch_op.drop_index('ix_reviews_reviewer_decided')

    op.drop_table('reviews')
    with op.batch_alter_table('incident_verifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_verifications_incident_id'))

    op.drop_table('incident_verifications')
    with op.batch_alter_table('incident_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_events_incident_id'))

    op.drop_table('incident_events')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index('ix_incidents_status_created')
        batch_op.drop_index(batch_op.f('ix_incidents_solution_id'))
        batch_op.drop_index(batch_op.f('ix_incidents_reporter_id'))
        batch_op.drop_index(batch_op.f('ix_incidents_assignee_id'))

    op.drop_table('incidents')
    with op.batch_alter_table('article_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_article_revisions_status'))
        batch_op.drop_index(batch_op.f('ix_article_revisions_article_id'))

    op.drop_table('article_revisions')
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_articles_status'))

    op.drop_table('articles')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    op.drop_table('users')
