"""incident search terms: the words of every incident title, so the queue finds any incident by them

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from servicedesk.incidents.terms import term_rows

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    op.create_table('incident_terms',
    sa.Column('term', sa.String(length=40), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_terms_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('term', 'incident_id', name=op.f('pk_incident_terms')),
    sqlite_with_rowid=False
    )
    # The existing titles, a batch of incidents at a time (the analyzer runs in Python); the index on
    # incident_id is built once at the end, which is cheaper than keeping it up to date row by row.
    conn = op.get_bind()
    incidents = sa.table('incidents', sa.column('id', sa.Integer), sa.column('title', sa.String))
    terms = sa.table('incident_terms', sa.column('term', sa.String), sa.column('incident_id', sa.Integer))
    last = 0
    while True:
        batch = conn.execute(sa.select(incidents.c.id, incidents.c.title).where(incidents.c.id > last)
                             .order_by(incidents.c.id).limit(BATCH)).all()
        if not batch:
            break
        rows = term_rows((int(i), title) for i, title in batch)
        if rows:
            conn.execute(sa.insert(terms), rows)
        last = int(batch[-1][0])
    with op.batch_alter_table('incident_terms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_terms_incident_id'), ['incident_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('incident_terms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_terms_incident_id'))
    op.drop_table('incident_terms')
