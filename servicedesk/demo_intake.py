"""The demo's hotline calls: repeat calls (催修) on today's open reports, and a report phoned in by a neighbour for
an account holder who was away, so the intake page, the queue and the incident page show them on first start."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicedesk.incidents import intake
from servicedesk.incidents import services as svc
from servicedesk.incidents.models import Incident
from servicedesk.incidents.sla import SlaPolicy
from servicedesk.incidents.workflow import OPEN_STATES, IncidentStatus
from servicedesk.org.models import Subscriber
from servicedesk.users.models import User

CHASE_NOTES = ("用户第二次来电，问师傅什么时候到。", "家里老人等着看电视，请尽快上门。", "用户再次催修，语气着急。")


def load_calls(s: Session, users: Mapping[str, User], policy: SlaPolicy) -> int:
    """Chases on the three oldest open history reports (one of them twice) and a neighbour's report; returns
    how many chases were recorded."""
    agent = users["agent.chen"]
    working = [st.value for st in OPEN_STATES if st != IncidentStatus.PENDING]  # a held one waits on purpose
    waiting = list(s.scalars(select(Incident).where(Incident.status.in_(working),
                                                    Incident.channel != "portal", Incident.customer_account != "")
                             .order_by(Incident.created_at).limit(3)))
    chases = 0
    for n, incident in enumerate(waiting):
        for note in CHASE_NOTES[: 2 if n == 0 else 1]:
            intake.chase_incident(s, incident, agent, note=note)
            chases += 1
    holder = s.scalar(select(Subscriber).join(Subscriber.zone).where(Subscriber.name != "")
                      .order_by(Subscriber.account.desc()).limit(1))
    if holder is not None:
        svc.create_incident(s, agent, {
            "title": "邻居代报：户主外出，家里机顶盒一直重启", "service": "cable_tv", "report_type": "smart_card",
            "category": "fault",
            "channel": "hotline", "customer_account": holder.account, "caller_name": "隔壁王阿姨",
            "caller_phone": "13607310088",
            "description": "户主在外地，邻居帮忙照看老人时发现机顶盒反复重启，请联系邻居开门。"}, policy=policy)
    s.flush()
    return chases
