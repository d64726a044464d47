"""The journeys, in a real browser: a subscriber helps themselves and reports what they cannot fix;
an agent solves it with the knowledge base and is held at the close gate until a technical lead has
reviewed the solution; the subscriber confirms and rates; the language switch sticks.
"""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path
from typing import Any

from tests.browser.conftest import skip_without_a_browser

skip_without_a_browser()

from playwright.sync_api import expect  # noqa: E402

from tests.browser.person import DESKTOP, PHONE, Person  # noqa: E402

PASSWORD = "correct-horse-42"
ADDRESS = "幸福小区 3 栋 2 单元 501"
DESCRIPTION = "昨晚开始断网，按文章检查过尾纤，也重启过光猫，LOS 灯还是红色闪烁。"


def _png(path: Path, width: int = 240, height: int = 160) -> Path:
    """A small real picture: a modem with a red light, more or less."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            red_light = (x - 180) ** 2 + (y - 50) ** 2 < 120
            box = 30 < x < 210 and 30 < y < 130
            row += bytes((230, 30, 30) if red_light else (60, 70, 80) if box else (235, 240, 245))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))
    path.write_bytes(png)
    return path


def _incident_id(page: Any) -> int:
    match = re.search(r"/my/incidents/(\d+)$", page.url)
    assert match, page.url
    return int(match.group(1))


def _search_read_and_say_no(zhang: Person, desk: dict[str, Any]) -> None:
    """The subscriber searches, with suggestions as they type, reads the answer, and it does not help."""
    page = zhang.page
    page.goto("/")
    expect(page.locator("h1")).to_have_text("有什么可以帮您？")
    zhang.shot("01-home")
    page.fill("#q", "光猫")
    expect(page.locator("#q-suggestions li").first).to_be_visible()
    zhang.shot("02-suggestions")
    page.fill("#q", "光猫 红灯")
    page.press("#q", "Enter")
    expect(page).to_have_url(re.compile(r"/kb/search\?q="))
    los = desk["los_answer"]
    expect(page.locator(f"h3 a[href='/kb/{los}']")).to_be_visible()
    zhang.shot("03-search")
    page.click(f"h3 a[href='/kb/{los}']")
    expect(page.locator("#solved-h")).to_be_visible()
    zhang.shot("04-article")
    page.click("#solved button[name=no]")


def _register(zhang: Person) -> None:
    """Reporting needs an account: the subscriber registers with the number on the bill."""
    page = zhang.page
    expect(page).to_have_url(re.compile(r"/login\?next="))
    zhang.shot("05-login")
    page.click("a[href^='/register']")
    expect(page).to_have_url(re.compile(r"/register\?next="))
    page.fill("#account", "GD20240001")
    page.fill("#phone", "13812345678")
    page.fill("#display_name", "张伟")
    page.fill("#username", "zhang.wei")
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    zhang.shot("05b-register")
    page.click("form[action^='/register'] [type=submit]")


def _report(zhang: Person, desk: dict[str, Any], photo: Path) -> tuple[int, str]:
    """The form knows what was searched, the article read and the address on record; one incident comes
    of it however often it is sent. Returns the incident's id and number."""
    page = zhang.page
    los = desk["los_answer"]
    expect(page).to_have_url(re.compile(rf"/report\?article={los}$"))
    expect(page.locator("#title")).to_have_value("光猫 红灯")
    expect(page.locator("#service")).to_have_value("broadband")
    expect(page.locator("#customer_account")).to_have_value("GD20240001")
    expect(page.locator("#contact_phone")).to_have_value("13812345678")
    expect(page.locator("#address")).to_have_value(ADDRESS)
    expect(page.locator(f"#viewed-h + p + ul a[href='/kb/{los}']")).to_be_visible()
    page.fill("#description", DESCRIPTION)
    page.set_input_files("#photo", str(photo))
    zhang.shot("06-report")
    page.dblclick("form[action^='/report'] button[type=submit]")  # an impatient double click

    expect(page).to_have_url(re.compile(r"/my/incidents/\d+$"))
    incident_id = _incident_id(page)
    expect(page.locator("#promise")).to_contain_text("30 分钟")
    number = page.locator("#promise .mono").inner_text()
    assert re.fullmatch(r"INC\d{8}-\d{6}", number)
    expect(page.locator(".photos img")).to_have_count(1)
    assert page.locator(".photos img").evaluate("img => img.naturalWidth") == 240
    zhang.shot("07-reported")

    # Back to the form: it says the report was made; the same report sent again is still one incident.
    page.go_back()
    expect(page).to_have_url(re.compile(r"/report"))
    expect(page.locator("#just-reported")).to_contain_text(number)
    zhang.shot("07b-back-to-the-form")
    page.select_option("#service", "broadband")
    page.fill("#title", "光猫 红灯")
    page.fill("#description", DESCRIPTION)
    page.fill("#address", ADDRESS)
    page.click("form[action^='/report'] button[type=submit]")
    expect(page).to_have_url(re.compile(rf"/my/incidents/{incident_id}$"))
    expect(page.locator(".alert--info")).to_contain_text(number)
    page.goto("/my/incidents")
    expect(page.locator(".incident-card")).to_have_count(1)
    zhang.shot("08-my-incidents")
    return incident_id, number


