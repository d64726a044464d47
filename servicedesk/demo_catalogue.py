"""The demo's service catalogue: the administrator added 5G 基站 and 智慧家庭 to the seven shipped services, and
the hotline has taken reports for them, so the catalogue page, the report forms, the filters and the figures show
services that no code names."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicedesk.catalogue import services as catalogue
from servicedesk.catalogue.models import CatalogueService
from servicedesk.incidents import services as svc
from servicedesk.incidents.sla import SlaPolicy
from servicedesk.users.models import User

ADDED = (
    {"code": "fiveg_site", "label_zh": "5G 基站", "label_en": "5G site", "default_category": "fault", "sort": 75},
    {"code": "smart_home", "label_zh": "智慧家庭", "label_en": "Smart home", "default_category": "request",
     "sort": 80},
)
# Their report types: a smart-home camera that went offline is a fault (4 h in town) though the service's
# default is a request.
ADDED_TYPES = {
    "fiveg_site": ({"code": "site_down", "label_zh": "基站退服", "label_en": "Site down", "sla_category": "fault"},
                   {"code": "weak_signal", "label_zh": "5G 信号弱", "label_en": "Weak 5G signal",
                    "sla_category": "fault"}),
    "smart_home": ({"code": "setup", "label_zh": "上门安装配置", "label_en": "Set-up visit", "sla_category": "request"},
                   {"code": "camera_offline", "label_zh": "摄像头离线", "label_en": "Camera offline",
                    "sla_category": "fault"}),
}
REPORTS = (
    ("fiveg_site", "site_down", "青山镇 5G 基站退服，周边手机没信号", "CD-01"),
    ("smart_home", "setup", "智能门锁连不上家里 WiFi，想请师傅上门配置", "CD-01"),
    ("smart_home", "camera_offline", "家庭摄像头离线，手机 App 看不到画面", "NH-01"),
)


def load_catalogue(s: Session, users: Mapping[str, User], policy: SlaPolicy) -> int:
    """Adds the two services (once) and three reports for them; returns how many services were added."""
    admin = next(u for u in users.values() if u.role.value == "admin")
    added = 0
    for spec in ADDED:
        if s.scalar(select(CatalogueService.id).where(CatalogueService.code == spec["code"])) is None:
            service = catalogue.create_service(s, admin, spec)
            for type_spec in ADDED_TYPES[service.code]:
                catalogue.create_report_type(s, admin, service, type_spec)
            added += 1
    agent = users["agent.chen"]
    for code, kind, title, zone in REPORTS:
        svc.create_incident(s, agent, {"title": title, "service": code, "report_type": kind, "channel": "hotline",
                                       "zone": zone}, policy=policy)
    s.flush()
    return added
