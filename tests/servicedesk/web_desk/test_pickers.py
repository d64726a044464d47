"""The people pickers offer the people who work incidents: assignment lists agents, specialists and leads; the
escalation picker lists the tiers above first line; group-leader and zone-manager pickers leave the
administrator out. Inactive people are never offered."""

from __future__ import annotations

import re

from kb.actors import Role
from servicedesk.org import services as org
from tests import factories
from tests.servicedesk.web_desk.conftest import text


def _options(html: str, select_name: str) -> set[str]:
    block = re.search(rf'<select[^>]*name="{re.escape(select_name)}"[^>]*>(.*?)</select>', html, re.S)
    assert block, f"no picker named {select_name}"
    return set(re.findall(r'<option[^>]*>([^<]*)</option>', block.group(1)))


def test_desk_pickers_offer_working_staff_only(page, s, agent, admin, subscriber):
    specialist = factories.user(Role.SPECIALIST, "li.spec", display_name="李专家")
    lead = factories.user(Role.LEAD, "wang.lead", display_name="王组长")
    factories.user(Role.AGENT, "gone.agent", display_name="离职的人", active=False)
    inc = factories.incident(agent, subscriber)
    html = text(page(agent).get(f"/desk/incidents/{inc.id}"))
    assign = " ".join(_options(html, "assign-assignee"))
    assert agent.username in assign and "li.spec" in assign and "wang.lead" in assign
    assert admin.username not in assign and "gone.agent" not in assign and subscriber.username not in assign
    escalate = " ".join(_options(html, "esc-assignee"))
    assert "li.spec" in escalate and "wang.lead" in escalate
    assert agent.username not in escalate and admin.username not in escalate
    assert specialist.id and lead.id


def test_leader_and_manager_pickers_leave_the_admin_out(page, s, agent, admin):
    station = org.create_station(s, admin, "城东服务站")
    org.create_group(s, admin, station, "城东一组")
    html = text(page(admin).get("/desk/org"))
    for name in ("leader", "manager"):
        offered = _options(html, name)
        assert any(agent.display_name in o or agent.username in o for o in offered), (name, offered)
        assert not any(admin.username in o or (admin.display_name or "@@") in o for o in offered), (name, offered)
