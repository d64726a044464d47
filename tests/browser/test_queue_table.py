"""The queue table in a real browser, by keyboard: j/k move the cursor, Enter opens, a assigns to me, ? shows the
shortcuts, / goes to the search; a header click sorts; a saved view comes back; on a phone each row is a card.
Screenshots in tests/screenshots/queue-table-*, zh_CN and en."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from tests.browser.conftest import skip_without_a_browser

skip_without_a_browser()

from playwright.sync_api import expect  # noqa: E402

from tests.browser.person import PHONE, Person  # noqa: E402
from tests.browser.test_journeys import PASSWORD  # noqa: E402


def _report(agent: Person, title: str) -> None:
    page = agent.page
    page.goto("/desk/incidents/new")
    page.fill("#title", title)
    page.select_option("#service", "broadband")
    page.click("form[data-intake-form] button.button--primary")
    expect(page).to_have_url(re.compile(r"/desk/incidents/\d+$"))


def test_the_queue_by_keyboard(desk: dict[str, Any], browser: Any) -> None:
    agent = Person(browser, desk["url"], "queue-table")
    page = agent.page
    agent.log_in("li.na", PASSWORD)
    for title in ("键盘队列一：光猫红灯", "键盘队列二：网速慢", "键盘队列三：IPTV 卡顿"):
        _report(agent, title)
    page.goto("/desk/incidents?tab=unassigned")
    table = page.locator("table[data-queue]")
    expect(table).to_be_visible()
    expect(table.locator("thead th[data-col=title]")).to_be_visible()
    page.keyboard.press("j")
    expect(table.locator("tr.is-cursor")).to_have_count(1)
    first = table.locator("tr.is-cursor").get_attribute("data-id")
    page.keyboard.press("j")
    second = table.locator("tr.is-cursor").get_attribute("data-id")
    assert first != second
    page.keyboard.press("k")
    assert table.locator("tr.is-cursor").get_attribute("data-id") == first
    page.keyboard.press("x")
    expect(table.locator(f"tr[data-id='{first}']")).to_have_attribute("aria-selected", "true")
    agent.shot("01-cursor")
    page.keyboard.press("?")
    expect(page.locator("dialog[data-shortcuts]")).to_be_visible()
    agent.shot("02-shortcuts")
    page.keyboard.press("Escape")
    expect(page.locator("dialog[data-shortcuts]")).to_be_hidden()
    page.keyboard.press("/")
    expect(page.locator("input[name=q]")).to_be_focused()
    page.keyboard.press("Escape")
    page.locator("body").click(position={"x": 5, "y": 300})
    # Enter opens the cursor row; back in the queue, a assigns the ticked one to me.
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/desk/incidents/{first}$"))
    page.go_back()
    page.wait_for_load_state()
    page.keyboard.press("j")
    page.keyboard.press("x")
    page.keyboard.press("a")
    expect(page.locator(".flashes")).to_contain_text("李娜")
    expect(page.locator(f"table[data-queue] tr[data-id='{first}']")).to_have_count(0)  # no longer unassigned
    # A header click sorts oldest first; the view is saved and comes back.
    page.goto("/desk/incidents?tab=all")
    page.locator("th[data-col=created] a").click()
    expect(page.locator("th[data-col=created]")).to_have_attribute("aria-sort", "ascending")
    page.fill("#view-name", "全部·最早")
    page.click("form.saved-views__save button")
    expect(page.locator(".saved-views a.chip", has_text="全部·最早")).to_be_visible()
    page.goto("/desk/incidents")
    page.locator(".saved-views a.chip", has_text="全部·最早").click()
    expect(page.locator("th[data-col=created]")).to_have_attribute("aria-sort", "ascending")
    agent.shot("03-saved-view")
    # On a phone the rows are cards.
    page.set_viewport_size(PHONE)
    expect(page.locator("table[data-queue] thead")).not_to_be_in_viewport()
    page.set_viewport_size({"width": 1366, "height": 768})
    assert agent.errors == [], agent.errors
    agent.close()


def test_the_queue_table_in_english(desk: dict[str, Any], browser: Any) -> None:
    agent = Person(browser, desk["url"], "queue-table-en", locale="en-US")
    page = agent.page
    agent.log_in("li.na", PASSWORD)
    page.goto("/desk/incidents?tab=all&cols=zone&cols=assignee&cols=sla")
    headers = page.locator("table[data-queue] thead th[data-col]")
    expect(headers).to_have_count(5)
    page.select_option("[data-bulk-action]", "pend")
    expect(page.locator("#bulk-reason")).to_be_visible()
    expect(page.locator("[data-bulk-for='assign escalate']")).to_be_hidden()
    agent.shot("01-columns")
    # The township report past its respond-by time: its "☎ Response overdue" badge, the widest there is, stays
    # inside its cell (it ran over the service's name in English).
    with sqlite3.connect(desk["database"]) as conn:
        conn.execute("UPDATE incidents SET respond_by = '2020-01-01 00:00:00.000000' WHERE id = ?",
                     (desk["township_incident"],))
    page.goto("/desk/incidents?tab=response_overdue")
    badges = page.locator("table[data-queue] td[data-col='sla'] [data-sla='response_overdue']")
    expect(badges).to_have_count(1)
    overflow = page.evaluate("""() => [...document.querySelectorAll("table[data-queue] td .badge")]
        .filter(b => b.getBoundingClientRect().right > b.closest("td").getBoundingClientRect().right + 1)
        .map(b => b.textContent.trim())""")
    assert overflow == [], overflow
    agent.shot("02-response-overdue")
    assert agent.errors == [], agent.errors
    agent.close()
