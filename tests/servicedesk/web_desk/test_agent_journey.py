"""The agent's day through the pages: search first, link, write, resolve, call back, close once approved."""

from __future__ import annotations

from html import unescape

from sqlalchemy import select

from kb.models import Article
from kb.workflow import ArticleStatus, RevisionStatus
from servicedesk.incidents.models import Incident
from servicedesk.incidents.workflow import IncidentStatus
from tests import factories
from tests.servicedesk.web_desk.conftest import text

NOT_APPROVED = "The linked solution has not been approved by a technical lead (content and form review)."


def test_agent_journey_from_queue_to_close(s, page, agent, lead, subscriber):
    los = factories.approved_article(agent, lead)
    factories.approved_article(agent, lead, title="机顶盒无信号的处理", services=["cable_tv"], tags=["机顶盒"],
                               fault_codes=["E-102"], symptom="电视没信号，机顶盒提示 E-102。",
                               steps="1. 检查信号线\n2. 重启机顶盒")
    inc = factories.incident(agent, reporter=subscriber)
    desk = page(agent)

    # The queue lists it; the incident page suggests the fitting approved solution beside the description.
    queue = text(desk.get("/desk/incidents"))
    assert inc.number in queue
    detail = desk.get(f"/desk/incidents/{inc.id}")
    assert detail.status_code == 200
    body = text(detail)
    assert "Suggested solutions" in body
    assert los.title in body
    assert f'name="link-article_id" value="{los.id}"' in body

    # One click links it.
    r = desk.post(f"/desk/incidents/{inc.id}/solution", data={"link-article_id": str(los.id)})
    assert r.status_code == 302
    s.refresh(inc)
    assert inc.solution_id == los.id

    # The agent decides a new solution is needed: written from the incident, linked as a draft on save.
    form = text(desk.get(f"/kb/new?type=solution&incident={inc.id}"))
    assert "Symptom" in form and "Fault / alarm codes" in form and 'name="body"' not in form
    assert inc.title in unescape(form)
    r = desk.post(f"/kb/new?type=solution&incident={inc.id}", data={
        "title": "光猫 LOS 红灯：分光器端口松动", "symptom": "LOS 红灯闪烁，同一分光器下多户断网。",
        "cause": "分光器端口松动。", "steps": "1. 到分光箱检查端口\n2. 重新插紧并测光功率",
        "services": ["broadband"], "category": "FTTH", "tags": "光猫, 分光器", "fault_codes": "los",
        "device_models": "HG8245H", "visibility": "public",
    })
    assert r.status_code == 302
    new = s.scalar(select(Article).where(Article.id != los.id).order_by(Article.id.desc()))
    assert new is not None and new.status == ArticleStatus.DRAFT
    assert new.latest.fault_codes == ["LOS"]
    s.refresh(inc)
    assert inc.solution_id == new.id
    assert r.headers["Location"].endswith(f"/kb/{new.id}")
    assert "Submit for review" in text(desk.get(f"/kb/{new.id}"))

    r = desk.post(f"/kb/{new.id}/submit")
    assert r.status_code == 302
    s.refresh(new)
    assert new.status == ArticleStatus.IN_REVIEW

    # Resolve with a note, record the call-back.
    assert desk.post(f"/desk/incidents/{inc.id}/resolve", data={"resolve-note": "已紧固分光器端口，收光 -19 dBm"}
                     ).status_code == 302
    r = desk.post(f"/desk/incidents/{inc.id}/callback",
                  data={"cb-accepted": "yes", "cb-rating": "5", "cb-comment": "回访：上网正常"})
    assert r.status_code == 302
    s.refresh(inc)
    assert inc.status == IncidentStatus.RESOLVED and inc.verified

    # Closing is refused while the solution waits for review, with the exact reason on the page.
    page_now = text(desk.get(f"/desk/incidents/{inc.id}"))
    assert NOT_APPROVED in page_now
    r = desk.post(f"/desk/incidents/{inc.id}/close")
    assert r.status_code == 409
    assert NOT_APPROVED in text(r)
    s.refresh(inc)
    assert inc.status == IncidentStatus.RESOLVED

    # The lead reviews: both checks, approve.
    review_desk = page(lead)
    queue = text(review_desk.get("/kb/review"))
    assert new.latest.title in queue
    review_page = text(review_desk.get(f"/kb/{new.id}/review"))
    assert inc.number in review_page  # the linked incident, for the content check
    assert "Form checklist" in review_page
    r = review_desk.post(f"/kb/{new.id}/review", data={"content_ok": "y", "form_ok": "y", "decision": "approve",
                                                       "comment": "内容贴合，表单正确"})
    assert r.status_code == 302
    s.refresh(new)
    assert new.status == ArticleStatus.APPROVED

    # Now the agent closes.
    assert "The fix is verified and the linked solution is approved." in text(desk.get(f"/desk/incidents/{inc.id}"))
    r = desk.post(f"/desk/incidents/{inc.id}/close")
    assert r.status_code == 302
    s.refresh(inc)
    assert inc.status == IncidentStatus.CLOSED
    history = text(desk.get(f"/desk/incidents/{inc.id}"))
    assert "Closed" in history and "Solution linked" in history and "Fix verified" in history


