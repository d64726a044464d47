"""Problem candidates (reports of one service in one zone that cluster: the group leader is told once and may open
a problem with them in one step) and the known-error workaround offered on new incidents of its service and zone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import render_template
from sqlalchemy import select, update

from kb.errors import Conflict
from kb.orm import utcnow
from servicedesk.incidents.models import Incident
from servicedesk.org import services as org
from servicedesk.org.models import Notification
from servicedesk.problems import candidates
from servicedesk.problems import services as problems
from servicedesk.problems.models import ProblemStatus
from tests import factories
from tests.conftest import login_client
from tests.servicedesk.api.helpers import error_of


@pytest.fixture
def zones(s, admin, lead):
    station = org.create_station(s, admin, "青山镇服务站")
    group = org.create_group(s, admin, station, "青山装维组", leader=lead)
    org.create_zone(s, admin, group, code="QS-01", name="柳河村", area="township")
    org.create_zone(s, admin, group, code="QS-02", name="青山镇区", area="township")
    return group


def _reports(agent, subscriber, n, **over):
    return [factories.incident(agent, reporter=subscriber, zone="QS-01", **over) for _ in range(n)]


def _told(s, lead):
    return s.scalars(select(Notification).where(Notification.user_id == lead.id,
                                                Notification.kind == candidates.KIND)).all()


def test_the_fifth_report_tells_the_group_leader_once(app, s, agent, lead, subscriber, zones):
    _reports(agent, subscriber, 4)
    factories.incident(agent, reporter=subscriber, zone="QS-02")  # another zone
    factories.incident(agent, reporter=subscriber, zone="QS-01", service="iptv")  # another service
    assert _told(s, lead) == []
    fifth = _reports(agent, subscriber, 1)[0]
    [notice] = _told(s, lead)
    assert notice.incident_id == fifth.id and "/desk/problems/candidates" in notice.message
    assert "柳河村" in notice.message and "5" in notice.message  # in the leader's language (zh_CN by default)
    _reports(agent, subscriber, 2)
    assert len(_told(s, lead)) == 1  # once per cluster, not on every further report


def test_old_reports_and_gathered_ones_do_not_count(app, s, agent, lead, subscriber, zones):
    old = _reports(agent, subscriber, 4)
    s.execute(update(Incident).where(Incident.id.in_([i.id for i in old]))
              .values(created_at=utcnow() - timedelta(minutes=31)))
    s.expire_all()
    recent = _reports(agent, subscriber, 4)
    assert _told(s, lead) == [] and candidates.candidates(s) == []
    problem = problems.create_problem(s, agent, {"title": "柳河村断网", "service": "broadband", "zone": "QS-01"})
    problems.add_incidents(s, problem, agent, [recent[0].id])
    _reports(agent, subscriber, 1)
    assert _told(s, lead) == []  # 5 recent reports, but one is already in a problem


def test_the_candidates_page_opens_a_problem_with_them_in_one_step(app, s, agent, lead, subscriber, zones):
    cluster = _reports(agent, subscriber, 5)
    s.commit()
    [found] = candidates.candidates(s)
    assert found.zone.code == "QS-01" and found.service == "broadband" and found.count == 5
    assert [i.id for i in found.incidents] == [i.id for i in cluster]
    client = login_client(app, lead)
    page = client.get("/desk/problems/candidates").get_data(as_text=True)
    assert "柳河村" in page and all(i.number in page for i in cluster)
    made = client.post("/desk/problems/candidates", data={"zone_id": str(found.zone.id), "service": "broadband"})
    assert made.status_code == 302, made.get_data(as_text=True)
    s.expire_all()
    assert {s.get(Incident, i.id).problem_id for i in cluster} == {  # type: ignore[union-attr]
        int(made.headers["Location"].rstrip("/").split("/")[-1])}
    assert candidates.candidates(s) == []
    again = client.post("/desk/problems/candidates", data={"zone_id": str(found.zone.id), "service": "broadband"})
    assert again.status_code == 409
    assert client.post("/desk/problems/candidates", data={"zone_id": "999999", "service": "broadband"}
                       ).status_code == 404


def test_the_candidates_api(app, s, agent, lead, subscriber, zones):
    cluster = _reports(agent, subscriber, 5)
    s.commit()
    client = login_client(app, agent)
    listed = client.get("/api/v1/problems/candidates").get_json()
    assert listed["count"] == 5 and listed["minutes"] == 30
    assert [(c["zone"], c["service"], c["incident_ids"]) for c in listed["items"]] == [
        ("QS-01", "broadband", [i.id for i in cluster])]
    made = client.post("/api/v1/problems/candidates", json={"zone": "QS-01", "service": "broadband",
                                                            "title": "柳河村宽带大面积中断"})
    assert made.status_code == 201 and made.get_json()["incident_ids"] == [i.id for i in cluster]
    gone = client.post("/api/v1/problems/candidates", json={"zone": "QS-01", "service": "broadband",
                                                            "title": "再来一次"})
    assert gone.status_code == 409 and error_of(gone)["code"] == "no_cluster"
    assert client.post("/api/v1/problems/candidates", json={"zone": "NOPE", "service": "broadband",
                                                            "title": "x"}).status_code == 404
    assert login_client(app, subscriber).get("/api/v1/problems/candidates").status_code == 403


def test_the_cluster_size_is_configurable(app, s, agent, lead, subscriber, zones):
    app.config.update(PROBLEM_CLUSTER_COUNT=3, PROBLEM_CLUSTER_MINUTES=10)
    _reports(agent, subscriber, 3)
    assert len(_told(s, lead)) == 1 and candidates.candidates(s)[0].count == 3


def test_a_known_errors_workaround_is_offered_on_new_incidents_of_its_service_and_zone(app, s, agent, lead,
                                                                                          subscriber, zones):
    problem = problems.create_problem(s, agent, {"title": "柳河村 OLT 板卡故障", "service": "broadband",
                                                 "zone": "QS-01"})
    problems.update_problem(s, problem, agent, {"workaround": "临时切换到备用 PON 口", "status": "known_error"})
    assert problem.status == ProblemStatus.KNOWN_ERROR
    here = factories.incident(agent, reporter=subscriber, zone="QS-01")
    there = factories.incident(agent, reporter=subscriber, zone="QS-02")
    tv = factories.incident(agent, reporter=subscriber, zone="QS-01", service="iptv")
    assert problems.known_errors_for(s, here) == [problem]
    assert problems.known_errors_for(s, there) == [] and problems.known_errors_for(s, tv) == []
    s.commit()
    with app.test_request_context("/"):
        html = render_template("problems/_known_error_hint.html", incident=here)
        assert "临时切换到备用 PON 口" in html and problem.number in html and 'name="numbers"' in html
        assert render_template("problems/_known_error_hint.html", incident=there).strip() == ""
    # The hint's one button gathers the incident into the problem.
    client = login_client(app, agent)
    assert client.post(f"/desk/problems/{problem.id}/incidents", data={"numbers": here.number}).status_code == 302
    s.expire_all()
    assert s.get(Incident, here.id).problem_id == problem.id  # type: ignore[union-attr]
    problems.set_solution(s, problem, agent, factories.approved_article(agent, lead))
    problems.resolve_problem(s, problem, agent, "更换板卡")
    assert problems.known_errors_for(s, factories.incident(agent, reporter=subscriber, zone="QS-01")) == []


def test_open_from_cluster_refuses_when_nothing_clusters(s, agent, zones):
    zone_id = zones.zones[0].id
    with pytest.raises(Conflict) as refused:
        problems.open_from_cluster(s, agent, zone_id, "broadband", "无")
    assert refused.value.code == "no_cluster"


def test_two_leads_opening_a_problem_from_one_cluster_at_once(committed) -> None:
    from kb.actors import Role
    from servicedesk.incidents import services as svc
    from servicedesk.org.models import MaintenanceGroup, ServiceStation, Zone
    from servicedesk.problems.models import Problem
    from servicedesk.users.models import User
    from tests.servicedesk.test_desk_races import _race

    s = committed()
    one = User(username="cand.lead1", display_name="甲", role=Role.LEAD, password_hash=factories.password_hash())
    two = User(username="cand.lead2", display_name="乙", role=Role.LEAD, password_hash=factories.password_hash())
    reporter = User(username="cand.user", display_name="张伟", role=Role.USER, password_hash=factories.password_hash())
    s.add_all([one, two, reporter])
    s.flush()
    station = ServiceStation(name="疑似问题测试站")
    s.add(station)
    s.flush()
    group = MaintenanceGroup(station_id=station.id, name="疑似问题测试组")
    s.add(group)
    s.flush()
    zone = Zone(code="CAND-1", name="测试片区", group_id=group.id)
    s.add(zone)
    s.flush()
    cluster = [svc.create_incident(s, one, {**factories.INCIDENT, "zone": "CAND-1"}, reporter=reporter)
               for _ in range(5)]
    s.commit()
    ids = (cluster[0].id, one.id, two.id, zone.id)

    def open_one(who: int):
        def move(session, _incident):
            me = session.get(User, who)
            problems.open_from_cluster(session, me, ids[3], "broadband", "测试片区宽带集中故障")
        return move

    results = _race(committed, ids[0], open_one(ids[1]), open_one(ids[2]))
    assert results.count("ok") == 1, results
    [lost] = [r for r in results if r != "ok"]
    assert isinstance(lost, Conflict) and lost.code in ("already_in_problem", "no_cluster", "concurrent_change"), lost
    check = committed()
    owners = {check.get(Incident, i.id).problem_id for i in cluster}  # type: ignore[union-attr]
    assert len(owners) == 1 and None not in owners
    made = check.scalars(select(Problem).where(Problem.title == "测试片区宽带集中故障")).all()
    assert len(made) == 1  # the loser's problem was rolled back with its attempt


def test_solutions_whose_fixes_do_not_hold_are_listed(app, s, agent, lead, subscriber, zones):
    from servicedesk.incidents import services as svc

    weak = factories.approved_article(agent, lead, title="重启光猫即可")
    sound = factories.approved_article(agent, lead, title="更换尾纤")
    for solution, reopen in ((weak, True), (weak, True), (weak, True), (sound, False)):
        incident = factories.closed_incident(agent, subscriber, solution)
        if reopen:
            svc.reopen_incident(s, incident, subscriber, "又断了")
    listed = candidates.weak_solutions(s)
    assert [(w.article_id, w.reopened) for w in listed] == [(weak.id, 3)]
    assert candidates.weak_solutions(s, at_least=4) == []
    s.commit()
    page = login_client(app, lead).get("/desk/problems/candidates").get_data(as_text=True)
    assert "重启光猫即可" in page and "更换尾纤" not in page
    again = [factories.incident(agent, reporter=subscriber) for _ in range(3)]  # the same account and service
    assert {i.repeat_of.solution_id for i in again if i.repeat_of} == {sound.id}
    assert {w.article_id: w.repeated for w in candidates.weak_solutions(s)}[sound.id] == 3
