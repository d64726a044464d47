"""The demo's change management: a scheduled cut-over (割接) approved by a lead who did not request it, with its
outage notice for the window, and a standard change beside it whose window overlaps on the same service and zone
(the calendar warns of it). Everything goes through servicedesk.problems.changes, as the pages do.

Called once by servicedesk.demo after the problem and its outage: load_problems(s, users, articles).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.models import Article
from kb.orm import utcnow
from servicedesk.incidents.models import Incident
from servicedesk.problems import changes
from servicedesk.problems.models import Change
from servicedesk.users.models import User

DESK_ZONE = ZoneInfo("Asia/Shanghai")


def _night(days_ahead: int, hour: int, minute: int = 0) -> datetime:
    """A time on a night days_ahead from today, in the desk's time zone (cut-overs run 00:30–04:30)."""
    day = utcnow().astimezone(DESK_ZONE).date() + timedelta(days=days_ahead)
    return datetime.combine(day, time(hour, minute), DESK_ZONE)


def load_problems(s: Session, users: Mapping[str, User], articles: Mapping[str, Article]) -> list[Change]:
    """The scheduled cut-over and an overlapping standard change; returns them."""
    requester, approver, implementer = users["spec.huang"], users["lead.zhao"], users["spec.sun"]
    plan = articles.get("chg-olt-cutover")
    cutover = changes.create_change(s, requester, {
        "title": "城东 OLT-03 上联光缆迁改割接", "kind": "normal", "risk": "high", "cutover": True,
        "description": "道路改造，OLT-03 上联主干光缆迁改至新管道；割接期间幸福、东湖花园片区宽带和 IPTV 中断。",
        "services": ["broadband", "iptv"], "zones": ["CD-01", "CD-02"],
        "planned_start": _night(3, 0, 30), "planned_end": _night(3, 4, 30),
        "implementer": implementer.username, "artefact_ids": [plan.id] if plan is not None else []})
    changes.approve_change(s, cutover, approver, "回退方案可行，影响用户已提前通知，同意实施。")
    changes.schedule_change(s, cutover, approver)
    standard = changes.create_change(s, users["agent.chen"], {
        "title": "幸福片区分纤箱例行整理", "kind": "standard", "risk": "low",
        "description": "例行整理分纤箱跳纤、更换破损标签，不中断业务。",
        "services": ["broadband"], "zones": ["CD-01"],
        "planned_start": _night(3, 2), "planned_end": _night(3, 3), "implementer": users["agent.zhou"].username})
    done = _done_upgrade(s, users)
    return [cutover, standard, *([done] if done is not None else [])]


def _done_upgrade(s: Session, users: Mapping[str, User]) -> Change | None:
    """A board upgrade done two nights ago that went wrong for a few subscribers: completed, reviewed, and the
    first two broadband reports after it linked to it (the figures count them: 变更引发)."""
    starts, ends = _night(-2, 1), _night(-2, 3)
    caused = list(s.scalars(select(Incident).where(
        Incident.service == "broadband", Incident.zone_id.is_not(None), Incident.created_at >= ends,
        Incident.created_at < ends + timedelta(hours=36)).order_by(Incident.created_at).limit(2)))
    if not caused:
        return None
    zones = sorted({i.zone.code for i in caused if i.zone is not None})
    lead, implementer = users["lead.zhao"], users["spec.sun"]
    change = changes.create_change(s, users["spec.huang"], {
        "title": "OLT 业务板软件升级（V3.2 → V3.3）", "kind": "normal", "risk": "medium",
        "description": "夜间升级 OLT 业务板软件，修复 ONU 频繁掉线问题；升级期间业务中断约 10 分钟。",
        "services": ["broadband"], "zones": zones, "planned_start": starts, "planned_end": ends,
        "implementer": implementer.username})
    changes.approve_change(s, change, lead, "影响面可控，同意夜间实施。")
    changes.schedule_change(s, change, lead)
    changes.start_change(s, change, implementer, "开始升级。")
    changes.finish_change(s, change, implementer, "completed", "升级完成，个别 ONU 未自动重新注册。")
    changes.link_incidents(s, change, lead, [i.id for i in caused])
    changes.review_change(s, change, lead, "升级后部分旧型号 ONU 需手动重启才能注册；下次升级前先批量推送重启脚本。")
    return change
