"""desk lifecycle, field work, audits, portal reports, photos, rating tags, feedback, registrations

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 08:37:50.256189
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


OLD_STATUSES = ('new', 'assigned', 'in_progress', 'pending', 'resolved', 'closed')
NEW_STATUSES = (*OLD_STATUSES, 'cancelled', 'duplicate')


def upgrade() -> None:
    op.create_table('subscriber_registrations',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=40), nullable=False),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_subscriber_registrations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_subscriber_registrations'))
    )
    with op.batch_alter_table('subscriber_registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscriber_registrations_account'), ['account'], unique=False)

    op.create_table('article_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('solved', sa.Boolean(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('search_query', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_feedback_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_article_feedback_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_article_feedback'))
    )
    with op.batch_alter_table('article_feedback', schema=None) as batch_op:
        batch_op.create_index('ix_article_feedback_article_solved', ['article_id', 'solved'], unique=False)

    op.create_table('callback_audits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('sampled_by_id', sa.Integer(), nullable=False),
    sa.Column('sampled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('auditor_id', sa.Integer(), nullable=True),
    sa.Column('called_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.Enum('confirmed', 'not_fixed', 'unreachable', name='audit_outcome', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('rating', sa.SmallInteger(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.CheckConstraint('(outcome IS NULL) = (auditor_id IS NULL) AND (outcome IS NULL) = (called_at IS NULL)', name=op.f('ck_callback_audits_outcome_complete')),
    sa.CheckConstraint('rating IS NULL OR rating BETWEEN 1 AND 5', name=op.f('ck_callback_audits_rating_range')),
    sa.ForeignKeyConstraint(['auditor_id'], ['users.id'], name=op.f('fk_callback_audits_auditor_id_users')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_callback_audits_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sampled_by_id'], ['users.id'], name=op.f('fk_callback_audits_sampled_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callback_audits')),
    sa.UniqueConstraint('incident_id', name=op.f('uq_callback_audits_incident_id'))
    )
    with op.batch_alter_table('callback_audits', schema=None) as batch_op:
        batch_op.create_index('ix_callback_audits_pending', ['outcome', 'sampled_at'], unique=False)

    op.create_table('incident_field_work',
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('arrived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fault_cause', sa.Text(), nullable=False),
    sa.Column('steps', sa.Text(), nullable=False),
    sa.Column('ip_address', sa.String(length=64), nullable=False),
    sa.Column('vlan', sa.Integer(), nullable=True),
    sa.Column('mac_address', sa.String(length=17), nullable=False),
    sa.Column('a_end', sa.String(length=300), nullable=False),
    sa.Column('z_end', sa.String(length=300), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('completed_at IS NULL OR arrived_at IS NULL OR completed_at >= arrived_at', name=op.f('ck_incident_field_work_completed_after_arrival')),
    sa.CheckConstraint('vlan IS NULL OR vlan BETWEEN 1 AND 4094', name=op.f('ck_incident_field_work_vlan_range')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_field_work_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_incident_field_work_updated_by_id_users')),
    sa.PrimaryKeyConstraint('incident_id', name=op.f('pk_incident_field_work'))
    )
    op.create_table('incident_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('blob_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['blob_id'], ['blobs.id'], name=op.f('fk_incident_photos_blob_id_blobs')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_photos_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_incident_photos_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_photos'))
    )
    with op.batch_alter_table('incident_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_photos_blob_id'), ['blob_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_photos_incident_id'), ['incident_id'], unique=False)

    op.create_table('incident_sla_breaches',
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_sla_breaches_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('incident_id', name=op.f('pk_incident_sla_breaches'))
    )
    with op.batch_alter_table('incident_sla_breaches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_sla_breaches_notified_at'), ['notified_at'], unique=False)

    op.create_table('incident_viewed_articles',
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_incident_viewed_articles_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_viewed_articles_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('incident_id', 'article_id', name=op.f('pk_incident_viewed_articles'))
    )
    with op.batch_alter_table('incident_viewed_articles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_viewed_articles_article_id'), ['article_id'], unique=False)

    op.create_table('portal_reports',
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('contact_phone', sa.String(length=40), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('search_query', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_portal_reports_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_portal_reports_reporter_id_users')),
    sa.PrimaryKeyConstraint('incident_id', name=op.f('pk_portal_reports')),
    sa.UniqueConstraint('reporter_id', 'token', name='uq_portal_reports_reporter_token')
    )
    op.create_table('verification_tags',
    sa.Column('verification_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=30), nullable=False),
    sa.CheckConstraint("tag IN ('on_time', 'polite', 'fixed_first_time', 'explained_clearly')", name=op.f('ck_verification_tags_known_tag')),
    sa.ForeignKeyConstraint(['verification_id'], ['incident_verifications.id'], name=op.f('fk_verification_tags_verification_id_incident_verifications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('verification_id', 'tag', name=op.f('pk_verification_tags'))
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('duplicate_of_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cancel_reason', sa.Text(), nullable=False, server_default=''))
        batch_op.drop_index(batch_op.f('ix_incidents_assignee_id'))
        batch_op.drop_index(batch_op.f('ix_incidents_group_id'))
        batch_op.drop_index(batch_op.f('ix_incidents_zone_id'))
        batch_op.drop_index(batch_op.f('ix_incidents_open_resolve_by'))
        batch_op.create_index('ix_incidents_open_resolve_by', ['status', 'resolve_by', 'id', 'paused_at'], unique=False)
        batch_op.drop_index(batch_op.f('ix_incidents_status_created'))
        batch_op.create_index('ix_incidents_status_created', ['status', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_incidents_account_service_closed', ['customer_account', 'service', 'closed_at'], unique=False)
        batch_op.create_index('ix_incidents_assignee_status_created', ['assignee_id', 'status', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_incidents_closed_at', ['closed_at'], unique=False)
        batch_op.create_index('ix_incidents_created_at', ['created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_duplicate_of_id'), ['duplicate_of_id'], unique=False)
        batch_op.create_index('ix_incidents_group_status_resolve_by', ['group_id', 'status', 'resolve_by', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_repeat_of_id'), ['repeat_of_id'], unique=False)
        batch_op.create_index('ix_incidents_unassigned', ['status', 'created_at', 'id'], unique=False, postgresql_where=sa.text('assignee_id IS NULL'), sqlite_where=sa.text('assignee_id IS NULL'))
        batch_op.create_index('ix_incidents_zone_status_created', ['zone_id', 'status', 'created_at', 'id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_incidents_duplicate_of_id_incidents'), 'incidents', ['duplicate_of_id'], ['id'])
        # Two new endings: cancelled (with a reason) and duplicate (merged into a parent).
        batch_op.drop_constraint(op.f('ck_incidents_incident_status'), type_='check')
        batch_op.create_check_constraint('incident_status', sa.column('status').in_(NEW_STATUSES))
        batch_op.create_check_constraint('cancelled_has_reason', "status <> 'cancelled' OR cancel_reason <> ''")
        batch_op.create_check_constraint('duplicate_has_parent', "status <> 'duplicate' OR duplicate_of_id IS NOT NULL")
        batch_op.create_check_constraint('not_own_duplicate', 'duplicate_of_id IS NULL OR duplicate_of_id <> id')

    # Breach flags move to their own table; keep the ones already raised.
    op.execute("INSERT INTO incident_sla_breaches (incident_id, notified_at) "
               "SELECT id, breach_notified_at FROM incidents WHERE breach_notified_at IS NOT NULL")
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_column('breach_notified_at')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_user_id'))
        batch_op.create_index('ix_notifications_user_read', ['user_id', 'read_at', 'created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_read')
        batch_op.create_index(batch_op.f('ix_notifications_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('breach_notified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(op.f('ck_incidents_not_own_duplicate'), type_='check')
        batch_op.drop_constraint(op.f('ck_incidents_duplicate_has_parent'), type_='check')
        batch_op.drop_constraint(op.f('ck_incidents_cancelled_has_reason'), type_='check')
        batch_op.drop_constraint(op.f('ck_incidents_incident_status'), type_='check')
        batch_op.create_check_constraint('incident_status', sa.column('status').in_(OLD_STATUSES))
    op.execute("UPDATE incidents SET breach_notified_at = (SELECT notified_at FROM incident_sla_breaches b "
               "WHERE b.incident_id = incidents.id)")
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_incidents_duplicate_of_id_incidents'), type_='foreignkey')
        batch_op.drop_index('ix_incidents_zone_status_created')
        batch_op.drop_index('ix_incidents_unassigned', postgresql_where=sa.text('assignee_id IS NULL'), sqlite_where=sa.text('assignee_id IS NULL'))
        batch_op.drop_index(batch_op.f('ix_incidents_repeat_of_id'))
        batch_op.drop_index('ix_incidents_group_status_resolve_by')
        batch_op.drop_index(batch_op.f('ix_incidents_duplicate_of_id'))
        batch_op.drop_index('ix_incidents_created_at')
        batch_op.drop_index('ix_incidents_closed_at')
        batch_op.drop_index('ix_incidents_assignee_status_created')
        batch_op.drop_index('ix_incidents_account_service_closed')
        batch_op.drop_index('ix_incidents_status_created')
        batch_op.create_index(batch_op.f('ix_incidents_status_created'), ['status', 'created_at'], unique=False)
        batch_op.drop_index('ix_incidents_open_resolve_by')
        batch_op.create_index(batch_op.f('ix_incidents_open_resolve_by'), ['status', 'resolve_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_zone_id'), ['zone_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_assignee_id'), ['assignee_id'], unique=False)
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('duplicate_of_id')

    op.drop_table('verification_tags')
    op.drop_table('portal_reports')
    with op.batch_alter_table('incident_viewed_articles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_viewed_articles_article_id'))

    op.drop_table('incident_viewed_articles')
    with op.batch_alter_table('incident_sla_breaches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_sla_breaches_notified_at'))

    op.drop_table('incident_sla_breaches')
    with op.batch_alter_table('incident_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_photos_incident_id'))
        batch_op.drop_index(batch_op.f('ix_incident_photos_blob_id'))

    op.drop_table('incident_photos')
    op.drop_table('incident_field_work')
    with op.batch_alter_table('callback_audits', schema=None) as batch_op:
        batch_op.drop_index('ix_callback_audits_pending')

    op.drop_table('callback_audits')
    with op.batch_alter_table('article_feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_article_feedback_article_solved')

    op.drop_table('article_feedback')
    with op.batch_alter_table('subscriber_registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscriber_registrations_account'))

    op.drop_table('subscriber_registrations')
