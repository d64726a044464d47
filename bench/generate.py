"""Realistic knowledge-base articles and queries for the search benchmark.

Articles mix Chinese with English words, fault codes, model numbers and IPs, use the
vocabulary of the operators (光猫/ONU, 光衰, LOS, 机顶盒, 户户通, 拨号 691/678, PPPoE, IPTV ...),
and draw every word list with Zipf-like frequencies, so a few terms are everywhere and most
are rare, as in a real knowledge base. Everything is seeded: the same size gives the same data.
"""

from __future__ import annotations

import bisect
import itertools
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

SERVICE_LABELS = {
    "broadband": "宽带",
    "iptv": "IPTV",
    "cable_tv": "有线电视",
    "satellite_tv": "户户通",
    "leased_line": "集客专线",
    "voice": "固话",
    "mobile": "基站",
}
SERVICE_WEIGHTS = {"broadband": 40, "iptv": 15, "cable_tv": 15, "satellite_tv": 10, "leased_line": 8,
                   "voice": 5, "mobile": 7}

DEVICES = {
    "broadband": ["光猫", "ONU", "路由器", "无线路由器", "OLT", "分光器", "交换机", "网线", "尾纤", "皮线光缆",
                  "光模块", "电源适配器", "网口", "分纤箱", "光交箱"],
    "iptv": ["机顶盒", "IPTV 机顶盒", "遥控器", "HDMI 线", "光猫", "交换机", "电视机"],
    "cable_tv": ["机顶盒", "智能卡", "分支器", "放大器", "同轴电缆", "光接收机", "遥控器", "电视机"],
    "satellite_tv": ["户户通机顶盒", "高频头", "卫星锅", "馈源", "智能卡", "遥控器", "同轴电缆"],
    "leased_line": ["光纤收发器", "交换机", "路由器", "PTN 设备", "光缆", "光模块", "协议转换器", "ONU"],
    "voice": ["语音网关", "话机", "IAD", "光猫", "电话线"],
    "mobile": ["基站", "整流模块", "蓄电池", "传输设备", "空调", "油机", "BBU", "RRU"],
}
SYMPTOMS = {
    "broadband": ["无法上网", "网速慢", "频繁掉线", "光猫 LOS 灯红灯闪烁", "PON 灯不亮", "PON 灯闪烁",
                  "拨号提示错误 691", "拨号提示错误 678", "拨号提示错误 651", "WiFi 信号弱", "网页打不开",
                  "游戏延时高", "丢包严重", "能登录 QQ 但打不开网页", "光猫红灯闪", "上不了网", "网断了",
                  "测速达不到签约速率", "DNS 解析失败", "获取不到 IP 地址", "光衰过大", "无线连不上"],
    "iptv": ["IPTV 卡顿", "画面马赛克", "黑屏", "开机卡在启动界面", "提示错误 1302", "提示 E-1302",
             "点播无法播放", "回看失败", "遥控器失灵", "频道列表为空", "认证失败", "无法连接网络"],
    "cable_tv": ["电视没信号", "画面花屏", "马赛克", "部分频道无信号", "提示 E-102", "提示 E-103",
                 "提示 E-106 智能卡未插入", "机卡不配对", "节目未授权", "信号强度低", "信号质量差", "声音不同步"],
    "satellite_tv": ["户户通没信号", "提示 E-04", "提示 E-05", "信号强度为零", "信号质量低于 60%",
                     "下雨天信号中断", "机顶盒无法开机", "卫星锅偏移", "节目授权过期", "提示 W-102"],
    "leased_line": ["专线中断", "专线丢包", "专线时延高", "光纤收发器 LINK 灯不亮", "BGP 邻居断开",
                    "VLAN 配置错误导致不通", "ping 192.168.1.1 不通", "业务闪断", "带宽跑不满"],
    "voice": ["电话无拨号音", "通话杂音", "单通", "无法呼出", "SIP 注册失败", "话机提示 W-102"],
    "mobile": ["基站退服", "交流停电告警", "直流电压低", "整流模块告警", "传输中断", "温度过高告警",
               "ONU_LOS 告警", "PON_LOS 告警", "驻波比告警"],
}
CAUSES = ["入户光纤弯折", "光衰过大（低于 -27 dBm）", "账号欠费停机", "宽带账号密码错误", "分光器端口故障",
          "OLT 板卡故障", "尾纤接头松动", "光猫硬件故障", "路由器配置错误", "用户私接路由器导致 IP 冲突",
          "PPPoE 会话未释放", "VLAN 配置与局端不一致", "机顶盒软件版本过低", "智能卡未授权", "高频头受潮",
          "卫星锅方位角偏移", "雷击导致设备损坏", "楼道交换机断电", "光缆被施工挖断", "台风导致线路中断",
          "DHCP 地址池耗尽", "DNS 服务器异常", "网线水晶头氧化", "同轴电缆接头进水", "放大器电源故障",
          "整流模块老化", "蓄电池容量不足", "市电停电", "传输链路误码", "上级 OLT 割接", "用户终端中毒",
          "WiFi 信道干扰", "机卡配对信息丢失", "CA 系统授权延迟", "IPTV 认证服务器异常", "组播配置错误"]
