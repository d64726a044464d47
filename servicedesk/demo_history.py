# ruff: noqa: E501 - the Chinese report texts below read better unwrapped
"""Three months of everyday incidents for the demo, so the dashboard, the queues and the SLA states show real
pictures on first start: reports from the zones' subscribers routed to their managers, first responses and
repairs mostly in time and some late against the SLA, hand-overs to L2, solutions from the knowledge base
(most already approved, some linked while still in review), call-backs with ratings, repeat reports within
30 days and complaints; the last days' reports are still open at every stage.

Deterministic (a seeded generator over the same data); played through the services like the stories, on
the demo clock. Flushes only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from kb.models import Article
from kb.workflow import RevisionStatus
from servicedesk.demo_org import SUBSCRIBERS, ZONES, DemoSubscriber
from servicedesk.incidents import services as svc
from servicedesk.incidents.models import Incident
from servicedesk.incidents.sla import SlaPolicy
from servicedesk.users.models import User

DAYS = 84  # twelve weeks back: the months the dashboard compares
SEED = 2026
TAKERS = ("agent.chen", "agent.zhou")  # the hotline agents who take the calls and call back
L2 = {"broadband": "spec.sun", "iptv": "spec.sun", "leased_line": "spec.huang", "cable_tv": "spec.huang",
      "satellite_tv": "spec.huang"}


@dataclass(frozen=True)
class Kind:
    """A kind of report the desk sees again and again, with the solutions that fix it."""

    service: str
    category: str
    titles: tuple[str, ...]
    description: str
    solutions: tuple[str, ...]
    note: str
    weight: int = 10
    report_type: str | None = None  # the catalogue's type under the service


KINDS: tuple[Kind, ...] = (
    Kind("broadband", "fault", ("宽带断网，光猫LOS红灯闪", "光猫红灯一直闪，上不了网", "网络断了，光猫LOS亮红灯"),
         "家里宽带突然断了，光猫上的LOS灯红色闪烁，重启没用。", ("sol-los", "sol-onu-reg"),
         "入户光纤弯折处理后收光恢复正常，上网测试通过。", 18, report_type="los_red"),
    Kind("broadband", "fault", ("拨号提示691，上不了网", "宽带认证失败 691"),
         "路由器显示认证失败，电脑拨号提示 691。", ("sol-691",), "核实账号状态并复位，拨号成功。", 8, report_type="no_internet"),
    Kind("broadband", "fault", ("拨号678，远程计算机没有响应", "宽带连不上，错误678"),
         "拨号一直提示 678，光猫灯看着都正常。", ("sol-678", "sol-vlan"), "OLT 侧 VLAN 配置修正后拨号正常。", 7, report_type="no_internet"),
    Kind("broadband", "fault", ("网速很慢，晚上更卡", "测速只有十几兆，签的是300M"),
         "晚上看视频一直卡，测速远低于套餐带宽。", ("sol-slow", "sol-wifi"), "更换老旧路由器、调整信道，测速达标。", 12, report_type="slow"),
    Kind("broadband", "fault", ("光猫灯全灭了", "光猫不通电，指示灯都不亮"),
         "光猫所有灯都不亮，插座有电。", ("sol-power",), "更换光猫电源适配器后恢复。", 5, report_type="no_internet"),
    Kind("iptv", "fault", ("IPTV 卡顿转圈", "电视盒子看直播一直缓冲"),
         "看直播频道经常转圈，点播也卡。", ("sol-iptv-lag", "sol-iptv-auth"), "调整组播 VLAN 并更换网线，播放流畅。", 8, report_type="playback"),
    Kind("cable_tv", "fault", ("电视马赛克，声音断断续续", "有线电视花屏卡顿"),
         "好几个台都有马赛克，声音一卡一卡的。", ("sol-mosaic", "sol-node-level"), "更换氧化的 F 头，电平恢复正常。", 9, report_type="mosaic"),
    Kind("cable_tv", "fault", ("机顶盒显示信号中断", "有线电视全部没信号"),
         "机顶盒提示信号中断，所有频道都看不了。", ("sol-nosignal",), "入户电缆接头松动，重新制作后信号正常。", 7, report_type="no_signal"),
    Kind("satellite_tv", "fault", ("户户通提示E-102没信号", "卫星电视收不到台"),
         "户户通开机提示 E-102，一个台都收不到。", ("sol-hht-signal",), "重新校正锅盖方向，信号强度恢复到 80%。", 8, report_type="no_signal"),
    Kind("leased_line", "fault", ("专线中断，学校网络全断", "专线丢包严重"),
         "学校专线中断，教务系统无法访问。", ("sol-leased-ping",), "传输链路倒换并更换光模块，ping 1472 字节无丢包。", 2, report_type="down"),
    Kind("broadband", "request", ("新装宽带预约上门", "申请宽带移机"),
         "新房装修好了，想装宽带，白天家里有人。", ("sol-onu-reg", "sol-vlan"), "完成布线与 ONU 注册，测速达标。", 9, report_type="install"),
    Kind("broadband", "complaint", ("投诉：宽带反复断网修了两次还不好", "投诉：网速慢多次报修没解决"),
         "这个月已经报修两次了，还是老样子，要求投诉处理。", ("sol-slow", "sol-los"),
         "组长上门复查，更换入户皮线并回访致歉。", 4, report_type="complaint"),
    Kind("cable_tv", "complaint", ("投诉：电视马赛克三天没人来修",),
         "报修三天了一直没人上门，老人天天看不了电视。", ("sol-mosaic",), "当日上门处理并向用户致歉。", 2, report_type="complaint"),
    Kind("satellite_tv", "complaint", ("投诉：户户通坏了一周没人管",),
         "户户通坏了一个星期，打了几次电话都说排队。", ("sol-hht-signal",), "安排专人上门校星并回访。", 2, report_type="complaint"),
)
RATINGS = (5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 3, 2, None)


@dataclass(frozen=True)
class HistoryIncident:
    """One generated report and how it goes: minutes are from the report."""

    key: str
    days_ago: int
    minute: int  # of that Beijing day
    kind: Kind
    title: str
    subscriber: DemoSubscriber
    taker: str
    channel: str
    stage: str  # new | assigned | in_progress | resolved | closed
    respond_late: bool
    resolve_late: bool
    escalate: bool
    rating: int | None
    solution_choice: int


ACCOUNTS_PER_ZONE = 120  # accounts of each zone without a record here (the agent names their zone)


def _kinds_for(sub: DemoSubscriber) -> list[Kind]:
    return [k for k in KINDS if k.service in sub.services]


def _callers() -> list[DemoSubscriber]:
    """Everyone who may call: the recorded subscribers and many more accounts of the same zones."""
    out = list(SUBSCRIBERS)
    for z, zone in enumerate(ZONES):
        township = zone.area == "township"
        for i in range(ACCOUNTS_PER_ZONE):
            services = ((("broadband", "satellite_tv"), ("broadband",), ("satellite_tv",), ("broadband", "cable_tv"))
                        if township else (("broadband", "iptv"), ("broadband",), ("cable_tv", "broadband"),
                                          ("broadband",)))[i % 4]
            out.append(DemoSubscriber(f"KD-{zone.prefix}-{600000 + z * 1000 + i:07d}", "", "", "", zone.code,
                                      services))
    return out


def generate() -> list[HistoryIncident]:
    """The history: a few reports a day over DAYS days, a handful of troubled subscribers reporting again."""
    rng = random.Random(SEED)  # noqa: S311 - a demo's reproducible story, not a secret
    subscribers = _callers()
    troubled = [sub for n, sub in enumerate(SUBSCRIBERS) if n % 9 == 4]  # these report the same fault again
    out: list[HistoryIncident] = []
    for days_ago in range(DAYS, -1, -1):
        for _ in range(rng.choice((2, 3, 3, 3, 4, 4))):
            sub = rng.choice(troubled) if rng.random() < 0.05 else rng.choice(subscribers)
            kinds = _kinds_for(sub)
            kind = rng.choices(kinds, weights=[k.weight for k in kinds])[0]
            minute = rng.randrange(7 * 60, 21 * 60)
            if days_ago == 0:
                stage = rng.choice(("new", "assigned", "in_progress", "in_progress", "resolved"))
            elif days_ago <= 2:
                stage = rng.choice(("assigned", "in_progress", "resolved", "resolved", "closed"))
            else:
                stage = "closed" if rng.random() < 0.97 else "resolved"
            out.append(HistoryIncident(
                key=f"hist-{len(out):04d}", days_ago=days_ago, minute=minute, kind=kind,
                title=rng.choice(kind.titles), subscriber=sub, taker=rng.choice(TAKERS),
                channel=rng.choice(("hotline", "hotline", "hotline", "wechat", "field")), stage=stage,
                respond_late=rng.random() < 0.1, resolve_late=rng.random() < (0.2 if kind.category == "complaint"
                                                                              else 0.12),
                escalate=(kind.category == "fault" and sub.services != ("leased_line",) and rng.random() < 0.1)
                or kind.service == "leased_line",
                rating=rng.choice(RATINGS), solution_choice=rng.randrange(100)))
    return out


def approved_at(article: Article) -> datetime | None:
    """When the article was first approved (its live revision's decision, or the first superseded one's)."""
    times = [r.decided_at for r in article.revisions
             if r.status in (RevisionStatus.APPROVED, RevisionStatus.SUPERSEDED) and r.decided_at is not None]
    return min(times) if times else None


def _between(start: datetime, end: datetime, share: float) -> datetime:
    return start + (end - start) * share


class Clock(Protocol):
    real_now: datetime

    def set(self, t: datetime) -> None: ...

    def now(self) -> datetime: ...


class HistoryPlayer:
    """Plays generated incidents through the services on the demo clock."""

    def __init__(self, s: Session, clock: Clock, users: dict[str, User], articles: dict[str, Article],
                 policy: SlaPolicy, seed: int = SEED) -> None:
        self.s = s
        self.clock = clock
        self.users = users
        self.articles = articles
        self.policy = policy
        self.rng = random.Random(seed + 1)  # noqa: S311 - a demo's reproducible story, not a secret
        self.visits = random.Random(seed + 2)  # noqa: S311 - the visits' own draws keep the rest of the story
        self.approved = {a.id: approved_at(a) for a in articles.values()}

    def set_clock(self, t: datetime) -> None:
        self.clock.set(t)

    def now(self) -> datetime:
        return self.clock.now()

    def _solution(self, spec: HistoryIncident, at: datetime) -> Article | None:
        """One of the kind's solutions that exists at `at` (approved by then, mostly: the knowledge is reused);
        when none exists yet, the first one written later (linked once it is)."""
        usable = [self.articles[k] for k in spec.kind.solutions
                  if k in self.articles and self.articles[k].status.value != "retired"]
        ready = [a for a in usable if a.created_at <= at]
        if ready:
            return ready[spec.solution_choice % len(ready)]
        return min(usable, key=lambda a: a.created_at, default=None)

    def _plan_visit(self, dispatched: datetime) -> tuple[datetime, datetime, datetime]:
        """When the engineer calls the subscriber to agree a window (mostly within the half hour of dispatch,
        some later), the window's start, and the arrival (mostly in it; some late): the two promises the
        dashboard counts."""
        draw = self.visits
        call = dispatched + timedelta(minutes=draw.randrange(5, 28) if draw.random() < 0.9 else draw.randrange(35, 90))
        starts = call + timedelta(minutes=draw.choice((30, 60, 90, 120)))
        arrival = starts + timedelta(minutes=draw.randrange(-10, 100) if draw.random() < 0.85
                                     else draw.randrange(125, 200))
        return call, starts, arrival

    def _book(self, incident: Incident, worker: User, sub: DemoSubscriber, call: datetime, starts: datetime) -> None:
        from servicedesk.incidents import booking

        self.set_clock(call)
        booking.book(self.s, incident, worker, {"starts_at": starts, "ends_at": starts + timedelta(hours=2),
                                                "agreed_with": sub.name, "engineer": worker.id})

    def play(self, spec: HistoryIncident, t0: datetime) -> Incident:
        s, users, rng = self.s, self.users, self.rng
        taker = users[spec.taker]
        sub = spec.subscriber
        self.set_clock(t0)
        incident = svc.create_incident(s, taker, {
            "title": spec.title, "description": spec.kind.description, "service": spec.kind.service,
            "report_type": spec.kind.report_type, "category": spec.kind.category, "channel": spec.channel, "customer_account": sub.account,
            "priority": "high" if spec.kind.category == "complaint" else "normal", "zone": sub.zone,
        }, policy=self.policy)
        if spec.stage == "new":
            return incident
        if incident.assignee is None:  # a zone without a manager: the hotline agent hands it to the group
            svc.assign_incident(s, incident, taker, users[_manager_of(sub)])
        if spec.stage == "assigned":
            return incident
        respond = (incident.respond_by + timedelta(minutes=rng.randrange(5, 90)) if spec.respond_late
                   else _between(t0, incident.respond_by, rng.uniform(0.15, 0.9)))
        worker = incident.assignee or users[_manager_of(sub)]
        resolve_at = (incident.resolve_by + timedelta(minutes=rng.randrange(20, 600)) if spec.resolve_late
                      else _between(respond, incident.resolve_by, rng.uniform(0.2, 0.92)))
        # A fault or a request: the engineer calls to agree a visit (预约), often before marking the work started,
        # and later arrives, unless the work moved on (fixed, or handed on) before either.
        visit = self._plan_visit(t0) if spec.kind.category in ("fault", "request") else None
        until = min(_between(respond, resolve_at, 0.3 if spec.escalate else 0.6), self.clock.real_now)
        booked = visit is not None and visit[0] < until
        if visit is not None and booked and visit[0] < respond:
            self._book(incident, worker, sub, visit[0], visit[1])
        self.set_clock(respond)
        svc.start_work(s, incident, worker)
        if visit is not None and booked:
            call, starts, arrival = visit
            if call >= respond:
                self._book(incident, worker, sub, call, starts)
            if arrival + timedelta(minutes=10) < until:  # else not there yet (or fixed before the visit)
                from servicedesk.incidents import fieldwork

                self.set_clock(max(arrival + timedelta(minutes=5), self.now()))  # the history stays in order
                fieldwork.record_field_work(s, incident, worker, {"arrived_at": arrival})
        if spec.escalate:
            self.set_clock(_between(respond, resolve_at, 0.3))
            expert = users[L2.get(spec.kind.service, "spec.sun")]
            svc.escalate_incident(s, incident, worker, tier=2, reason="现场排查后需二线协助（OLT/传输侧）。",
                                  assignee=expert)
            worker = expert
        self.set_clock(_between(respond, resolve_at, 0.6))
        article = self._solution(spec, self.now())
        linked_now = article is not None and article.created_at <= self.now()
        if article is not None and linked_now:
            svc.link_solution(s, incident, worker, article)
        if spec.stage == "in_progress" or resolve_at >= self.clock.real_now:
            return incident
        self.set_clock(resolve_at)
        svc.resolve_incident(s, incident, worker, spec.kind.note)
        if article is not None and not linked_now:  # the knowledge was written after the repair: linked then
            link_at = article.created_at + timedelta(minutes=rng.randrange(30, 240))
            if link_at >= self.clock.real_now:
                return incident
            self.set_clock(link_at)
            svc.link_solution(s, incident, worker, article)
        if spec.stage == "resolved":
            return incident
        called = max(resolve_at, self.now()) + timedelta(minutes=rng.randrange(60, 1440))
        approved = self.approved.get(article.id) if article is not None else None
        close_at = max(called + timedelta(minutes=rng.randrange(5, 120)),
                       (approved or called) + timedelta(minutes=30))
        if article is None or approved is None or close_at >= self.clock.real_now:
            return incident  # resolved: waiting for its call-back or for the solution's approval
        caller = users[spec.taker]
        self.set_clock(called)
        comment = "" if spec.rating is None else ("修好了，师傅很专业。" if spec.rating >= 4 else "修好了，但等得太久。")
        svc.verify_incident(s, incident, caller, accepted=True, rating=spec.rating, comment=comment,
                            method="callback")
        self.set_clock(close_at)
        svc.close_incident(s, incident, caller)
        return incident




def _manager_of(sub: DemoSubscriber) -> str:
    return next(z.manager for z in ZONES if z.code == sub.zone)
