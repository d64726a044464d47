"""Helpers shared by the HTML pages: template filters, labels, pagination, safe redirects."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, request
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from kb.rendering import render_markdown
from kb.vocabulary import SERVICES, report_type_label, service_label

STATUS_LABELS: dict[str, Any] = {
    "new": _l("New"),
    "assigned": _l("Assigned"),
    "in_progress": _l("In progress"),
    "pending": _l("Pending"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
    "cancelled": _l("Cancelled"),
    "duplicate": _l("Duplicate"),
    "draft": _l("Draft"),
    "in_review": _l("In review"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "retired": _l("Retired"),
    "superseded": _l("Superseded"),
}
CATEGORY_LABELS: dict[str, Any] = {
    "fault": _l("Fault"),
    "complaint": _l("Complaint"),
    "request": _l("Service request"),
    "consultation": _l("Consultation"),
}
AREA_LABELS: dict[str, Any] = {"urban": _l("Urban"), "township": _l("Township")}
TYPE_LABELS: dict[str, Any] = {
    "solution": _l("Solution"),
    "procedure": _l("Procedure / policy"),
    "change": _l("Change artefact"),
    "reference": _l("Technical reference"),
}
ROLE_LABELS: dict[str, Any] = {
    "user": _l("Subscriber"),
    "agent": _l("First-line agent"),
    "specialist": _l("Specialist (L2-L4)"),
    "lead": _l("Technical lead"),
    "admin": _l("Administrator"),
}
CHANNEL_LABELS: dict[str, Any] = {
    "hotline": _l("Hotline"),
    "portal": _l("Portal"),
    "field": _l("Field"),
    "api": _l("API"),
    "email": _l("E-mail"),
    "wechat": _l("WeChat"),
}
PRIORITY_LABELS: dict[str, Any] = {
    "low": _l("Low"),
    "normal": _l("Normal"),
    "high": _l("High"),
    "urgent": _l("Urgent"),
}


def label(mapping: dict[str, Any], value: Any) -> str:
    key = getattr(value, "value", value)
    return str(mapping.get(key, key))


def safe_next(target: str | None, default: str) -> str:
    """target if it is a path on this site, else default (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@lru_cache(maxsize=64)
def option_tags(choices: tuple[tuple[str, str], ...], current: str) -> Markup:
    """The <option> tags of a picker. The staff list is hundreds of options on every desk page and the same
    from one view to the next: it is written once per list and selection, then kept."""
    tag = Markup('<option value="{}"{}>{}</option>')
    return Markup("").join(tag.format(value, Markup(" selected") if value == current else "", label)
                           for value, label in choices)


def register_template_helpers(app: Flask) -> None:
    @app.template_filter("options")
    def _options(choices: Iterable[tuple[Any, Any]], current: str = "") -> Markup:
        return option_tags(tuple((str(value), str(label)) for value, label in choices), current)

    @app.template_filter("dt")
    def _dt(value: datetime | None, fmt: str = "short") -> str:
        return format_datetime(value, fmt) if value else "—"

    @app.template_filter("markdown")
    def _markdown(text: str | None, images: Mapping[str, str] | None = None) -> Markup:
        return Markup(render_markdown(text or "", images))  # noqa: S704 - sanitised by nh3

    @app.template_filter("service")
    def _service(code: str) -> str:
        return service_label(code, str(get_locale()))

    # Globals, not a context processor: imported macros (badge, …) see them without "with context".
    app.jinja_env.globals.update(
        status_label=lambda v: label(STATUS_LABELS, v),
        category_label=lambda v: label(CATEGORY_LABELS, v),
        area_label=lambda v: label(AREA_LABELS, v),
        type_label=lambda v: label(TYPE_LABELS, v),
        role_label=lambda v: label(ROLE_LABELS, v),
        channel_label=lambda v: label(CHANNEL_LABELS, v),
        priority_label=lambda v: label(PRIORITY_LABELS, v),
        SERVICES=SERVICES,
        report_type_label=lambda service, code: report_type_label(service, code, str(get_locale())),
    )

    @app.context_processor
    def _request_values() -> dict[str, Any]:
        return {
            "current_locale": str(get_locale()),
            "request_path": request.full_path.rstrip("?") if request else "/",
        }