STEPS = ["检查尾纤是否弯折，重新盘纤", "用光功率计测量收光，正常应在 -8 至 -27 dBm 之间", "重启光猫和路由器",
         "恢复出厂设置后重新配置 PPPoE 拨号", "核对宽带账号密码，必要时重置密码", "联系计费部门确认账号状态",
         "更换尾纤或重新熔接", "更换光猫", "在 OLT 上查看 ONU 注册状态", "检查分光器端口并更换",
         "检查 VLAN 配置是否与局端一致", "升级机顶盒软件版本", "重新插拔智能卡并做机卡配对", "联系前端重新授权",
         "调整卫星锅方位角和仰角", "更换高频头", "检查同轴电缆接头并做防水处理", "ping 网关 192.168.1.1 测试连通性",
         "用测速软件测试带宽", "修改 WiFi 信道避开干扰", "检查楼道交换机供电", "通知线路班组抢修光缆",
         "登录网管查看告警", "更换整流模块", "启动油机发电", "检查蓄电池电压", "填写工单并回访用户",
         "提交割接方案并报备", "做好巡检记录", "清除 DNS 缓存或改用公共 DNS", "释放 PPPoE 会话后重新拨号",
         "reboot 设备并观察 10 分钟", "检查 DHCP 地址池配置", "确认组播 VLAN 配置"]
CODES = {
    "broadband": ["691", "678", "651", "619", "E-102", "LOS", "LOF", "ONU_LOS", "PON_LOS", "DyingGasp", "E-201"],
    "iptv": ["1302", "E-1302", "10071", "E-0001", "1901", "E-102"],
    "cable_tv": ["E-102", "E-103", "E-104", "E-106", "E-112", "W-102"],
    "satellite_tv": ["E-04", "E-05", "E-101", "W-102", "E-30"],
    "leased_line": ["LOS", "LINK_DOWN", "BGP_DOWN", "E-501"],
    "voice": ["W-102", "503", "408", "E-701"],
    "mobile": ["ONU_LOS", "PON_LOS", "ALM-25622", "ALM-26234", "E-901"],
}
MODELS = ["HG8245H", "HG8546M", "ZXHN F660", "F663N", "EC6108V9", "Q21", "B860AV2.1", "GS3101", "MA5608T",
          "C300", "S5700", "AR1220", "HG6201M", "PT926G", "DS-2CD", "TL-WR842N", "ZXV10 B860A", "SKYWORTH E900"]
ENGLISH = ["PPPoE", "DHCP", "VLAN", "IPTV", "ONU", "OLT", "GPON", "EPON", "FTTH", "FTTB", "WiFi", "DNS", "ping",
           "traceroute", "reboot", "reset", "timeout", "dialing", "upgrade", "firmware", "config", "multicast",
           "router", "switch", "optical", "signal", "bandwidth", "latency", "gateway", "login", "password"]
FILLER = ["用户", "反映", "现场", "检查", "发现", "正常", "异常", "处理", "恢复", "需要", "联系", "客户", "维护人员",
          "确认", "设备", "线路", "小区", "楼道", "上门", "测试", "结果", "问题", "故障", "原因", "情况", "及时",
          "更换", "排查", "记录", "工单", "回访", "网络", "信号", "业务", "开通", "安装", "调试", "运行", "稳定",
          "影响", "范围", "多户", "单户", "夜间", "白天", "经常", "偶尔", "最近", "一直", "已经", "仍然", "无法",
          "可以", "建议", "注意", "操作", "步骤", "方法", "要求", "规范", "标准", "时限", "城区", "乡镇", "片区",
          "社区经理", "维护组", "服务站", "技术负责人", "一线", "转交", "投诉", "报修", "满意度", "巡检", "割接",
          "升级", "版本", "配置", "参数", "端口", "机房", "供电", "电压", "告警", "中断", "抢修", "时间", "分钟",
          "小时", "天", "人员", "工具", "仪表", "光功率计", "熔接机", "备件", "库存", "数据", "台账", "统计"]
