"""The demo's field visit: a broadband fault with its appointment, the engineer's arrival and work, two site photos,
the customer's signature and the measurements (the first optical-power reading out of range, the one after the
repair inside), so the incident page and the printable work order show a whole field record.

Called once by servicedesk.demo after the organisation is loaded: load_field_visit(s, users, store).
The pictures are drawn here (PNG by hand, zlib only), so the demo needs no imaging library.
"""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.attachments import BlobStore
from kb.orm import use_clock, utcnow
from servicedesk.incidents import booking, field_records, fieldwork
from servicedesk.incidents import services as incident_services
from servicedesk.incidents.models import Incident
from servicedesk.org.models import Subscriber
from servicedesk.users.models import User

Pixel = tuple[int, int, int, int]


def png(width: int, height: int, paint: Callable[[int, int], Pixel]) -> bytes:
    """An 8-bit RGBA PNG of paint(x, y) for every pixel."""
    raw = bytearray()
    for y in range(height):
        raw.append(0)
        for x in range(width):
            raw.extend(paint(x, y))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(raw), 6)) \
        + chunk(b"IEND", b"")


def site_photo(variant: int, width: int = 320, height: int = 240) -> bytes:
    """A stand-in for a phone photo: a wall, a white ONU box with its lights, a yellow fibre (variant 1: a label)."""
    def paint(x: int, y: int) -> Pixel:
        if 90 <= x <= 230 and 70 <= y <= 150:  # the ONU
            if y in range(128, 136) and x in (110, 111, 112, 113, 130, 131, 132, 133, 150, 151, 152, 153):
                return (40, 200, 90, 255) if x < 150 or variant else (220, 40, 40, 255)
            return (238, 238, 232, 255)
        if 156 <= x <= 162 and y > 150:  # the drop fibre
            return (240, 200, 40, 255)
        if variant and 60 <= x <= 260 and 180 <= y <= 205:  # a line label
            return (255, 255, 255, 255) if (x + y) % 23 else (30, 30, 30, 255)
        shade = 150 + (x * 40 // width) + (y * 30 // height)
        return (shade, shade - 12, shade - 30, 255)
    return png(width, height, paint)


def signature(width: int = 900, height: int = 300) -> bytes:
    """A handwritten-looking stroke on a transparent pad, as the canvas sends it."""
    ink: set[tuple[int, int]] = set()
    for step in range(1200):
        t = step / 1200
        x = int(80 + t * 740)
        y = int(height / 2 + math.sin(t * 14) * 60 * (1 - t / 2) + math.cos(t * 31) * 18)
        for dx in range(-3, 4):
            for dy in range(-3, 4):
                ink.add((x + dx, y + dy))
    return png(width, height, lambda x, y: (16, 35, 63, 255) if (x, y) in ink else (0, 0, 0, 0))


def _subscriber(s: Session, users: Mapping[str, User]) -> Subscriber | None:
    reporter = users.get("zhangwei")
    found = s.scalar(select(Subscriber).where(Subscriber.user_id == reporter.id)) if reporter is not None else None
    return found or s.scalar(select(Subscriber).order_by(Subscriber.id))


def load_field_visit(s: Session, users: Mapping[str, User], store: BlobStore) -> Incident:
    """The field visit, played through the services on a clock that starts three hours ago."""
    reporter, agent, engineer = users["zhangwei"], users["agent.chen"], users["agent.wu"]
    sub = _subscriber(s, users)
    customer = sub.name if sub is not None else reporter.name
    start = utcnow() - timedelta(hours=3)
    at = [start]

    def clock() -> datetime:
        return at[0]

    def later(minutes: int) -> datetime:
        at[0] = start + timedelta(minutes=minutes)
        return at[0]

    with use_clock(clock):
        incident = incident_services.create_incident(s, agent, {
            # a title the everyday history uses too (servicedesk.demo_history), so the demo's figures stay whole
            "title": "宽带断网，光猫LOS红灯闪", "service": "broadband", "report_type": "los_red", "category": "fault",
            "area": "urban",
            "channel": "hotline", "customer_account": sub.account if sub is not None else "",
            "description": "用户来电：昨晚起光猫 LOS 灯红闪，上网十几分钟断一次，重启光猫无效。"}, reporter=reporter)
        later(8)
        incident_services.assign_incident(s, incident, agent, engineer)
        later(20)
        booking.book(s, incident, engineer, {
            "starts_at": start + timedelta(minutes=60), "ends_at": start + timedelta(minutes=120),
            "agreed_with": f"{customer}本人", "engineer": engineer.username, "note": "用户 11 点前在家"})
        later(70)
        incident_services.start_work(s, incident, engineer)
        fieldwork.record_field_work(s, incident, engineer, {"arrived_at": at[0]})
        later(80)
        field_records.add_photos(s, store, incident, engineer, [("到达现场-光猫.png", site_photo(0))])
        limits = field_records.Thresholds()
        field_records.record_measurements(s, incident, engineer, {
            "optical_power_dbm": "-28.6", "note": "处理前：光猫收光，入户皮线冷接子处"}, limits)
        later(110)
        field_records.record_measurements(s, incident, engineer, {
            "optical_power_dbm": "-19.8", "speed_down_mbps": "96.4", "speed_up_mbps": "31.2",
            "contracted_mbps": "100", "contracted_up_mbps": "30", "ping_loss_percent": "0",
            "note": "处理后：重做冷接子，测速 100M 宽带"}, limits)
        field_records.add_photos(s, store, incident, engineer, [("完成-线路标签.png", site_photo(1))])
        later(118)
        fieldwork.record_field_work(s, incident, engineer, {
            "completed_at": at[0], "fault_cause": "入户皮线冷接子松动进水，光衰过大（-28.6 dBm）。",
            "steps": "1. 测光猫收光 -28.6 dBm，超出 -27 dBm 门限；\n2. 剪除旧冷接子，重新端接并清洁连接器；\n"
                     "3. 复测收光 -19.8 dBm，测速下行 96.4M、上行 31.2M，1472 字节 ping 无丢包；\n"
                     "4. 线路整理绑扎，贴标签。"})
        later(120)
        field_records.save_signature(s, store, incident, engineer, customer, signature())
    s.flush()
    return incident