def test_close_area_lists_every_blocker(s, page, agent, subscriber):
    inc = factories.resolved_incident(agent, subscriber)
    body = text(page(agent).get(f"/desk/incidents/{inc.id}"))
    assert "No solution is linked to this incident." in body
    assert "The reporting user has not verified the fix (self-service or call-back)." in body


def test_refused_close_without_solution_says_why(s, page, agent, subscriber):
    inc = factories.resolved_incident(agent, subscriber)
    r = page(agent).post(f"/desk/incidents/{inc.id}/close")
    assert r.status_code == 409
    assert "No solution is linked to this incident." in text(r)
    s.refresh(inc)
    assert inc.status == IncidentStatus.RESOLVED


def test_new_incident_for_a_subscriber_or_for_no_one(s, page, agent, subscriber):
    desk = page(agent)
    data = {"title": "电视没信号", "description": "机顶盒提示 E-102", "service": "cable_tv", "category": "fault",
            "area": "township", "channel": "hotline", "priority": "normal", "customer_account": "GD20240077"}
    r = desk.post("/desk/incidents/new", data={**data, "reporter": "zhang.wei"})
    assert r.status_code == 302
    inc = s.scalar(select(Incident).order_by(Incident.id.desc()))
    assert inc.reporter_id == subscriber.id and inc.created_by_id == agent.id
    assert r.headers["Location"].endswith(f"/desk/incidents/{inc.id}")

    r = desk.post("/desk/incidents/new", data={**data, "reporter": ""})
    assert r.status_code == 302
    inc = s.scalar(select(Incident).order_by(Incident.id.desc()))
    assert inc.reporter_id == agent.id

    count = s.query(Incident).count()
    r = desk.post("/desk/incidents/new", data={**data, "reporter": "nobody.here", "title": "保留的标题"})
    assert r.status_code == 400
    body = text(r)
    assert "No active user has this username." in body
    assert "保留的标题" in body
    assert s.query(Incident).count() == count


def test_escalate_assign_pend_resume_reopen(s, page, agent, lead, subscriber):
    specialist = factories.user(factories.Role.SPECIALIST, "zhao.l2", display_name="赵工")
    inc = factories.incident(agent, reporter=subscriber)
    desk = page(agent)
    assert desk.post(f"/desk/incidents/{inc.id}/assign", data={"assign-assignee": str(agent.id)}).status_code == 302
    assert desk.post(f"/desk/incidents/{inc.id}/start").status_code == 302
    assert desk.post(f"/desk/incidents/{inc.id}/pend", data={"pend-reason": "等用户在家"}).status_code == 302
    s.refresh(inc)
    assert inc.status == IncidentStatus.PENDING
    assert desk.post(f"/desk/incidents/{inc.id}/resume").status_code == 302
    r = desk.post(f"/desk/incidents/{inc.id}/escalate",
                  data={"esc-tier": "2", "esc-reason": "需要 OLT 侧排查", "esc-assignee": str(specialist.id)})
    assert r.status_code == 302
    s.refresh(inc)
    assert inc.tier == 2 and inc.assignee_id == specialist.id
    assert desk.post(f"/desk/incidents/{inc.id}/resolve", data={"resolve-note": "OLT 端口复位"}).status_code == 302
    assert desk.post(f"/desk/incidents/{inc.id}/reopen", data={"reopen-reason": "用户又断网"}).status_code == 302
    s.refresh(inc)
    assert inc.status == IncidentStatus.IN_PROGRESS and inc.reopen_count == 1
    body = text(desk.get(f"/desk/incidents/{inc.id}"))
    assert "需要 OLT 侧排查" in body and "L1 → L2" in body and "用户又断网" in body


def test_revision_status_shown_for_staff(s, page, agent, lead):
    art = factories.approved_article(agent, lead)
    body = text(page(agent).get(f"/kb/{art.id}"))
    assert "Revision 1 is approved and live" in body
    assert art.live_revision.status == RevisionStatus.APPROVED
