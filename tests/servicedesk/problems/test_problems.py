"""Problems: one fault behind many incidents is one problem. Gathering incidents (each in at most one problem),
the solution, resolving (needs the solution approved; resolves every open incident, each in its own history,
none closed: the close gate still waits for each reporter), through the service, the API and the pages, and
two agents at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb import services as kb_services
from kb.actors import Role
from kb.errors import Conflict, ValidationError
from servicedesk.incidents import services as svc
from servicedesk.incidents.models import Incident, IncidentEvent
from servicedesk.incidents.workflow import IncidentStatus
from servicedesk.notify.models import OutboxMessage
from servicedesk.problems import services as problems
from servicedesk.problems.models import Problem, ProblemStatus
from servicedesk.users.models import User
from tests import factories
from tests.conftest import login_client
from tests.servicedesk.api.helpers import error_of


def _olt_problem(s: Session, agent: User) -> Problem:
    return problems.create_problem(s, agent, {"title": "青山镇 OLT 板卡故障", "service": "broadband",
                                              "description": "多个用户同时报障"})


def test_resolving_resolves_every_open_incident_and_closes_none(s, agent, lead, subscriber):
    problem = _olt_problem(s, agent)
    assert problem.number and problem.number.startswith("PRB") and problem.status == ProblemStatus.OPEN
    reported = [factories.incident(agent, reporter=subscriber) for _ in range(3)]
    svc.start_work(s, reported[1], agent)
    problems.add_incidents(s, problem, agent, [i.id for i in reported])
    assert all(i.problem_id == problem.id for i in reported)
    solution = factories.article(agent, title="更换 OLT 板卡")
    problems.set_solution(s, problem, agent, solution)
    with pytest.raises(Conflict) as refused:
        problems.resolve_problem(s, problem, agent, "已更换板卡")
    assert refused.value.code == "solution_not_approved"
    problems.set_solution(s, problem, agent, factories.approved_article(agent, lead, title="更换 OLT 板卡（已审核）"))
    resolved = problems.resolve_problem(s, problem, agent, "已更换板卡，业务恢复")
    assert {i.id for i in resolved} == {i.id for i in reported} and problem.status == ProblemStatus.RESOLVED
    for incident in reported:
        assert incident.status == IncidentStatus.RESOLVED and incident.solution_id == problem.solution_id
        actions = [e.action for e in incident.events]
        assert "join_problem" in actions and "link_solution" in actions and "resolve" in actions
        # The close gate still waits for the reporter.
        with pytest.raises(Conflict) as gate:
            svc.close_incident(s, incident, agent)
        assert gate.value.code == "not_verified"
    hooks = s.scalars(select(OutboxMessage).where(OutboxMessage.event == "problem.resolved")).all()
    assert hooks == []  # no webhook registered: nothing queued, and nothing failed


def test_an_incident_belongs_to_one_problem(s, agent, subscriber):
    first, second = _olt_problem(s, agent), _olt_problem(s, agent)
    incident = factories.incident(agent, reporter=subscriber)
    problems.add_incidents(s, first, agent, [incident.id])
    problems.add_incidents(s, first, agent, [incident.id])  # again into the same one: fine
    with pytest.raises(Conflict) as refused:
        problems.add_incidents(s, second, agent, [incident.id])
    assert refused.value.code == "already_in_problem" and first.number in refused.value.message
    with pytest.raises(ValidationError):
        problems.add_incidents(s, second, agent, [999_999])


def test_known_error_needs_a_workaround_and_bad_input_names_fields(s, agent):
    problem = _olt_problem(s, agent)
    with pytest.raises(ValidationError) as refused:
        problems.update_problem(s, problem, agent, {"status": "known_error"})
    assert "workaround" in refused.value.fields
    problems.update_problem(s, problem, agent, {"root_cause": "板卡老化", "workaround": "临时切换到备用 PON 口",
                                                "status": "known_error"})
    assert problem.status == ProblemStatus.KNOWN_ERROR
    with pytest.raises(ValidationError) as bad:
        problems.create_problem(s, agent, {"title": "", "service": "telegraph", "zone": "NO-SUCH"})
    assert set(bad.value.fields) == {"title", "service", "zone"}


def test_the_api_as_api_md_says(app, s, agent, lead, subscriber):
    incidents = [factories.incident(agent, reporter=subscriber) for _ in range(2)]
    article = factories.approved_article(agent, lead)
    s.commit()
    client = login_client(app, agent)
    made = client.post("/api/v1/problems",
                       json={"title": "馈线光缆中断", "description": "东片区", "service": "broadband"})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["status"] == "open" and body["incident_ids"] == [] and body["solution_id"] is None
    pid = body["id"]
    added = client.post(f"/api/v1/problems/{pid}/incidents", json={"incident_ids": [i.id for i in incidents]})
    assert added.status_code == 200 and added.get_json()["incident_ids"] == [i.id for i in incidents]
    early = client.post(f"/api/v1/problems/{pid}/resolve", json={"note": "修复"})
    assert early.status_code == 409 and error_of(early)["code"] == "solution_not_approved"
    assert client.put(f"/api/v1/problems/{pid}/solution", json={"article_id": article.id}).status_code == 200
    done = client.post(f"/api/v1/problems/{pid}/resolve", json={"note": "熔接完成"})
    assert done.status_code == 200 and sorted(done.get_json()["resolved_incident_ids"]) == [i.id for i in incidents]
    assert client.get(f"/api/v1/problems/{pid}").get_json()["status"] == "resolved"
    listed = client.get("/api/v1/problems?status=resolved").get_json()
    assert [p["id"] for p in listed["items"]] == [pid]
    other = client.post("/api/v1/problems", json={"title": "另一个", "service": "broadband"}).get_json()["id"]
    taken = client.post(f"/api/v1/problems/{other}/incidents", json={"incident_ids": [incidents[0].id]})
    assert taken.status_code == 409 and error_of(taken)["code"] == "already_in_problem"
    assert login_client(app, subscriber).get("/api/v1/problems").status_code == 403
    assert client.get("/api/v1/problems/999999").status_code == 404


def test_the_pages(app, s, agent, lead, subscriber):
    incident = factories.incident(agent, reporter=subscriber)
    article = factories.approved_article(agent, lead)
    s.commit()
    client = login_client(app, agent)
    bad = client.post("/desk/problems", data={"title": "", "service": "broadband"})
    assert bad.status_code == 400
    made = client.post("/desk/problems", data={"title": "青山镇全村断网", "service": "broadband"})
    assert made.status_code == 302
    pid = int(made.headers["Location"].rstrip("/").split("/")[-1])
    page = client.get(f"/desk/problems/{pid}").get_data(as_text=True)
    assert "青山镇全村断网" in page and "PRB" in page
    unknown = client.post(f"/desk/problems/{pid}/incidents", data={"numbers": "INC-NOPE"})
    assert unknown.status_code == 400 and 'value="INC-NOPE"' in unknown.get_data(as_text=True)
    assert client.post(f"/desk/problems/{pid}/incidents", data={"numbers": incident.number}).status_code == 302
    assert client.post(f"/desk/problems/{pid}/solution", data={"article_id": str(article.id)}).status_code == 302
    empty = client.post(f"/desk/problems/{pid}/resolve", data={"note": ""})
    assert empty.status_code == 400
    assert client.post(f"/desk/problems/{pid}/resolve", data={"note": "更换板卡"}).status_code == 302
    s.expire_all()
    assert s.get(Incident, incident.id).status == IncidentStatus.RESOLVED  # type: ignore[union-attr]
    listing = client.get("/desk/problems").get_data(as_text=True)
    assert "青山镇全村断网" in listing
    assert login_client(app, subscriber).get("/desk/problems").status_code in (302, 403)


def test_two_agents_gathering_one_incident_into_two_problems(committed: Callable[[], Session]) -> None:
    from tests.servicedesk.test_desk_races import _race

    s = committed()
    a = User(username="prb.a", display_name="甲", role=Role.AGENT, password_hash=factories.password_hash())
    b = User(username="prb.b", display_name="乙", role=Role.AGENT, password_hash=factories.password_hash())
    reporter = User(username="prb.user", display_name="张伟", role=Role.USER, password_hash=factories.password_hash())
    s.add_all([a, b, reporter])
    s.flush()
    incident = svc.create_incident(s, a, factories.INCIDENT, reporter=reporter)
    p1 = problems.create_problem(s, a, {"title": "甲的问题", "service": "broadband"})
    p2 = problems.create_problem(s, b, {"title": "乙的问题", "service": "broadband"})
    s.commit()
    ids = (incident.id, a.id, b.id, p1.id, p2.id)

    def gather(who: int, problem_id: int) -> Callable[[Session, Incident], Any]:
        def move(session: Session, _incident: Incident) -> None:
            me, problem = session.get(User, who), session.get(Problem, problem_id)
            assert me is not None and problem is not None
            problems.add_incidents(session, problem, me, [ids[0]])
        return move

    results = _race(committed, ids[0], gather(ids[1], ids[3]), gather(ids[2], ids[4]))
    assert results.count("ok") == 1
    [lost] = [r for r in results if r != "ok"]
    assert isinstance(lost, Conflict) and lost.code in ("already_in_problem", "concurrent_change")
    check = committed()
    joined = check.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == ids[0],
                                                       IncidentEvent.action == "join_problem")).all()
    assert len(joined) == 1 and check.get(Incident, ids[0]).problem_id in (ids[3], ids[4])  # type: ignore[union-attr]


def test_two_agents_resolving_one_problem_at_once(committed: Callable[[], Session]) -> None:
    from tests.servicedesk.test_desk_races import _race

    s = committed()
    a = User(username="prb.r.a", display_name="甲", role=Role.AGENT, password_hash=factories.password_hash())
    b = User(username="prb.r.b", display_name="乙", role=Role.AGENT, password_hash=factories.password_hash())
    reviewer = User(username="prb.r.lead", display_name="王", role=Role.LEAD, password_hash=factories.password_hash())
    reporter = User(username="prb.r.user", display_name="张伟", role=Role.USER,
                    password_hash=factories.password_hash())
    s.add_all([a, b, reviewer, reporter])
    s.flush()
    gathered = [svc.create_incident(s, a, factories.INCIDENT, reporter=reporter) for _ in range(3)]
    problem = problems.create_problem(s, a, {"title": "主干光缆中断", "service": "broadband"})
    problems.add_incidents(s, problem, a, [i.id for i in gathered])
    article = kb_services.create_article(s, a, factories.SOLUTION)
    kb_services.submit_article(s, article, a)
    kb_services.review_article(s, article, reviewer, content_ok=True, form_ok=True, decision="approve",
                               comment="内容与表单均符合要求")
    problems.set_solution(s, problem, a, article)
    s.commit()
    ids = (gathered[0].id, a.id, b.id, problem.id)

    def resolve(who: int) -> Callable[[Session, Incident], Any]:
        def move(session: Session, _incident: Incident) -> None:
            me, found = session.get(User, who), session.get(Problem, ids[3])
            assert me is not None and found is not None
            problems.resolve_problem(session, found, me, "熔接完成")
        return move

    results = _race(committed, ids[0], resolve(ids[1]), resolve(ids[2]))
    assert results.count("ok") == 1, results
    [lost] = [r for r in results if r != "ok"]
    assert isinstance(lost, Conflict) and lost.code in ("problem_resolved", "concurrent_change"), lost
    check = committed()
    for incident in gathered:
        resolves = check.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == incident.id,
                                                             IncidentEvent.action == "resolve")).all()
        assert len(resolves) == 1  # resolved once, by the winner
    assert check.get(Problem, ids[3]).status == ProblemStatus.RESOLVED  # type: ignore[union-attr]



def test_the_list_filters_by_status_service_and_zone(app, s, agent, admin):
    from servicedesk.org import services as org

    station = org.create_station(s, admin, "城东服务站")
    group = org.create_group(s, admin, station, "城东装维一组", leader=agent)
    org.create_zone(s, admin, group, code="CD-01", name="幸福片区")
    here = problems.create_problem(s, agent, {"title": "幸福片区宽带", "service": "broadband", "zone": "CD-01"})
    tv = problems.create_problem(s, agent, {"title": "幸福片区 IPTV", "service": "iptv", "zone": "CD-01"})
    problems.create_problem(s, agent, {"title": "无片区", "service": "broadband"})
    s.commit()
    client = login_client(app, agent)
    assert [p["id"] for p in client.get("/api/v1/problems?zone=CD-01").get_json()["items"]] == [tv.id, here.id]
    assert [p["id"] for p in client.get("/api/v1/problems?zone=CD-01&service=broadband").get_json()["items"]] == [
        here.id]
    assert client.get("/api/v1/problems?service=telegraph").status_code == 400
    page = client.get("/desk/problems?service=iptv&zone=CD-01").get_data(as_text=True)
    assert "幸福片区 IPTV" in page and "幸福片区宽带" not in page


def test_a_problem_strikes_in_several_zones_and_grows_with_its_incidents(app, s, agent, admin, subscriber):
    """A feeder fibre behind two villages: one problem in both zones (API), a report from a third zone joins
    and brings its zone, the known-error hint reaches every zone of it; an unknown zone is named."""
    from servicedesk.org import services as org

    station = org.create_station(s, admin, "青山服务站")
    group = org.create_group(s, admin, station, "青山装维组", leader=agent)
    for code, name in (("LH-01", "柳河村"), ("LH-02", "下河村"), ("LH-03", "上河村")):
        org.create_zone(s, admin, group, code=code, name=name, area="township")
    s.commit()
    client = login_client(app, agent)
    bad = client.post("/api/v1/problems", json={"title": "主干光缆", "service": "broadband",
                                                "zones": ["LH-01", "NO-SUCH"]})
    assert bad.status_code == 400 and error_of(bad)["fields"] == {"zones": "unknown zone NO-SUCH"}
    assert s.scalar(select(Problem).where(Problem.title == "主干光缆")) is None
    made = client.post("/api/v1/problems", json={"title": "主干光缆", "service": "broadband",
                                                 "zones": ["LH-02", "LH-01"]})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["zones"] == ["LH-01", "LH-02"] and body["zone"] == "LH-01"
    problem = s.get(Problem, body["id"])
    assert problem is not None
    far = factories.incident(agent, reporter=subscriber, zone="LH-03")
    problems.add_incidents(s, problem, agent, [far.id])
    assert [z.code for z in problem.zones] == ["LH-01", "LH-02", "LH-03"]
    assert problem.events[-1].action == "zones" and problem.events[-1].note == "LH-03"
    problems.update_problem(s, problem, agent, {"workaround": "告知用户预计恢复时间", "status": "known_error"})
    s.commit()
    near = factories.incident(agent, reporter=subscriber, zone="LH-02")
    assert [p.id for p in problems.known_errors_for(s, near)] == [problem.id]
    assert [p["id"] for p in client.get("/api/v1/problems?zone=LH-03").get_json()["items"]] == [problem.id]
    page = client.get(f"/desk/problems/{problem.id}").get_data(as_text=True)
    assert "柳河村、下河村、上河村" in page
