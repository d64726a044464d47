"""Problem candidates: when reports for one service in one zone cluster (PROBLEM_CLUSTER_COUNT reports within
PROBLEM_CLUSTER_MINUTES, by default 5 within 30 minutes), one fault is likely behind them. The group leader of
the zone is told in the desk (once per cluster) and offered to open a problem with them in one step.

The check runs when an incident is created (servicedesk.incidents.services.create_incident → join_outage →
note_report): one count over the last minutes of one zone and service, read through the incidents' created_at
index, so it costs a few index entries per report. The candidates page runs `candidates()`: one grouped query
over the same index slice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.orm import utcnow
from kb.vocabulary import service_label
from servicedesk.incidents.models import Incident
from servicedesk.incidents.workflow import OPEN_STATES
from servicedesk.org.models import Notification, Zone
from servicedesk.users.models import User

KIND = "problem_candidate"
DEFAULT_COUNT = 5
DEFAULT_MINUTES = 30

# The in-app message to the group leader, in their language (notifications are stored as text).
MESSAGES = {
    "zh_CN": "{zone}的{service}在 {minutes} 分钟内已有 {count} 张报障，可能是同一故障：是否据此建立问题？"
             "/desk/problems/candidates",
    "en": "{count} reports of {service} in {zone} within {minutes} minutes, likely one fault: open a problem with "
          "them? /desk/problems/candidates",
}


@dataclass(frozen=True)
class Settings:
    count: int
    minutes: int


def settings() -> Settings:
    """PROBLEM_CLUSTER_COUNT reports within PROBLEM_CLUSTER_MINUTES (5 within 30 by default)."""
    config: Any = current_app.config if has_app_context() else {}
    return Settings(count=max(2, int(config.get("PROBLEM_CLUSTER_COUNT", DEFAULT_COUNT))),
                    minutes=max(1, int(config.get("PROBLEM_CLUSTER_MINUTES", DEFAULT_MINUTES))))


@dataclass
class Candidate:
    zone: Zone
    service: str
    count: int
    first_at: datetime
    last_at: datetime
    incidents: list[Incident]


def _unsorted() -> Any:
    """Incidents still open and in no problem: what a candidate gathers."""
    return (Incident.problem_id.is_(None), Incident.status.in_([st.value for st in OPEN_STATES]))


def candidates(s: Session, *, at: datetime | None = None, rules: Settings | None = None,
               zone_ids: list[int] | None = None) -> list[Candidate]:
    """The clusters now: per zone and service, at least `count` open reports in no problem within the last
    `minutes`; biggest first. One grouped query over the created_at index, then the incidents of the clusters."""
    rules = rules or settings()
    at = at or utcnow()
    since = at - timedelta(minutes=rules.minutes)
    query = (select(Incident.zone_id, Incident.service, func.count(), func.min(Incident.created_at),
                    func.max(Incident.created_at))
             .where(Incident.created_at >= since, Incident.created_at <= at, Incident.zone_id.is_not(None),
                    *_unsorted())
             .group_by(Incident.zone_id, Incident.service)
             .having(func.count() >= rules.count))
    if zone_ids is not None:
        query = query.where(Incident.zone_id.in_(zone_ids))
    groups = s.execute(query).all()
    if not groups:
        return []
    zones = {z.id: z for z in s.scalars(select(Zone).where(Zone.id.in_({g[0] for g in groups})))}
    found = []
    for zone_id, service, count, first_at, last_at in groups:
        incidents = list(s.scalars(select(Incident).where(
            Incident.zone_id == zone_id, Incident.service == service, Incident.created_at >= since,
            Incident.created_at <= at, *_unsorted()).order_by(Incident.created_at, Incident.id)))
        found.append(Candidate(zone=zones[zone_id or 0], service=service, count=int(count), first_at=first_at,
                               last_at=last_at, incidents=incidents))
    found.sort(key=lambda c: (-c.count, c.zone.code, c.service))
    return found


def cluster_of(s: Session, zone_id: int, service: str, *, at: datetime | None = None,
               rules: Settings | None = None) -> list[Incident]:
    """The incidents of one zone's and service's cluster now (empty when it is below the count)."""
    rules = rules or settings()
    at = at or utcnow()
    incidents = list(s.scalars(select(Incident).where(
        Incident.zone_id == zone_id, Incident.service == service,
        Incident.created_at >= at - timedelta(minutes=rules.minutes), Incident.created_at <= at, *_unsorted())
        .order_by(Incident.created_at, Incident.id)))
    return incidents if len(incidents) >= rules.count else []


def note_report(s: Session, incident: Incident) -> bool:
    """After a report: when it makes its zone's and service's reports a cluster, tells the zone's group leader
    in the desk, once per cluster (no second notice about the same zone and service within the window).
    Returns whether the leader was told."""
    if incident.zone is None or incident.problem_id is not None or incident.created_at is None:
        return False
    rules = settings()
    since = incident.created_at - timedelta(minutes=rules.minutes)
    count = s.scalar(select(func.count()).select_from(select(Incident.id).where(
        Incident.zone_id == incident.zone.id, Incident.service == incident.service, Incident.created_at >= since,
        *_unsorted()).subquery())) or 0
    if count < rules.count:
        return False
    leader = incident.zone.group.leader if incident.zone.group is not None else None
    if leader is None or not leader.active:
        return False
    told = s.scalar(select(Notification.id).join(Incident, Incident.id == Notification.incident_id).where(
        Notification.user_id == leader.id, Notification.kind == KIND, Notification.created_at >= since,
        Incident.zone_id == incident.zone.id, Incident.service == incident.service).limit(1))
    if told is not None:
        return False
    s.add(Notification(user_id=leader.id, incident_id=incident.id, kind=KIND,
                       message=_message(leader, incident, count, rules)[:500], created_at=utcnow()))
    return True


def _message(leader: User, incident: Incident, count: int, rules: Settings) -> str:
    from servicedesk.notify.messages import locale_of
    from servicedesk.notify.services import default_locale

    locale = locale_of(leader.locale, default_locale())
    text = MESSAGES.get(locale, MESSAGES["en"])
    zone = incident.zone.name if incident.zone is not None else ""
    return text.format(zone=zone, service=service_label(incident.service, locale), minutes=rules.minutes,
                       count=count)


@dataclass
class WeakSolution:
    """A solution whose fixes do not hold: incidents solved with it that were reopened, or reported again."""

    article_id: int
    title: str
    reopened: int
    repeated: int


def weak_solutions(s: Session, *, days: int = 90, at_least: int = 3, at: datetime | None = None,
                   limit: int = 20) -> list[WeakSolution]:
    """The quality signals that also suggest a problem: per solution, the incidents of the last `days` solved with
    it and reopened, and the reports that repeat one it solved (the same subscriber and service within 30 days of
    its closing); those with at least `at_least` of either, worst first."""
    from sqlalchemy.orm import aliased

    from kb.models import Article, ArticleRevision

    since = (at or utcnow()) - timedelta(days=days)
    reopened = dict(s.execute(
        select(Incident.solution_id, func.count()).where(Incident.created_at >= since, Incident.reopen_count > 0,
                                                         Incident.solution_id.is_not(None))
        .group_by(Incident.solution_id)).all())
    parent = aliased(Incident)
    repeated = dict(s.execute(
        select(parent.solution_id, func.count()).select_from(Incident)
        .join(parent, parent.id == Incident.repeat_of_id)
        .where(Incident.created_at >= since, parent.solution_id.is_not(None)).group_by(parent.solution_id)).all())
    ids = [i for i in set(reopened) | set(repeated)
           if i is not None and max(reopened.get(i, 0), repeated.get(i, 0)) >= at_least]
    if not ids:
        return []
    titles = dict(s.execute(select(Article.id, ArticleRevision.title).join(
        ArticleRevision, ArticleRevision.id == Article.live_revision_id, isouter=True)
        .where(Article.id.in_(ids))).all())
    found = [WeakSolution(i, titles.get(i) or f"#{i}", int(reopened.get(i, 0)), int(repeated.get(i, 0)))
             for i in ids]
    found.sort(key=lambda w: (-(w.reopened + w.repeated), w.article_id))
    return found[:limit]