CONNECT = ["，", "，", "，", "；", "。", "、", " "]
PROC_NOUNS = ["用户报修处理程序", "维护抢修规范", "巡检制度", "回访工作规范", "投诉处理流程", "工单管理办法",
              "装维服务规范", "故障升级流程", "夜间值班制度", "备件管理办法", "安全操作规程", "服务质量考核办法"]
CHANGE_NOUNS = ["割接方案", "变更申请", "测试方案", "技术方案", "升级方案", "扩容方案", "割接回退方案"]
REF_NOUNS = ["网络拓扑图", "设备参数表", "端口对照表", "光缆路由图", "IP 地址规划", "VLAN 规划表"]
TAGS = {
    "broadband": ["光猫", "LOS", "拨号", "PPPoE", "光衰", "WiFi", "路由器", "OLT", "分光器", "FTTH", "FTTB", "GPON",
                  "EPON", "掉线", "网速慢", "DNS", "DHCP", "欠费", "密码", "尾纤"],
    "iptv": ["IPTV", "机顶盒", "卡顿", "马赛克", "黑屏", "组播", "认证", "遥控器"],
    "cable_tv": ["有线电视", "机顶盒", "无信号", "马赛克", "智能卡", "授权", "同轴电缆", "放大器", "花屏"],
    "satellite_tv": ["户户通", "无信号", "高频头", "卫星锅", "授权", "智能卡", "雨衰"],
    "leased_line": ["集客", "专线", "VLAN", "BGP", "光纤收发器", "丢包", "时延"],
    "voice": ["固话", "语音", "SIP", "杂音"],
    "mobile": ["基站", "退服", "整流模块", "蓄电池", "油机", "传输", "告警"],
}
GENERAL_TAGS = ["割接", "巡检", "回访", "投诉", "雷击", "台风", "施工", "夜间", "城区", "乡镇"]
_CODE_IN_TEXT = re.compile(r"(?<![A-Za-z0-9_-])(?:[A-Z]+[-_]?\d+|\d{3,5}|[A-Z]+_[A-Z]+)(?![A-Za-z0-9_])")
ZONE_CHARS = "东西南北中新老金银花园湖山河桥港城乡镇村岭湾坪塘沟坝庄屯营"
STATUSES = [("approved", 80), ("draft", 8), ("in_review", 5), ("rejected", 2), ("retired", 5)]
TYPES = [("solution", 70), ("procedure", 14), ("change", 8), ("reference", 8)]


class Zipf:
    """Draws from a list with probability proportional to 1 / rank**s (order shuffled by seed)."""

    def __init__(self, items: Sequence[Any], rng: random.Random, s: float = 1.1) -> None:
        self.items = list(items)
        rng.shuffle(self.items)
        weights = [1.0 / (rank ** s) for rank in range(1, len(self.items) + 1)]
        self.cum = list(itertools.accumulate(weights))

    def __call__(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect_left(self.cum, rng.random() * self.cum[-1])]

    def some(self, rng: random.Random, n: int) -> list[Any]:
        out: list[Any] = []
        for _ in range(n * 3):
            item = self(rng)
            if item not in out:
                out.append(item)
            if len(out) == n:
                break
        return out


def _weighted(pairs: Sequence[tuple[str, int]], rng: random.Random) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


