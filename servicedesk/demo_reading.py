"""The demo's portal readers: twelve weeks of searches in the knowledge base, the articles opened from them, the
"did this solve your problem?" answers, and the searches that found nothing, so the knowledge figures
(deflection, top articles, unfound searches) and the leads' page of what people could not find show real
pictures on first start.

Written through the same service functions as a real visit (kb.search.searchlog.record_search and
record_outcome, servicedesk.portal.services.record_article_feedback); the search log keeps the role only.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.models import Article
from kb.permissions import can_read_article
from kb.search.searchlog import Outcome, record_outcome, record_search
from servicedesk.incidents import services as svc
from servicedesk.incidents.models import Incident
from servicedesk.org.models import Zone
from servicedesk.portal.services import new_report_token, record_article_feedback, report_fault
from servicedesk.users.models import User


@dataclass(frozen=True)
class Visit:
    """What a reader typed, the article it found (None: nothing), and how it ended."""

    query: str
    article: str | None
    results: int
    solved: bool | None  # True: "it solved it"; False: "no" (a report usually follows); None: no answer


VISITS: tuple[Visit, ...] = (
    Visit("光猫红灯闪", "sol-los", 3, True),
    Visit("光猫 LOS 灯红色闪烁", "sol-los", 2, True),
    Visit("光猫los红灯 断网", "sol-los", 2, False),
    Visit("宽带拨号 691", "sol-691", 2, True),
    Visit("拨号提示错误691", "sol-691", 1, True),
    Visit("678 错误", "sol-678", 1, True),
    Visit("晚上网速慢 看视频卡", "sol-slow", 4, True),
    Visit("网速慢", "sol-slow", 6, None),
    Visit("wifi 密码怎么改", "sol-wifi", 2, True),
    Visit("WiFi经常断线", "sol-wifi-drop", 3, False),
    Visit("电视没信号", "sol-nosignal", 5, True),
    Visit("机顶盒提示无信号", "sol-nosignal", 3, None),
    Visit("电视画面马赛克", "sol-mosaic", 2, True),
    Visit("智能卡 未插入", "sol-smartcard", 1, True),
    Visit("遥控器没反应", "sol-remote", 2, True),
    Visit("户户通 E-102", "sol-hht-signal", 1, True),
    Visit("户户通没信号 下雨", "sol-hht-signal", 2, False),
    Visit("IPTV 卡顿", "sol-iptv-lag", 2, None),
    Visit("网页打不开 能上QQ", "sol-dns", 1, True),
    Visit("STB no signal", "sol-nosignal", 2, None),
    # What the knowledge base does not answer yet: the leads' page lists these.
    Visit("宽带移机要多少钱", None, 0, None),
    Visit("光猫 WPS 灯一直闪", None, 0, None),
    Visit("智能门锁连不上家里wifi", None, 0, None),
    Visit("5G 套餐 宽带 融合", None, 0, None),
    Visit("电视回看功能怎么用", None, 0, None),
)
DAYS = 84
ADDRESSES = ("城东幸福小区 3 栋 2 单元 501", "城西花园路 18 号 2 楼", "青山镇柳河村 4 组 12 号", "新城家园 7 栋 1102")
VISITS_PER_DAY = (2, 6)


def play_reading(s: Session, at: Callable[[int, int], datetime], set_clock: Callable[[datetime], None],
                 readers: list[User], articles: Mapping[str, Article], *, worker: User | None = None,
                 now: datetime | None = None, seed: int = 2026) -> int:
    """Plays DAYS of portal visits, oldest first, at times at(days_ago, minute_of_day); returns how many.

    A logged-in reader whom the article did not help reports the fault from the portal (as the page offers);
    with a worker given, the desk fixes it within hours and the reader confirms, when that is before now."""
    rng = random.Random(seed)  # noqa: S311 - a demo's reproducible story, not a secret
    played = 0
    for days_ago in range(DAYS, -1, -1):
        for _ in range(rng.randint(*VISITS_PER_DAY)):
            visit = rng.choice(VISITS)
            set_clock(at(days_ago, rng.randint(7 * 60, 22 * 60)))
            reader = rng.choice(readers) if rng.random() < 0.6 else None  # some read without logging in
            token = secrets.token_hex(8)
            record_search(s, visit.query, "user" if reader else "anonymous", visit.results, token=token)
            article = articles.get(visit.article) if visit.article else None
            if article is not None and article.is_approved and can_read_article(reader, article):
                record_outcome(s, token, Outcome.OPENED, article.id, rank=1)
                if visit.solved is not None:
                    record_article_feedback(s, article, reader, solved=visit.solved, search_query=visit.query)
                    if visit.solved:
                        record_outcome(s, token, Outcome.SOLVED, article.id, rank=1)
                    elif reader is not None:
                        _report(s, set_clock, reader, article, visit, worker, now, rng)
            played += 1
    s.flush()
    return played


def _report(s: Session, set_clock: Callable[[datetime], None], reader: User, article: Article, visit: Visit,
            worker: User | None, now: datetime | None, rng: random.Random) -> Incident:
    """The reader's portal report after an article that did not help; fixed and confirmed within hours."""
    zones = sorted(s.scalars(select(Zone.code)))
    live = article.live_revision
    service = live.services[0] if live is not None and live.services else "broadband"
    incident, _new = report_fault(s, reader, {"title": visit.query[:60], "service": service,
                                              "description": f"看了《{article.title}》还是没解决。",
                                              "contact_phone": reader.phone or f"1380000{reader.id:04d}",
                                              "address": rng.choice(ADDRESSES),
                                              "zone": rng.choice(zones) if zones else None},
                                  token=new_report_token(), viewed=[article.id], search_query=visit.query)
    start = incident.created_at
    if worker is None or now is None or start + timedelta(hours=5) >= now:
        return incident  # today's reports wait in the queue
    steps = sorted(rng.uniform(0.2, 4.5) for _ in range(3))
    set_clock(start + timedelta(hours=steps[0]))
    engineer = incident.assignee or worker  # the zone's manager, where the report was routed
    svc.start_work(s, incident, engineer)
    svc.link_solution(s, incident, engineer, article)
    set_clock(start + timedelta(hours=steps[1]))
    svc.resolve_incident(s, incident, engineer, "上门处理后恢复，已告知用户操作方法。")
    set_clock(start + timedelta(hours=steps[2]))
    svc.verify_incident(s, incident, reader, accepted=True, rating=rng.choice((4, 5, 5)))
    svc.close_incident(s, incident, engineer)
    return incident
