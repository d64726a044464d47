"""The self-service portal: popular answers, reporting a fault, following it, judging the fix."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select, update

from kb.models import Article
from servicedesk import db
from servicedesk.incidents import services as svc
from servicedesk.incidents.models import Incident
from servicedesk.incidents.workflow import IncidentStatus
from servicedesk.users.models import User
from tests import factories
from tests.servicedesk.web_shell.conftest import text

REPORT = {
    "service": "broadband",
    "customer_account": "GD20240001",
    "area": "township",
    "title": "宽带无法上网，光猫 LOS 红灯闪",
    "description": "昨晚开始断网，重启光猫也没用。",
    "contact_phone": "13812345678",
    "address": "幸福小区 3 栋 2 单元 501",
}


def _count(**where: object) -> int:
    return db.session.scalar(select(func.count()).select_from(Incident).filter_by(**where)) or 0


def test_home_has_the_search_box_and_popular_public_answers(client, agent: User, lead: User):
    popular = factories.approved_article(agent, lead, title="光猫 LOS 红灯：先查尾纤")
    quiet = factories.approved_article(agent, lead, title="宽带拨号 691 错误的处理", fault_codes=["691"])
    internal = factories.approved_article(agent, lead, title="OLT 板卡更换内部流程", visibility="internal")
    draft = factories.article(agent, title="草稿：机顶盒黑屏")
    tv = factories.approved_article(agent, lead, title="机顶盒无信号怎么办", services=["cable_tv"])
    db.session.execute(update(Article).where(Article.id == popular.id).values(view_count=50))
    db.session.execute(update(Article).where(Article.id == quiet.id).values(view_count=5))

    html = text(client.get("/"))
    assert 'action="/kb/search"' in html and 'name="q"' in html
    assert 'data-suggest="/api/v1/search/suggest"' in html
    assert html.index("光猫 LOS 红灯：先查尾纤") < html.index("宽带拨号 691 错误的处理")
    assert f'href="/kb/{popular.id}"' in html and f'href="/kb/{tv.id}"' in html
    assert internal.title not in html and draft.title not in html
    assert 'href="/report"' in html
    assert "30 分钟内联系您" in html


def test_report_needs_login(client):
    assert client.get("/report").headers["Location"].startswith("/login?next=%2Freport")


def test_report_creates_one_incident_and_promises_a_call(app: Flask, subscriber: User):
    client = app.test_client(user=subscriber)
    assert client.get("/report").status_code == 200
    response = client.post("/report", data=REPORT, follow_redirects=True)
    assert response.status_code == 200
    assert _count(reporter_id=subscriber.id) == 1
    incident = db.session.scalars(select(Incident).where(Incident.reporter_id == subscriber.id)).one()
    assert incident.channel.value == "portal" and incident.category.value == "fault"
    assert incident.area.value == "township" and incident.customer_account == "GD20240001"
    html = text(response)
    assert incident.number in html
    assert "我们将在 30 分钟内联系您" in html
    assert response.request.path == f"/my/incidents/{incident.id}"


def test_leased_line_promise_is_five_minutes(app: Flask, subscriber: User):
    client = app.test_client(user=subscriber)
    html = text(client.post("/report", data={**REPORT, "service": "leased_line"}, follow_redirects=True))
    assert "我们将在 5 分钟内联系您" in html


def test_bad_report_keeps_the_text_shows_the_error_by_the_field_and_creates_nothing(app: Flask, subscriber: User):
    client = app.test_client(user=subscriber)
    response = client.post("/report", data={**REPORT, "title": "", "service": ""})
    html = text(response)
    assert response.status_code == 200
    assert _count() == 0
    assert "昨晚开始断网，重启光猫也没用。" in html
    assert 'value="GD20240001"' in html
    title_block = html[html.index('for="title"'):html.index('for="description"')]
    assert "请用几个字描述问题" in title_block and 'aria-invalid="true"' in title_block
    service_block = html[html.index('for="service"'):html.index('for="title"')]
    assert "请选择出现故障的业务" in service_block


def test_too_long_title_is_refused(app: Flask, subscriber: User):
    client = app.test_client(user=subscriber)
    html = text(client.post("/report", data={**REPORT, "title": "慢" * 201}))
    assert _count() == 0
    assert "慢" * 201 in html


def test_my_incidents_shows_only_my_own(app: Flask, agent: User, subscriber: User):
    neighbour = factories.user(username="li.si", display_name="李四")
    factories.incident(subscriber, title="张伟的电视没信号", service="cable_tv")
    factories.incident(neighbour, title="李四家宽带很慢")
    factories.incident(agent, reporter=subscriber, title="热线代报：机顶盒重启")
    html = text(app.test_client(user=subscriber).get("/my/incidents"))
    assert "张伟的电视没信号" in html and "热线代报：机顶盒重启" in html
    assert "李四家宽带很慢" not in html


def test_my_incidents_is_paginated(app: Flask, subscriber: User):
    for n in range(23):
        factories.incident(subscriber, title=f"第{n:02d}号报修")
    client = app.test_client(user=subscriber)
    first = text(client.get("/my/incidents"))
    assert first.count('class="card incident-card') == 20
    assert "第 1 / 2 页" in first and 'href="/my/incidents?page=2"' in first
    second = text(client.get("/my/incidents?page=2"))
    assert second.count('class="card incident-card') == 3


def test_another_subscribers_incident_is_404(app: Flask, subscriber: User):
    neighbour = factories.user(username="li.si", display_name="李四")
    theirs = factories.incident(neighbour, title="李四家宽带很慢")
    client = app.test_client(user=subscriber)
    assert client.get(f"/my/incidents/{theirs.id}").status_code == 404
    reject = {"reject-reason": "x", "reject-submit": "1"}
    assert client.post(f"/my/incidents/{theirs.id}", data=reject).status_code == 404
    assert client.get("/my/incidents/999999").status_code == 404
    assert theirs.status == IncidentStatus.NEW


def test_staff_are_sent_to_the_desk_page(app: Flask, agent: User, subscriber: User):
    incident = factories.incident(subscriber)
    response = app.test_client(user=agent).get(f"/my/incidents/{incident.id}")
    assert response.headers["Location"] == f"/desk/incidents/{incident.id}"


def test_timeline_and_the_public_solution(app: Flask, agent: User, lead: User, subscriber: User):
    solution = factories.approved_article(agent, lead)
    incident = factories.resolved_incident(agent, subscriber, solution)
    html = text(app.test_client(user=subscriber).get(f"/my/incidents/{incident.id}"))
    assert "已收到报修" in html and "已修复，等待您确认" in html
    assert "已更换尾纤，收光恢复 -18 dBm" in html
    assert f'href="/kb/{solution.id}"' in html and solution.title in html
    assert agent.username not in html  # staff names stay on the staff pages


def test_internal_solution_is_not_linked(app: Flask, agent: User, lead: User, subscriber: User):
    solution = factories.approved_article(agent, lead, title="OLT 端口内部处理", visibility="internal")
    incident = factories.resolved_incident(agent, subscriber, solution)
    html = text(app.test_client(user=subscriber).get(f"/my/incidents/{incident.id}"))
    assert f'href="/kb/{solution.id}"' not in html and "OLT 端口内部处理" not in html


def test_confirm_the_fix_with_stars(app: Flask, agent: User, subscriber: User):
    incident = factories.resolved_incident(agent, subscriber)
    client = app.test_client(user=subscriber)
    page = text(client.get(f"/my/incidents/{incident.id}"))
    assert "问题解决了吗" in page

    no_stars = text(client.post(f"/my/incidents/{incident.id}",
                                data={"confirm-comment": "好了", "confirm-submit": "1"}))
    assert "请选择 1 到 5 颗星" in no_stars and not incident.verified

    done = client.post(f"/my/incidents/{incident.id}",
                       data={"confirm-rating": "5", "confirm-comment": "师傅很专业", "confirm-submit": "1"},
                       follow_redirects=True)
    # One thank-you, in place of the question (no second one flashed above it).
    assert text(done).count("感谢您") == 1 and "感谢您确认修复" in text(done)
    assert incident.verified and incident.status == IncidentStatus.RESOLVED
    assert incident.verifications[-1].rating == 5 and incident.verifications[-1].comment == "师傅很专业"
    assert "师傅很专业" in text(done)


def test_reject_the_fix_needs_a_reason(app: Flask, agent: User, subscriber: User):
    incident = factories.resolved_incident(agent, subscriber)
    client = app.test_client(user=subscriber)
    refused = client.post(f"/my/incidents/{incident.id}", data={"reject-reason": "  ", "reject-submit": "1"})
    assert refused.status_code == 200
    assert "请告诉我们还有什么问题" in text(refused)
    assert incident.status == IncidentStatus.RESOLVED and not incident.verifications

    done = client.post(f"/my/incidents/{incident.id}", data={"reject-reason": "晚上还是掉线", "reject-submit": "1"},
                       follow_redirects=True)
    assert incident.status == IncidentStatus.IN_PROGRESS
    assert incident.verifications[-1].accepted is False
    assert "很抱歉" in text(done)


def test_verdict_on_an_open_incident_is_refused_politely(app: Flask, subscriber: User):
    incident = factories.incident(subscriber)
    client = app.test_client(user=subscriber)
    response = client.post(f"/my/incidents/{incident.id}", data={"confirm-rating": "4", "confirm-submit": "1"},
                           follow_redirects=True)
    assert "该工单在此期间已有变化" in text(response)
    assert not incident.verifications


def test_reopen_a_closed_incident(app: Flask, s, agent: User, lead: User, subscriber: User):
    incident = factories.resolved_incident(agent, subscriber, factories.approved_article(agent, lead))
    svc.verify_incident(s, incident, subscriber, accepted=True, rating=4)
    svc.close_incident(s, incident, agent)
    client = app.test_client(user=subscriber)
    assert "问题又出现了" in text(client.get(f"/my/incidents/{incident.id}"))
    missing = text(client.post(f"/my/incidents/{incident.id}", data={"reopen-reason": "", "reopen-submit": "1"}))
    assert "请告诉我们发生了什么" in missing
    client.post(f"/my/incidents/{incident.id}", data={"reopen-reason": "又断网了", "reopen-submit": "1"})
    assert incident.status == IncidentStatus.IN_PROGRESS