@dataclass
class Vocabulary:
    rng: random.Random
    zones: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        rng = self.rng
        # A long tail of place names: thousands of rare terms, like a real operator's data.
        names = {a + b for a in ZONE_CHARS for b in ZONE_CHARS if a != b}
        self.zones = [n + rng.choice(["小区", "花园", "新村", "片区", "街道", "镇"]) for n in sorted(names)]
        self.zone = Zipf(self.zones, rng, 0.9)
        self.filler = Zipf(FILLER, rng, 0.8)
        self.english = Zipf(ENGLISH, rng, 1.1)
        self.cause = Zipf(CAUSES, rng, 1.0)
        self.step = Zipf(STEPS, rng, 0.9)
        self.model = Zipf(MODELS, rng, 1.1)
        self.tag = {k: Zipf(v, rng, 0.9) for k, v in TAGS.items()}
        self.general_tag = Zipf(GENERAL_TAGS, rng, 1.0)
        self.service = lambda r: _weighted(list(SERVICE_WEIGHTS.items()), r)
        self.device = {k: Zipf(v, rng, 1.0) for k, v in DEVICES.items()}
        self.symptom = {k: Zipf(v, rng, 1.0) for k, v in SYMPTOMS.items()}
        self.code = {k: Zipf(v, rng, 1.1) for k, v in CODES.items()}

    def sentence(self, rng: random.Random, service: str, core: str | None = None) -> str:
        words = [self.filler(rng) for _ in range(rng.randint(4, 12))]
        if core:
            words.insert(rng.randint(0, len(words)), core)
        if rng.random() < 0.35:
            words.insert(rng.randint(0, len(words)), self.english(rng))
        if rng.random() < 0.25:
            words.insert(rng.randint(0, len(words)), self.device[service](rng))
        if rng.random() < 0.2:
            words.insert(rng.randint(0, len(words)), self.zone(rng))
        if rng.random() < 0.06:
            words.insert(rng.randint(0, len(words)), f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.1")
        out = words[0]
        for w in words[1:]:
            out += (rng.choice(CONNECT) if rng.random() < 0.3 else "") + w
        return out + "。"


def article(vocab: Vocabulary, rng: random.Random, n: int, now: datetime) -> dict[str, Any]:
    """One article as plain fields (those of kb.search.schema.make_document)."""
    kind = _weighted(TYPES, rng)
    service = vocab.service(rng)
    services = [service] + ([vocab.service(rng)] if rng.random() < 0.2 else [])
    services = list(dict.fromkeys(services))
    device = vocab.device[service](rng)
    symptom = vocab.symptom[service](rng)
    codes: list[str] = []
    if kind == "solution":
        # The codes an article carries are the ones its symptom shows, sometimes one more.
        known = set(CODES[service])
        codes = [c for c in _CODE_IN_TEXT.findall(symptom) if c in known or c.isdigit()]
        if rng.random() < 0.25:
            codes.append(vocab.code[service](rng))
        codes = list(dict.fromkeys(codes))
    model = vocab.model(rng) if rng.random() < 0.4 else ""
    zone = vocab.zone(rng)
    label = SERVICE_LABELS[service]
    fields: dict[str, Any] = {"symptom": "", "cause": "", "steps": "", "body": ""}
    if kind == "solution":
        title = rng.choice([
            f"{device}{symptom}的处理",
            f"{label}{symptom}处理方法",
            f"{symptom}：{vocab.cause(rng)}",
            f"{model or device} {symptom}排查",
            f"{zone}{label}{symptom}",
            f"{label}用户{symptom}（{codes[0] if codes else device}）",
        ])
        fields["symptom"] = "".join(vocab.sentence(rng, service, symptom if i == 0 else None)
                                    for i in range(rng.randint(1, 3)))
        fields["cause"] = "".join(vocab.sentence(rng, service, vocab.cause(rng)) for _ in range(rng.randint(1, 3)))
        fields["steps"] = "\n".join(f"{i}. {vocab.step(rng)}" + (vocab.sentence(rng, service) if rng.random() < 0.5
                                                                 else "")
                                    for i in range(1, rng.randint(3, 8) + 1))
    else:
        noun = {"procedure": PROC_NOUNS, "change": CHANGE_NOUNS, "reference": REF_NOUNS}[kind]
        title = f"{rng.choice([zone, label, ''])}{rng.choice(noun)}"
        if kind != "procedure" and rng.random() < 0.5:
            title += f"（{model or device}）"
        fields["body"] = "".join(vocab.sentence(rng, service, rng.choice([symptom, vocab.step(rng), None]))
                                 for _ in range(rng.randint(6, 16)))
    tags = vocab.tag[service].some(rng, rng.randint(1, 3)) + codes[:1]
    if rng.random() < 0.3:
        tags.append(vocab.general_tag(rng))
    if rng.random() < 0.1:
        tags.append(zone)
    tags = list(dict.fromkeys(tags))
    return {
        "id": n,
        "type": kind,
        "status": _weighted(STATUSES, rng),
        "visibility": "public" if rng.random() < 0.6 else "internal",
        "author": rng.randint(1, 60),
        "title": title[:200],
        "updated": now - timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60)),
        "services": services,
        "category": rng.choice(["FTTH", "FTTB", "IPTV", "DVB-C", "DVB-S", "专线", "基站", "通用"]),
        "tags": tags,
        "fault_codes": codes,
        "device_models": [model] if model else [],
        "incidents": int(rng.paretovariate(1.5)) - 1,
        **fields,
    }