def _take_link_and_resolve(agent: Person, desk: dict[str, Any], incident_id: int) -> None:
    """The agent takes it, looks at a suggestion, links the solution that fits, resolves."""
    a = agent.page
    agent.log_in("li.na", PASSWORD)
    expect(a).to_have_url(re.compile(r"/desk/incidents"))
    agent.shot("01-queue")
    row = a.locator("table[data-queue] tbody tr").first
    tick, title = row.locator("input[type=checkbox]").bounding_box(), row.locator("a").first.bounding_box()
    assert tick and title and 0 < title["x"] - tick["x"] < 320, "the title stands near its tick box"
    a.goto(f"/desk/incidents/{incident_id}")
    expect(a.locator("h1")).to_contain_text("光猫 红灯")
    agent.shot("02-incident")
    _incident_page_layout(a)
    a.click(f"form[action='/desk/incidents/{incident_id}/start'] button")
    expect(a.locator(".alert--success")).to_be_visible()
    suggestion = a.locator("section[aria-labelledby='sugg-h'] a[href^='/kb/']").first
    expect(suggestion).to_be_visible()
    suggestion.click()
    expect(a).to_have_url(re.compile(r"/kb/\d+$"))
    a.go_back()
    a.fill("#kbq", "夹断")
    a.press("#kbq", "Enter")
    waiting = desk["waiting_solution"]
    link = a.locator(f"#kb-search li:has(a[href='/kb/{waiting}']) form[action$='/solution'] button")
    expect(link).to_be_visible()
    agent.shot("03-search-solutions")
    link.click()
    expect(a.locator(f"#solution a[href='/kb/{waiting}']")).to_be_visible()
    a.fill(f"form[action='/desk/incidents/{incident_id}/resolve'] textarea",
           "入户光纤在门框处被夹断，已重新熔接并改走线，收光 -18 dBm。")
    a.click(f"form[action='/desk/incidents/{incident_id}/resolve'] button")
    expect(a.locator("#close-blockers li")).to_have_count(2)


def _incident_page_layout(page: Any) -> None:
    """On a desk screen the solutions stand beside the description, and the work and its history under it
    (no gap left by the long solution column); on a phone the solutions come before the work."""
    def box(selector: str) -> dict[str, float]:
        found = page.locator(selector).bounding_box()
        assert found, selector
        return found

    work, history, solution = box("#work"), box("section[aria-labelledby='hist-h']"), box("#solution")
    talk = box("#conversation")  # the conversation stands between the work and its history
    assert solution["x"] > work["x"] + work["width"] and history["x"] == work["x"] == talk["x"]
    assert talk["y"] - (work["y"] + work["height"]) < 40 and history["y"] - (talk["y"] + talk["height"]) < 40
    page.set_viewport_size(PHONE)
    try:
        assert (box("#solution")["y"] < box("#work")["y"] < box("#conversation")["y"]
                < box("section[aria-labelledby='hist-h']")["y"])
    finally:
        page.set_viewport_size(DESKTOP)


def _confirm_and_rate(zhang: Person, incident_id: int) -> None:
    """The subscriber confirms the fix with five stars and two tags."""
    page = zhang.page
    page.goto(f"/my/incidents/{incident_id}")
    expect(page.locator("#verdict-h")).to_be_visible()
    page.click("label[for='confirm-rating-4']")
    page.click("label[for='confirm-tags-0']")
    page.click("label[for='confirm-tags-2']")
    page.fill("#confirm-comment", "师傅准时上门，讲得很清楚。")
    zhang.shot("09-confirm")
    page.click("#confirm-submit")
    expect(page.locator(".feedback .chip--static")).to_have_count(2)
    expect(page.locator(".stars-shown .on")).to_have_count(5)
    zhang.shot("10-confirmed")


