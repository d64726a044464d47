"""The figure pages: who may see them, "no data" when there is nothing, the incidents behind a number, the
exports, bad input answered with 400 beside the field, the targets form, the monthly and knowledge pages."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from kb.actors import Role
from servicedesk.figures import targets
from servicedesk.figures.views import today
from servicedesk.incidents import lifecycle
from servicedesk.incidents.models import Incident
from servicedesk.portal.models import ArticleFeedback
from servicedesk.users.models import User
from tests import factories
from tests.conftest import login_client


@pytest.fixture
def page(app: Flask, lead: User) -> FlaskClient:
    return login_client(app, lead)


@pytest.fixture
def month_of_work(s: Session, agent: User, lead: User, subscriber: User) -> dict[str, Incident]:
    """This month: a fault closed with an approved solution, one resolved, one cancelled, one complaint open."""
    author = factories.user(Role.SPECIALIST, "sun.tao", display_name="孙涛")
    solution = factories.approved_article(author, lead)
    closed = factories.closed_incident(agent, subscriber, solution)
    resolved = factories.resolved_incident(agent, subscriber)
    cancelled = factories.incident(agent, subscriber, title="误报：用户已自行恢复")
    lifecycle.cancel_incident(s, cancelled, agent, "用户来电说已经好了")
    complaint = factories.incident(agent, subscriber, title="投诉：装维师傅迟到两小时", category="complaint",
                                   customer_account="GD20240002")
    s.add(ArticleFeedback(article_id=solution.id, solved=True))
    s.flush()
    return {"closed": closed, "resolved": resolved, "cancelled": cancelled, "complaint": complaint}


def _period() -> dict[str, str]:
    day = today()
    return {"from": day.replace(day=1).isoformat(), "to": day.isoformat()}


def _section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start:html.index("</section>", start)]


# ------------------------------------------------------------------------------------------------- access

@pytest.mark.parametrize("url", ["/desk/dashboard", "/desk/dashboard/knowledge", "/desk/reports/monthly",
                                 "/desk/dashboard/incidents?figure=reported", "/desk/dashboard.csv"])
def test_leads_and_admins_see_the_figures_agents_and_subscribers_do_not(
        app: Flask, page: FlaskClient, admin: User, agent: User, subscriber: User, url: str) -> None:
    assert page.get(url).status_code == 200
    assert login_client(app, admin).get(url).status_code == 200
    assert login_client(app, agent).get(url).status_code == 403
    assert login_client(app, subscriber).get(url).status_code == 403
    assert app.test_client().get(url).status_code in (302, 401)


def test_an_empty_desk_says_no_data_never_a_broken_number(page: FlaskClient) -> None:
    html = page.get("/desk/dashboard").get_data(as_text=True)
    for figure in ("repair_timeliness", "satisfaction", "repeat_rate", "complaints_per_10k"):
        card = _section(html, f"kpi-{figure}")
        assert "kpi__nodata" in card, figure
        assert "nan" not in card.lower() and "None" not in card
    assert 'id="trend-chart-data"' in html and "vendor/echarts/echarts.min.js" in html


# ------------------------------------------------------------------------------------------- the numbers

def test_headline_counts_link_to_the_incidents_behind_them(page: FlaskClient, month_of_work: dict[str, Incident]
                                                           ) -> None:
    html = page.get("/desk/dashboard", query_string=_period()).get_data(as_text=True)
    card = _section(html, "kpi-escalation_rate")
    link = re.search(r'href="(/desk/dashboard/incidents\?[^"]*figure=reported[^"]*)"', card)
    assert link, card
    listed = page.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    numbers = set(re.findall(r"INC\d{8}-\d{6}", listed))
    work = month_of_work
    assert numbers == {work["closed"].number, work["resolved"].number, work["complaint"].number}
    assert f'href="/desk/incidents/{work["closed"].id}"' in listed


def test_drill_down_by_breakdown_and_figure(page: FlaskClient, month_of_work: dict[str, Incident]) -> None:
    work = month_of_work
    closed = page.get("/desk/dashboard/incidents", query_string={**_period(), "figure": "closed"})
    assert set(re.findall(r"INC\d{8}-\d{6}", closed.get_data(as_text=True))) == {work["closed"].number}
    complaints = page.get("/desk/dashboard/incidents",
                          query_string={**_period(), "figure": "reported", "by": "category", "key": "complaint"})
    assert set(re.findall(r"INC\d{8}-\d{6}", complaints.get_data(as_text=True))) == {work["complaint"].number}


def test_exports_carry_the_rows_shown(page: FlaskClient, month_of_work: dict[str, Incident]) -> None:
    got = page.get("/desk/dashboard.csv", query_string={**_period(), "by": "category"})
    assert got.status_code == 200 and got.mimetype == "text/csv"
    assert "attachment" in got.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(got.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) >= 3  # a header, the whole desk, fault and complaint at least
    book = page.get("/desk/dashboard.xlsx", query_string={**_period(), "by": "category"})
    assert book.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(book.data)).active
    assert sheet is not None and sheet.max_row >= 3
    listed = page.get("/desk/dashboard/incidents.csv", query_string={**_period(), "figure": "reported"})
    assert listed.mimetype == "text/csv"
    lines = list(csv.reader(io.StringIO(listed.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0][:3] == ["number", "title", "status"]
    assert {line[0] for line in lines[1:]} == {month_of_work[k].number for k in ("closed", "resolved", "complaint")}


def test_a_title_that_looks_like_a_formula_is_exported_as_text(page: FlaskClient, agent: User) -> None:
    factories.incident(agent, title="=HYPERLINK(\"http://evil\")")
    listed = page.get("/desk/dashboard/incidents.csv", query_string={**_period(), "figure": "reported"})
    lines = list(csv.reader(io.StringIO(listed.get_data(as_text=True).lstrip("\ufeff"))))
    assert [line[1] for line in lines[1:]] == ["'=HYPERLINK(\"http://evil\")"]


# ---------------------------------------------------------------------------------------------- bad input

@pytest.mark.parametrize(("url", "field"), [
    ("/desk/dashboard?from=2026-03-10&to=2026-03-01", "f-to-err"),
    ("/desk/dashboard?from=2026-02-30", "f-from-err"),
    ("/desk/dashboard?by=planet", "f-by-err"),
    ("/desk/dashboard?rank=speed", "f-rank-err"),
    ("/desk/dashboard?from=1990-01-01&to=2026-01-01", "f-from-err"),
    ("/desk/dashboard/knowledge?from=2026-03-10&to=2026-03-01", "f-to-err"),
    ("/desk/reports/monthly?month=2026-13", "f-month-err"),
    ("/desk/reports/monthly?month=March", "f-month-err"),
])
def test_bad_input_answers_400_with_the_error_beside_the_field(page: FlaskClient, url: str, field: str) -> None:
    got = page.get(url)
    assert got.status_code == 400
    assert f'id="{field}"' in got.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/desk/dashboard.csv?from=2026-03-10&to=2026-03-01",
                                 "/desk/dashboard.xlsx?by=planet",
                                 "/desk/dashboard/incidents?figure=nonsense",
                                 "/desk/dashboard/incidents.csv?figure=closed&by=planet"])
def test_bad_exports_and_drill_downs_answer_400(page: FlaskClient, url: str) -> None:
    assert page.get(url).status_code == 400


# ------------------------------------------------------------------------------------------------ targets

def test_targets_need_an_admin_a_csrf_token_and_a_number(app: Flask, s: Session, admin: User, lead: User) -> None:
    assert login_client(app, lead).get("/desk/dashboard/targets").status_code == 403
    client = login_client(app, admin)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/desk/dashboard/targets", data={"satisfaction": "95"}).status_code == 400
    html = client.get("/desk/dashboard/targets").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token
    bad = client.post("/desk/dashboard/targets", data={"csrf_token": token.group(1), "satisfaction": "很多",
                                                        "repair_timeliness": "120"})
    assert bad.status_code == 400
    body = bad.get_data(as_text=True)
    assert 'id="t-satisfaction-err"' in body and 'id="t-repair_timeliness-err"' in body
    assert 'value="很多"' in body  # what was typed stays in the field
    assert targets(s)["satisfaction"] == pytest.approx(0.90)  # nothing saved
    good = client.post("/desk/dashboard/targets", data={"csrf_token": token.group(1), "satisfaction": "98",
                                                         "complaints_per_10k": "3.5"})
    assert good.status_code == 302
    assert targets(s)["satisfaction"] == pytest.approx(0.98)
    assert targets(s)["complaints_per_10k"] == pytest.approx(3.5)


def test_a_card_stands_against_its_target(app: Flask, admin: User, agent: User, subscriber: User, lead: User
                                          ) -> None:
    solution = factories.approved_article(agent, lead)
    factories.closed_incident(agent, subscriber, solution)  # rated 5 stars: satisfaction 100 %
    html = login_client(app, admin).get("/desk/dashboard", query_string=_period()).get_data(as_text=True)
    assert "standing--good" in _section(html, "kpi-satisfaction")
    assert re.search(r'class="kpi kpi--good" id="kpi-satisfaction"', html)


# ------------------------------------------------------------------------------- monthly and knowledge

def test_the_monthly_report_renders_a_month(page: FlaskClient, month_of_work: dict[str, Incident]) -> None:
    month = today().strftime("%Y-%m")
    got = page.get("/desk/reports/monthly", query_string={"month": month})
    assert got.status_code == 200
    html = got.get_data(as_text=True)
    for section in ("report-headline", "report-stations", "report-groups", "report-rankings", "report-knowledge"):
        assert f'id="{section}"' in html
    assert "@page" not in html and "figures.css" in html  # the print rules live in the stylesheet
    assert page.get("/desk/reports/monthly").status_code == 200  # last month by default


def test_knowledge_figures_count_reuse_links_and_deflection(page: FlaskClient, month_of_work: dict[str, Incident]
                                                            ) -> None:
    html = page.get("/desk/dashboard/knowledge", query_string=_period()).get_data(as_text=True)
    assert re.search(r'id="kb-reuse">100\.0%<', html)
    # one of three incidents reported (the cancelled one left out) carries a solution
    assert re.search(r'id="kb-link-rate">33\.3%<', html)
    assert re.search(r'id="kb-deflection">100\.0%<', html)
    assert 'id="kb-authors"' in html and 'id="kb-top-incidents"' in html and 'id="kb-top-solved"' in html


def test_the_period_defaults_to_this_month(page: FlaskClient) -> None:
    html = page.get("/desk/dashboard").get_data(as_text=True)
    assert date.today().replace(day=1).isoformat()[:7] in html
