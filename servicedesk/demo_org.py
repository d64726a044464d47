"""The demo's organisation, as plain data: service stations, maintenance groups with their leaders, zones (片区)
with their community managers, and the subscriber records of each zone ("区域划片，人员包干").

`servicedesk.demo` creates all of it through the org services, as the manager, before any incident is played,
so the history's reports route to the zone's manager exactly as real ones do.
"""

from __future__ import annotations

from dataclasses import dataclass

# station -> groups: (group name, leader username)
STATIONS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("城东服务站", (("城东装维一组", "agent.wu"), ("城东装维二组", "agent.lin"))),
    ("南湖服务站", (("南湖装维组", "agent.xu"),)),
    ("青山镇服务站", (("青山镇装维组", "agent.he"), ("柳河装维组", "agent.ma"))),
)


@dataclass(frozen=True)
class DemoZone:
    code: str
    name: str
    group: str
    manager: str
    area: str
    street: str  # how the addresses of its subscribers begin
    prefix: str  # broadband accounts of the zone: KD-<prefix>-...


ZONES: tuple[DemoZone, ...] = (
    DemoZone("CD-01", "幸福片区", "城东装维一组", "agent.wu", "urban", "幸福小区", "3201"),
    DemoZone("CD-02", "东湖花园片区", "城东装维一组", "agent.wu", "urban", "东湖花园", "3201"),
    DemoZone("CD-03", "建设路片区", "城东装维二组", "agent.lin", "urban", "建设路", "3201"),
    DemoZone("CD-04", "老城片区", "城东装维二组", "agent.lin", "urban", "老城区解放街", "3201"),
    DemoZone("NH-01", "南湖小区片区", "南湖装维组", "agent.xu", "urban", "南湖小区", "3202"),
    DemoZone("NH-02", "南湖新村片区", "南湖装维组", "agent.guo", "urban", "南湖新村", "3202"),
    DemoZone("QS-01", "青山镇区", "青山镇装维组", "agent.he", "township", "青山镇人民路", "3208"),
    DemoZone("QS-02", "石桥村", "青山镇装维组", "agent.he", "township", "青山镇石桥村", "3208"),
    DemoZone("LH-01", "柳河村", "柳河装维组", "agent.ma", "township", "青山镇柳河村", "3208"),
    DemoZone("LH-02", "杨庄村", "柳河装维组", "agent.ma", "township", "青山镇杨庄村", "3208"),
)
SUBSCRIBERS_PER_ZONE = 8

# The paying subscribers of each zone (万投比's denominator), about what such zones hold; the desk's total is
# their sum. Stored per month for the months the history covers.
PAYING: dict[str, int] = {
    "CD-01": 5200, "CD-02": 4300, "CD-03": 3900, "CD-04": 3100, "NH-01": 4800, "NH-02": 2600,
    "QS-01": 2400, "QS-02": 900, "LH-01": 1100, "LH-02": 800,
}

# The story incidents' accounts, attached to their zones once the stories have played (so the stories keep
# the routing they were written with).
STORY_ACCOUNTS: dict[str, tuple[str, str, str]] = {
    "KD-3201-0088123": ("CD-01", "张伟", "幸福小区 3 栋 2 单元 501"),
    "KD-3208-0204419": ("QS-01", "李军", "青山镇人民路 18 号"),
    "KD-3201-0103352": ("CD-03", "杨帆", "建设路 66 号 2 栋 1102"),
    "CATV-3201-8320100233": ("CD-02", "刘芳", "东湖花园 7 栋 301"),
    "IPTV-3201-0077310": ("NH-01", "陈静", "南湖小区 12 栋 602"),
    "HHT-3208-0012567": ("LH-01", "王秀英", "青山镇柳河村 5 组 21 号"),
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰",
         "霞", "平", "刚", "桂英", "建华", "志强", "海燕", "玉梅", "国庆", "春梅", "德明", "小红")


@dataclass(frozen=True)
class DemoSubscriber:
    account: str
    name: str
    phone: str
    address: str
    zone: str
    services: tuple[str, ...]
    level: str = "normal"


def _subscribers() -> tuple[DemoSubscriber, ...]:
    """Eight subscribers a zone, deterministic: names, phones, addresses and the services they take."""
    out: list[DemoSubscriber] = []
    n = 0
    for z, zone in enumerate(ZONES):
        township = zone.area == "township"
        for i in range(SUBSCRIBERS_PER_ZONE):
            n += 1
            name = SURNAMES[(n * 7) % len(SURNAMES)] + GIVEN[(n * 11 + z) % len(GIVEN)]
            if township:
                services = (("broadband", "satellite_tv"), ("broadband",), ("satellite_tv",),
                            ("broadband", "cable_tv"))[i % 4]
                address = f"{zone.street}{i + 2} 组 {10 + i * 3} 号"
            else:
                services = (("broadband", "iptv"), ("broadband",), ("cable_tv", "broadband"),
                            ("broadband", "iptv"))[i % 4]
                address = f"{zone.street} {i + 1} 栋 {1 + i % 3} 单元 {(i % 6 + 1) * 100 + i + 1}"
            out.append(DemoSubscriber(f"KD-{zone.prefix}-{510000 + n:07d}", name, f"1391{z:02d}{n:05d}", address,
                                      zone.code, services))
    # An enterprise on a leased line in town, on the enterprise SLA.
    out.append(DemoSubscriber("JK-ZX-0388", "城东第二中学", "0512-86600388", "建设路 100 号", "CD-03",
                              ("leased_line",), level="enterprise"))
    return tuple(out)


SUBSCRIBERS: tuple[DemoSubscriber, ...] = _subscribers()