def articles(count: int, seed: int = 20240501) -> Iterator[dict[str, Any]]:
    """count articles, ids 1..count, reproducible for a seed."""
    rng = random.Random(seed)
    vocab = Vocabulary(random.Random(seed + 1))
    now = datetime(2025, 6, 1, 8, 0, 0)
    for n in range(1, count + 1):
        yield article(vocab, rng, n, now)


COLLOQUIAL = ["网速慢", "光猫红灯闪", "电视没信号", "上不了网", "网断了", "机顶盒黑屏", "户户通没信号", "宽带掉线",
              "iptv卡顿", "电视马赛克", "无法上网", "光帽红灯闪", "遥控器没反应", "wifi连不上", "光衰大怎么办",
              "机卡不配对", "智能卡未授权", "基站退服", "专线中断", "电话没有拨号音"]
CODE_QUERIES = ["691", "678", "E-102", "W-102", "LOS", "E-1302", "ONU_LOS", "651", "E-04", "192.168.1.1",
                "HG8245H", "ALM-25622"]
MIXED = ["光猫 LOS 红灯", "拨号 691 错误", "PPPoE dialing 691", "ONU 掉线", "IPTV 卡顿 马赛克", "机顶盒 E-102",
         "OLT 光衰 -27 dBm", "VLAN 配置 专线不通", "WiFi 信号弱 路由器", "户户通 E-04 信号强度",
         '"光猫 LOS"', "光猫 -路由器", "整流模块 告警 基站退服", "DNS 解析失败 网页打不开"]
FILTERS: list[dict[str, str]] = [{"service": "broadband"}, {"type": "solution"}, {"tag": "光猫"},
                                 {"service": "cable_tv", "type": "solution"}, {"code": "691"}]


@dataclass
class Query:
    kind: str
    text: str
    filters: dict[str, str] | None = None
    staff: bool = False
    long: bool = False


def incident_description(vocab: Vocabulary, rng: random.Random) -> tuple[str, str]:
    """A pasted incident: a short title and a long free-text description (150-450 characters)."""
    service = vocab.service(rng)
    symptom = vocab.symptom[service](rng)
    title = f"{rng.choice(['用户', '客户', ''])}{symptom}"
    parts = [f"{vocab.zone(rng)}用户来电反映{symptom}。"]
    while sum(len(p) for p in parts) < rng.randint(150, 450):
        parts.append(vocab.sentence(rng, service, rng.choice([None, vocab.symptom[service](rng), vocab.cause(rng)])))
    return title, "".join(parts)[:480]


def queries(count: int, seed: int = 7) -> list[Query]:
    """A realistic mix: colloquial, codes, mixed, long pasted descriptions; a third with filters."""
    rng = random.Random(seed)
    vocab = Vocabulary(random.Random(seed + 1))
    out: list[Query] = []
    kinds = [("colloquial", 30), ("code", 20), ("mixed", 25), ("long", 15), ("attribute", 10)]
    for _ in range(count):
        kind = _weighted(kinds, rng)
        staff = rng.random() < 0.7
        filters = rng.choice(FILTERS) if rng.random() < 0.3 else None
        if kind == "colloquial":
            out.append(Query(kind, rng.choice(COLLOQUIAL), filters, staff))
        elif kind == "code":
            out.append(Query(kind, rng.choice(CODE_QUERIES), filters, staff))
        elif kind == "mixed":
            out.append(Query(kind, rng.choice(MIXED), filters, staff))
        elif kind == "long":
            title, desc = incident_description(vocab, rng)
            out.append(Query(kind, f"{title}\n{desc}", None, True, long=True))
        else:
            out.append(Query(kind, "", rng.choice(FILTERS), staff))
    return out


def fresh_schema(conn: Connection) -> None:
    """An empty database with the application's tables (on PostgreSQL, a new public schema)."""
    from kb.orm import Base
    from servicedesk.db import load_models

    load_models()
    if conn.dialect.name == "postgresql":
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    Base.metadata.create_all(conn)
