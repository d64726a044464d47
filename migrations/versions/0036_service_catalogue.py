"""catalogue_services: the services as data, seeded with the seven the desk shipped (their codes kept)

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-05 06:30:00.000000
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None

SHIPPED = [
    ("broadband", "宽带", "Broadband", "fault"),
    ("iptv", "IPTV/互联网电视", "IPTV", "fault"),
    ("cable_tv", "有线数字电视", "Cable TV", "fault"),
    ("satellite_tv", "户户通/直播卫星", "Satellite TV", "fault"),
    ("leased_line", "集客专线", "Leased line", "fault"),
    ("voice", "固话/语音", "Voice", "fault"),
    ("mobile", "移动网络/基站", "Mobile network", "fault"),
]


def upgrade() -> None:
    table = op.create_table(
        'catalogue_services',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('label_zh', sa.String(length=60), nullable=False),
        sa.Column('label_en', sa.String(length=60), nullable=False),
        sa.Column('default_category', sa.String(length=20), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('sort', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_services')),
        sa.UniqueConstraint('code', name=op.f('uq_catalogue_services_code')),
    )
    now = datetime.now(UTC)
    op.bulk_insert(table, [
        {"code": code, "label_zh": zh, "label_en": en, "default_category": category, "active": True,
         "sort": (n + 1) * 10, "updated_at": now, "version": 1}
        for n, (code, zh, en, category) in enumerate(SHIPPED)])


def downgrade() -> None:
    op.drop_table('catalogue_services')
