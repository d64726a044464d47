"""Plain factory functions; Chinese text by default, passwords hashed once per run."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from werkzeug.security import generate_password_hash

from kb import services as kb_services
from kb.actors import Role
from kb.models import Article
from servicedesk import db
from servicedesk.incidents import services as incident_services
from servicedesk.incidents.models import Incident
from servicedesk.users.models import User

PASSWORD = "correct-horse-42"


@lru_cache(maxsize=1)
def password_hash() -> str:
    return generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def user(role: Role = Role.USER, username: str | None = None, **fields: Any) -> User:
    s = db.session()
    n = len(s.new) + (s.query(User).count())
    u = User(username=username or f"{role.value}{n}", role=role, password_hash=password_hash(), **fields)
    s.add(u)
    s.flush()
    return u


SOLUTION = {
    "type": "solution",
    "title": "光猫 LOS 灯红色闪烁的处理",
    "symptom": "用户报修无法上网，光猫 LOS 灯红灯闪烁，PON 灯熄灭。",
    "cause": "入户光纤弯折或断裂、光衰过大（低于 -27 dBm）。",
    "steps": "1. 检查尾纤是否弯折\n2. 用光功率计测量收光\n3. 更换尾纤或重新熔接",
    "services": ["broadband"],
    "category": "FTTH",
    "tags": ["光猫", "LOS"],
    "fault_codes": ["LOS"],
    "visibility": "public",
}


def article(author: User, **overrides: Any) -> Article:
    data = {**SOLUTION, **overrides}
    return kb_services.create_article(db.session(), author, data)


def approved_article(author: User, lead: User, **overrides: Any) -> Article:
    a = article(author, **overrides)
    kb_services.submit_article(db.session(), a, author)
    kb_services.review_article(db.session(), a, lead, content_ok=True, form_ok=True, decision="approve",
                               comment="内容与表单均符合要求")
    return a


INCIDENT = {
    "title": "家里宽带无法上网，光猫红灯闪",
    "description": "从昨晚开始无法上网，光猫上的 LOS 灯一直红色闪烁。",
    "service": "broadband",
    "category": "fault",
    "area": "urban",
    "customer_account": "GD20240001",
}


def incident(actor: User, reporter: User | None = None, **overrides: Any) -> Incident:
    return incident_services.create_incident(db.session(), actor, {**INCIDENT, **overrides}, reporter=reporter)


def closed_incident(agent: User, reporter: User, solution: Article) -> Incident:
    """An incident solved with solution, confirmed by its reporter and closed."""
    inc = resolved_incident(agent, reporter, solution)
    incident_services.verify_incident(db.session(), inc, reporter, accepted=True, rating=5)
    incident_services.close_incident(db.session(), inc, agent)
    return inc


def resolved_incident(agent: User, reporter: User, solution: Article | None = None) -> Incident:
    inc = incident(agent, reporter=reporter)
    if solution is not None:
        incident_services.link_solution(db.session(), inc, agent, solution)
    incident_services.resolve_incident(db.session(), inc, agent, "已更换尾纤，收光恢复 -18 dBm")
    return inc
