"""catalogue_report_types: the kinds of report under each service (labels, the SLA category each counts as, an
active flag, an order), seeded with the desk's shipped types; incidents.report_type names one

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-05 11:10:00.000000
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0037'
down_revision = '0036'
branch_labels = None
depends_on = None

SHIPPED = [
    ("broadband", "no_internet", "无法上网", "No internet", "fault"),
    ("broadband", "los_red", "光猫LOS红灯", "Modem LOS light red", "fault"),
    ("broadband", "slow", "网速慢", "Slow speed", "fault"),
    ("broadband", "drops", "频繁掉线", "Keeps dropping", "fault"),
    ("broadband", "wifi", "无线WiFi问题", "Wi-Fi trouble", "fault"),
    ("broadband", "install", "新装/移机", "New line or move", "request"),
    ("broadband", "billing", "资费账单咨询", "Tariff or bill question", "consultation"),
    ("broadband", "complaint", "服务投诉", "Service complaint", "complaint"),
    ("iptv", "playback", "点播卡顿", "Playback stalls", "fault"),
    ("iptv", "login", "无法登录/认证失败", "Cannot sign in", "fault"),
    ("iptv", "complaint", "服务投诉", "Service complaint", "complaint"),
    ("cable_tv", "no_signal", "无信号", "No signal", "fault"),
    ("cable_tv", "mosaic", "马赛克/卡顿", "Mosaic or freezing", "fault"),
    ("cable_tv", "missing_channels", "缺台/少台", "Missing channels", "fault"),
    ("cable_tv", "smart_card", "智能卡/机顶盒提示", "Smart card or set-top box message", "fault"),
    ("cable_tv", "install", "开户/移机", "New connection or move", "request"),
    ("cable_tv", "complaint", "服务投诉", "Service complaint", "complaint"),
    ("satellite_tv", "no_signal", "无信号（E-102等）", "No signal (E-102…)", "fault"),
    ("satellite_tv", "dish", "天线偏移/损坏", "Dish moved or broken", "fault"),
    ("satellite_tv", "activation", "开通/授权", "Activation or authorisation", "request"),
    ("satellite_tv", "complaint", "服务投诉", "Service complaint", "complaint"),
    ("leased_line", "down", "专线中断", "Line down", "fault"),
    ("leased_line", "loss", "丢包/时延高", "Packet loss or latency", "fault"),
    ("leased_line", "change", "带宽变更", "Bandwidth change", "request"),
    ("voice", "no_tone", "无拨号音", "No dial tone", "fault"),
    ("voice", "noise", "通话杂音", "Noise on the line", "fault"),
    ("mobile", "no_coverage", "无信号/弱覆盖", "No or weak coverage", "fault"),
    ("mobile", "site_alarm", "基站告警", "Site alarm", "fault"),
]


def upgrade() -> None:
    table = op.create_table(
        'catalogue_report_types',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('service', sa.String(length=40), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('label_zh', sa.String(length=60), nullable=False),
        sa.Column('label_en', sa.String(length=60), nullable=False),
        sa.Column('sla_category', sa.String(length=20), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('sort', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['service'], ['catalogue_services.code'],
                                name=op.f('fk_catalogue_report_types_service_catalogue_services')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_report_types')),
        sa.UniqueConstraint('service', 'code', name='uq_catalogue_report_types_service_code'),
    )
    now = datetime.now(UTC)
    order: dict[str, int] = {}
    rows = []
    for service, code, zh, en, category in SHIPPED:
        order[service] = order.get(service, 0) + 10
        rows.append({"service": service, "code": code, "label_zh": zh, "label_en": en, "sla_category": category,
                     "active": True, "sort": order[service], "updated_at": now, "version": 1})
    op.bulk_insert(table, rows)
    with op.batch_alter_table('incidents') as batch:
        batch.add_column(sa.Column('report_type', sa.String(length=40), nullable=True))
    op.create_index('ix_incidents_service_report_type', 'incidents', ['service', 'report_type', 'created_at'])


def downgrade() -> None:
    op.drop_index('ix_incidents_service_report_type', table_name='incidents')
    with op.batch_alter_table('incidents') as batch:
        batch.drop_column('report_type')
    op.drop_table('catalogue_report_types')
