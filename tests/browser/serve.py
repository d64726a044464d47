"""Serves the desk for the browser tests: a fresh SQLite instance, data made through the services,
waitress on 127.0.0.1 and a free port.

    python -m tests.browser.serve INSTANCE_DIR

Writes INSTANCE_DIR/server.json ({"url": …, ids of what it made}) once it listens. A process of its
own, so the app's global session never meets the in-process test fixtures.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any

PASSWORD = "correct-horse-42"

PUBLIC_ANSWERS: list[dict[str, Any]] = [
    {"title": "光猫 LOS 灯红色闪烁：先检查入户尾纤", "services": ["broadband"], "tags": ["光猫", "LOS"],
     "fault_codes": ["LOS"], "symptom": "无法上网，光猫 LOS 灯红色闪烁，PON 灯熄灭。",
     "cause": "入户尾纤弯折、松动，或光衰过大。",
     "steps": "1. 检查光猫背后的尾纤是否插紧、有无弯折\n2. 拔下光猫电源，等待 30 秒后重新上电\n"
              "3. 仍然红灯闪烁时，请报修"},
    {"title": "宽带拨号提示 691 错误怎么办", "services": ["broadband"], "tags": ["拨号", "691"],
     "fault_codes": ["691"], "symptom": "电脑拨号时提示错误 691。", "cause": "账号或密码错误，或宽带已欠费。",
     "steps": "1. 重新输入宽带账号和密码\n2. 确认是否欠费\n3. 仍然失败请报修"},
    {"title": "网速慢：先排查家里的无线路由器", "services": ["broadband"], "tags": ["网速慢", "WiFi"],
     "symptom": "网页打开慢，视频卡顿。", "cause": "路由器过热或信道拥挤。",
     "steps": "1. 重启路由器\n2. 手机靠近路由器测速\n3. 用网线直连电脑测速"},
    {"title": "IPTV 机顶盒开机后黑屏", "services": ["iptv"], "tags": ["机顶盒", "黑屏"],
     "symptom": "电视只有黑屏，没有画面。", "cause": "HDMI 线松动或电视信号源选错。",
     "steps": "1. 检查 HDMI 线\n2. 用电视遥控器切换到正确的信号源"},
    {"title": "有线电视全部频道没信号", "services": ["cable_tv"], "tags": ["没信号"],
     "symptom": "所有频道都提示无信号。", "cause": "入户同轴电缆松动或分配器故障。",
     "steps": "1. 检查机顶盒后面的射频线是否拧紧\n2. 重启机顶盒"},
    {"title": "户户通提示“E-102 未检测到卫星信号”", "services": ["satellite_tv"], "tags": ["户户通", "E-102"],
     "fault_codes": ["E-102"], "symptom": "开机提示 E-102。", "cause": "锅盖方向偏移或高频头进水。",
     "steps": "1. 检查室外天线是否被风吹偏\n2. 检查高频头接头是否进水"},
    {"title": "集客专线中断的应急处理", "services": ["leased_line"], "tags": ["专线"],
     "symptom": "企业专线业务中断。", "cause": "光缆中断或设备掉电。",
     "steps": "1. 检查机房设备供电\n2. 拨打 7×24 专线保障电话"},
]

IN_REVIEW_SOLUTION: dict[str, Any] = {
    "title": "光猫 LOS 红灯闪烁：入户光纤被门窗夹断",
    "services": ["broadband"], "tags": ["光猫", "LOS", "尾纤"], "fault_codes": ["LOS"],
    "symptom": "光猫 LOS 灯红色闪烁，重启无效；尾纤经过门框或窗框。",
    "cause": "入户光纤在门窗缝处被反复夹压，纤芯断裂。",
    "steps": "1. 沿入户光纤检查门窗缝处是否有压痕\n2. 用红光笔确认断点\n3. 重新熔接或更换皮线光缆，并走线避开门窗",
    "category": "FTTH", "visibility": "public",
}


def seed() -> dict[str, Any]:
    """Staff, the organisation, a subscriber record, public answers and one solution waiting for review."""
    from kb import services as kb
    from kb.actors import Role
    from servicedesk import db
    from servicedesk.org import services as org
    from servicedesk.users.services import create_user

    s = db.session()
    admin = create_user(s, "admin", Role.ADMIN, PASSWORD, display_name="管理员")
    agent = create_user(s, "li.na", Role.AGENT, PASSWORD, display_name="李娜")
    author = create_user(s, "zhao.lei", Role.SPECIALIST, PASSWORD, display_name="赵磊")
    lead = create_user(s, "wang.qiang", Role.LEAD, PASSWORD, display_name="王强")
    other_lead = create_user(s, "chen.jing", Role.LEAD, PASSWORD, display_name="陈静")
    create_user(s, "liu.yang", Role.USER, PASSWORD, display_name="刘洋", phone="13900001111")
    station = org.create_station(s, admin, "城东服务站")
    group = org.create_group(s, admin, station, "城东一组", leader=agent)
    org.create_zone(s, admin, group, code="CD-01", name="幸福片区", manager=agent)
    org.upsert_subscriber(s, agent, {"account": "GD20240001", "name": "张伟", "phone": "13812345678",
                                     "address": "幸福小区 3 栋 2 单元 501", "zone": "CD-01"})
    # A township zone (8 h to fix a fault, not 4), a subscriber there, and an open report of theirs (the hotline's
    # repeat call becomes a chase on it).
    org.create_zone(s, admin, group, code="QS-01", name="青山镇柳河村", manager=agent, area="township")
    org.upsert_subscriber(s, agent, {"account": "GD20240002", "name": "刘和平", "phone": "13955665678",
                                     "address": "青山镇柳河村 3 组 12 号", "zone": "QS-01"})
    from servicedesk.incidents.services import create_incident

    waiting = create_incident(s, agent, {"title": "电视没信号，所有频道黑屏", "service": "cable_tv",
                                         "category": "fault", "customer_account": "GD20240002"})
    answers = []
    for data in PUBLIC_ANSWERS:
        article = kb.create_article(s, agent, {"type": "solution", "visibility": "public", **data})
        kb.submit_article(s, article, agent)
        kb.review_article(s, article, other_lead, content_ok=True, form_ok=True, decision="approve",
                          comment="内容与表单均符合要求")
        answers.append(article.id)
    in_review = kb.create_article(s, author, {"type": "solution", **IN_REVIEW_SOLUTION})
    kb.submit_article(s, in_review, author)
    s.flush()
    return {"answers": answers, "los_answer": answers[0], "waiting_solution": in_review.id,
            "township_incident": waiting.id,
            "lead": lead.username, "password": PASSWORD}


def main(instance: Path) -> None:
    os.environ["SERVICEDESK_COOKIE_SECURE"] = "0"
    os.environ["SERVICEDESK_INSTANCE"] = str(instance)
    import waitress

    for models in ("kb.models", "servicedesk.incidents.models", "servicedesk.org.models",
                   "servicedesk.portal.models", "servicedesk.users.models"):
        importlib.import_module(models)  # every table, for create_all
    from kb.orm import Base
    from servicedesk import create_app, db
    from servicedesk.search import reindex

    app = create_app({
        "DATABASE_URL": f"sqlite:///{instance / 'desk.db'}", "INSTANCE_PATH": str(instance),
        "INDEX_DIR": str(instance / "index"), "SECRET_KEY": "browser-tests-only",
        "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False,
    })
    with app.app_context():
        Base.metadata.create_all(app.extensions["sqlalchemy_engine"])
        facts = seed()
        db.session.commit()
        reindex()
        db.session.remove()
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=8)
    port = server.effective_port
    facts = {"url": f"http://127.0.0.1:{port}", "database": str(instance / "desk.db"), **facts}
    (instance / "server.json").write_text(json.dumps(facts))
    server.run()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
