"""The service catalogue in a real browser: an administrator adds 智慧家庭 with its default SLA category and a
report type under it (摄像头离线, counting as a fault); a subscriber reports it from the portal, where the type
picker offers the chosen service's types only; the agent sees it in the queue's service and type filters and on
the incident. Screenshots in tests/screenshots/catalogue-*, zh_CN and en."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.conftest import skip_without_a_browser

skip_without_a_browser()

from playwright.sync_api import expect  # noqa: E402

from tests.browser.person import Person  # noqa: E402
from tests.browser.test_journeys import PASSWORD  # noqa: E402


def test_a_service_added_by_the_admin_is_reported_and_filtered(desk: dict[str, Any], browser: Any) -> None:
    admin = Person(browser, desk["url"], "catalogue-admin")
    page = admin.page
    admin.log_in("admin", PASSWORD)
    page.goto("/admin/catalogue")
    page.fill("#code", "smart_home")
    page.fill("#label_zh", "智慧家庭")
    page.fill("#label_en", "Smart home")
    page.select_option("#default_category", "request")
    admin.shot("01-adding")
    page.click("form[action='/admin/catalogue'] button.button--primary")
    expect(page.locator(".flashes")).to_contain_text("smart_home")
    expect(page.locator("#svc-smart_home")).to_contain_text("智慧家庭")
    page.fill("#code", "smart_home")  # the same code again: refused beside the field, the names kept
    page.fill("#label_zh", "全屋智能")
    page.fill("#label_en", "Whole home")
    page.click("form[action='/admin/catalogue'] button.button--primary")
    expect(page.locator("#code-err")).to_be_visible()
    expect(page.locator("#label_zh")).to_have_value("全屋智能")
    admin.shot("02-added")
    page.click("#svc-smart_home a[href$='/types']")
    expect(page.locator("h1")).to_contain_text("智慧家庭")
    page.fill("#code", "camera_offline")
    page.fill("#label_zh", "摄像头离线")
    page.fill("#label_en", "Camera offline")
    page.select_option("#sla_category", "fault")
    page.click("form[action$='/types'] button.button--primary")
    expect(page.locator("#type-camera_offline")).to_contain_text("摄像头离线")
    admin.shot("03-type-added")
    assert admin.errors == [], admin.errors
    admin.close()

    liu = Person(browser, desk["url"], "catalogue-portal")
    p = liu.page
    liu.log_in("liu.yang", PASSWORD)
    p.goto("/report")
    p.select_option("#service", "cable_tv")
    expect(p.locator("#report_type option:not([hidden])")).to_contain_text(["马赛克/卡顿"])
    p.select_option("#service", "smart_home")
    offered = p.locator("#report_type option:not([hidden])")
    expect(offered).to_have_count(2)  # "something else" and the service's one type
    p.select_option("#report_type", "smart_home:camera_offline")
    p.fill("#title", "家里摄像头离线，App 看不到画面")
    p.fill("#address", "和平里 8 号 2 单元 601")
    p.click("form[action^='/report'] button[type=submit]")
    expect(p).to_have_url(re.compile(r"/my/incidents/\d+$"))
    expect(p.locator("body")).to_contain_text("智慧家庭")
    expect(p.locator("body")).to_contain_text("摄像头离线")
    liu.shot("01-reported")
    liu.close()

    agent = Person(browser, desk["url"], "catalogue-agent", locale="en-US")
    a = agent.page
    agent.log_in("li.na", PASSWORD)
    a.goto("/desk/incidents?tab=all")
    a.locator("details.card summary").first.click()
    a.select_option("#report_type", "smart_home:camera_offline")  # the type chooses its service
    expect(a.locator("#service")).to_have_value("smart_home")
    a.click("form.filterbar button.button--primary")
    rows = a.locator("table[data-queue] tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Smart home")
    expect(rows.first).to_contain_text("Camera offline")
    agent.shot("01-filtered")
    rows.first.locator("a.queue-table__title").click()
    expect(a.locator("body")).to_contain_text("Smart home")
    expect(a.locator("body")).to_contain_text("Camera offline")
    expect(a.locator("body")).to_contain_text("Fault")  # the type's SLA category, not the service's request
    assert agent.errors == [], agent.errors
    agent.close()
