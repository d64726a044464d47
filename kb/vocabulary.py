"""The operators' controlled vocabulary: services the desk knows, with labels in both languages."""

from __future__ import annotations

# code -> (zh_CN label, en label)
SERVICES: dict[str, tuple[str, str]] = {
    "broadband": ("宽带", "Broadband"),
    "iptv": ("IPTV/互联网电视", "IPTV"),
    "cable_tv": ("有线数字电视", "Cable TV"),
    "satellite_tv": ("户户通/直播卫星", "Satellite TV"),
    "leased_line": ("集客专线", "Leased line"),
    "voice": ("固话/语音", "Voice"),
    "mobile": ("移动网络/基站", "Mobile network"),
}


def service_label(code: str, locale: str = "zh_CN") -> str:
    labels = SERVICES.get(code)
    if labels is None:
        return code
    return labels[0] if locale.startswith("zh") else labels[1]
