"""The navigation bar in a real browser: an administrator's bar keeps to one row at 1366 px in both languages,
the occasional pages sit in one "Manage" menu that opens, leads where it says, and closes on Escape."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import skip_without_a_browser

skip_without_a_browser()

from playwright.sync_api import expect  # noqa: E402

from tests.browser.person import PHONE, Person  # noqa: E402

PASSWORD = "correct-horse-42"


def _bar_rows(page: Any) -> int:
    """How many rows the links of the main navigation stand in."""
    tops = page.eval_on_selector_all(".mainnav > a, .mainnav > details > summary",
                                     "els => els.map(e => Math.round(e.getBoundingClientRect().top))")
    return len(set(tops))


def test_admin_menu_one_row_and_manage_menu(browser: Any, desk: dict[str, Any]) -> None:
    for locale, manage, audit, heading in (("en", "Manage", "Audit log", "Audit log"),
                                           ("zh-CN", "管理", "审计日志", "审计日志")):
        admin = Person(browser, desk["url"], f"nav-{locale}", locale=locale)
        page = admin.page
        try:
            admin.log_in("admin", PASSWORD)
            page.goto("/desk/incidents")
            assert _bar_rows(page) == 1, f"{locale}: the admin's navigation wraps at 1366 px"
            menu = page.locator("details[data-navmenu]")
            expect(menu.locator("summary")).to_have_text(manage)
            expect(menu.locator(".navmenu__list")).to_be_hidden()
            menu.locator("summary").click()
            expect(menu.locator(".navmenu__list")).to_be_visible()
            page.keyboard.press("Escape")
            expect(menu.locator(".navmenu__list")).to_be_hidden()
            menu.locator("summary").click()
            menu.get_by_role("link", name=audit, exact=True).click()
            expect(page.locator("h1")).to_contain_text(heading)
            # On the page it opened, the menu says where you are.
            expect(page.locator("details[data-navmenu] summary")).to_have_attribute("aria-current", "page")
            # A click elsewhere closes an open menu.
            page.locator("details[data-navmenu] summary").click()
            page.mouse.click(1300, 700)
            expect(page.locator(".navmenu__list")).to_be_hidden()
            page.set_viewport_size(PHONE)
            page.locator("details[data-navmenu] summary").click()
            box = page.locator(".navmenu__list").bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
            assert admin.errors == [], admin.errors
        finally:
            admin.close()


def test_a_leads_bar_keeps_to_one_row_in_english(browser: Any, desk: dict[str, Any]) -> None:
    lead = Person(browser, desk["url"], "nav-lead", locale="en")
    try:
        lead.log_in(desk["lead"], desk["password"])
        lead.page.goto("/desk/incidents")
        assert _bar_rows(lead.page) == 1, "a lead's navigation wraps at 1366 px"
    finally:
        lead.close()


def test_subscriber_sees_no_manage_menu(browser: Any, desk: dict[str, Any]) -> None:
    visitor = Person(browser, desk["url"], "nav-visitor")
    try:
        visitor.page.goto("/")
        expect(visitor.page.locator(".mainnav a").first).to_be_visible()
        assert visitor.page.locator("details[data-navmenu]").count() == 0
    finally:
        visitor.close()
