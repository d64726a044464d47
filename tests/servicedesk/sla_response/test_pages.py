"""The pages: the queue's "response overdue" tab and badge, the call-back attempts page and its two forms."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from sqlalchemy import select

from servicedesk.incidents.models import CallbackAttempt, Verification
from servicedesk.incidents.workflow import VerificationMethod


def _text(response) -> str:
    return unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True)))


def test_queue_tab_and_badge_in_both_languages(s, page, reported, agent):
    late = reported(ago=timedelta(hours=1))
    fresh = reported()
    zh = page(agent, "zh_CN").get("/desk/incidents?tab=response_overdue")
    assert zh.status_code == 200, zh.headers.get("Location")
    body = zh.get_data(as_text=True)
    assert late.number in body and fresh.number not in body
    assert "响应超时" in _text(zh) and 'data-count="response_overdue"' in body
    en = page(agent, "en").get("/desk/incidents?tab=response_overdue")
    assert "Response overdue" in _text(en)
    # Everywhere in the queue the unanswered incident carries the badge; the detail page too.
    open_tab = page(agent, "en").get("/desk/incidents?tab=open").get_data(as_text=True)
    assert open_tab.count('data-sla="response_overdue"') == 1
    detail = page(agent, "en").get(f"/desk/incidents/{late.id}").get_data(as_text=True)
    assert 'data-sla="response_overdue"' in detail


def test_agent_logs_attempts_from_the_page(s, page, awaiting, agent):
    inc = awaiting()
    client = page(agent)
    shown = client.get(f"/desk/incidents/{inc.id}/callbacks")
    assert shown.status_code == 200 and "No call-back attempt recorded yet." in _text(shown)
    assert f"/desk/incidents/{inc.id}/callbacks" in client.get(f"/desk/incidents/{inc.id}").get_data(as_text=True)
    # Nothing chosen: the error stands beside the field, nothing is saved.
    bad = client.post(f"/desk/incidents/{inc.id}/callback-attempts",
                      data={"att-version": str(inc.version), "att-note": "关机"})
    assert bad.status_code == 400
    assert 'id="att-outcome-err"' in bad.get_data(as_text=True) and "关机" in bad.get_data(as_text=True)
    assert s.scalars(select(CallbackAttempt)).all() == []
    ok = client.post(f"/desk/incidents/{inc.id}/callback-attempts",
                     data={"att-version": str(inc.version), "att-outcome": "unreachable", "att-note": "用户关机"})
    assert ok.status_code == 302
    attempts = s.scalars(select(CallbackAttempt)).all()
    assert [(a.outcome.value, a.by_id, a.note) for a in attempts] == [("unreachable", agent.id, "用户关机")]
    listed = _text(client.get(f"/desk/incidents/{inc.id}/callbacks"))
    assert "Not reached" in listed and "用户关机" in listed and "Failed attempts since the fix: 1 of 3" in listed


def test_the_forms_need_the_csrf_token(app, page, awaiting, agent):
    inc = awaiting()
    app.config["WTF_CSRF_ENABLED"] = True
    refused = page(agent).post(f"/desk/incidents/{inc.id}/callback-attempts",
                               data={"att-version": str(inc.version), "att-outcome": "unreachable"})
    assert refused.status_code == 400


def test_lead_records_unreachable_only_once_the_rule_is_met(s, page, awaiting, agent, lead):
    inc = awaiting()
    client = page(lead)
    early = client.post(f"/desk/incidents/{inc.id}/unreachable", data={"unr-version": str(inc.version)})
    assert early.status_code == 409
    assert "Not yet: a subscriber counts as unreachable after 3 failed call-back attempts" in _text(early)
    assert s.scalars(select(Verification)).all() == []
    # Agents may not record it at all.
    assert page(agent).post(f"/desk/incidents/{inc.id}/unreachable",
                            data={"unr-version": str(inc.version)}).status_code == 403
    for hours in (60, 30, 2):
        r = page(agent).post(f"/desk/incidents/{inc.id}/callback-attempts", data={
            "att-version": str(inc.version), "att-outcome": "unreachable",
            "att-called_at": (inc.resolved_at + timedelta(hours=72 - hours)).strftime("%Y-%m-%dT%H:%M")})
        assert r.status_code == 302, _text(r)
    ready = _text(page(lead).get(f"/desk/incidents/{inc.id}/callbacks"))
    assert "a lead may record the verification as “unreachable”" in ready
    done = page(lead).post(f"/desk/incidents/{inc.id}/unreachable",
                           data={"unr-version": str(inc.version), "unr-comment": "三次未接通"})
    assert done.status_code == 302
    v = s.scalars(select(Verification)).one()
    assert (v.method, v.accepted, v.rating, v.comment) == (VerificationMethod.UNREACHABLE, True, None, "三次未接通")
    history = _text(page(lead).get(f"/desk/incidents/{inc.id}"))
    assert "Call-back attempt: subscriber not reached" in history
    assert "Subscriber unreachable (recorded by a lead)" in history
    # The incident page itself shows the attempts and says how the fix was verified.
    raw = page(lead).get(f"/desk/incidents/{inc.id}").get_data(as_text=True)
    assert 'id="callbacks"' in raw and raw.count('data-outcome="unreachable"') == 3
    assert f"Recorded as unreachable by {lead.name}, after the call-backs failed" in history
