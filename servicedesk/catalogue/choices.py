"""The report-type picker of the report forms (desk intake and portal): the types the catalogue offers, grouped
by service, each option's value "service:code" so that one code under two services stays two options; the
page's script (report_types.js) shows only the chosen service's group."""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale

from kb.vocabulary import ACTIVE, REPORT_TYPES, SERVICES, offered_types, service_label


def _label(row: tuple[str, str, str, bool], zh: bool) -> str:
    return row[0] if zh else row[1]


def report_type_choices(blank: Any, *, offered: bool = True) -> dict[str | None, list[tuple[str, str]]]:
    """{service label: [(service:code, type label)]} for the services and types offered for new reports (or
    every service and type ever known: filters), the blank choice first (under no group)."""
    locale = str(get_locale())
    zh = locale.startswith("zh")
    out: dict[str | None, list[tuple[str, str]]] = {None: [("", str(blank))]}
    for service in ACTIVE if offered else SERVICES:
        codes = offered_types(service) if offered else list(REPORT_TYPES.get(service, {}))
        if codes:
            out[service_label(service, locale)] = [
                (f"{service}:{code}", _label(REPORT_TYPES[service][code], zh)) for code in codes]
    return out


def chosen_type(value: object, service: object) -> str | None:
    """The type code a form's "service:code" value names under the chosen service; a value naming another
    service is passed on whole, so the service refuses it beside the field."""
    if not isinstance(value, str) or not value:
        return None
    prefix = f"{service}:"
    return value[len(prefix):] if value.startswith(prefix) else value
