"""The conversation in a real browser: an agent replies with a site photo and keeps an internal note; the
subscriber is notified, sees the reply and the photo and never the note. Both languages, desk and phone
widths (screenshots in tests/screenshots/conv-*).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.browser.conftest import skip_without_a_browser

skip_without_a_browser()

from playwright.sync_api import expect  # noqa: E402

from tests.browser.person import Person  # noqa: E402
from tests.browser.test_journeys import PASSWORD, _png  # noqa: E402

REPLY = "师傅明天上午 9 点上门，现场照片见附件：尾纤在门框处被夹断。"
NOTE = "内部：用户家在六楼，需带熔接机和 20 米皮线。"


def _report(liu: Person) -> int:
    page = liu.page
    liu.log_in("liu.yang", PASSWORD)
    page.goto("/report")
    page.select_option("#service", "broadband")
    page.fill("#title", "光猫 LOS 红灯，上不了网")
    page.fill("#address", "和平里 8 号 2 单元 601")
    page.click("form[action^='/report'] button[type=submit]")
    expect(page).to_have_url(re.compile(r"/my/incidents/\d+$"))
    match = re.search(r"/my/incidents/(\d+)$", page.url)
    assert match
    return int(match.group(1))


def _reply_with_photo_and_note(agent: Person, incident_id: int, photo: Path, not_a_photo: Path) -> None:
    a = agent.page
    agent.log_in("li.na", PASSWORD)
    a.goto(f"/desk/incidents/{incident_id}")
    form = f"form[action='/desk/incidents/{incident_id}/messages']"
    # A file that is not what it says: refused beside the field, the text kept.
    a.fill(f"{form} #body", REPLY)
    a.set_input_files(f"{form} #files", str(not_a_photo))
    a.click(f"{form} button")
    expect(a.locator("#files-err")).to_contain_text("照片.jpg")
    expect(a.locator(f"{form} #body")).to_have_value(REPLY)
    agent.shot("01-file-refused")
    a.set_input_files(f"{form} #files", str(photo))
    a.click(f"{form} button")
    expect(a.locator(".alert--success")).to_be_visible()
    first = a.locator("section[aria-labelledby='hist-h'] .timeline__item").first
    expect(first).to_contain_text(REPLY)
    expect(first.locator(".photos img")).to_have_count(1)
    assert first.locator(".photos img").evaluate("img => img.naturalWidth") == 240
    a.fill(f"{form} #body", NOTE)
    a.check(f"{form} #kind-1")
    a.click(f"{form} button")
    expect(a.locator(".alert--success")).to_be_visible()
    first = a.locator("section[aria-labelledby='hist-h'] .timeline__item").first
    expect(first).to_contain_text(NOTE)
    expect(first.locator(".badge")).to_contain_text("仅员工可见")
    agent.shot("02-reply-and-note")


def _subscriber_sees_reply_not_note(liu: Person, incident_id: int) -> None:
    page = liu.page
    page.goto("/my/incidents")
    expect(page.locator("#news")).to_be_visible()
    liu.shot("01-my-incidents-news")
    page.click("#news a")
    expect(page).to_have_url(re.compile(r"/notifications$"))
    opening = page.locator("a.notification__link").first
    expect(opening).to_be_visible()
    liu.shot("02-notifications")
    opening.click()
    expect(page).to_have_url(re.compile(rf"/my/incidents/{incident_id}$"))
    timeline = page.locator("section[aria-labelledby='hist-h']")
    expect(timeline).to_contain_text(REPLY)
    expect(timeline).not_to_contain_text(NOTE)
    expect(timeline).not_to_contain_text("李娜")
    img = timeline.locator(".photos img")
    expect(img).to_have_count(1)
    assert img.evaluate("img => img.naturalWidth") == 240
    liu.shot("03-incident-with-reply")
    # The subscriber answers from the same page; an empty answer is refused beside the field.
    form = f"form[action='/my/incidents/{incident_id}/messages']"
    page.fill(f"{form} #body", "   ")
    page.click(f"{form} button")
    expect(page.locator("#body-err")).to_be_visible()
    page.fill(f"{form} #body", "好的，明天上午家里有人。")
    page.click(f"{form} button")
    expect(timeline.locator(".timeline__item").first).to_contain_text("明天上午家里有人")
    page.goto("/notifications")
    expect(page.locator("[data-read=no]")).to_have_count(0)  # opened: read


def _in_english(person: Person, url: str, name: str, *, present: str = "", absent: str = "") -> None:
    page = person.page
    page.goto(url)
    page.click(".langswitch button[value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#hist-h")).to_have_text("Timeline")
    if present:
        expect(page.locator("main")).to_contain_text(present)
    if absent:
        expect(page.locator("main")).not_to_contain_text(absent)
    person.shot(name)
    page.click(".langswitch button[value=zh_CN]")


def test_reply_with_photo_note_and_the_subscriber_notified(browser: Any, desk: dict[str, Any], tmp_path: Path) -> None:
    liu = Person(browser, desk["url"], "conv-1-subscriber")
    agent = Person(browser, desk["url"], "conv-2-agent")
    try:
        incident_id = _report(liu)
        not_a_photo = tmp_path / "照片.jpg"
        not_a_photo.write_bytes(b"MZ this is a program, not a photo")
        _reply_with_photo_and_note(agent, incident_id, _png(tmp_path / "现场.png"), not_a_photo)
        _subscriber_sees_reply_not_note(liu, incident_id)
        _in_english(agent, f"/desk/incidents/{incident_id}", "03-english", present="Internal note · staff only")
        _in_english(liu, f"/my/incidents/{incident_id}", "04-english", absent=NOTE)
        liu.page.goto("/notifications")
        liu.page.click(".langswitch button[value=en]")
        expect(liu.page.locator("h1")).to_have_text("Notifications")
        liu.shot("05-english-notifications")
        for person in (liu, agent):
            assert person.errors == [], (person.name, person.errors)
    finally:
        for person in (liu, agent):
            person.close()
