"""The demo agent's saved queue views, so the queue page opens with views to pick on first start."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from servicedesk.incidents.saved_views import save_view
from servicedesk.users.models import User

VIEWS = (
    ("超时未结", "tab=breached&sort=resolve_by&cols=sla&cols=zone&cols=assignee&cols=chases"),
    ("我的乡镇工单", "tab=mine&area=township"),
    ("有线电视未结", "tab=open&service=cable_tv"),
)


def load_views(s: Session, users: Mapping[str, User]) -> int:
    agent = users["agent.chen"]
    for name, query in VIEWS:
        save_view(s, agent, name, query)
    s.flush()
    return len(VIEWS)
