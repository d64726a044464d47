"""The operators' controlled vocabulary: the services the desk knows, with labels in both languages.

The service catalogue is data (servicedesk.catalogue, table catalogue_services): every process loads it into
these maps at start and again when it changed (servicedesk.catalogue.registry), so code that reads SERVICES
always sees the catalogue — a service an administrator added works from the next request in every worker.
Until the database is read, the maps hold the seven services the desk shipped with.
"""

from __future__ import annotations

# code -> (zh_CN label, en label); every service ever known (inactive ones too: old incidents name them)
SERVICES: dict[str, tuple[str, str]] = {
    "broadband": ("宽带", "Broadband"),
    "iptv": ("IPTV/互联网电视", "IPTV"),
    "cable_tv": ("有线数字电视", "Cable TV"),
    "satellite_tv": ("户户通/直播卫星", "Satellite TV"),
    "leased_line": ("集客专线", "Leased line"),
    "voice": ("固话/语音", "Voice"),
    "mobile": ("移动网络/基站", "Mobile network"),
}
# The services new reports may choose, in the catalogue's order.
ACTIVE: list[str] = list(SERVICES)
# code -> the SLA category a report for the service gets unless one is chosen
DEFAULT_CATEGORY: dict[str, str] = dict.fromkeys(SERVICES, "fault")


def service_label(code: str, locale: str = "zh_CN") -> str:
    labels = SERVICES.get(code)
    if labels is None:
        return code
    return labels[0] if locale.startswith("zh") else labels[1]


def replace(services: dict[str, tuple[str, str]], active: list[str], defaults: dict[str, str]) -> None:
    """Puts a catalogue read from the database in place (the maps are changed in place, so every module that
    imported them sees it; a code is only ever added or relabelled, so a reader never misses one)."""
    SERVICES.update(services)
    for gone in set(SERVICES) - set(services):
        SERVICES.pop(gone, None)
    DEFAULT_CATEGORY.update(defaults)
    ACTIVE[:] = active
