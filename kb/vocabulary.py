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
# service -> type code -> (zh_CN label, en label, the SLA category it counts as, offered for new reports), in the
# catalogue's order; every type ever known (inactive ones too). A type's code is unique within its service.
ReportType = tuple[str, str, str, bool]
_F, _C, _R, _Q = "fault", "complaint", "request", "consultation"
REPORT_TYPES: dict[str, dict[str, ReportType]] = {
    "broadband": {
        "no_internet": ("无法上网", "No internet", _F, True),
        "los_red": ("光猫LOS红灯", "Modem LOS light red", _F, True),
        "slow": ("网速慢", "Slow speed", _F, True),
        "drops": ("频繁掉线", "Keeps dropping", _F, True),
        "wifi": ("无线WiFi问题", "Wi-Fi trouble", _F, True),
        "install": ("新装/移机", "New line or move", _R, True),
        "billing": ("资费账单咨询", "Tariff or bill question", _Q, True),
        "complaint": ("服务投诉", "Service complaint", _C, True),
    },
    "iptv": {
        "playback": ("点播卡顿", "Playback stalls", _F, True),
        "login": ("无法登录/认证失败", "Cannot sign in", _F, True),
        "complaint": ("服务投诉", "Service complaint", _C, True),
    },
    "cable_tv": {
        "no_signal": ("无信号", "No signal", _F, True),
        "mosaic": ("马赛克/卡顿", "Mosaic or freezing", _F, True),
        "missing_channels": ("缺台/少台", "Missing channels", _F, True),
        "smart_card": ("智能卡/机顶盒提示", "Smart card or set-top box message", _F, True),
        "install": ("开户/移机", "New connection or move", _R, True),
        "complaint": ("服务投诉", "Service complaint", _C, True),
    },
    "satellite_tv": {
        "no_signal": ("无信号（E-102等）", "No signal (E-102…)", _F, True),
        "dish": ("天线偏移/损坏", "Dish moved or broken", _F, True),
        "activation": ("开通/授权", "Activation or authorisation", _R, True),
        "complaint": ("服务投诉", "Service complaint", _C, True),
    },
    "leased_line": {
        "down": ("专线中断", "Line down", _F, True),
        "loss": ("丢包/时延高", "Packet loss or latency", _F, True),
        "change": ("带宽变更", "Bandwidth change", _R, True),
    },
    "voice": {
        "no_tone": ("无拨号音", "No dial tone", _F, True),
        "noise": ("通话杂音", "Noise on the line", _F, True),
    },
    "mobile": {
        "no_coverage": ("无信号/弱覆盖", "No or weak coverage", _F, True),
        "site_alarm": ("基站告警", "Site alarm", _F, True),
    },
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


def report_type_label(service: str, code: str | None, locale: str = "zh_CN") -> str:
    found = REPORT_TYPES.get(service, {}).get(code or "")
    if found is None:
        return code or ""
    return found[0] if locale.startswith("zh") else found[1]


def offered_types(service: str) -> list[str]:
    """The type codes new reports for the service may choose, in order."""
    return [code for code, row in REPORT_TYPES.get(service, {}).items() if row[3]]


def replace(services: dict[str, tuple[str, str]], active: list[str], defaults: dict[str, str],
            types: dict[str, dict[str, ReportType]] | None = None) -> None:
    """Puts a catalogue read from the database in place (the maps are changed in place, so every module that
    imported them sees it; a code is only ever added or relabelled, so a reader never misses one)."""
    SERVICES.update(services)
    for gone in set(SERVICES) - set(services):
        SERVICES.pop(gone, None)
    DEFAULT_CATEGORY.update(defaults)
    ACTIVE[:] = active
    if types is not None:
        for service in set(REPORT_TYPES) - set(types):
            REPORT_TYPES.pop(service, None)
        REPORT_TYPES.update(types)
