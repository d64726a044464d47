"""The demo agent's saved queue views, and a call-back audit sample drawn by a lead with a few calls recorded,
so the queue and the audit pages open with something to pick and to call on first start."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from servicedesk.incidents.audits import record_audit, sample_for_audit
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


def load_audit_sample(s: Session, users: Mapping[str, User]) -> int:
    """Twelve closures of the last 30 days drawn for the second call-back; the first three already called."""
    drawn = sample_for_audit(s, users["lead.zhao"], size=12, days=30)
    agent = users["agent.chen"]
    for audit, (outcome, rating, comment) in zip(drawn, (("confirmed", 5, "用户说修好后一直正常。"),
                                                         ("confirmed", 4, ""),
                                                         ("unreachable", None, "两次无人接听。")), strict=False):
        record_audit(s, audit, agent, outcome=outcome, rating=rating, comment=comment)
    s.flush()
    return len(drawn)
