"""The events the desk tells people about, and the shipped wording of each in zh_CN and en.

Admins may reword any of them (notify_templates); placeholders are {name} fields of the event's data.
"""

from __future__ import annotations

import string
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from servicedesk.i18n import normalize_locale
from servicedesk.notify.models import MessageTemplate

LOCALES = ("zh_CN", "en")

# The events a webhook may subscribe to (API.md "Notifications and webhooks").
WEBHOOK_EVENTS = ("incident.created", "incident.assigned", "incident.resolved", "incident.closed",
                  "incident.reopened", "article.approved", "problem.resolved")

# event -> {locale: (subject, body)}
DEFAULTS: dict[str, dict[str, tuple[str, str]]] = {
    "incident.created": {
        "en": ("Incident {number} received",
               "We received your report {number} \"{title}\". We will respond by {respond_by}. Details: {link}"),
        "zh_CN": ("工单 {number} 已受理",
                  "您反映的问题 {number}“{title}”已受理，我们将于 {respond_by} 前响应。详情：{link}"),
    },
    "incident.assigned": {
        "en": ("Incident {number} assigned to you", "Incident {number} \"{title}\" is now yours. {link}"),
        "zh_CN": ("工单 {number} 已派给您", "工单 {number}“{title}”已派给您处理。{link}"),
    },
    "incident.resolved": {
        "en": ("Incident {number} resolved: please confirm",
               "Your incident {number} \"{title}\" has been resolved. Please confirm the fix: {link}"),
        "zh_CN": ("工单 {number} 已处理，请确认",
                  "您的工单 {number}“{title}”已处理完毕，请确认是否恢复：{link}"),
    },
    "incident.closed": {
        "en": ("Incident {number} closed", "Incident {number} \"{title}\" is closed. {link}"),
        "zh_CN": ("工单 {number} 已关闭", "工单 {number}“{title}”已关闭。{link}"),
    },
    "incident.reopened": {
        "en": ("Incident {number} reopened", "Incident {number} \"{title}\" was reopened. {link}"),
        "zh_CN": ("工单 {number} 已重开", "工单 {number}“{title}”已重新打开。{link}"),
    },
    "incident.chased": {
        "en": ("Incident {number}: the subscriber called again",
               "The subscriber called again about incident {number} \"{title}\" (chase). {comment} {link}"),
        "zh_CN": ("工单 {number} 用户催修", "用户再次来电催修工单 {number}“{title}”。{comment} {link}"),
    },
    "incident.appointment": {
        "en": ("Incident {number}: your appointment",
               "For your incident {number} \"{title}\", engineer {engineer} will come {window}. "
               "Phone: {engineer_phone}. Details: {link}"),
        "zh_CN": ("工单 {number} 预约上门",
                  "您的工单 {number}“{title}”已预约：维修工程师 {engineer} 将于 {window} 上门，"
                  "联系电话 {engineer_phone}。详情：{link}"),
    },
    "incident.reply": {
        "en": ("New reply on incident {number}", "A new reply on incident {number} \"{title}\": {link}"),
        "zh_CN": ("工单 {number} 有新回复", "工单 {number}“{title}”有新回复：{link}"),
    },
    "sla.breached": {
        "en": ("Incident {number}: SLA breached",
               "Incident {number} \"{title}\" is past its resolve-by time {resolve_by}. {link}"),
        "zh_CN": ("工单 {number} 已超时", "工单 {number}“{title}”已超过处理时限 {resolve_by}。{link}"),
    },
    "sla.response_missed": {
        "en": ("Incident {number}: no response in time",
               "Nobody has responded to incident {number} \"{title}\" by its respond-by time {respond_by}. {link}"),
        "zh_CN": ("工单 {number} 响应超时", "工单 {number}“{title}”在响应时限 {respond_by} 前无人响应。{link}"),
    },
    "sla.at_risk": {
        "en": ("Incident {number}: SLA at risk",
               "Incident {number} \"{title}\" is in the last 20% of its time; resolve by {resolve_by}. {link}"),
        "zh_CN": ("工单 {number} 即将超时",
                  "工单 {number}“{title}”已进入处理时限的最后 20%，请于 {resolve_by} 前处理。{link}"),
    },
    "article.submitted": {
        "en": ("Article waiting for review: {title}", "\"{title}\" was submitted for review. {link}"),
        "zh_CN": ("知识待审核：{title}", "知识“{title}”已提交审核。{link}"),
    },
    "article.approved": {
        "en": ("Article approved: {title}", "Your article \"{title}\" was approved and is published. {link}"),
        "zh_CN": ("知识已通过：{title}", "您的知识“{title}”已审核通过并发布。{link}"),
    },
    "article.rejected": {
        "en": ("Article rejected: {title}", "Your article \"{title}\" was rejected: {comment} {link}"),
        "zh_CN": ("知识未通过：{title}", "您的知识“{title}”未通过审核：{comment} {link}"),
    },
}

EVENTS = tuple(DEFAULTS)
# Who receives what, for the preference page: events subscribers get, and events staff get.
SUBSCRIBER_EVENTS = ("incident.created", "incident.appointment", "incident.resolved", "incident.reply")
STAFF_EVENTS = ("incident.assigned", "incident.reopened", "incident.chased", "incident.reply", "sla.breached",
                "sla.response_missed", "sla.at_risk", "article.submitted", "article.approved", "article.rejected")


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def placeholders(text: str) -> set[str]:
    """The {names} a template uses (raises ValueError on a malformed one)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def fill(text: str, data: dict[str, Any]) -> str:
    """text with its {names} replaced from data; unknown names become empty, never an error."""
    try:
        return string.Formatter().vformat(text, (), _Blank(data))
    except (ValueError, IndexError, AttributeError, KeyError):
        return text


def locale_of(preferred: str | None, default: str) -> str:
    return normalize_locale(preferred) or normalize_locale(default) or "zh_CN"


def template_for(s: Session, event: str, locale: str) -> tuple[str, str]:
    """The (subject, body) wording in force for event in locale: the admin's, or the shipped one."""
    with s.no_autoflush:
        row = s.scalar(select(MessageTemplate).where(MessageTemplate.event == event,
                                                     MessageTemplate.locale == locale))
    if row is not None:
        return row.subject, row.body
    return DEFAULTS[event][locale]


def render(s: Session, event: str, locale: str, data: dict[str, Any]) -> tuple[str, str]:
    subject, body = template_for(s, event, locale)
    return fill(subject, data), fill(body, data)
