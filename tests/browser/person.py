"""One person at their own browser: own cookies, own language, and a habit of taking screenshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "tests" / "screenshots"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


class Person:
    """One person at their own browser (own cookies), with a habit of taking screenshots."""

    def __init__(self, browser: Any, base_url: str, name: str, locale: str = "zh-CN") -> None:
        self.name = name
        self.context = browser.new_context(base_url=base_url, viewport=DESKTOP, locale=locale,
                                           timezone_id="Asia/Shanghai")
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        # Script errors, and any stylesheet, script or picture that fails to load. A page answered with
        # an error status on purpose (a refused action, a 404) is not one.
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", lambda msg: self.errors.append(msg.text)
                     if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
        self.page.on("response", lambda r: self.errors.append(f"{r.status} {r.url}")
                     if r.status >= 400 and r.request.resource_type != "document" else None)
        # A request the page itself gave up (a suggestion overtaken by leaving the page) is not an error.
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed {r.url}: {r.failure}")
                     if "ERR_ABORTED" not in (r.failure or "") else None)

    def shot(self, name: str) -> None:
        """The page as it is now, at desktop width and on a phone (full length)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page = self.page
        page.screenshot(path=str(SCREENSHOTS / f"{self.name}-{name}-1366.png"), full_page=True)
        page.set_viewport_size(PHONE)
        page.screenshot(path=str(SCREENSHOTS / f"{self.name}-{name}-390.png"), full_page=True)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        page.set_viewport_size(DESKTOP)
        assert scroll_width <= PHONE["width"], f"{name}: the page is wider than a phone ({scroll_width}px)"

    def log_in(self, username: str, password: str) -> None:
        self.page.goto("/login")
        self.page.fill("#username", username)
        self.page.fill("#password", password)
        self.page.click("form[action^='/login'] [type=submit]")
        self.page.wait_for_load_state()

    def close(self) -> None:
        self.context.close()
