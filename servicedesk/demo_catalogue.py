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
REPORTS = (
    ("fiveg_site", "青山镇 5G 基站退服，周边手机没信号", "CD-01"),
    ("smart_home", "智能门锁连不上家里 WiFi，想请师傅上门配置", "CD-01"),
    ("smart_home", "家庭摄像头离线，手机 App 看不到画面", "NH-01"),
)


def load_catalogue(s: Session, users: Mapping[str, User], policy: SlaPolicy) -> int:
    """Adds the two services (once) and three reports for them; returns how many services were added."""
    admin = next(u for u in users.values() if u.role.value == "admin")
    added = 0
    for spec in ADDED:
        if s.scalar(select(CatalogueService.id).where(CatalogueService.code == spec["code"])) is None:
            catalogue.create_service(s, admin, spec)
            added += 1
    agent = users["agent.chen"]
    for service, title, zone in REPORTS:
        svc.create_incident(s, agent, {"title": title, "service": service, "channel": "hotline", "zone": zone},
                            policy=policy)
    s.flush()
    return added
