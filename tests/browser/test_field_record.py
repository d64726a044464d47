"""A field engineer's visit on a phone (390×844, touch): the subscriber reports, the engineer takes the incident,
agrees the appointment, uploads two site photos (a PNG and a JPEG "from the camera"), has the customer sign on the
screen with a finger, records measurements (one out of the operator's limits is flagged), and opens the printable
work order. Both languages; screenshots in tests/screenshots/field-*.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.browser.conftest import skip_without_a_browser

skip_without_a_browser()

from playwright.sync_api import expect  # noqa: E402

from tests.browser.person import DESKTOP, PHONE, SCREENSHOTS, Person  # noqa: E402
from tests.browser.test_conversation_pages import _report  # noqa: E402
from tests.browser.test_journeys import PASSWORD, _png  # noqa: E402

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Engineer(Person):
    """Person on a phone: a touch screen 390 px wide; screenshots at the phone's width and at the desk's."""

    def __init__(self, browser: Any, base_url: str, name: str) -> None:
        super().__init__(browser, base_url, name)
        self.context.close()
        self.context = browser.new_context(base_url=base_url, viewport=PHONE, locale="zh-CN", has_touch=True,
                                           is_mobile=True, timezone_id="Asia/Shanghai")
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", lambda msg: self.errors.append(msg.text)
                     if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
        self.page.on("response", lambda r: self.errors.append(f"{r.status} {r.url}")
                     if r.status >= 400 and r.request.resource_type != "document" else None)

    def card(self, selector: str, name: str) -> None:
        """One card of the page as the phone shows it (the full page is several screens long)."""
        self.page.locator(selector).screenshot(path=str(SCREENSHOTS / f"{self.name}-{name}-390.png"))

    def shot(self, name: str, *, desktop: bool = True) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page = self.page
        page.screenshot(path=str(SCREENSHOTS / f"{self.name}-{name}-390.png"), full_page=True)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= PHONE["width"], f"{name}: the page is wider than a phone ({scroll_width}px)"
        if desktop:
            page.set_viewport_size(DESKTOP)
            page.screenshot(path=str(SCREENSHOTS / f"{self.name}-{name}-1366.png"), full_page=True)
            page.set_viewport_size(PHONE)


def _local(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def _take_and_book(eng: Engineer, incident_id: int) -> None:
    page = eng.page
    page.goto(f"/desk/incidents/{incident_id}")
    page.locator(f"details:has(form[action='/desk/incidents/{incident_id}/assign']) > summary").click()
    choice = page.locator("#assign-assignee option", has_text="李娜").first.get_attribute("value")
    page.select_option("#assign-assignee", value=choice)
    page.click(f"form[action='/desk/incidents/{incident_id}/assign'] button")
    expect(page.locator(".alert--success")).to_be_visible()
    start = datetime.now(SHANGHAI).replace(second=0, microsecond=0) + timedelta(hours=1)
    form = f"form[action='/desk/incidents/{incident_id}/appointment']"
    page.fill(f"{form} #appt-starts_at", _local(start))
    page.fill(f"{form} #appt-ends_at", _local(start + timedelta(hours=2)))
    page.fill(f"{form} #appt-agreed_with", "刘洋本人")
    page.click(f"{form} button")
    expect(page.locator("#appointment")).to_contain_text("刘洋本人")


def _upload_photos(eng: Engineer, incident_id: int, tmp_path: Path) -> None:
    page = eng.page
    camera = tmp_path / "IMG_0001.jpg"
    page.screenshot(path=str(camera), type="jpeg", quality=60)  # a real JPEG, as a phone's camera sends
    form = f"form[action='/desk/incidents/{incident_id}/field-photos']"
    expect(page.locator(f"{form} #photos")).to_have_attribute("capture", "environment")
    page.set_input_files(f"{form} #photos", [str(_png(tmp_path / "到达现场.png")), str(camera)])
    page.click(f"{form} button")
    expect(page.locator(".alert--success")).to_be_visible()
    thumbs = page.locator("#field-photo-list img")
    expect(thumbs).to_have_count(2)
    for n in range(2):
        thumbs.nth(n).scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbs.nth(n).element_handle())
    eng.card("#field-photos", "01-photos-card")
    eng.shot("01-photos")


def _finger_signs(eng: Engineer, incident_id: int) -> None:
    page = eng.page
    pad = page.locator(".fr-sigpad")
    form = f"form[action='/desk/incidents/{incident_id}/signature']"
    page.fill(f"{form} #signer_name", "刘洋")
    page.click(f"{form} [data-sigpad-save]")  # nothing drawn: said at once, nothing sent
    expect(page.locator("#sig-err")).to_be_visible()
    expect(page.locator("#sig-err")).to_contain_text("签名")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    cdp = eng.context.new_cdp_session(page)

    def stroke(points: list[tuple[float, float]]) -> None:
        def at(p: tuple[float, float]) -> list[dict[str, float]]:
            return [{"x": box["x"] + p[0] * box["width"], "y": box["y"] + p[1] * box["height"]}]
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": at(points[0])})
        for p in points[1:]:
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": at(p)})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

    inked = "c => c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some(v => v !== 0)"
    stroke([(0.1 + i * 0.02, 0.5 + (0.2 if i % 4 < 2 else -0.2) * (i % 2)) for i in range(20)])  # a scribble
    assert pad.evaluate(inked)  # the finger drew
    page.click(f"{form} [data-sigpad-clear]")  # the customer starts again
    assert not pad.evaluate(inked)
    stroke([(0.12 + i * 0.025, 0.55 - 0.25 * ((i % 6) / 5)) for i in range(30)])
    stroke([(0.3, 0.3), (0.35, 0.7), (0.45, 0.35), (0.55, 0.75), (0.7, 0.4), (0.85, 0.6)])
    eng.card("#field-signature", "02-signature-card")
    eng.shot("02-signature-drawn", desktop=False)
    page.click(f"{form} [data-sigpad-save]")
    expect(page.locator(".alert--success")).to_be_visible()
    shown = page.locator(".fr-signature img")
    expect(shown).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth === 900", arg=shown.element_handle())
    expect(page.locator(".fr-signature figcaption")).to_contain_text("刘洋")


def _measure(eng: Engineer, incident_id: int) -> None:
    page = eng.page
    form = f"form[action='/desk/incidents/{incident_id}/measurements']"
    page.fill(f"{form} #optical_power_dbm", "约-28")  # a slip of the thumb: refused beside the field, kept
    page.click(f"{form} button")
    expect(page.locator("#optical_power_dbm-err")).to_be_visible()
    expect(page.locator(f"{form} #optical_power_dbm")).to_have_value("约-28")
    page.fill(f"{form} #optical_power_dbm", "-28.4")
    page.fill(f"{form} #speed_down_mbps", "95.2")
    page.fill(f"{form} #contracted_mbps", "100")
    page.fill(f"{form} #ping_loss_percent", "0")
    page.click(f"{form} button")
    expect(page.locator(".alert--success")).to_contain_text("1")
    out = page.locator("#field-measurements tr.fr-out")
    expect(out).to_have_count(1)
    expect(out).to_have_attribute("data-kind", "optical_power")
    expect(out).to_contain_text("超标")
    expect(page.locator("#field-measurements tr[data-in-range=yes]")).to_have_count(2)
    page.locator("#field-measurements").scroll_into_view_if_needed()
    eng.card("#field-measurements", "03-measurements-card")
    eng.card("#field-signature", "03-signature-saved-card")
    eng.shot("03-measurements")


def _work_order(eng: Engineer, incident_id: int, suffix: str) -> None:
    page = eng.page
    page.goto(f"/desk/incidents/{incident_id}")
    page.click("#work-order-link")
    expect(page).to_have_url(re.compile(rf"/desk/incidents/{incident_id}/work-order$"))
    expect(page.locator("#wo-readings tr[data-in-range=no]")).to_have_count(1)
    page.wait_for_function("img => img.complete && img.naturalWidth === 900",
                           arg=page.locator("#wo-signature").element_handle())
    expect(page.locator(".wo-photos img")).to_have_count(2)
    eng.shot(f"04-work-order{suffix}")
    page.emulate_media(media="print")
    expect(page.locator(".wo-toolbar")).to_be_hidden()
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.screenshot(path=str(SCREENSHOTS / f"{eng.name}-05-work-order-print{suffix}.png"), full_page=True)
    page.emulate_media(media="screen")
    page.set_viewport_size(PHONE)


def test_field_engineer_on_a_phone_records_the_visit(browser: Any, desk: dict[str, Any], tmp_path: Path) -> None:
    liu = Person(browser, desk["url"], "field-0-subscriber")
    eng = Engineer(browser, desk["url"], "field-1-engineer")
    try:
        incident_id = _report(liu)
        eng.log_in("li.na", PASSWORD)
        _take_and_book(eng, incident_id)
        _upload_photos(eng, incident_id, tmp_path)
        _finger_signs(eng, incident_id)
        _measure(eng, incident_id)
        _work_order(eng, incident_id, "")
        expect(eng.page.locator("main")).to_contain_text("本人确认以上故障已处理完毕")
        # In English: the incident page's field record and the work order.
        page = eng.page
        page.goto(f"/desk/incidents/{incident_id}")
        page.click(".langswitch button[value=en]")
        expect(page.locator("#fmeas-h")).to_have_text("Measurements")
        expect(page.locator("#field-measurements tr.fr-out")).to_contain_text("out of range")
        page.locator("#field-photos").scroll_into_view_if_needed()
        eng.card("#field-measurements", "06-english-measurements-card")
        eng.card("#field-work", "06-english-field-work-card")
        eng.shot("06-english")
        _work_order(eng, incident_id, "-en")
        expect(page.locator("main")).to_contain_text("I confirm that the fault above has been dealt with")
        assert eng.errors == [], eng.errors
        assert liu.errors == [], liu.errors
    finally:
        for person in (liu, eng):
            person.close()
