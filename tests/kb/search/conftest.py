"""An index of a dozen Chinese O&M articles, built once per test from plain fields."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from kb.actors import Role
from kb.search.index import SearchIndex
from kb.search.schema import make_document


@dataclass
class Reader:
    """A stand-in for a user: what kb.search.service needs of an actor."""

    id: int
    role: Role


STAFF = Reader(1, Role.AGENT)
SUBSCRIBER = Reader(2, Role.USER)


def _a(id: int, title: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": id, "type": "solution", "status": "approved", "visibility": "public", "author": 7,
        "title": title, "updated": datetime(2025, 1, id, 8, 0), "services": ["broadband"],
    }
    base.update(fields)
    return base


ARTICLES = [
    _a(1, "光猫 LOS 灯红色闪烁的处理", symptom="用户报修无法上网，光猫 LOS 灯红灯闪烁，PON 灯熄灭。",
       cause="入户光纤弯折或断裂，光衰过大（低于 -27 dBm）。", steps="1. 检查尾纤是否弯折\n2. 用光功率计测量收光",
       tags=["光猫", "LOS"], fault_codes=["LOS"], category="FTTH", incidents=12),
    _a(2, "宽带拨号提示错误 691", symptom="PPPoE dialing 失败，提示错误 691。", cause="账号密码错误或账号欠费。",
       steps="核对宽带账号密码，联系计费确认账号状态。", tags=["拨号", "691"], fault_codes=["691"], incidents=30),
    _a(3, "宽带拨号提示错误 678", symptom="拨号提示 678，远程计算机没有响应。", cause="光猫未注册或线路中断。",
       steps="在 OLT 上查看 ONU 注册状态。", tags=["拨号", "678"], fault_codes=["678"], incidents=3),
    _a(4, "机顶盒提示 E-102 无信号", symptom="电视没信号，机顶盒显示 E-102。", cause="同轴电缆接头松动。",
       steps="检查同轴电缆接头，重新做头。", services=["cable_tv"], tags=["机顶盒", "无信号"], fault_codes=["E-102"],
       visibility="internal"),
    _a(5, "话机提示 W-102 注册失败", symptom="固话话机提示 W-102，无法呼出。", steps="重启语音网关。",
       services=["voice"], tags=["语音"], fault_codes=["W-102"]),
    _a(6, "户户通机顶盒提示 E-04 信号中断", symptom="下雨天户户通没有信号，提示 E-04。", cause="高频头受潮。",
       steps="更换高频头，调整卫星锅方位角。", services=["satellite_tv"], tags=["户户通", "高频头"],
       fault_codes=["E-04"]),
    _a(7, "IPTV 播放卡顿和马赛克", symptom="IPTV 点播卡顿，画面出现马赛克。", cause="组播配置错误，家中 WiFi 干扰。",
       steps="确认组播 VLAN 配置，机顶盒改用网线连接。", services=["iptv"], tags=["IPTV", "卡顿"]),
    _a(8, "用户报修处理程序", type="procedure", body="一线接到报修后 30 分钟内响应；城区 4 小时修复，乡镇 8 小时。"
       "按 69 号文件执行回访。", tags=["报修", "回访"], visibility="internal", status="approved"),
    _a(9, "路由器 WiFi 信号弱的处理", symptom="家里 WiFi 信号弱，光猫离卧室太远。",
       steps="调整路由器位置，修改 WiFi 信道，必要时加装无线路由器。", tags=["路由器", "WiFi"]),
    _a(10, "OLT 割接方案（草稿）", type="change", status="draft", visibility="internal",
       body="城东片区 OLT 割接，计划窗口 02:00-04:00，光猫需重新注册。", tags=["割接"]),
    _a(11, "光猫与路由器之间网线松动", symptom="光猫工作正常但无法上网，路由器 WAN 口灯不亮。",
       steps="重新插拔网线，更换水晶头。", tags=["光猫", "网线"], status="retired"),
    _a(12, "基站退服：交流停电", symptom="基站退服告警，ONU_LOS 告警同时出现。", cause="市电停电，蓄电池耗尽。",
       steps="启动油机发电，检查整流模块。管理地址 10.20.30.40。", services=["mobile"], tags=["基站", "整流模块"],
       fault_codes=["ONU_LOS"]),
]


def build_index(path: Path, articles: list[dict[str, Any]] | None = None) -> SearchIndex:
    ix = SearchIndex(path)
    ix.rebuild(make_document(**a) for a in (ARTICLES if articles is None else articles))
    return ix


@pytest.fixture
def ix(tmp_path: Path) -> SearchIndex:
    return build_index(tmp_path / "index")
