"""The hotline intake in a real browser: the agent types the last digits of a phone, picks the subscriber (the
form fills, the zone's area shows), sees the caller's open incident beside the form and records the repeat call
as a chase (催修) instead of a new incident; then records a new report for the township zone (the area follows
the zone), and a caller with no account. Screenshots in tests/screenshots/intake-*, zh_CN and en.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from tests.browser.conftest import skip_without_a_browser

skip_without_a_browser()

from playwright.sync_api import expect  # noqa: E402

from tests.browser.person import Person  # noqa: E402
from tests.browser.test_journeys import PASSWORD  # noqa: E402


def _fact_time(page: Any, label: str) -> datetime:
    """The time the incident page's facts list shows beside label (zh_CN short format: 2026/12/5 14:38)."""
    text = page.locator(f"xpath=//dl[contains(@class,'facts')]/dt[normalize-space()='{label}']"
                        "/following-sibling::dd[1]").first.inner_text()
    found = re.search(r"(\d{4})/(\d{1,2})/(\d{1,2}) (\d{1,2}):(\d{2})", text)
    assert found is not None, text
    return datetime(*(int(part) for part in found.groups()))  # type: ignore[misc]


def test_a_repeat_call_becomes_a_chase_and_a_township_report_gets_its_area(desk: dict[str, Any],
                                                                            browser: Any) -> None:
    agent = Person(browser, desk["url"], "intake")
    page = agent.page
    agent.log_in("li.na", PASSWORD)
    page.goto("/desk/incidents/new")
    page.fill("#caller-q", "5678")  # the caller reads out the last four digits
    matches = page.locator("[data-intake-matches] button")
    expect(matches).to_have_count(2)
    expect(matches.first).to_contain_text("张伟")
    agent.shot("01-lookup")
    page.locator("[data-intake-matches] button[data-account='GD20240002']").click()
    expect(page.locator("#customer_account")).to_have_value("GD20240002")
    expect(page.locator("#zone")).to_have_value("QS-01")
    expect(page.locator("[data-intake-area]")).to_have_text("乡镇")
    expect(page.locator("[data-intake-picked] [data-k=address]")).to_have_text("青山镇柳河村 3 组 12 号")
    panel = page.locator("[data-intake-panel]")
    expect(panel).to_contain_text("电视没信号，所有频道黑屏")
    agent.shot("02-picked")

    # The same fault again: a chase on the open incident, counted, and the agent is back at the intake.
    panel.locator("input[name=note]").fill("第二次来电，老人着急看电视")
    panel.locator("button", has_text="催修").click()
    expect(page.locator(".flashes")).to_contain_text("催修")
    expect(page.locator("[data-intake-panel]")).to_contain_text("催修 1 次")
    assert "/desk/incidents/new" in page.url
    agent.shot("03-chased")

    # A new fault of the same subscriber: the area is left on its first choice and follows the township zone.
    page.fill("#caller-q", "GD20240002")
    page.locator("[data-intake-matches] button[data-account='GD20240002']").click()
    page.fill("#title", "宽带也断了，光猫 LOS 红灯")
    page.select_option("#service", "broadband")
    page.click("form[data-intake-form] button.button--primary")
    expect(page).to_have_url(re.compile(r"/desk/incidents/\d+$"))
    expect(page.locator("dl.facts").first).to_contain_text("乡镇")
    # The township target for a fault: resolve within 8 hours of the report (urban would be 4).
    assert _fact_time(page, "修复时限") - _fact_time(page, "已报修") == timedelta(hours=8)
    agent.shot("04-recorded")
    assert agent.errors == [], agent.errors
    agent.close()


def test_a_caller_without_an_account_is_recorded_in_english(desk: dict[str, Any], browser: Any) -> None:
    agent = Person(browser, desk["url"], "intake-en", locale="en-US")
    page = agent.page
    agent.log_in("li.na", PASSWORD)
    page.goto("/desk/incidents/new")
    page.fill("#caller-q", "Nobody Known")
    expect(page.locator("[data-intake-matches]")).to_contain_text("No subscriber record matches")
    page.fill("#caller_name", "赵大爷（邻居）")
    page.fill("#caller_phone", "13344445555")
    page.fill("#title", "Street cabinet door open, cables hanging")
    page.select_option("#service", "cable_tv")
    page.select_option("#zone", "CD-01")
    expect(page.locator("[data-intake-area]")).to_have_text("Urban")
    agent.shot("01-no-account")
    page.click("form[data-intake-form] button.button--primary")
    expect(page).to_have_url(re.compile(r"/desk/incidents/\d+$"))
    facts = page.locator("dl.facts").first
    expect(facts).to_contain_text("赵大爷（邻居）")
    expect(facts).to_contain_text("13344445555")
    agent.shot("02-recorded")
    # The caller's phone now finds the incident beside the form.
    page.goto("/desk/incidents/new")
    page.fill("#caller_phone", "13344445555")
    page.locator("#caller_phone").dispatch_event("change")
    expect(page.locator("[data-intake-panel]")).to_contain_text("Street cabinet door open")
    assert agent.errors == [], agent.errors
    agent.close()
