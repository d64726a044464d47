"""The queue as a table: chosen columns, sorting by a header, the rows fragment the page refreshes itself with,
saved views per person (two saves of one name at once: one view), and bulk actions with the same checks as one
at a time (all or none, stale versions refused)."""

from __future__ import annotations

import re
import threading

from sqlalchemy import select

from kb.actors import Role
from servicedesk import db
from servicedesk.incidents import saved_views
from servicedesk.incidents import services as svc
from servicedesk.incidents.models import Incident, QueueView
from servicedesk.incidents.workflow import IncidentStatus
from servicedesk.users.models import User
from tests import factories
from tests.servicedesk.web_desk.conftest import text


def _headers(body: str) -> list[str]:
    return re.findall(r'<th scope="col" data-col="(\w+)"', body)


def test_the_table_shows_the_chosen_columns_and_sorts_by_a_header(s, page, agent, subscriber):
    old = factories.incident(agent, reporter=subscriber, title="早先的报障")
    new = factories.incident(agent, reporter=subscriber, title="刚来的报障")
    client = page(agent)
    body = text(client.get("/desk/incidents?tab=all"))
    assert _headers(body) == ["number", "title", "status", "sla", "service", "zone", "assignee", "subscriber",
                              "created", "chases"]
    assert body.index("刚来的报障") < body.index("早先的报障")  # newest first
    assert 'data-col="created" aria-sort="descending"' in body
    body = text(client.get("/desk/incidents?tab=all&cols=zone&cols=tier&cols=bogus"))
    assert _headers(body) == ["number", "title", "zone", "tier"]
    # The created header's link turns the order round, keeping the columns chosen.
    link = re.search(r'data-col="created"[^>]*>\s*<a href="([^"]+)"', text(client.get("/desk/incidents?tab=all")))
    assert link and "sort=oldest" in link.group(1)
    body = text(client.get(link.group(1).replace("&amp;", "&")))
    assert body.index("早先的报障") < body.index("刚来的报障")
    assert 'aria-sort="ascending"' in body
    assert f'data-id="{old.id}"' in body and f'data-id="{new.id}"' in body


def test_the_rows_alone_come_for_a_refresh(s, page, agent, subscriber):
    factories.incident(agent, reporter=subscriber, title="刷新看得到我")
    r = page(agent).get("/desk/incidents?tab=all", headers={"X-Queue-Refresh": "rows"})
    body = text(r)
    assert r.status_code == 200 and body.lstrip().startswith("<tbody data-rows>") and "刷新看得到我" in body
    assert "<html" not in body and 'name="version-' in body