def _close(agent: Person, incident_id: int, *, refused: bool) -> None:
    """The agent closes the incident, or is refused while the solution waits for its review."""
    a = agent.page
    a.goto(f"/desk/incidents/{incident_id}")
    if not refused:
        expect(a.locator("#close-blockers")).to_have_count(0)
    a.click(f"form[action='/desk/incidents/{incident_id}/close'] button")
    if refused:
        expect(a.locator(".alert--error")).to_be_visible()
        expect(a.locator("#close-blockers li[data-code='solution_not_approved']")).to_be_visible()
        agent.shot("04-close-refused")
    else:
        expect(a.locator(".alert--success")).to_be_visible()
        agent.shot("05-closed")


def _review(lead: Person, desk: dict[str, Any]) -> None:
    """The technical lead approves the solution with both checks (in English: the language is per person)."""
    r = lead.page
    waiting = desk["waiting_solution"]
    lead.log_in(desk["lead"], PASSWORD)
    r.goto("/kb/review")
    r.click(f"a[href='/kb/{waiting}/review']")
    expect(r.locator("#decide-h")).to_be_visible()
    r.check("#content_ok")
    r.check("#form_ok")
    r.check("#decision-0")
    r.fill("#comment", "Fits the incident; attributes are right.")
    lead.shot("01-review")
    r.click(f"form[action='/kb/{waiting}/review'] button")
    expect(r.locator(".alert--success")).to_be_visible()
    lead.shot("02-reviewed")


def test_from_search_to_a_closed_incident(browser: Any, desk: dict[str, Any], tmp_path: Path) -> None:
    zhang = Person(browser, desk["url"], "1-subscriber")
    agent = Person(browser, desk["url"], "2-agent")
    lead = Person(browser, desk["url"], "3-lead", locale="en-US")
    try:
        _search_read_and_say_no(zhang, desk)
        _register(zhang)
        incident_id, _number = _report(zhang, desk, _png(tmp_path / "光猫.png"))
        _take_link_and_resolve(agent, desk, incident_id)
        _confirm_and_rate(zhang, incident_id)
        _close(agent, incident_id, refused=True)
        _review(lead, desk)
        _close(agent, incident_id, refused=False)
        zhang.page.goto(f"/my/incidents/{incident_id}")
        expect(zhang.page.locator(".badge--closed").first).to_be_visible()
        zhang.shot("11-closed")
        for person in (zhang, agent, lead):
            assert person.errors == [], (person.name, person.errors)
    finally:
        for person in (zhang, agent, lead):
            person.close()


def test_the_language_switch_sticks(browser: Any, desk: dict[str, Any]) -> None:
    visitor = Person(browser, desk["url"], "4-language")
    page = visitor.page
    try:
        page.goto("/")
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        page.click(".langswitch button[value=en]")
        expect(page.locator("h1")).to_have_text("How can we help?")
        expect(page.locator(".langswitch button[value=en]")).to_have_attribute("aria-pressed", "true")
        visitor.shot("01-english-home")
        page.click(f"a[href='/kb/{desk['answers'][1]}']")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("#solved-h")).to_have_text("Did this solve your problem?")
        page.click("#solved button[name=yes]")
        expect(page.locator("#solved-h")).to_have_text("Glad it helped!")
        visitor.shot("02-english-article-yes")
        page.goto("/no-such-page")
        expect(page.locator("h1")).to_have_text("Page not found")
        visitor.shot("03-english-404")
        page.click(".langswitch button[value=zh_CN]")
        expect(page.locator("h1")).to_have_text("找不到页面")
        page.goto("/")
        expect(page.locator("h1")).to_have_text("有什么可以帮您？")
        assert visitor.errors == [], visitor.errors
    finally:
        visitor.close()


def test_bad_input_is_handled_in_the_page(browser: Any, desk: dict[str, Any], tmp_path: Path) -> None:
    liu = Person(browser, desk["url"], "5-bad-input")
    page = liu.page
    try:
        liu.log_in("liu.yang", PASSWORD)
        page.goto("/report")
        page.select_option("#service", "iptv")
        page.fill("#title", '<script>alert("x")</script> 机顶盒黑屏')
        page.fill("#address", "和平里 8 号")
        not_a_picture = tmp_path / "照片.jpg"
        not_a_picture.write_bytes(b"MZ this is a program, not a photo")
        page.set_input_files("#photo", str(not_a_picture))
        page.click("form[action^='/report'] button[type=submit]")
        expect(page.locator("#photo-err")).to_be_visible()
        expect(page.locator("#title")).to_have_value('<script>alert("x")</script> 机顶盒黑屏')
        liu.shot("01-not-a-photo")
        page.set_input_files("#photo", [])
        page.click("form[action^='/report'] button[type=submit]")
        expect(page).to_have_url(re.compile(r"/my/incidents/\d+$"))
        expect(page.locator("h1")).to_have_text('<script>alert("x")</script> 机顶盒黑屏')
        assert liu.errors == [], liu.errors
    finally:
        liu.close()
