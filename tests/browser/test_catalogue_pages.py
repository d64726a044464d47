"""The service catalogue in a real browser: an administrator adds 智慧家庭 with its default SLA category; a
subscriber reports a fault for it from the portal, the agent sees it in the queue's service filter and on the
incident. Screenshots in tests/screenshots/catalogue-*, zh_CN and en."""

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
    assert admin.errors == [], admin.errors
    admin.close()

    liu = Person(browser, desk["url"], "catalogue-portal")
    p = liu.page
    liu.log_in("liu.yang", PASSWORD)
    p.goto("/report")
    p.select_option("#service", "smart_home")
    p.fill("#title", "智能门锁连不上家里 WiFi")
    p.fill("#address", "和平里 8 号 2 单元 601")
    p.click("form[action^='/report'] button[type=submit]")
    expect(p).to_have_url(re.compile(r"/my/incidents/\d+$"))
    expect(p.locator("body")).to_contain_text("智慧家庭")
    liu.shot("01-reported")
    liu.close()

    agent = Person(browser, desk["url"], "catalogue-agent", locale="en-US")
    a = agent.page
    agent.log_in("li.na", PASSWORD)
    a.goto("/desk/incidents?tab=all")
    a.locator("details.card summary").first.click()
    a.select_option("#service", "smart_home")
    a.click("form.filterbar button.button--primary")
    rows = a.locator("table[data-queue] tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Smart home")
    agent.shot("01-filtered")
    rows.first.locator("a.queue-table__title").click()
    expect(a.locator("body")).to_contain_text("Smart home")
    assert agent.errors == [], agent.errors
    agent.close()