def test_saved_views_belong_to_their_owner(s, page, agent, lead):
    client = page(agent)
    r = client.post("/desk/incidents/views", data={"name": "城东故障", "query": "tab=all&zone=CD-01&page=3&x=1"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/desk/incidents?tab=all&zone=CD-01")
    [view] = s.scalars(select(QueueView).where(QueueView.user_id == agent.id)).all()
    assert view.query == "tab=all&zone=CD-01"  # the page number and unknown keys are not kept
    body = text(client.get("/desk/incidents"))
    assert "城东故障" in body and "?tab=all&amp;zone=CD-01" in body
    client.post("/desk/incidents/views", data={"name": "城东故障", "query": "tab=mine"})  # same name: replaced
    s.expire_all()
    assert [v.query for v in s.scalars(select(QueueView).where(QueueView.user_id == agent.id))] == ["tab=mine"]
    other = page(lead)
    assert "城东故障" not in text(other.get("/desk/incidents"))
    assert other.post(f"/desk/incidents/views/{view.id}/delete").status_code == 404
    assert client.post("/desk/incidents/views", data={"name": "", "query": "tab=all"}).status_code == 302
    assert client.post(f"/desk/incidents/views/{view.id}/delete").status_code == 302
    assert s.scalars(select(QueueView).where(QueueView.user_id == agent.id)).all() == []


def test_two_saves_of_one_name_at_once_leave_one_view(committed):
    setup = committed()
    user = User(username="views.racer", display_name="赛", role=Role.AGENT, password_hash=factories.password_hash())
    setup.add(user)
    setup.commit()
    setup.close()
    gate = threading.Barrier(2, timeout=30)
    errors: list[BaseException] = []

    def save(query: str) -> None:
        s = committed()
        try:
            with db.reading():  # the page was read first, as the other's was
                me = s.get(User, user.id)
            assert me is not None
            gate.wait()
            saved_views.save_view(s, me, "我的片区", query)
            s.commit()
        except Exception as exc:  # collected for the assertion below
            s.rollback()
            errors.append(exc)
        finally:
            s.close()

    threads = [threading.Thread(target=save, args=(q,)) for q in ("tab=all", "tab=mine")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    check = committed()
    views = check.scalars(select(QueueView).where(QueueView.user_id == user.id)).all()
    # Both saves answered (on SQLite the later one may be told the database was busy: no 500, a retry works)
    assert len(views) == 1 and views[0].query in ("tab=all", "tab=mine")
    assert all(svc.concurrent_change(e) is not None for e in errors), errors


def test_bulk_actions_take_the_single_checks_all_or_none(s, page, agent, lead, subscriber):
    a = factories.incident(agent, reporter=subscriber, title="批量 A")
    b = factories.incident(agent, reporter=subscriber, title="批量 B")
    done = factories.resolved_incident(agent, subscriber)
    client = page(agent)
    ids = [str(a.id), str(b.id)]
    # Hold without a reason: refused like one at a time; nothing held.
    r = client.post("/desk/incidents/bulk", data={"ids": ids, "action": "pend", "reason": "",
                                                  "next": "/desk/incidents"})
    assert r.status_code == 302
    s.expire_all()
    assert {a.status, b.status} == {IncidentStatus.NEW}
    r = client.post("/desk/incidents/bulk", data={"ids": [*ids, str(done.id)], "action": "pend",
                                                  "reason": "等用户在家"})
    s.expire_all()
    assert a.status == IncidentStatus.NEW and done.status == IncidentStatus.RESOLVED  # all or none
    assert "Nothing was changed" in text(client.get("/desk/incidents"))
    client.post("/desk/incidents/bulk", data={"ids": ids, "action": "assign", "assignee": str(agent.id)})
    s.expire_all()
    assert a.assignee_id == agent.id and b.assignee_id == agent.id
    # A version seen before someone else's change: nothing happens.
    stale = a.version - 1
    client.post("/desk/incidents/bulk", data={"ids": ids, "action": "escalate", "tier": "2", "reason": "需二线",
                                              "assignee": str(lead.id), f"version-{a.id}": str(stale)})
    s.expire_all()
    assert a.tier == 1 and b.tier == 1
    client.post("/desk/incidents/bulk", data={"ids": ids, "action": "escalate", "tier": "2", "reason": "需二线",
                                              "assignee": str(lead.id), f"version-{a.id}": str(a.version)})
    s.expire_all()
    assert a.tier == 2 and b.tier == 2
    r = client.post("/desk/incidents/bulk", data={"ids": ids, "action": "pend", "reason": "等用户在家"})
    s.expire_all()
    assert {a.status, b.status} == {IncidentStatus.PENDING}
    assert "2 incidents put on hold." in text(client.get("/desk/incidents"))
    solution = factories.approved_article(agent, lead)
    s.commit()
    client.post("/desk/incidents/bulk", data={"ids": ids, "action": "solution", "article_id": str(solution.id)})
    s.expire_all()
    assert a.solution_id == solution.id and b.solution_id == solution.id
    missing = client.post("/desk/incidents/bulk", data={"ids": ids, "action": "solution", "article_id": "999999"})
    assert missing.status_code == 302 and "No such article" in text(client.get("/desk/incidents"))
    assert s.scalar(select(Incident).where(Incident.title == "批量 A")) is not None


def test_bulk_escalation_hands_the_ticked_incidents_to_a_team(s, page, agent, lead, subscriber):
    from servicedesk.incidents.models import IncidentEvent
    from servicedesk.org.models import MaintenanceGroup, ServiceStation

    team = MaintenanceGroup(station=ServiceStation(name="城区服务站"), name="光缆抢修组", leader=lead)
    s.add(team)
    a = factories.incident(agent, reporter=subscriber, title="批量转交 A")
    b = factories.incident(agent, reporter=subscriber, title="批量转交 B")
    client = page(agent)
    assert "光缆抢修组" in text(client.get("/desk/incidents"))  # offered on the bulk bar
    client.post("/desk/incidents/bulk", data={"ids": [str(a.id), str(b.id)], "action": "escalate", "tier": "2",
                                              "group": str(team.id), "assignee": "", "reason": "光缆中断，需抢修组"})
    s.expire_all()
    assert (a.tier, a.group_id, a.assignee_id) == (2, team.id, None)
    assert (b.tier, b.group_id) == (2, team.id) and b.status == IncidentStatus.NEW  # in the team's queue
    assert "2 incidents handed over to L2, 光缆抢修组." in text(client.get("/desk/incidents"))
    events = s.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == a.id,
                                                   IncidentEvent.field == "group")).all()
    assert [e.new for e in events] == ["光缆抢修组"]


def test_tier_and_chases_headers_sort_the_queue(app, s, page, agent, lead, subscriber):
    from servicedesk.incidents.intake import chase_incident
    from tests.conftest import login_client

    factories.incident(agent, reporter=subscriber, title="一线处理中", service="broadband")
    high = factories.incident(agent, reporter=subscriber, title="已转三线", service="voice")
    chased = factories.incident(agent, reporter=subscriber, title="被催了两次", service="cable_tv")
    svc.escalate_incident(s, high, agent, tier=3, reason="需三线", assignee=lead)
    for _ in range(2):
        chase_incident(s, chased, agent, note="用户又来电")
    client = page(agent)
    cols = "&cols=tier&cols=chases"
    body = text(client.get("/desk/incidents?tab=all&sort=tier" + cols))
    assert body.index("已转三线") < body.index("一线处理中") and body.index("已转三线") < body.index("被催了两次")
    assert 'data-col="tier" aria-sort="descending"' in body
    body = text(client.get("/desk/incidents?tab=all&sort=chases" + cols))
    assert body.index("被催了两次") < body.index("一线处理中")
    listed = login_client(app, agent).get("/api/v1/incidents", query_string={"sort": "tier"}).get_json()
    assert listed["items"][0]["id"] == high.id
