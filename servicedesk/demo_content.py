# ruff: noqa: E501 - the Chinese prose and Markdown tables below read better unwrapped
"""The demo's people, knowledge articles and incident stories, as plain data.

`servicedesk.demo` plays this data through the services (create, submit, review, assign, resolve,
verify, close ...), so every rule of the desk holds for the demo too. Times are given relative to the
moment of loading: articles in days ago, incidents in hours ago plus minutes between their steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from textwrap import dedent
from typing import Any

# One well-known password for every demo account: for demonstration only.
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - printed on purpose, documented as demo-only


def md(text: str) -> str:
    """Markdown written indented in this file, without the indentation."""
    return dedent(text).strip()


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    display_name: str
    job: str  # what the person does, shown in the printed logins
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class DemoArticle:
    """One article and what happens to it.

    fate: approved | draft | in_review | rejected | resubmitted (rejected, fixed, then approved) |
          revised (approved, then a new revision waits for review) | retired (approved, later retired).
    """

    key: str
    author: str
    days_ago: float  # whole days: written in office hours that day; fractions: exactly that long ago
    data: dict[str, Any]
    fate: str = "approved"
    reviewer: str = ""
    comment: str = ""  # the approving lead's comment
    reject_reason: str = ""  # for rejected / resubmitted
    reject_checks: tuple[bool, bool] = (False, False)  # (content_ok, form_ok) of the rejection
    fix: dict[str, Any] | None = None  # resubmitted: what the author changed
    revision: dict[str, Any] | None = None  # revised: the changes of the new revision
    revision_author: str = ""
    later_days_ago: float = 0  # revised / retired: when that happened


@dataclass(frozen=True)
class Step:
    """One thing that happens to an incident, `after` minutes after the previous step."""

    action: str
    after: float = 10
    by: str | None = None  # default: the assignee, else whoever took the report
    to: str | None = None
    text: str = ""
    rating: int | None = None
    article: str | None = None
    tier: int | None = None


@dataclass(frozen=True)
class DemoIncident:
    key: str
    reporter: str
    taken_by: str  # who typed it in: an agent for hotline/field, the reporter for portal/wechat
    when: float | tuple[int, str]  # hours ago, or (days ago, "HH:MM" Beijing time) for older reports
    data: dict[str, Any]
    steps: tuple[Step, ...]
    expect: str  # the status the story ends in (checked by the tests)


def assign(to: str, *, by: str | None = None, after: float = 10) -> Step:
    return Step("assign", after, by=by, to=to)


def start(*, by: str | None = None, after: float = 10) -> Step:
    return Step("start", after, by=by)


def link(article: str, *, by: str | None = None, after: float = 5) -> Step:
    return Step("link", after, by=by, article=article)


def pend(reason: str, *, by: str | None = None, after: float = 20) -> Step:
    return Step("pend", after, by=by, text=reason)


def resume(*, by: str | None = None, after: float = 60) -> Step:
    return Step("resume", after, by=by)


def escalate(tier: int, to: str, reason: str, *, by: str | None = None, after: float = 15) -> Step:
    return Step("escalate", after, by=by, to=to, text=reason, tier=tier)


def resolve(note: str, *, by: str | None = None, after: float = 90) -> Step:
    return Step("resolve", after, by=by, text=note)


def confirm(rating: int | None, comment: str = "", *, after: float = 120) -> Step:
    """The reporter confirms the fix in the portal (self-service verification)."""
    return Step("confirm", after, rating=rating, text=comment)


def reject_fix(comment: str, *, after: float = 600) -> Step:
    """The reporter says the problem is still there."""
    return Step("reject_fix", after, text=comment)


def callback(rating: int, comment: str, *, by: str, after: float = 240) -> Step:
    """An agent calls the subscriber back (回访) and records the verdict."""
    return Step("callback", after, by=by, rating=rating, text=comment)


def close(*, by: str | None = None, after: float = 10) -> Step:
    return Step("close", after, by=by)


def cancel(reason: str, *, by: str | None = None, after: float = 20) -> Step:
    """The incident is withdrawn or was reported in error; it ends without a solution."""
    return Step("cancel", after, by=by, text=reason)


def duplicate_of(parent: str, note: str = "", *, by: str | None = None, after: float = 5) -> Step:
    """Merged into the incident with key parent; it closes when that one closes."""
    return Step("duplicate", after, by=by, to=parent, text=note)


def try_close(*, by: str | None = None, after: float = 10) -> Step:
    """Attempts to close; the desk refuses (kept in the summary to show the rule at work)."""
    return Step("try_close", after, by=by)


def reopen(reason: str, *, by: str | None = None, after: float = 60) -> Step:
    return Step("reopen", after, by=by, text=reason)


# --------------------------------------------------------------------------------------------- people

USERS: tuple[DemoUser, ...] = (
    DemoUser("manager", "admin", "郑国庆", "运维服务部经理（管理员）", phone="0512-96200801",
             email="zheng.guoqing@demo.invalid"),
    DemoUser("lead.zhao", "lead", "赵建华", "技术负责人·宽带/数据/集客/基站", phone="13900000101"),
    DemoUser("lead.qian", "lead", "钱丽", "技术负责人·有线电视/IPTV/户户通", phone="13900000102"),
    DemoUser("spec.sun", "specialist", "孙涛", "二线·数据网络工程师（OLT/BRAS）", phone="13900000201"),
    DemoUser("spec.huang", "specialist", "黄志强", "三线·传输与集客专线工程师", phone="13900000202"),
    DemoUser("agent.chen", "agent", "陈晓燕", "一线·96200 热线坐席", phone="13900000301"),
    DemoUser("agent.zhou", "agent", "周敏", "一线·热线/网上营业厅坐席", phone="13900000302"),
    DemoUser("agent.wu", "agent", "吴刚", "一线·城东片区社区经理（装维）", phone="13900000303"),
    DemoUser("agent.he", "agent", "何磊", "一线·青山镇服务站装维", phone="13900000304"),
    DemoUser("agent.lin", "agent", "林峰", "一线·城东装维二组组长（建设路/老城片区）", phone="13900000305"),
    DemoUser("agent.xu", "agent", "徐静", "一线·南湖装维组组长（南湖小区片区）", phone="13900000306"),
    DemoUser("agent.guo", "agent", "郭亮", "一线·南湖新村片区社区经理（装维）", phone="13900000307"),
    DemoUser("agent.ma", "agent", "马超", "一线·柳河装维组组长（柳河村/杨庄村）", phone="13900000308"),
    DemoUser("zhangwei", "user", "张伟", "用户·城东区 宽带+IPTV", phone="13800138001"),
    DemoUser("liufang", "user", "刘芳", "用户·城东区 有线电视+宽带", phone="13800138002"),
    DemoUser("wangxiuying", "user", "王秀英", "用户·青山镇柳河村 户户通", phone="13800138003"),
    DemoUser("lijun", "user", "李军", "用户·青山镇 宽带", phone="13800138004"),
    DemoUser("chenjing", "user", "陈静", "用户·南湖小区 IPTV+宽带", phone="13800138005"),
    DemoUser("yangfan", "user", "杨帆", "用户·城东区 宽带", phone="13800138006"),
    DemoUser("huangli", "user", "黄丽", "用户·城东区 宽带+有线电视", phone="13800138007"),
    DemoUser("majianguo", "user", "马建国", "用户·青山镇 有线电视/户户通（村委会）", phone="13800138008"),
    DemoUser("zhoulan", "user", "周兰", "用户·城东区 宽带+固话", phone="13800138010"),
    DemoUser("zhaolei", "user", "赵磊", "用户·县人民医院信息科（集客专线）", phone="13800138009",
             email="zhaolei@hospital.demo.invalid"),
)

# ------------------------------------------------------------------------------------------- articles

BROADBAND_DEVICES = ["华为 HG8245H", "中兴 ZXHN F650", "烽火 HG6201M"]

SOLUTIONS: tuple[DemoArticle, ...] = (
    DemoArticle(
        "sol-los", "agent.wu", 80, reviewer="lead.zhao",
        comment="现象与原因描述准确，收光门限写清楚了；属性正确，可对用户公开。",
        data={
            "type": "solution", "visibility": "public", "category": "FTTH接入",
            "title": "光猫 LOS 灯红色闪烁，无法上网",
            "services": ["broadband", "iptv", "voice"],
            "tags": ["光猫", "LOS", "红灯", "光纤", "断网", "FTTH"],
            "fault_codes": ["LOS"],
            "device_models": BROADBAND_DEVICES,
            "symptom": md("""
                - 光猫（ONU）上的 **LOS 灯红色闪烁或常亮**，PON 灯熄灭；
                - 电脑、手机都连不上网，IPTV 和固话同时中断；
                - 用户常说：“光猫红灯闪”“猫上有个灯一直红”。
            """),
            "cause": md("""
                LOS（Loss Of Signal）表示光猫**收不到光信号**，常见原因：
                1. 入户皮线光缆被门窗挤压、弯折过度或被老鼠咬断；
                2. 光猫背面的光纤接头松动、脏污；
                3. 楼道分纤箱或分光器端口故障；
                4. 上游 OLT PON 口或主干光缆故障（片区多户同时 LOS）。
            """),
            "steps": md("""
                **用户可先自查：**
                1. 查看光猫背面的光纤（细的黄色或白色线）是否松动，拔下后重新插紧，注意不要用力弯折；
                2. 检查室内光纤沿途有无被门框、柜子压住的地方；
                3. 关闭光猫电源 30 秒后重新开机，等待 3 分钟观察 LOS 灯。

                **仍然红灯请报修（96200 或网上报修），装维人员处理：**
                1. 先在综合网管上查询同一 PON 口下其他用户状态，多户同时 LOS 按片区故障处理（见《宽带网维护抢修规范》）；
                2. 用光功率计在光猫端测收光，正常范围 -8 ~ -27 dBm，低于 -27 dBm 判为光衰超标；
                3. 逐段测试：光猫 → 入户皮线 → 分纤箱 → 分光器，找到断点或大衰耗点；
                4. 断纤重新熔接（单点熔接损耗 ≤ 0.1 dB）或更换尾纤，清洁连接头；
                5. 复测收光并记录到工单（例如 -19.6 dBm），确认上网、IPTV、固话均恢复。
            """),
        },
    ),
    DemoArticle(
        "sol-691", "agent.chen", 85, fate="revised", reviewer="lead.zhao",
        comment="覆盖了欠费、密码错误、账号绑定三种情况，可以公开给用户自助处理。",
        revision_author="agent.zhou", later_days_ago=2,
        revision={
            "steps": md("""
                **用户可先自查：**
                1. 确认宽带账号和密码输入无误（区分大小写，账号不要带空格）；
                2. 如近期改过密码，路由器里保存的也要同步修改；
                3. 确认宽带没有欠费或到期（拨打 96200 或在网上营业厅查询）。

                **坐席/装维处理：**
                1. 在 BRAS/AAA 上查询账号状态：欠费停机、密码错误、在线会话残留；
                2. 欠费停机：提醒用户缴费，缴费后复位账号；
                3. 密码错误：核实机主身份后重置密码，并告知路由器同步修改；
                4. 账号已在线（会话残留）：在 BRAS 上踢下线后让用户重拨；
                5. 端口/MAC 绑定不符（换了光猫或路由器）：核实后解绑重新绑定；
                6. **新增：** 营业厅改密后 AAA 同步有约 10 分钟延迟，期间拨号仍会 691，请用户稍候再试。
            """),
        },
        data={
            "type": "solution", "visibility": "public", "category": "拨号认证",
            "title": "宽带拨号提示错误 691（用户名或密码不正确）",
            "services": ["broadband"],
            "tags": ["PPPoE", "拨号", "691", "账号", "密码", "欠费"],
            "fault_codes": ["691"],
            "device_models": [],
            "symptom": md("""
                电脑或路由器 PPPoE 拨号时提示 **“错误 691：由于域上的用户名或密码无效而拒绝访问”**，
                路由器界面显示“认证失败”。光猫各灯正常。
            """),
            "cause": md("""
                691 是认证服务器（AAA）拒绝了账号，而不是线路问题：
                - 账号欠费、到期停机；
                - 用户名或密码输入错误，或改密后路由器未同步；
                - 账号在别处仍在线（会话残留）或绑定的端口/MAC 不符。
            """),
            "steps": md("""
                **用户可先自查：**
                1. 确认宽带账号和密码输入无误（区分大小写，账号不要带空格）；
                2. 确认宽带没有欠费或到期（拨打 96200 或在网上营业厅查询）。

                **坐席/装维处理：**
                1. 在 BRAS/AAA 上查询账号状态：欠费停机、密码错误、在线会话残留；
                2. 欠费停机：提醒用户缴费，缴费后复位账号；
                3. 密码错误：核实机主身份后重置密码；
                4. 账号已在线：在 BRAS 上踢下线后让用户重拨；
                5. 端口/MAC 绑定不符：核实后解绑重新绑定。
            """),
        },
    ),
    DemoArticle(
        "sol-678", "agent.zhou", 70, reviewer="lead.zhao",
        comment="678/651 归为一类合理，排查顺序从用户侧到局端，清楚。",
        data={
            "type": "solution", "visibility": "public", "category": "拨号认证",
            "title": "宽带拨号提示错误 678 / 651（远程计算机没有响应）",
            "services": ["broadband"],
            "tags": ["PPPoE", "拨号", "678", "651", "无响应"],
            "fault_codes": ["678", "651"],
            "device_models": BROADBAND_DEVICES,
            "symptom": "拨号时提示 **错误 678“远程计算机没有响应”**（Windows 7 及以后常显示为 **651**）。",
            "cause": md("""
                拨号请求发出后收不到 BRAS 的应答，属于**链路不通**：
                - 网线未插好、网卡被禁用，或接在了光猫的 IPTV 口上；
                - 光猫未注册（PON 灯闪烁）或 LOS；
                - 局端数据（VLAN）配置错误，常见于新装、移机用户。
            """),
            "steps": md("""
                1. 看光猫：PON 灯常亮、LOS 灯不亮才算光路正常；否则按《光猫 LOS 灯红色闪烁》处理；
                2. 确认网线接在光猫的 **网口 1（上网口）**，不要接 iTV 口；换一根网线试；
                3. 电脑上检查“本地连接”是否已启用，删除拨号连接后重新建立；
                4. 用路由器拨号的，先用电脑直连光猫拨号，区分是路由器问题还是线路问题；
                5. 新装或移机用户仍然 678：转数据专业核查 OLT/交换机 VLAN 配置（见内部文章《新装用户 VLAN 配置错误》）。
            """),
        },
    ),
    DemoArticle(
        "sol-slow", "spec.sun", 66, reviewer="lead.zhao",
        comment="测速方法规范，区分了用户侧与网络侧原因，可公开。",
        data={
            "type": "solution", "visibility": "public", "category": "网速质量",
            "title": "宽带网速慢，测速达不到签约带宽",
            "services": ["broadband"],
            "tags": ["网速慢", "测速", "卡", "带宽", "晚高峰"],
            "fault_codes": [],
            "device_models": BROADBAND_DEVICES,
            "symptom": "用户反映“网速慢”“看视频卡”“打游戏延迟高”，尤其是晚上 8 点以后；测速明显低于办理的带宽。",
            "cause": md("""
                - 用 WiFi 测速（无线速率受距离、墙体、干扰影响，不能代表宽带速率）；
                - 电脑网卡或网线只支持百兆，路由器性能不足；
                - 家中多台设备同时下载、看高清视频；
                - 网络侧：PON 口或上联端口晚高峰利用率过高。
            """),
            "steps": md("""
                1. **用网线连接电脑直接测速**，关闭其他设备的下载，使用运营商指定测速平台，连续测 3 次取平均；
                2. 百兆以上宽带需使用千兆网卡和超五类及以上网线，核对路由器 WAN/LAN 口规格；
                3. 有线测速正常、无线慢：按《WiFi 网速慢、信号差》处理；
                4. 有线测速仍低于签约带宽的 80%：坐席登记工单，附测速截图和时间段；
                5. 二线查询该用户所在 PON 口和上联端口的流量曲线，晚高峰利用率持续高于 80% 的，提交扩容或割接调整。
            """),
        },
    ),
    DemoArticle(
        "sol-wifi", "agent.zhou", 60, reviewer="lead.zhao",
        comment="对用户很实用，建议后续补充 Mesh 组网的图片。属性无误。",
        data={
            "type": "solution", "visibility": "public", "category": "家庭组网",
            "title": "WiFi 网速慢、信号差，房间有死角",
            "services": ["broadband"],
            "tags": ["WiFi", "无线", "5G", "2.4G", "信道", "网速慢", "Mesh"],
            "fault_codes": [],
            "device_models": ["华为 HG8245H", "中兴 ZXHN F650"],
            "symptom": "客厅网速正常，卧室、书房信号只有一两格，网页打开慢、视频卡顿；手机显示连上了 WiFi 但速度很慢。",
            "cause": md("""
                - 光猫或路由器放在弱电箱、柜子里，穿墙后信号衰减大；
                - 2.4G 频段邻居 WiFi 多，信道拥挤；
                - 老旧手机只支持 2.4G，或距离太远自动降速。
            """),
            "steps": md("""
                1. 先用网线测速，确认宽带本身达标（见《宽带网速慢》）；
                2. 把路由器放在房屋中间、开阔、离地 1 米以上的位置，远离微波炉和鱼缸；
                3. 近距离优先连接名称带 **-5G** 的 WiFi，速度更快、干扰更少；
                4. 进入路由器管理页面，把 2.4G 信道改为 1、6、11 中较空闲的一个；
                5. 大户型、复式或墙体多的，建议使用 Mesh 组网或在弱覆盖房间加装无线 AP（可预约装维上门）。
            """),
        },
    ),
    DemoArticle(
        "sol-power", "agent.wu", 58, reviewer="lead.zhao",
        comment="步骤简洁，适合用户自查；备件流程写得清楚。",
        data={
            "type": "solution", "visibility": "public", "category": "FTTH接入",
            "title": "光猫所有指示灯都不亮",
            "services": ["broadband", "iptv", "voice"],
            "tags": ["光猫", "电源", "不亮", "适配器"],
            "fault_codes": [],
            "device_models": BROADBAND_DEVICES,
            "symptom": "光猫上所有灯都不亮，按电源键也没反应，上网、电视、电话全部中断。",
            "cause": "插座无电、电源开关未打开、电源适配器损坏，少数为光猫主板故障。",
            "steps": md("""
                1. 确认插座有电（插上台灯或手机充电器试一试），检查光猫侧面的电源按钮是否按下；
                2. 检查电源适配器插头是否插牢，适配器有无发烫、异味；
                3. 仍不亮请报修，装维人员携带同规格适配器（常见 12V 1A/1.5A）上门更换；
                4. 更换适配器仍不亮的，更换光猫，并在综合资源系统更新设备 SN/MAC，重新下发业务数据；
                5. 现场无备件时，工单挂起并注明备件申请单号，备件到货后 24 小时内上门。
            """),
        },
    ),
    DemoArticle(
        "sol-nosignal", "agent.wu", 75, reviewer="lead.qian",
        comment="有线电视无信号最常见的几种情况都覆盖了，公开给用户自查。",
        data={
            "type": "solution", "visibility": "public", "category": "有线电视信号",
            "title": "有线电视机顶盒提示“信号中断”或“无信号”",
            "services": ["cable_tv"],
            "tags": ["机顶盒", "没信号", "信号中断", "有线电视", "电视没信号"],
            "fault_codes": [],
            "device_models": ["创维 C6000", "九洲 DVC-2018", "同洲 N9201"],
            "symptom": "打开电视后所有频道都提示“信号中断，请检查信号线”或黑屏无信号。",
            "cause": md("""
                - 机顶盒后面的射频信号线（同轴电缆）松脱、F 头氧化；
                - 电视的信号源（HDMI/AV）选错；
                - 楼道分支分配器或片区光节点故障（邻居也没信号）。
            """),
            "steps": md("""
                1. 确认电视信号源选择的是机顶盒所接的 **HDMI 或 AV** 口；
                2. 检查机顶盒背面“射频输入”口的信号线是否拧紧，墙上终端盒的接头是否松动；
                3. 机顶盒断电 1 分钟后重启；
                4. 问问邻居是否也没信号：多户同时中断请直接拨打 96200 报片区故障；
                5. 装维人员上门用场强仪测试用户端电平，正常范围见《有线数字电视用户端信号指标》，更换 F 头或分支器。
            """),
        },
    ),
    DemoArticle(
        "sol-mosaic", "agent.wu", 72, reviewer="lead.qian",
        comment="MER、误码率指标写得对，步骤可操作。",
        data={
            "type": "solution", "visibility": "public", "category": "有线电视信号",
            "title": "电视画面马赛克、卡顿、声音断断续续",
            "services": ["cable_tv"],
            "tags": ["马赛克", "花屏", "卡顿", "电平", "分支器", "有线电视"],
            "fault_codes": [],
            "device_models": ["创维 C6000", "九洲 DVC-2018"],
            "symptom": "部分或全部频道画面出现方块（马赛克）、定格，声音时有时无。",
            "cause": md("""
                信号质量下降：电平过低或过高、MER 低、误码率高。常见于：
                - F 头氧化、进水，室内信号线老化或用了劣质分配器；
                - 家中一分多路，分配损耗过大；
                - 片区放大器或光节点故障（同一片区多户同时出现）。
            """),
            "steps": md("""
                1. 用户先检查信号线接头是否拧紧，去掉不用的一分二/一分三分配器后再看；
                2. 装维上门用数字场强仪测试机顶盒输入口：电平、MER、BER；
                3. 电平低：逐级检查入户线、分支器，更换氧化的 F 头和老化电缆；
                4. MER 低于 28 dB 而电平正常：怀疑干扰或上游故障，测试楼道分支器输出口对比；
                5. 多户同时异常：上报片区故障，转二线按内部文章《片区多户马赛克：光节点/放大器输出电平异常》处理。
            """),
        },
    ),
    DemoArticle(
        "sol-smartcard", "agent.chen", 64, reviewer="lead.qian",
        comment="授权刷新的操作路径正确，可公开。",
        data={
            "type": "solution", "visibility": "public", "category": "有线电视授权",
            "title": "机顶盒提示“请插入智能卡”或“节目未授权”",
            "services": ["cable_tv"],
            "tags": ["智能卡", "授权", "未授权", "机顶盒", "CA"],
            "fault_codes": ["E04"],
            "device_models": ["创维 C6000", "九洲 DVC-2018", "同洲 N9201"],
            "symptom": "开机提示 **E04 请插入智能卡**，或部分频道提示“节目未授权/本频道未购买”。",
            "cause": md("""
                - 智能卡未插到位、芯片脏污、卡片损坏；
                - 欠费或套餐到期，授权被停；
                - 机顶盒长时间断电，未收到授权刷新。
            """),
            "steps": md("""
                1. 拔出智能卡，用干净的布擦拭金色芯片，芯片朝下、朝里重新插到底；
                2. 确认已缴费：拨打 96200 或在网上营业厅查询套餐状态；
                3. 坐席在 CA 系统中对该卡号 **重发授权**，请用户保持机顶盒开机并停留在任一频道 10 分钟；
                4. 换卡后仍提示 E04：机顶盒读卡器故障，按《机顶盒售后服务管理规定》送修或更换。
            """),
        },
    ),
    DemoArticle(
        "sol-remote", "agent.chen", 50, reviewer="lead.qian",
        comment="蓝牙遥控对码方法按主流型号核对过，可以公开。",
        data={
            "type": "solution", "visibility": "public", "category": "终端使用",
            "title": "机顶盒遥控器失灵、按键没反应",
            "services": ["cable_tv", "iptv"],
            "tags": ["遥控器", "对码", "蓝牙", "电池", "失灵"],
            "fault_codes": [],
            "device_models": ["创维 E900V21E", "华为 EC6108V9", "创维 C6000"],
            "symptom": "按遥控器机顶盒没有反应，或只有部分按键能用。",
            "cause": "电池没电、遥控器与机顶盒未对码（蓝牙遥控）、机顶盒红外接收窗被遮挡，少数为遥控器损坏。",
            "steps": md("""
                1. 更换两节新电池（注意正负极）；
                2. 对准机顶盒正面按键，确认中间没有遮挡物；
                3. **蓝牙遥控器重新对码：** 距离机顶盒 1 米内，同时按住“返回”和“主页”键 3 秒，指示灯快闪后松开，等待提示“配对成功”；
                4. 用手机相机对着遥控器红外头按键，屏幕上看不到闪光说明遥控器损坏，可到营业厅更换；
                5. 临时可用机顶盒面板按键或手机 App 遥控。
            """),
        },
    ),
    DemoArticle(
        "sol-hht-signal", "agent.he", 78, reviewer="lead.qian",
        comment="对星参数正确（中星9号 92.2°E），乡镇用户和装维都用得上。",
        data={
            "type": "solution", "visibility": "public", "category": "户户通",
            "title": "户户通提示“信号强度弱/无信号”（E-102）",
            "services": ["satellite_tv"],
            "tags": ["户户通", "卫星", "锅", "高频头", "对星", "中星9号", "没信号"],
            "fault_codes": ["E-102"],
            "device_models": ["户户通机顶盒（DVB-S2，ABS-S 兼容）", "Ku 波段 0.45 m 偏馈天线", "单本振高频头 10750 MHz"],
            "symptom": md("""
                户户通机顶盒开机提示 **E-102** 或“信号强度弱/无信号”，所有频道都看不了；
                常在大风、大雪、暴雨之后出现。（各厂家提示代码略有不同，以机顶盒说明书为准。）
            """),
            "cause": md("""
                - 大风把天线（锅）吹偏，或支架松动；
                - 高频头（LNB）进水、老化损坏；
                - 连接高频头的同轴电缆断、接头松脱或进水；
                - 锅面被积雪、杂物遮挡（雨衰一般雨停即恢复）。
            """),
            "steps": md("""
                **用户可先自查：**
                1. 雨雪天气先等待天气好转，清除锅面积雪；
                2. 检查机顶盒背面“LNB IN”接头和室外接头是否拧紧。

                **装维上门：**
                1. 按菜单 → 系统设置 → 信号检测，查看信号强度和质量；
                2. 按《户户通（中星9号）卫星接收参数》重新对星：方位角、仰角按当地经纬度计算，细调至质量最大后紧固螺丝；
                3. 质量仍为 0：用好的高频头替换试验，进水或损坏则更换，接头做好防水（防水胶带 + 自粘带）；
                4. 检查同轴电缆，破损段更换；
                5. 恢复后记录信号强度/质量（例如 85%/78%），教用户在大风前检查支架。
            """),
        },
    ),
    DemoArticle(
        "sol-iptv-lag", "spec.sun", 62, reviewer="lead.zhao",
        comment="无线桥接导致卡顿的判断很有价值，用户自查部分清楚。",
        data={
            "type": "solution", "visibility": "public", "category": "IPTV",
            "title": "IPTV 看电视卡顿、转圈、花屏",
            "services": ["iptv", "broadband"],
            "tags": ["IPTV", "卡顿", "转圈", "组播", "无线桥接", "iTV口"],
            "fault_codes": [],
            "device_models": ["创维 E900V21E", "华为 EC6108V9", "中兴 ZXV10 B860AV2.1"],
            "symptom": "IPTV 直播频道画面卡顿、转圈缓冲、出现马赛克，点播也慢；上网基本正常。",
            "cause": md("""
                - 机顶盒通过 WiFi 或无线桥接/电力猫连接，组播流丢包；
                - 机顶盒接在光猫的上网口而不是 **iTV 口**；
                - 网线过长或质量差；
                - 局端组播配置或 IPTV VLAN 异常（同片区多户）。
            """),
            "steps": md("""
                1. 确认机顶盒用网线直连光猫标有 **iTV**（或 LAN2/LAN4，以光猫标签为准）的网口；
                2. 不要使用 WiFi、无线中继或电力猫给 IPTV 机顶盒供网，必须无线时使用带 IPTV 专用 SSID 的光猫；
                3. 更换一根合格的超五类网线试验；
                4. 机顶盒“设置 → 网络信息”查看地址和丢包统计，持续丢包请报修；
                5. 二线检查 OLT 上该 ONU 的组播 VLAN、IGMP Snooping 配置，同片区多户卡顿按片区故障处理。
            """),
        },
    ),
    DemoArticle(
        "sol-iptv-auth", "agent.zhou", 45, reviewer="lead.zhao",
        comment="认证失败的常见原因列全了，可公开。",
        data={
            "type": "solution", "visibility": "public", "category": "IPTV",
            "title": "IPTV 开机提示“认证失败”或“网络连接失败”",
            "services": ["iptv"],
            "tags": ["IPTV", "认证失败", "开机", "网络连接失败"],
            "fault_codes": [],
            "device_models": ["创维 E900V21E", "华为 EC6108V9"],
            "symptom": "IPTV 机顶盒开机停在启动界面，提示“认证失败”“网络连接失败”或“获取 IP 地址失败”。",
            "cause": md("""
                - 网线松动或接错光猫网口；
                - IPTV 业务账号欠费停机、机顶盒更换后未绑定；
                - 光猫 IPTV 业务数据未下发（新装、换猫后常见）。
            """),
            "steps": md("""
                1. 确认机顶盒接在光猫 iTV 口，网口灯亮；
                2. 机顶盒和光猫都断电重启一次；
                3. 坐席查询 IPTV 账号状态，欠费请缴费；更换过机顶盒的，在 IPTV 平台重新绑定 MAC/STBID；
                4. 仍失败：光猫业务数据未下发或 VLAN 错误，转二线（见内部文章《新装用户 VLAN 配置错误》）。
            """),
        },
    ),
    DemoArticle(
        "sol-voice", "agent.wu", 40, reviewer="lead.zhao",
        comment="语音注册状态的判断方法正确。",
        data={
            "type": "solution", "visibility": "public", "category": "固话语音",
            "title": "固话（光猫语音口）拿起话筒没有拨号音",
            "services": ["voice"],
            "tags": ["固话", "语音", "无拨号音", "POTS", "电话打不出"],
            "fault_codes": [],
            "device_models": ["华为 HG8245H", "中兴 ZXHN F650"],
            "symptom": "家里固定电话拿起话筒没有声音或一直忙音，打不出也打不进；上网可能正常。",
            "cause": "话机线接错口或话机故障；光猫语音业务未注册（语音灯/Phone 灯不亮）；欠费停机。",
            "steps": md("""
                1. 确认电话线插在光猫的 **TEL1/Phone1** 口；
                2. 换一部话机试验，排除话机故障；
                3. 看光猫“语音/Phone”灯：不亮表示语音未注册，先重启光猫；
                4. 坐席查询号码是否欠费停机；
                5. 仍未注册：装维核查光猫语音数据（SIP/IMS 账号）并重新下发。
            """),
        },
    ),
    DemoArticle(
        "sol-olt-optic", "spec.sun", 68, fate="resubmitted", reviewer="lead.zhao",
        reject_reason="缺少 ONU 收光门限和 OLT 查询命令，一线无法照做；请补充华为、中兴两种 OLT 的命令后再提交。",
        reject_checks=(False, True),
        comment="补充后内容完整，命令已核对，内部可用。",
        fix={
            "steps": md("""
                1. 在 OLT 上批量查询该 PON 口下所有 ONU 的收光：
                    - 华为 MA5680T：`interface gpon 0/1` 后执行 `display ont optical-info 3 all`；
                    - 中兴 C300：`show pon power attenuation gpon-onu_1/2/3:1`（逐个 ONU）或网管批量导出；
                2. ONU 收光正常范围 **-8 ~ -27 dBm**，OLT 收 ONU 发光不低于 -28 dBm；
                3. 全部 ONU 同时偏低：问题在 OLT 口至一级分光器之间（主干光缆、ODF 跳纤、OLT 光模块）；
                4. 部分 ONU 偏低且同属一个二级分光器：问题在该分光器或其上联；
                5. 单个 ONU 偏低：按《光猫 LOS 灯红色闪烁》处理入户段；
                6. 用 OTDR 定位主干故障点，清洁或更换跳纤，必要时更换 OLT 光模块；
                7. 处理后再次批量查询并截图附在工单上。
            """),
        },
        data={
            "type": "solution", "visibility": "internal", "category": "光路/PON",
            "title": "OLT 同一 PON 口下多户光衰超标的排查",
            "services": ["broadband", "iptv"],
            "tags": ["OLT", "光衰", "PON", "分光器", "光功率", "OTDR"],
            "fault_codes": ["LOS", "DGI"],
            "device_models": ["华为 MA5680T", "中兴 ZXA10 C300"],
            "symptom": "同一 PON 口下多个用户报修网速慢、频繁掉线或 LOS，网管出现成批的 ONU 掉线/光功率低告警。",
            "cause": "主干光缆或 ODF 跳纤衰耗增大、一级/二级分光器故障、OLT 光模块老化。",
            "steps": md("""
                1. 查询该 PON 口下各 ONU 收光；
                2. 判断故障段并处理；
                3. 处理后复测。
            """),
        },
    ),
    DemoArticle(
        "sol-leased-ping", "spec.huang", 76, reviewer="lead.zhao",
        comment="ping 1472 字节测试方法和丢包门限与巡检规范一致，内部发布。",
        data={
            "type": "solution", "visibility": "internal", "category": "集客专线",
            "title": "集客专线中断或丢包：ping 1472 字节测试与处理",
            "services": ["leased_line"],
            "tags": ["集客", "专线", "ping", "1472", "丢包", "光收发器", "MSTP"],
            "fault_codes": ["丢包"],
            "device_models": ["华为 OptiX OSN 500", "光纤收发器（单模双纤）", "华为 AR2220"],
            "symptom": "集团客户反映专线中断、业务系统连不上，或视频会议卡顿、间歇性丢包。",
            "cause": md("""
                - 客户侧：光纤收发器或其电源适配器损坏、客户路由器配置变更、机房断电；
                - 线路：引入光缆被施工挖断、尾纤弯折；
                - 传输：MSTP/PTN 端口误码、光模块收光偏低。
            """),
            "steps": md("""
                1. **5 分钟内响应**客户（7×24），登记故障时间、现象、影响业务；
                2. 远程查看传输网管：端口告警、误码、收光；
                3. 请客户或现场人员用大包测试：Windows `ping 对端网关 -l 1472 -n 1000`，Linux `ping -s 1472 -c 1000 对端网关`；
                    1472 字节 + 28 字节包头 = 1500 字节 MTU，**丢包率应低于 1/1000**；
                4. 小包通、大包丢：检查 MTU 和中间设备分片设置；全部不通：逐段检查收发器指示灯、尾纤、光功率；
                5. 更换故障收发器/光模块/跳纤，恢复后复测 1000 包无丢包；
                6. 填写《集客故障分析报告》，投诉类加填《集团客户投诉故障处理服务确认书》。
            """),
        },
    ),
    DemoArticle(
        "sol-bts-ac", "agent.he", 55, reviewer="lead.zhao",
        comment="与动力专业处理流程一致，地阻要求写明了。",
        data={
            "type": "solution", "visibility": "internal", "category": "基站动力",
            "title": "基站退服：交流停电的处理",
            "services": ["mobile"],
            "tags": ["基站退服", "交流停电", "油机", "发电", "防雷", "地阻"],
            "fault_codes": ["交流停电告警", "基站退服"],
            "device_models": ["中兴 ZXDU68 开关电源", "艾默生 PS48300"],
            "symptom": "动环监控出现“交流停电告警”，随后蓄电池放电，电池耗尽后基站退服。",
            "cause": md("""
                - 市电停电或供电线路检修；
                - 电表欠费（磁卡/预付费电表）；
                - 自用变压器、市电引入或交流配电故障；
                - 雷击导致交流空开跳闸、防雷模块损坏。
            """),
            "steps": md("""
                1. 通过监控查看退服前最后上传的交流、直流电压；
                2. 联系当地供电所、电工确认是否停电；未停电时检查电表是否欠费；
                3. 预计停电超过蓄电池保障时间的，**携带油机上站发电**，并通知机房值班；
                4. 雷击跳闸：合上空开，更换损坏的防雷模块，测试地阻，单站地阻应 **小于 5 Ω**；
                5. 变压器或引入线故障：联系电工配合处理，期间持续油机发电；
                6. 市电恢复后撤机，确认基站恢复、告警清除，在工单中记录发电时长。
            """),
        },
    ),
    DemoArticle(
        "sol-bts-rect", "spec.huang", 52, reviewer="lead.zhao",
        comment="直流告警门限与开关电源设置一致，内部发布。",
        data={
            "type": "solution", "visibility": "internal", "category": "基站动力",
            "title": "基站退服：交流正常、直流电压低（整流模块告警）",
            "services": ["mobile"],
            "tags": ["基站退服", "直流电压低", "整流模块", "开关电源", "蓄电池"],
            "fault_codes": ["整流模块故障告警", "直流欠压告警"],
            "device_models": ["中兴 ZXDU68 开关电源", "艾默生 PS48300", "R48-3000 整流模块"],
            "symptom": "监控显示交流电压正常，但直流电压持续下降，出现“整流模块故障”“直流欠压”告警，随后基站退服。",
            "cause": "开关电源的整流模块损坏或数量不足，负载全部由蓄电池承担，电池放完后下电。",
            "steps": md("""
                1. 远程查看开关电源：交流输入、直流输出电压（正常浮充约 -53.5 V，欠压告警约 -45 V）、各整流模块状态；
                2. 携带相应型号的整流模块备件上站；
                3. 热插拔更换故障模块，确认均流正常、告警消失；
                4. 检查蓄电池组电压和连接条，放电过深的电池组安排均充；
                5. 观察 30 分钟，确认基站恢复、直流电压回到浮充值，工单记录更换模块的序列号。
            """),
        },
    ),
    DemoArticle(
        "sol-vlan", "spec.sun", 48, reviewer="lead.zhao",
        comment="数据配置核查步骤清楚，仅限内部。",
        data={
            "type": "solution", "visibility": "internal", "category": "数据配置",
            "title": "新装用户 VLAN 配置错误：拨号 678 或 IPTV 获取不到地址",
            "services": ["broadband", "iptv"],
            "tags": ["VLAN", "数据配置", "新装", "移机", "IPTV", "678"],
            "fault_codes": ["678"],
            "device_models": ["华为 MA5680T", "中兴 ZXA10 C300", "华为 ME60"],
            "symptom": "新装或移机用户光猫注册正常，但宽带拨号 678/651，或 IPTV 提示获取 IP 地址失败；同 PON 口老用户正常。",
            "cause": "OLT 业务虚端口（service-port）的用户 VLAN/外层 VLAN 与 BRAS 或 IPTV 平台规划不一致，或光猫 WAN 连接 VLAN 填错。",
            "steps": md("""
                1. 查综合资源系统中该用户的规划 VLAN（宽带内层 VLAN、IPTV 组播/单播 VLAN）；
                2. 在 OLT 上核对 service-port：华为 `display service-port port 0/1/3 ont 5`；
                3. 核对光猫 WAN 连接：上网连接 VLAN、IPTV 连接 VLAN 和绑定端口；
                4. 不一致的按规划改正，BRAS 侧确认 QinQ 终结配置；
                5. 让用户重启光猫后重拨/重启机顶盒，确认恢复，并把错误原因反馈给开通环节。
            """),
        },
    ),
    DemoArticle(
        "sol-onu-reg", "spec.sun", 44, reviewer="lead.zhao",
        comment="LOID/SN 两种认证方式都覆盖了，内部发布。",
        data={
            "type": "solution", "visibility": "internal", "category": "光路/PON",
            "title": "ONU 注册失败：PON 灯闪烁，LOID/SN 认证不通过",
            "services": ["broadband"],
            "tags": ["ONU", "注册", "LOID", "SN", "PON灯", "换猫"],
            "fault_codes": ["PON"],
            "device_models": [*BROADBAND_DEVICES, "华为 MA5680T", "中兴 ZXA10 C300"],
            "symptom": "光猫 PON 灯一直闪烁（不常亮），LOS 灯不亮，无法上网；多见于新装、换猫之后。",
            "cause": "OLT 上登记的 LOID 或 SN 与光猫不一致、光猫未在 OLT 上添加、PON 口 ONU 数量已满。",
            "steps": md("""
                1. 确认收光正常（-8 ~ -27 dBm），排除光路问题；
                2. OLT 上查询未注册 ONU：华为 `display ont autofind all`，中兴 `show gpon onu uncfg`；
                3. 核对光猫背面 SN 或用户资料中的 LOID，与 OLT 登记不一致的按资源系统改正；
                4. 换猫的，删除旧 ONU 后按新 SN 重新添加，并重新下发业务；
                5. PON 口 ONU 已满（GPON 一般 64/128）的，调整到空闲 PON 口并同步资源系统。
            """),
        },
    ),
    DemoArticle(
        "sol-node-level", "spec.huang", 46, reviewer="lead.qian",
        comment="片区故障的判断依据明确，内部发布。",
        data={
            "type": "solution", "visibility": "internal", "category": "有线电视信号",
            "title": "片区多户马赛克：光节点/放大器输出电平异常",
            "services": ["cable_tv"],
            "tags": ["光节点", "放大器", "电平", "片区故障", "马赛克", "HFC"],
            "fault_codes": [],
            "device_models": ["光接收机（四端口）", "双向放大器"],
            "symptom": "同一楼栋或片区多户同时出现马赛克、部分频道无信号。",
            "cause": "光节点收光下降、放大器供电异常或增益漂移、干线电缆接头进水。",
            "steps": md("""
                1. 根据报修地址在资源系统中找到共同的光节点/放大器；
                2. 测光节点输入光功率（一般 -3 ~ +1 dBm）和各输出口电平；
                3. 放大器输出电平偏离设计值 3 dB 以上的，检查供电并调整增益/均衡；
                4. 检查干线接头和分支器，进水的更换并做防水；
                5. 恢复后抽测 3 户以上用户端电平和 MER，记录到工单。
            """),
        },
    ),
    DemoArticle(
        "sol-adsl", "agent.chen", 400, fate="retired", reviewer="lead.zhao", later_days_ago=30,
        comment="老用户仍有 ADSL，先发布。",
        data={
            "type": "solution", "visibility": "public", "category": "ADSL接入",
            "title": "ADSL Modem 拨号不上，ADSL 灯一直闪烁",
            "services": ["broadband"],
            "tags": ["ADSL", "Modem", "电话线", "滤波器"],
            "fault_codes": ["ADSL"],
            "device_models": ["华为 HG520s", "中兴 ZXDSL 831"],
            "symptom": "ADSL 猫上的 ADSL（或 DSL/Link）灯一直闪烁不常亮，拨号提示 678。",
            "cause": "电话线接触不良、分离器（滤波器）接错、线路质量差或局端 DSLAM 端口故障。",
            "steps": md("""
                1. 检查电话线进户后是否先接分离器，Modem 接在分离器的 Modem 口；
                2. 去掉多余的电话分机和接头；
                3. 重启 Modem，等待 2 分钟观察 ADSL 灯；
                4. 仍闪烁请报修，测量线路并检查 DSLAM 端口。（本区 ADSL 已全部改造为光纤接入，本文仅供历史工单参考。）
            """),
        },
    ),
    DemoArticle(
        "sol-hht-location", "agent.he", 2.9, fate="in_review",
        data={
            "type": "solution", "visibility": "internal", "category": "户户通",
            "title": "户户通机顶盒提示“位置移动/未在服务区”，无法收看",
            "services": ["satellite_tv"],
            "tags": ["户户通", "定位", "位置移动", "移机", "锁机"],
            "fault_codes": [],
            "device_models": ["户户通机顶盒（DVB-S2，ABS-S 兼容）"],
            "symptom": "用户搬家或把机顶盒带到别处后，开机提示“机顶盒位置移动”或“未在服务区”，所有频道黑屏。",
            "cause": "户户通机顶盒带定位模块，开通时锁定安装位置；移动超出允许范围后自动停止授权。",
            "steps": md("""
                1. 核实用户新地址仍在直播卫星服务区内（有线电视未通达的农村地区）；
                2. 登记移机信息：户主、身份证号、机顶盒号、新地址；
                3. 在户户通管理平台提交移机申请，审核通过后平台重新下发定位信息；
                4. 指导用户保持机顶盒开机、定位模块天线朝向窗外，等待 30 分钟至 2 小时重新定位授权；
                5. 新地址不在服务区的，告知用户改装有线电视并登记回收设备。
            """),
        },
    ),
    DemoArticle(
        "sol-wifi-drop", "agent.zhou", 7.15, fate="rejected", reviewer="lead.zhao",
        reject_reason="原因只写了“路由器问题”，没有说明怎么判断是路由器还是光猫、线路的问题；服务项、分类和标签也没有填。请补充判断方法后重新提交。",
        reject_checks=(False, False),
        data={
            "type": "solution", "visibility": "public", "category": "",
            "title": "WiFi 老是断线",
            "services": [],
            "tags": [],
            "fault_codes": [],
            "device_models": [],
            "symptom": "WiFi 经常断。",
            "cause": "路由器问题。",
            "steps": "重启路由器。",
        },
    ),
    DemoArticle(
        "sol-dns", "agent.zhou", 0.15, fate="draft",
        data={
            "type": "solution", "visibility": "public", "category": "拨号认证",
            "title": "拨号成功但网页打不开（DNS 异常）",
            "services": ["broadband"],
            "tags": ["DNS", "网页打不开", "QQ能上网页打不开"],
            "fault_codes": [],
            "device_models": [],
            "symptom": "拨号显示已连接，微信、QQ 能用，但浏览器打开网页提示“找不到服务器”。",
            "cause": "电脑或路由器手动填写了错误的 DNS 服务器地址（待二线确认是否与 BRAS 下发有关）。",
            "steps": md("""
                1. 电脑网卡 IPv4 设置改为“自动获得 DNS 服务器地址”；
                2. 路由器 WAN 设置中取消手动 DNS；
                3. （待补充）BRAS 侧 DNS 下发核查方法。
            """),
        },
    ),
)

PROCEDURES: tuple[DemoArticle, ...] = (
    DemoArticle(
        "proc-repair", "manager", 120, reviewer="lead.zhao",
        comment="时限与考核口径一致，关闭条件与知识库管理办法一致。",
        data={
            "type": "procedure", "visibility": "internal", "category": "制度流程",
            "title": "用户报修处理程序",
            "services": ["broadband", "iptv", "cable_tv", "satellite_tv", "leased_line", "voice"],
            "tags": ["报修", "工单", "时限", "派单", "96200"],
            "body": md("""
                ## 1 适用范围
                适用于宽带、IPTV、有线数字电视、户户通、固话及集客专线用户的故障报修、投诉、咨询和业务申请。

                ## 2 受理渠道
                96200 热线（7×24）、网上营业厅/自助门户、微信公众号、社区经理现场受理。坐席受理时必须记录：
                用户姓名、联系电话、业务账号、详细地址（所属片区）、故障现象、用户方便上门的时间。

                ## 3 处理时限
                | 环节 | 城区 | 乡镇 |
                |---|---|---|
                | 工单响应（派单并与用户预约） | 30 分钟 | 30 分钟 |
                | 故障修复 | 4 小时 | 8 小时 |
                | 投诉工单处理 | 2 小时 | 5 小时 |
                | 新装开通 | 24 小时 | 48 小时 |
                | 集客专线故障响应 | 5 分钟（7×24） | 5 分钟（7×24） |

                ## 4 处理流程
                1. **先查知识库**：坐席按现象、故障码（如 691、LOS、E-102）搜索，能远程指导解决的当场解决；
                2. 需上门的按用户地址派给片区社区经理（区域划片、人员包干）；
                3. 处理人员到场后 10 分钟内在工单中反馈到达；
                4. 处理完成后在工单中 **关联一篇解决方案**：知识库已有的直接关联，没有的新写一篇并提交技术负责人审核；
                5. 一线无法解决的按《工单转交（升级）规则》转二线/三线，并写明转交原因。

                ## 5 回访与关闭
                处理完成后 24 小时内由用户自助确认或坐席回访（见《回访制度》）。
                **工单关闭必须同时满足：用户已确认故障消除（自助确认或回访记录），且关联的解决方案已通过技术负责人审核。**
                不满足的系统拒绝关闭。
            """),
        },
    ),
    DemoArticle(
        "proc-rush", "lead.zhao", 110, reviewer="lead.qian",
        comment="故障分级与上报时限清楚，同意发布。",
        data={
            "type": "procedure", "visibility": "internal", "category": "制度流程",
            "title": "宽带网维护抢修规范",
            "services": ["broadband", "iptv", "leased_line"],
            "tags": ["抢修", "故障分级", "上报", "重大故障"],
            "body": md("""
                ## 1 故障分级
                | 级别 | 判定条件 | 上报 | 恢复时限 |
                |---|---|---|---|
                | 一般故障 | 单个用户 | 工单流转 | 城区 4 h / 乡镇 8 h |
                | 较大故障 | 单个 PON 口或 ≥ 50 户中断 | 15 分钟内报维护组长 | 4 h |
                | 重大故障 | OLT 整机、汇聚链路中断或 ≥ 500 户中断；重要集客客户中断 | 15 分钟内报服务站站长和值班领导 | 2 h 内给出恢复方案 |

                ## 2 抢修要求
                1. 7×24 小时值班，日班 08:00–17:00，夜班 17:00–次日 08:00；
                2. 接到较大及以上故障通知后 30 分钟内出发，随车携带光功率计、OTDR、熔接机和常用备件；
                3. 先抢通、后修复：优先用备用纤芯、备用端口恢复业务；
                4. 抢修期间每 30 分钟向值班坐席通报进展，坐席同步更新受影响工单；
                5. 恢复后抽测受影响用户，确认业务正常。

                ## 3 事后
                较大及以上故障 24 小时内提交故障分析报告（时间线、原因、影响户数、整改措施），
                可复用的处理方法整理成解决方案提交知识库审核。
            """),
        },
    ),
    DemoArticle(
        "proc-manager", "manager", 118, reviewer="lead.qian",
        comment="三级管理体制和片区职责描述准确。",
        data={
            "type": "procedure", "visibility": "internal", "category": "制度流程",
            "title": "客户服务经理制工作规范（区域划片、人员包干）",
            "services": ["cable_tv", "broadband", "iptv", "satellite_tv"],
            "tags": ["客户服务经理制", "社区经理", "片区", "维护组", "服务站"],
            "body": md("""
                ## 1 指导思想
                以用户为中心、以市场为导向，实行“**区域划片，人员包干**”的责任管理制度，
                以管辖区域为单位主动贴近用户，提供快捷有效的安装维护服务。

                ## 2 三级管理体制
                - **社区经理**：负责一个服务片区内的电缆网络优化和维护、个人用户（有线电视、宽带）的安装维护、业务宣传推广；
                - **维护组**：每 3~5 个片区设一个维护组，设组长一名，负责组内协调，组织较大的网络优化和抢修；
                - **服务站**：统筹管理属地各维护组和社区经理，运维服务部负责监督、检查和考核。

                ## 3 社区经理工作要求
                1. 公开固定的社区经理电话，统一工作服、工作牌；
                2. 片区报修工单 30 分钟内与用户预约，城区 4 小时、乡镇 8 小时内修复；
                3. 每月走访片区楼道设备，清理分纤箱、分支器隐患；
                4. 上门服务礼貌用语，施工垃圾随手带走；
                5. 每月统计片区万投比、修复及时率、重复申告率，对重复申告用户逐户回访。

                ## 4 考核
                以片区为单位考核故障修复及时率、障碍重复申告率、用户满意度（目标 ≥ 90%，争取 98%）。
            """),
        },
    ),
    DemoArticle(
        "proc-callback", "manager", 100, reviewer="lead.qian",
        comment="回访话术和不满意处理闭环写得好。",
        data={
            "type": "procedure", "visibility": "internal", "category": "制度流程",
            "title": "回访制度",
            "services": ["broadband", "iptv", "cable_tv", "satellite_tv", "leased_line", "voice"],
            "tags": ["回访", "满意度", "五星评价", "不满意"],
            "body": md("""
                ## 1 回访范围与时限
                所有故障、投诉工单在处理完成后 **24 小时内** 回访；用户已在门户或微信自助确认并评价的，可不再电话回访。

                ## 2 回访内容
                1. 故障是否已经消除（用户确认）；
                2. 装维人员是否准时上门、是否规范作业；
                3. 满意度评价：**五星制 + 标签 + 建议**（如“上门准时”“态度好”“处理慢”）。

                ## 3 回访话术（示例）
                > 您好，我是 96200 客服代表，您 X 月 X 日报修的宽带故障现在已经恢复了吗？
                > 请您对这次服务打个分，1 到 5 星，5 星为非常满意。

                ## 4 不满意处理
                评价 3 星及以下或用户表示未修好的：坐席记录原因，工单退回处理人，**督办限时解决**，
                完成后再次回访。满意度目标：基线 90%，维修类争取 98%。

                ## 5 记录
                回访结果必须记录在工单中（回访方式、结果、评分、说明），作为工单关闭的依据之一。
            """),
        },
    ),
    DemoArticle(
        "proc-leased-inspect", "spec.huang", 95, reviewer="lead.zhao",
        comment="巡检周期和指标与集客代维要求一致。",
        data={
            "type": "procedure", "visibility": "internal", "category": "集客专线",
            "title": "集客专线巡检规范",
            "services": ["leased_line"],
            "tags": ["集客", "巡检", "专线", "代维", "1472"],
            "body": md("""
                ## 1 巡检周期
                - **每月**至少一次对代维范围内的线路及客户侧设备巡检，填写《集客专线巡检记录单》，并在客户侧设备旁的巡检记录本上登记；
                - **每季度**检查设备、传输线路和设备环境：设备清洁、散热良好，光缆无下垂、盘留整齐，尾纤、线缆和设备标签齐全清晰。

                ## 2 巡检指标
                | 项目 | 要求 |
                |---|---|
                | 交换机/路由器 CPU 利用率 | 正常 < 50% |
                | 内存使用率 | 正常 < 60% |
                | 数据专线 ping 测试 | 1472 字节，丢包率 < 1/1000 |
                | 配置备份 | 每月一次，配置变更后立即更新 |

                ## 3 故障响应
                接到故障或投诉通知后 **5 分钟内响应**，7×24 小时；每一起集客故障填写《集客故障分析报告》，
                投诉类加填《集团客户投诉故障处理服务确认书》。

                ## 4 现场要求
                上门礼貌用语，施工垃圾随手带走；仪器仪表轻拿轻放，按时充电。
            """),
        },
    ),
    DemoArticle(
        "proc-kb", "lead.qian", 130, reviewer="lead.zhao",
        comment="关闭规则与系统实现一致，同意发布。",
        data={
            "type": "procedure", "visibility": "internal", "category": "制度流程",
            "title": "知识库管理办法：解决方案的编写、审核与关闭规则",
            "services": ["broadband", "iptv", "cable_tv", "satellite_tv", "leased_line", "voice", "mobile"],
            "tags": ["知识库", "解决方案", "审核", "关闭条件"],
            "body": md("""
                ## 1 基本规则
                1. **每个工单只关联一个解决方案，一个解决方案可以服务多个工单**；
                2. 处理工单时先搜索知识库，已有合适的解决方案直接关联；没有的新写一篇（进入知识库为草稿），提交审核并关联；
                3. 解决方案必须由技术负责人审核：
                    - **内容审核**：解决方案是否符合所关联的工单；
                    - **形式审核**：类型、业务、分类、标签、故障码、可见范围是否正确；
                    两项检查均记录审核人、时间和意见；**作者不能审核自己的文章**；驳回必须写明原因；
                4. 工单关闭必须同时满足：用户已确认故障消除，且关联的解决方案已审核通过。

                ## 2 编写要求
                解决方案写清 **现象、原因、处理步骤**，填写受影响业务、设备型号和故障/告警码；
                面向用户公开的文章用用户听得懂的话，内部命令和参数放在内部文章里。

                ## 3 知识的分类
                解决方案、制度流程、变更资料（变更申请、测试方案、技术方案）、技术参考（网络拓扑、设备参数）。
                “唯一储存、多处引用”：同一内容只写一篇，其他地方引用。

                ## 4 维护
                设备退网、流程调整后，相关文章由技术负责人修订或下线；下线的文章不再被搜索和关联，历史工单保留链接。
            """),
        },
    ),
    DemoArticle(
        "proc-escalate", "lead.zhao", 105, reviewer="lead.qian",
        comment="各层级职责清楚，转交必须写原因这一点很重要。",
        data={
            "type": "procedure", "visibility": "internal", "category": "制度流程",
            "title": "工单转交（升级）规则：一线 → 二线 → 三线",
            "services": ["broadband", "iptv", "cable_tv", "satellite_tv", "leased_line", "voice", "mobile"],
            "tags": ["转交", "升级", "L2", "L3", "一线解决率"],
            "body": md("""
                | 层级 | 人员 | 处理范围 |
                |---|---|---|
                | L1 一线 | 热线坐席、社区经理、乡镇装维 | 按知识库远程指导或上门处理单户故障 |
                | L2 二线 | 数据网络、有线电视前端工程师 | OLT/BRAS 数据配置、片区故障、需要后台操作的问题 |
                | L3 三线 | 传输、集客专线、动力工程师 | 传输链路、集客专线、基站动力 |
                | L4 厂家 | 设备厂家技术支持 | 设备软件缺陷、硬件批量问题 |

                **转交条件**：一线已按知识库处理仍未解决，或超出一线权限（需要改局端数据）。
                **转交必须写明原因**和已做过的检查，接收人 30 分钟内响应。
                集客专线故障可直接转三线。转交率 = 转出一线的工单 / 全部工单，一线解决率为其补数。
            """),
        },
    ),
    DemoArticle(
        "proc-kpi", "manager", 90, reviewer="lead.zhao",
        comment="指标口径与报表一致。",
        data={
            "type": "procedure", "visibility": "internal", "category": "考核指标",
            "title": "装维服务质量指标口径（万投比、故障修复及时率、障碍重复申告率）",
            "services": ["broadband", "iptv", "cable_tv", "satellite_tv"],
            "tags": ["万投比", "修复及时率", "重复申告率", "满意度", "考核"],
            "body": md("""
                | 指标 | 计算口径 | 目标 |
                |---|---|---|
                | 万投比 | 当月投诉用户数 / 当月收费用户数 × 10000 | 逐月下降 |
                | 故障修复及时率 | 时限内修复的故障工单 / 已修复故障工单 | ≥ 95% |
                | 障碍重复申告率 | 关闭后 30 天内同一用户同一业务再次报修的工单 / 已关闭工单 | ≤ 5% |
                | 转交率 | 转出一线的工单 / 全部工单 | 逐月下降 |
                | 知识复用率 | 用已审核解决方案关闭的工单 / 已关闭工单 | ≥ 80% |
                | 满意度 | 4 星及以上评价 / 全部评价 | 基线 90%，维修类 98% |

                时限：故障城区 4 h、乡镇 8 h；投诉城区 2 h、乡镇 5 h；新装城区 24 h、乡镇 48 h。
            """),
        },
    ),
    DemoArticle(
        "proc-hht", "lead.qian", 98, reviewer="lead.zhao",
        comment="备件和专营点管理要求明确。",
        data={
            "type": "procedure", "visibility": "internal", "category": "户户通",
            "title": "户户通售后服务管理规定",
            "services": ["satellite_tv"],
            "tags": ["户户通", "售后", "专营点", "备件", "加密卡"],
            "body": md("""
                1. 户户通售后由各乡镇服务站负责，专营点须具备安装资质，服务人员持证上岗；
                2. 报修工单乡镇 8 小时内修复；偏远山区需预约的，须在工单中写明预约时间并征得用户同意；
                3. 高频头、机顶盒、加密卡等备件由服务站统一申领、登记，不得向用户高价收费；
                4. 机顶盒移机须登记并通过户户通管理平台审核，严禁将户户通设备安装到有线电视已覆盖的城区；
                5. 大风、暴雪天气后，服务站主动电话回访片区内老年用户，协助对星；
                6. 服务完成后由 96200 回访，用户评价纳入专营点考核。
            """),
        },
    ),
)

CHANGES: tuple[DemoArticle, ...] = (
    DemoArticle(
        "chg-olt-cutover", "spec.huang", 40, reviewer="lead.zhao",
        comment="回退方案可行，影响用户已提前通知，同意实施。",
        data={
            "type": "change", "visibility": "internal", "category": "割接",
            "title": "割接方案：城东 OLT-03 上联光缆迁改",
            "change_kind": "cutover_plan", "change_ref": "CHG-2026-014",
            "planned_start": "2026-10-15T00:30:00+08:00", "planned_end": "2026-10-15T04:30:00+08:00",
            "services": ["broadband", "iptv"],
            "tags": ["割接", "OLT", "光缆迁改", "变更"],
            "body": md("""
                **变更编号：** CHG-2026-014　**变更类型：** 计划内割接
                **计划窗口：** 2026-10-15（周四）00:30–04:30
                **影响范围：** 城东 OLT-03 全部 PON 口约 2,300 户宽带、IPTV，预计中断 ≤ 30 分钟

                ## 1 变更原因
                市政道路改造，OLT-03 至汇聚机房的 48 芯上联光缆需迁改至新管道。

                ## 2 实施步骤
                1. 00:30 确认新光缆两端成端、测试合格（OTDR 全程衰耗 ≤ 3 dB）；
                2. 00:45 通知网管中心开始割接，屏蔽相关告警；
                3. 01:00 依次将主、备上联跳纤倒换至新光缆纤芯；
                4. 01:20 检查上联端口 UP、ONU 上线数量与割接前一致；
                5. 01:40 抽测 10 户宽带拨号和 IPTV 直播。

                ## 3 回退方案
                任一步骤失败，30 分钟内将跳纤倒回原光缆纤芯并确认业务恢复。

                ## 4 负责人
                实施：黄志强；配合：孙涛（数据）；审核：赵建华。
            """),
        },
    ),
    DemoArticle(
        "chg-iptv-vlan-test", "spec.sun", 1.5, fate="in_review",
        data={
            "type": "change", "visibility": "internal", "category": "测试方案",
            "title": "测试方案：IPTV 组播 VLAN 调整",
            "change_kind": "test_plan", "change_ref": "CHG-2026-017",
            "planned_start": "2026-11-26T01:00:00+08:00", "planned_end": "2026-11-26T03:00:00+08:00",
            "services": ["iptv"],
            "tags": ["测试方案", "IPTV", "组播", "VLAN", "变更"],
            "body": md("""
                **变更编号：** CHG-2026-017　**变更类型：** 数据配置变更
                **计划窗口：** 2026-11-26（周四）01:00–03:00（测试在实验 OLT 上先行完成）

                ## 1 测试目的
                验证组播 VLAN 由 4000 调整为 4010 后，直播频道切换时延和卡顿率不劣化。

                ## 2 测试项目
                | 序号 | 项目 | 通过标准 |
                |---|---|---|
                | 1 | 直播频道加载 | 100 个频道全部可播 |
                | 2 | 换台时延 | 平均 ≤ 1 s |
                | 3 | 连续播放 2 小时 | 无马赛克、无卡顿 |
                | 4 | 点播与回看 | 正常 |
                | 5 | 同 ONU 宽带业务 | 拨号、测速不受影响 |

                ## 3 回退
                测试不通过则恢复原组播 VLAN 配置，保留测试记录。
            """),
        },
    ),
    DemoArticle(
        "chg-fttb-ftth", "spec.sun", 150, reviewer="lead.zhao",
        comment="光功率预算计算正确，同意。",
        data={
            "type": "change", "visibility": "internal", "category": "技术方案",
            "title": "技术方案：南湖小区 FTTB 改造为 FTTH",
            "change_kind": "technical_plan", "change_ref": "CHG-2026-009",
            "planned_start": "2026-09-01T22:00:00+08:00", "planned_end": "2026-10-01T02:00:00+08:00",
            "services": ["broadband", "iptv", "voice"],
            "tags": ["技术方案", "FTTH", "FTTB", "改造", "分光器"],
            "body": md("""
                **变更编号：** CHG-2026-009　**计划窗口：** 2026-09-01 至 2026-09-30 分楼栋实施，每晚 22:00–次日 02:00

                ## 1 现状
                南湖小区 12 栋 680 户为 FTTB + LAN 接入，楼道交换机老化，障碍重复申告率高。

                ## 2 方案
                - 采用二级分光：小区光交箱 1:8 一级分光，楼道 1:8 二级分光（总分光比 1:64）；
                - 光功率预算：OLT 发光 +3 dBm − 分光损耗 21 dB − 光缆及接头 3 dB = 用户收光约 −21 dBm，满足 −27 dBm 门限并留有余量；
                - 每户新放皮线光缆至信息箱，更换为支持双频 WiFi 的光猫。

                ## 3 割接原则
                逐户割接，割接前短信通知，割接后当场测试拨号、IPTV 和固话。
            """),
        },
    ),
    DemoArticle(
        "chg-headend-ups", "spec.huang", 35, reviewer="lead.qian",
        comment="切换期间由市电直供的风险已评估，同意。",
        data={
            "type": "change", "visibility": "internal", "category": "割接",
            "title": "割接方案：有线电视前端机房 UPS 更换",
            "change_kind": "cutover_plan", "change_ref": "CHG-2026-011",
            "planned_start": "2026-10-20T01:00:00+08:00", "planned_end": "2026-10-20T05:00:00+08:00",
            "services": ["cable_tv", "iptv"],
            "tags": ["割接", "UPS", "前端机房", "安全播出"],
            "body": md("""
                **变更编号：** CHG-2026-011　**计划窗口：** 2026-10-20（周二）01:00–05:00

                ## 1 内容
                更换前端机房 2 台运行满 8 年的 60 kVA UPS，更换期间由另一路 UPS 和市电旁路保障。

                ## 2 安全播出保障
                1. 实施前确认备用 UPS 带载能力，油机到场待命；
                2. 监看中央 1 套、新闻频道、本省卫视等重点频道，其他频道每 30 分钟轮巡一遍；
                3. 任何频道停播超过 10 秒立即回退。
            """),
        },
    ),
    DemoArticle(
        "chg-bras-pool", "spec.sun", 0.8, fate="draft",
        data={
            "type": "change", "visibility": "internal", "category": "变更申请",
            "title": "变更申请：BRAS-02 宽带地址池扩容",
            "change_kind": "change_request", "change_ref": "CHG-2026-021",
            "planned_start": "2026-12-03T01:00:00+08:00", "planned_end": "2026-12-03T03:00:00+08:00",
            "services": ["broadband"],
            "tags": ["变更申请", "BRAS", "地址池", "扩容"],
            "body": md("""
                **变更编号：** CHG-2026-021（草稿）　**期望窗口：** 2026-12-03 01:00–03:00

                BRAS-02 私网地址池晚高峰使用率已达 92%，新装用户偶发拨号获取不到地址。
                申请新增 /20 地址段一个，并调整地址池告警门限为 85%。

                待补充：地址规划审批单号、回退步骤。
            """),
        },
    ),
)

REFERENCES: tuple[DemoArticle, ...] = (
    DemoArticle(
        "ref-topology", "spec.sun", 140, reviewer="lead.zhao",
        comment="拓扑与资源系统核对一致。",
        data={
            "type": "reference", "visibility": "internal", "category": "网络拓扑",
            "title": "城东区宽带接入网网络拓扑说明",
            "services": ["broadband", "iptv", "voice"],
            "tags": ["网络拓扑", "OLT", "BRAS", "汇聚", "城东区"],
            "body": md("""
                ## 1 结构
                ```
                城域网核心 ── BRAS-01 / BRAS-02（主备）
                                │
                          汇聚交换机 HJ-CD-01（城东汇聚机房）
                      ┌─────────┼─────────┐
                   OLT-01     OLT-02     OLT-03（MA5680T）
                      │
                  一级分光 1:8（小区光交箱）── 二级分光 1:8（楼道分纤箱）── ONU（用户光猫）
                ```

                ## 2 设备清单
                | 设备 | 型号 | 位置 | 上联 | 覆盖 |
                |---|---|---|---|---|
                | OLT-01 | 华为 MA5680T | 城东汇聚机房 | 2×10GE | 城东老城区 约 3,100 户 |
                | OLT-02 | 中兴 ZXA10 C300 | 南湖模块局 | 2×10GE | 南湖小区等 约 2,600 户 |
                | OLT-03 | 华为 MA5680T | 东关模块局 | 2×10GE | 东关、滨河 约 2,300 户 |
                | BRAS-01/02 | 华为 ME60 | 城域网核心机房 | — | 全区宽带认证 |

                ## 3 VLAN 规划
                宽带采用 QinQ：外层 VLAN 按 OLT 分配（OLT-01: 1001–1016），内层按 PON 口/用户；IPTV 组播 VLAN 4000，单播 VLAN 45；语音 VLAN 46。
            """),
        },
    ),
    DemoArticle(
        "ref-onu-params", "spec.sun", 135, reviewer="lead.zhao",
        comment="参数核对无误。",
        data={
            "type": "reference", "visibility": "internal", "category": "设备参数",
            "title": "常用光猫（ONU）设备参数表",
            "services": ["broadband", "iptv", "voice"],
            "tags": ["光猫", "ONU", "设备参数", "GPON", "EPON"],
            "device_models": BROADBAND_DEVICES,
            "body": md("""
                | 型号 | 厂家 | PON 类型 | 网口 | WiFi | 语音口 | 管理地址 | 电源 |
                |---|---|---|---|---|---|---|---|
                | HG8245H | 华为 | GPON | 4 × GE | 2.4G | 2 | 192.168.100.1 | 12V 1.5A |
                | ZXHN F650 | 中兴 | GPON | 4 × GE | 2.4G/5G | 1 | 192.168.1.1 | 12V 1.5A |
                | HG6201M | 烽火 | GPON | 4 × GE | 2.4G/5G | 1 | 192.168.1.1 | 12V 1A |
                | HG8321R | 华为 | EPON | 1 × GE + 1 × FE | — | 1 | 192.168.100.1 | 12V 1A |

                - 指示灯：PON 常亮 = 已注册；PON 闪烁 = 注册中/认证失败；LOS 红 = 无光；
                - 收光正常范围 −8 ~ −27 dBm（见《光功率与光衰标准值速查表》）；
                - 维护账号由资源系统统一管理，禁止告知用户或写入工单。
            """),
        },
    ),
    DemoArticle(
        "ref-stb-params", "lead.qian", 128, reviewer="lead.zhao",
        comment="三类机顶盒参数齐全。",
        data={
            "type": "reference", "visibility": "internal", "category": "设备参数",
            "title": "机顶盒设备参数表（有线数字电视 / IPTV / 户户通）",
            "services": ["cable_tv", "iptv", "satellite_tv"],
            "tags": ["机顶盒", "设备参数", "DVB-C", "DVB-S2", "IPTV"],
            "device_models": ["创维 C6000", "九洲 DVC-2018", "创维 E900V21E", "华为 EC6108V9"],
            "body": md("""
                | 型号 | 业务 | 标准 | 输入 | 输出 | 智能卡/CA | 遥控 |
                |---|---|---|---|---|---|---|
                | 创维 C6000 | 有线数字电视 | DVB-C 64QAM | 射频 F 头 | HDMI / AV | 插卡 | 红外 |
                | 九洲 DVC-2018 | 有线数字电视 | DVB-C | 射频 F 头 | HDMI / AV | 插卡 | 红外 |
                | 创维 E900V21E | IPTV | IP（组播/单播） | RJ45 / WiFi | HDMI | 无（账号认证） | 蓝牙+红外 |
                | 华为 EC6108V9 | IPTV | IP | RJ45 | HDMI / AV | 无 | 红外 |
                | 户户通机顶盒 | 直播卫星 | DVB-S2（ABS-S 兼容） | LNB IN（F 头） | HDMI / AV | 内置加密 + 定位模块 | 红外 |
            """),
        },
    ),
    DemoArticle(
        "ref-optical-budget", "spec.sun", 125, reviewer="lead.zhao",
        comment="数值与施工验收规范一致。",
        data={
            "type": "reference", "visibility": "internal", "category": "设备参数",
            "title": "光功率与光衰标准值速查表",
            "services": ["broadband", "iptv"],
            "tags": ["光功率", "光衰", "分光器", "验收", "dBm"],
            "body": md("""
                | 项目 | 标准值 |
                |---|---|
                | OLT 发光（GPON Class B+） | +1.5 ~ +5 dBm |
                | ONU 收光正常范围 | −8 ~ −27 dBm（新装验收建议优于 −24 dBm） |
                | 1:2 / 1:4 / 1:8 分光损耗 | 约 3.6 / 7.3 / 10.5 dB |
                | 1:16 / 1:32 / 1:64 分光损耗 | 约 13.7 / 17.1 / 20.5 dB |
                | 光纤衰耗 | 1310 nm 约 0.35 dB/km，1490/1550 nm 约 0.25 dB/km |
                | 活动连接器 | ≤ 0.5 dB/个 |
                | 熔接点 | ≤ 0.1 dB/个 |
            """),
        },
    ),
    DemoArticle(
        "ref-catv-levels", "spec.huang", 122, reviewer="lead.qian",
        comment="指标以本网技术标准为准的提示保留。",
        data={
            "type": "reference", "visibility": "internal", "category": "有线电视信号",
            "title": "有线数字电视用户端信号指标",
            "services": ["cable_tv"],
            "tags": ["电平", "MER", "BER", "用户端", "指标"],
            "body": md("""
                | 指标 | 要求（64QAM） | 说明 |
                |---|---|---|
                | 用户端数字频道电平 | 50 ~ 70 dBμV | 过低马赛克，过高也会失真 |
                | 相邻频道电平差 | ≤ 3 dB | |
                | MER（调制误差比） | ≥ 28 dB，低于 26 dB 易出现马赛克 | |
                | BER（纠错前误码率） | ≤ 1×10⁻⁴ | 纠错后应为 0 |

                具体门限以本网技术标准为准；测试点为机顶盒射频输入口。
            """),
        },
    ),
    DemoArticle(
        "ref-chinasat9", "agent.he", 115, reviewer="lead.qian",
        comment="参数正确，公开给用户对星参考。",
        data={
            "type": "reference", "visibility": "public", "category": "户户通",
            "title": "户户通（中星9号）卫星接收参数",
            "services": ["satellite_tv"],
            "tags": ["户户通", "中星9号", "对星", "方位角", "仰角", "高频头"],
            "body": md("""
                | 参数 | 值 |
                |---|---|
                | 卫星 | 中星9号（ChinaSat-9 系列） |
                | 轨道位置 | 东经 92.2° |
                | 频段 | Ku 波段（11.7 ~ 12.2 GHz） |
                | 极化方式 | 左旋 / 右旋圆极化 |
                | 高频头本振 | 10750 MHz |
                | 天线 | 0.35 ~ 0.45 m 偏馈天线 |

                **对星提示：** 天线朝向西南方向（各地方位角、仰角不同，可在机顶盒“天线安装向导”中按经纬度查看），
                先粗调方位角，再慢慢调仰角，看到信号质量有数值后小幅度细调到最大，拧紧螺丝。
                锅前不能有树木、楼房遮挡。
            """),
        },
    ),
)

ARTICLES: tuple[DemoArticle, ...] = SOLUTIONS + PROCEDURES + CHANGES + REFERENCES

# ------------------------------------------------------------------------------------------ incidents


# The catalogue's report type the agent (or the subscriber) picked for each report below; a question or a
# request that no shipped type fits is recorded without one.
REPORT_TYPE_OF: dict[str, str] = {
    "家里宽带上不了网，光猫LOS灯红色一闪一闪": "los_red",
    "光猫红灯闪 上不了网": "los_red",
    "拨号提示691错误，上不了网": "no_internet",
    "电视有马赛克，有几个台声音断断续续": "mosaic",
    "户户通电视没信号了，刮大风以后就看不了": "dish",
    "户户通 开机提示 E-102": "no_signal",
    "IPTV看电视老是卡顿转圈": "playback",
    "专线断了，医院挂号系统连不上": "down",
    "又上不了网了，光猫还是红灯闪": "los_red",
    "WiFi网速很慢，卧室基本没信号": "wifi",
    "ADSL猫拨号不上，灯一直闪": "no_internet",
    "青山镇柳河基站退服，监控显示交流停电": "site_alarm",
    "WiFi经常断，打游戏掉线": "drops",
    "晚上8点以后网速特别慢，打游戏延迟两三百": "slow",
    "新装的IPTV开机提示认证失败": "login",
    "宽带拨号一直提示678": "no_internet",
    "宽带每天晚上掉线好几次": "drops",
    "电视没信号了，提示信号中断": "no_signal",
    "青山镇东岗基站退服，交流正常直流电压低": "site_alarm",
    "微信能用但网页打不开": "no_internet",
    "光猫所有灯都不亮了，电话也打不了": "no_internet",
    "电视只有十几个台能看，其他台都是马赛克": "missing_channels",
    "专线晚上丢包严重，视频会议一卡一卡的": "loss",
    "机顶盒提示请插入智能卡，卡一直插着的": "smart_card",
    "电视坏了说要等到周六才来修，太慢了": "complaint",
    "电视没信号，宽带也上不了网，全村好像都这样": "no_internet",
    "柳河村电视和网络都断了": "no_internet",
    "家里网断了": "no_internet",
    "光猫红灯闪，网断了": "los_red",
}


def report(title: str, description: str, *, service: str, category: str = "fault", area: str = "urban",
           channel: str = "hotline", account: str = "", priority: str = "normal") -> dict[str, Any]:
    """What the subscriber (or the agent on the phone) typed in."""
    return {"title": title, "description": description, "service": service, "category": category,
            "report_type": REPORT_TYPE_OF.get(title), "area": area, "channel": channel, "customer_account": account,
            "priority": priority}


DAY = 24.0  # hours

INCIDENTS: tuple[DemoIncident, ...] = (
    # --- closed: linked to an approved solution, verified by the subscriber or a call-back ----------------
    DemoIncident(
        "inc-los-1", "zhangwei", "agent.chen", (24, "08:40"),
        report("家里宽带上不了网，光猫LOS灯红色一闪一闪",
               "昨晚开始就上不了网，光猫上有个LOS灯一直红色闪，重启了好几次也不行，电视（IPTV）也看不了。"
               "家里老人等着看电视，麻烦尽快派人来。",
               service="broadband", account="KD-3201-0088123"),
        (
            assign("agent.wu", by="agent.chen", after=8),
            start(after=25),
            link("sol-los", after=60),
            resolve("入户皮线光缆在门框处被压断，重新熔接并加装护套；ONU 收光由无光恢复为 -19.6 dBm，"
                    "上网、IPTV 测试正常。", after=50),
            callback(5, "师傅来得很快，修好了，态度也好。", by="agent.chen", after=300),
            close(by="agent.chen", after=5),
        ),
        expect="closed",
    ),
    DemoIncident(
        "inc-los-township", "lijun", "agent.zhou", (18, "07:55"),
        report("光猫红灯闪 上不了网",
               "光猫红灯在闪，网断了一上午了，村里别人家好像能上。",
               service="broadband", area="township", account="KD-3208-0204419"),
        (
            assign("agent.he", by="agent.zhou", after=12),
            start(after=200),
            link("sol-los", after=180),
            resolve("分纤箱至用户段皮线光缆被老鼠咬断约 2 米，更换皮线并穿管保护；收光 -21.3 dBm，拨号正常。",
                    after=170),
            confirm(4, "修好了，就是等了大半天。", after=180),
            close(by="agent.zhou", after=60),
        ),
        expect="closed",
    ),
    DemoIncident(
        "inc-691", "yangfan", "yangfan", (15, "21:16"),
        report("拨号提示691错误，上不了网",
               "路由器显示认证失败，用电脑直接拨号提示 错误691 用户名或密码无效。密码没改过啊？",
               service="broadband", channel="portal", account="KD-3201-0103352"),
        (
            assign("agent.zhou", by="agent.zhou", after=14),
            start(after=3),
            link("sol-691", after=4),
            resolve("查询 AAA：账号因欠费于当日 0 点停机。用户已在网上营业厅缴费，BRAS 复位账号后拨号成功。",
                    after=35),
            confirm(5, "缴完费就好了，客服解释得很清楚。", after=30),
            close(by="agent.zhou", after=620),
        ),
        expect="closed",
    ),
    DemoIncident(
        "inc-mosaic", "liufang", "agent.chen", (12, "19:05"),
        report("电视有马赛克，有几个台声音断断续续",
               "这两天看电视老是一块一块的马赛克，中央台和本地台都有，声音也一卡一卡的。",
               service="cable_tv", account="CATV-3201-8320100233"),
        (
            assign("agent.wu", by="agent.chen", after=10),
            start(after=40),
            link("sol-mosaic", after=70),
            resolve("机顶盒输入口电平 46 dBμV、MER 24 dB；墙面终端盒 F 头严重氧化，更换 F 头和 3 米室内电缆后"
                    "电平 61 dBμV、MER 34 dB，各频道正常。", after=40),
            callback(5, "现在很清楚了，谢谢。", by="agent.zhou", after=780),
            close(by="agent.zhou", after=5),
        ),
        expect="closed",
    ),
    DemoIncident(
        "inc-hht-wind", "wangxiuying", "agent.chen", (10, "10:22"),
        report("户户通电视没信号了，刮大风以后就看不了",
               "前天刮大风以后电视就没信号了，屏幕上写着信号强度弱。我一个人在家，不会弄那个锅。",
               service="satellite_tv", area="township", account="HHT-3208-0012567"),
        (
            assign("agent.he", by="agent.chen", after=15),
            start(after=90),
            link("sol-hht-signal", after=120),
            resolve("天线被大风吹偏约 15°，支架螺丝松动；重新对星并紧固，信号强度 85%、质量 78%，接头重做防水。",
                    after=60),
            callback(5, "老人说电视能看了，很感谢师傅。", by="agent.chen", after=1200),
            close(by="agent.chen", after=5),
        ),
        expect="closed",
    ),
    DemoIncident(
        "inc-hht-e102", "majianguo", "agent.zhou", (6, "08:31"),
        report("户户通 开机提示 E-102",
               "户户通机顶盒开机就提示E-102，所有台都没有，锅没动过。前几天连着下了好几天雨。",
               service="satellite_tv", area="township", account="HHT-3208-0013002"),
        (
            assign("agent.he", by="agent.zhou", after=10),
            start(after=120),
            link("sol-hht-signal", after=60),
            resolve("信号质量为 0，检查发现高频头进水锈蚀；更换高频头并做防水处理，信号强度 82%、质量 75%。",
                    after=70),
            callback(4, "修好了，希望以后下雨别再坏。", by="agent.zhou", after=1200),
            close(by="agent.zhou", after=10),
        ),
        expect="closed",
    ),
    DemoIncident(
        "inc-iptv-lag", "chenjing", "chenjing", (9, "20:47"),
        report("IPTV看电视老是卡顿转圈",
               "晚上看直播老是卡住转圈，有时候还花屏，上网倒是挺正常的。机顶盒放在卧室，连的是无线。",
               service="iptv", channel="portal", account="IPTV-3201-0077310"),
        (
            assign("agent.zhou", by="agent.zhou", after=20),
            start(after=5),
            link("sol-iptv-lag", after=10),
            resolve("机顶盒经无线中继连接，组播丢包严重；指导用户改用网线直连光猫 iTV 口后，连续观看 1 小时无卡顿。",
                    after=40),
            confirm(4, "用网线以后不卡了，就是要拉根线有点麻烦。", after=720),
            close(by="agent.zhou", after=60),
        ),
        expect="closed",
    ),
    DemoIncident(
        "inc-leased-down", "zhaolei", "agent.chen", (8, "09:43"),
        report("专线断了，医院挂号系统连不上",
               "县人民医院到市医保中心的专线从 9:40 开始不通，门诊挂号和医保结算全停了，病人在排队，请马上处理！",
               service="leased_line", account="JK-ZX-0231", priority="urgent"),
        (
            escalate(2, "spec.huang", "集客专线中断，影响医院医保结算，按《工单转交规则》直接转集客专线工程师。",
                     by="agent.chen", after=2),
            start(after=2),
            link("sol-leased-ping", after=25),
            resolve("客户侧光纤收发器电源适配器烧坏，更换后链路恢复；ping 对端网关 1472 字节 1000 包，丢包 0。"
                    "已填写集客故障分析报告。", after=50),
            callback(5, "恢复很快，谢谢你们。", by="agent.chen", after=60),
            close(by="agent.chen", after=5),
        ),
        expect="closed",
    ),
    DemoIncident(
        "inc-los-repeat", "zhangwei", "zhangwei", (20, "07:20"),
        report("又上不了网了，光猫还是红灯闪",
               "上次修好才几天，今天早上光猫又红灯闪了，和上次一样。",
               service="broadband", channel="portal", account="KD-3201-0088123"),
        (
            assign("agent.wu", by="agent.chen", after=20),
            start(after=30),
            link("sol-los", after=45),
            resolve("上次熔接点附近皮线弯曲半径过小导致衰耗增大，收光 -28.5 dBm；重新布放并固定，收光恢复 -18.9 dBm。",
                    after=50),
            confirm(5, "这次应该彻底好了。", after=240),
            close(by="agent.chen", after=30),
        ),
        expect="closed",
    ),
    DemoIncident(
        "inc-wifi", "huangli", "huangli", (5, "21:58"),
        report("WiFi网速很慢，卧室基本没信号",
               "办的300M宽带，客厅还行，卧室手机只有一格信号，刷视频一直转圈。",
               service="broadband", channel="wechat", account="KD-3201-0110874"),
        (
            assign("agent.zhou", by="agent.zhou", after=25),
            start(after=5),
            link("sol-wifi", after=15),
            resolve("电话指导：网线测速 290M，带宽达标；路由器放在弱电箱内，已指导移到客厅中间并优先连接 5G 信号，"
                    "建议卧室加装 Mesh 子路由。", after=20),
            confirm(3, "好了一点，卧室还是一般，考虑买个Mesh。", after=600),
            close(by="agent.zhou", after=30),
        ),
        expect="closed",
    ),
    DemoIncident(
        "inc-remote", "liufang", "agent.chen", (3, "18:36"),
        report("机顶盒遥控器按了没反应",
               "遥控器按什么都没反应，换了电池也不行，是不是坏了？",
               service="cable_tv", category="consultation", account="CATV-3201-8320100233"),
        (
            start(by="agent.chen", after=1),
            link("sol-remote", after=4),
            resolve("电话指导用户用手机相机检查，红外正常；遥控器被误切换到电视控制模式，按“机顶盒”键切回后恢复。"
                    "一线电话解决，无需上门。", after=8),
            confirm(5, "一下就弄好了，谢谢！", after=30),
            close(by="agent.chen", after=90),
        ),
        expect="closed",
    ),
    DemoIncident(
        "inc-adsl", "lijun", "agent.chen", (75, "14:05"),
        report("ADSL猫拨号不上，灯一直闪",
               "家里的宽带猫上ADSL灯一直闪，拨号说678。",
               service="broadband", area="township", account="KD-3208-0204419"),
        (
            assign("agent.he", by="agent.chen", after=15),
            start(after=120),
            link("sol-adsl", after=30),
            resolve("电话线分离器接反，重新接线后 ADSL 灯常亮，拨号正常。已告知用户本村下月改造为光纤接入。",
                    after=40),
            callback(4, "好了。", by="agent.chen", after=1000),
            close(by="agent.chen", after=5),
        ),
        expect="closed",
    ),
    DemoIncident(
        "inc-bts-ac", "agent.he", "agent.he", (14, "08:45"),
        report("青山镇柳河基站退服，监控显示交流停电",
               "动环监控 06:12 出现交流停电告警，08:40 基站退服，直流电压已降至 -44 V。",
               service="mobile", area="township", channel="field", priority="high"),
        (
            start(after=5),
            link("sol-bts-ac", after=10),
            resolve("与供电所确认线路检修停电至 15:00，携带油机上站发电，基站 09:35 恢复；"
                    "15:20 市电恢复后撤机，告警清除，共发电 5 小时 45 分。", after=400),
            confirm(None, "市电已恢复，基站运行正常。", after=30),
            close(by="lead.zhao", after=60),
        ),
        expect="closed",
    ),
    # --- resolved and verified, but the linked solution is not approved yet: closing is refused -------------
    DemoIncident(
        "inc-hht-moved", "wangxiuying", "agent.chen", 3 * DAY,
        report("户户通看不了，提示机顶盒位置移动",
               "我搬到镇上儿子家住了，把户户通机顶盒和锅一起带过来装好，开机就提示位置移动，看不了。",
               service="satellite_tv", area="township", account="HHT-3208-0012567"),
        (
            assign("agent.he", by="agent.chen", after=15),
            start(after=60),
            link("sol-hht-location", after=90),
            resolve("核实新地址（青山镇集镇）仍在直播卫星服务区，登记移机信息后在户户通管理平台提交移机申请，"
                    "审核通过后机顶盒重新定位授权，已恢复收看。", after=120),
            callback(5, "能看了，谢谢。", by="agent.chen", after=600),
            try_close(by="agent.chen", after=5),
        ),
        expect="resolved",
    ),
    DemoIncident(
        "inc-wifi-drop", "yangfan", "yangfan", 7.2 * DAY,
        report("WiFi经常断，打游戏掉线",
               "晚上打游戏WiFi隔一会儿就断一下，手机也是，网线连着的电脑没事。",
               service="broadband", channel="portal", account="KD-3201-0103352"),
        (
            assign("agent.zhou", by="agent.zhou", after=20),
            start(after=10),
            link("sol-wifi-drop", after=60),
            resolve("远程指导用户重启路由器并升级固件，观察 1 小时未再断线。", after=5),
            confirm(4, "这两天没再断了。", after=1440),
            try_close(by="agent.zhou", after=10),
        ),
        expect="resolved",
    ),
    # --- resolved, waiting for the subscriber's confirmation ------------------------------------------------
    DemoIncident(
        "inc-slow-evening", "yangfan", "agent.zhou", 20,
        report("晚上8点以后网速特别慢，打游戏延迟两三百",
               "白天测速有200多M，一到晚上8点以后就只有二三十M，打游戏延迟两三百，已经一个星期了。用网线测的也一样。",
               service="broadband", account="KD-3201-0103352"),
        (
            start(by="agent.zhou", after=5),
            escalate(2, "spec.sun", "用户网线测速晚高峰仅 30M、白天正常；一线已排除用户侧原因，怀疑 PON 口晚高峰拥塞，"
                                    "转二线核查流量。", after=20),
            start(after=30),
            link("sol-slow", after=60),
            resolve("OLT-01 0/1/3 PON 口晚高峰利用率持续 95%；已将该口下 18 户调整至空闲 PON 口，"
                    "20:00 起复测下载 280M、延迟 12 ms。请用户今晚再确认。", after=600),
        ),
        expect="resolved",
    ),
    DemoIncident(
        "inc-iptv-auth", "chenjing", "chenjing", 6,
        report("新装的IPTV开机提示认证失败",
               "昨天刚装的电视（IPTV），今天开机一直提示认证失败，获取不到IP地址。宽带能用。",
               service="iptv", channel="portal", account="IPTV-3201-0077310"),
        (
            assign("agent.zhou", by="agent.zhou", after=15),
            start(after=5),
            escalate(2, "spec.sun", "机顶盒已接 iTV 口、重启无效，IPTV 账号状态正常；新装用户，疑似 IPTV VLAN 数据错误，"
                                    "需要二线修改局端数据。", after=20),
            start(after=15),
            link("sol-vlan", after=20),
            resolve("OLT 上该 ONU 的 IPTV service-port 误配为 VLAN 54（应为 45），已改正；远程查看机顶盒已获取地址并认证成功。",
                    after=40),
        ),
        expect="resolved",
    ),
    DemoIncident(
        "inc-678", "lijun", "agent.chen", 4,
        report("宽带拨号一直提示678",
               "今天换了个新路由器，怎么拨都是678错误，换回原来的路由器也不行了。",
               service="broadband", area="township", account="KD-3208-0204419"),
        (
            start(by="agent.chen", after=3),
            link("sol-678", after=10),
            resolve("电话指导：路由器 WAN 口网线误接在光猫 iTV 口，改接网口 1 后拨号成功。", after=15),
        ),
        expect="resolved",
    ),
    # --- back in work: the subscriber rejected the fix; a closed incident reopened -------------------------
    DemoIncident(
        "inc-drops", "huangli", "agent.zhou", 30,
        report("宽带每天晚上掉线好几次",
               "这一个礼拜每天晚上都掉线好几次，光猫上的灯有时候会红一下。",
               service="broadband", account="KD-3201-0110874"),
        (
            assign("agent.wu", by="agent.zhou", after=10),
            start(after=60),
            link("sol-los", after=40),
            resolve("收光 -26.8 dBm 临界，清洁光猫侧光纤连接头后收光 -25.9 dBm，观察 30 分钟未掉线。", after=40),
            reject_fix("还是不行，昨晚又掉了两次。", after=900),
        ),
        expect="in_progress",
    ),
    DemoIncident(
        "inc-nosignal-reopened", "liufang", "agent.chen", (5, "19:30"),
        report("电视没信号了，提示信号中断",
               "今天打开电视所有台都显示“信号中断，请检查信号线”。线我看了是插好的。",
               service="cable_tv", account="CATV-3201-8320100233"),
        (
            assign("agent.wu", by="agent.chen", after=10),
            start(after=50),
            link("sol-nosignal", after=40),
            resolve("楼道分支器输出口 F 头松动，重新制作并紧固，用户端电平 62 dBμV，信号恢复。", after=30),
            confirm(4, "好了。", after=720),
            close(by="agent.chen", after=60),
            reopen("今天又没信号了，和上次一模一样，是不是没修好？", by="liufang", after=3 * 1440),
        ),
        expect="in_progress",
    ),
    # --- in progress ------------------------------------------------------------------------------------
    DemoIncident(
        "inc-bts-rectifier", "agent.he", "agent.he", 3,
        report("青山镇东岗基站退服，交流正常直流电压低",
               "监控显示交流输入 228 V 正常，直流电压 -45.8 V 且持续下降，3 个整流模块中 2 个告警，已退服 20 分钟。",
               service="mobile", area="township", channel="field", priority="urgent"),
        (
            start(after=5),
            link("sol-bts-rect", after=10),
        ),
        expect="in_progress",
    ),
    DemoIncident(
        "inc-dns", "liufang", "agent.zhou", 4.5,
        report("微信能用但网页打不开",
               "电脑上微信QQ都能用，但是浏览器打开什么网页都显示找不到服务器，手机连WiFi也一样。",
               service="broadband", account="KD-3201-0091457"),
        (
            start(by="agent.zhou", after=5),
            link("sol-dns", after=60),
        ),
        expect="in_progress",
    ),
    # --- pending, each with its reason -------------------------------------------------------------------
    DemoIncident(
        "inc-power", "zhoulan", "agent.chen", 26,
        report("光猫所有灯都不亮了，电话也打不了",
               "早上起来光猫一个灯都不亮，插座是好的，电源按钮也按了。上网和家里座机都用不了。",
               service="broadband", account="KD-3201-0120036"),
        (
            assign("agent.wu", by="agent.chen", after=12),
            start(after=90),
            link("sol-power", after=30),
            pend("光猫电源适配器损坏，需更换同规格适配器（12V 1.5A），已提交备件申请 BJ-1122-07，"
                 "预计明天上午到货后上门。", after=15),
        ),
        expect="pending",
    ),
    DemoIncident(
        "inc-village-tv", "majianguo", "agent.zhou", 28,
        report("电视只有十几个台能看，其他台都是马赛克",
               "村委会的有线电视只有十几个台清楚，其他台一块一块的。",
               service="cable_tv", area="township", account="CATV-3208-0045521"),
        (
            assign("agent.he", by="agent.zhou", after=20),
            pend("与用户（村委会马主任）约定周六上午 9 点上门，工作日村委会无人。", after=40),
        ),
        expect="pending",
    ),
    DemoIncident(
        "inc-leased-loss", "zhaolei", "agent.chen", 50,
        report("专线晚上丢包严重，视频会议一卡一卡的",
               "最近三天晚上 7 点到 10 点，医院和市医保中心的视频会议很卡，ping 对端有丢包，白天基本正常。",
               service="leased_line", account="JK-ZX-0231", priority="high"),
        (
            start(by="agent.chen", after=2),
            link("sol-leased-ping", after=10),
            escalate(2, "spec.sun", "一线远程指导客户 ping 对端网关 1472 字节 1000 包，晚高峰丢包 3%；客户侧设备 CPU、"
                                    "端口正常，需二线核查汇聚和传输。", after=20),
            start(after=10),
            escalate(3, "spec.huang", "二线核查汇聚交换机端口无拥塞、无错包；传输网管显示该业务所在 MSTP 端口晚间误码增多，"
                                      "收光 -24 dBm 偏低，需三线处理传输段。", after=180),
            start(after=30),
            pend("需更换县医院侧 MSTP 设备光模块，涉及同一传输环上的其他业务，已申请最近的夜间割接窗口，等待变更审批。",
                 after=120),
        ),
        expect="pending",
    ),
    # --- assigned, not started --------------------------------------------------------------------------
    DemoIncident(
        "inc-smartcard", "huangli", "agent.chen", 2,
        report("机顶盒提示请插入智能卡，卡一直插着的",
               "电视开机显示E04请插入智能卡，卡我拔出来擦了又插进去还是一样。",
               service="cable_tv", account="CATV-3201-0098812"),
        (assign("agent.wu", by="agent.chen", after=10),),
        expect="assigned",
    ),
    DemoIncident(
        "inc-upgrade", "zhangwei", "zhangwei", 5,
        report("想把宽带提速到500M，要不要换光猫？",
               "现在是200M，想升级到500M，家里的光猫是几年前装的，需要换吗？换的话多少钱？",
               service="broadband", category="request", channel="portal", account="KD-3201-0088123"),
        (assign("agent.zhou", by="agent.zhou", after=25),),
        expect="assigned",
    ),
    DemoIncident(
        "inc-complaint", "majianguo", "agent.zhou", 7,
        report("电视坏了说要等到周六才来修，太慢了",
               "村委会电视只有十几个台，你们说周六才能来。村里老人每天都来村委会看电视，能不能早点来？",
               service="cable_tv", category="complaint", area="township", account="CATV-3208-0045521",
               priority="high"),
        (assign("agent.he", by="agent.zhou", after=10),),
        expect="assigned",
    ),
    # --- new, nobody has picked them up yet --------------------------------------------------------------
    DemoIncident(
        "inc-wifi-password", "chenjing", "chenjing", 0.1,
        report("WiFi名字和密码怎么改",
               "想把家里WiFi密码改一下，邻居好像在蹭网，在哪里改？",
               service="broadband", category="consultation", channel="portal", account="KD-3201-0077311"),
        (),
        expect="new",
    ),
    DemoIncident(
        "inc-village-outage", "lijun", "agent.chen", 0.3,
        report("电视没信号，宽带也上不了网，全村好像都这样",
               "青山镇柳河村，从半小时前开始电视和宽带都断了，问了邻居也都一样。",
               service="broadband", area="township", account="KD-3208-0204419", priority="high"),
        (),
        expect="new",
    ),
    DemoIncident(
        "inc-village-neighbour", "majianguo", "agent.chen", 0.2,
        report("柳河村电视和网络都断了",
               "我是柳河村的，家里电视没信号，宽带也断了，隔壁几家都一样。",
               service="broadband", area="township", account="CATV-3208-0045521"),
        (duplicate_of("inc-village-outage", "同村整片中断，与先前报障为同一故障", by="agent.chen"),),
        expect="duplicate",
    ),
    DemoIncident(
        "inc-withdrawn", "chenjing", "agent.zhou", 5,
        report("家里网断了",
               "晚饭后网络突然断了，光猫灯都不亮。",
               service="broadband", account="KD-3201-0077311"),
        (cancel("用户回电：家里跳闸导致光猫断电，合闸后已恢复上网，撤销报修", by="agent.zhou"),),
        expect="cancelled",
    ),
    DemoIncident(
        "inc-los-new", "yangfan", "yangfan", 0.75,
        report("光猫红灯闪，网断了",
               "光猫LOS红灯一直闪，手机电脑都上不了网。",
               service="broadband", channel="wechat", account="KD-3201-0103352"),
        (),
        expect="new",
    ),
)
