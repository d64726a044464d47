"""The dashboard in Chromium with the demo loaded, at desktop and phone widths: the headline cards, the charts
drawn by the vendored Apache ECharts (a canvas of real size, no script or CSP error), the tables, the drill-down
and the printable monthly report. Screenshots go to tests/screenshots/figures-*.png.

The desk is served by this module itself (`python -m tests.browser.test_figures_pages INSTANCE`): a fresh
SQLite instance with `flask demo load`'s data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

if __name__ != "__main__":
    from tests.browser.conftest import skip_without_a_browser

    skip_without_a_browser()

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    instance = tmp_path_factory.mktemp("demo-desk")
    log = (instance / "server.log").open("w")
    env = {**os.environ, "SERVICEDESK_COOKIE_SECURE": "0", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen([sys.executable, "-m", "tests.browser.test_figures_pages", str(instance)], cwd=ROOT,
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    ready = instance / "server.json"
    try:
        deadline = time.monotonic() + 240
        while not ready.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("the desk did not start:\n" + (instance / "server.log").read_text()[-4000:])
            time.sleep(0.2)
        yield json.loads(ready.read_text())
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _chart_sizes(page: Any) -> list[dict[str, float]]:
    return page.evaluate("""() => Array.from(document.querySelectorAll('.chart canvas')).map(c => {
        const r = c.getBoundingClientRect(); return {w: r.width, h: r.height}; })""")


def test_the_dashboard_draws_at_desktop_and_phone_widths(browser: Any, demo_desk: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    from tests.browser.person import DESKTOP, PHONE, SCREENSHOTS, Person

    lead = Person(browser, demo_desk["url"], "figures")
    lead.log_in("lead.zhao", demo_desk["password"])
    page = lead.page
    page.goto("/desk/dashboard")
    expect(page.locator("#headline .kpi").first).to_be_visible()
    page.wait_for_function("document.querySelectorAll('.chart canvas').length >= 2")
    sizes = _chart_sizes(page)
    assert len(sizes) >= 2 and all(s["w"] > 200 and s["h"] > 150 for s in sizes), sizes
    # a month of demo history: real numbers, linked to the incidents behind them
    assert page.locator("#kpi-repair_timeliness .kpi__value a").count() == 1
    assert page.locator("#breakdown-table tbody tr").count() >= 3
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "figures-dashboard-1366.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(400)  # the charts follow the resize
    sizes = _chart_sizes(page)
    assert all(0 < s["w"] <= PHONE["width"] for s in sizes), sizes
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(SCREENSHOTS / "figures-dashboard-390.png"), full_page=True)
    page.set_viewport_size(DESKTOP)

    page.goto("/desk/dashboard?period=last_month&by=zone&show=satisfaction")
    page.wait_for_function("document.querySelectorAll('.chart canvas').length >= 2")
    page.screenshot(path=str(SCREENSHOTS / "figures-last-month-by-zone-1366.png"), full_page=True)
    page.click("#kpi-repair_timeliness .kpi__value a")
    expect(page.locator("#drill-list tbody tr").first).to_be_visible()
    lead.shot("drill-down")
    page.goto("/desk/dashboard/knowledge")
    expect(page.locator("#kb-headline")).to_be_visible()
    lead.shot("knowledge")
    page.goto("/desk/reports/monthly")
    expect(page.locator("#report-headline")).to_be_visible()
    lead.shot("monthly")
    page.emulate_media(media="print")
    page.screenshot(path=str(SCREENSHOTS / "figures-monthly-print.png"), full_page=True)
    assert not page.locator(".topbar").is_visible()
    assert lead.errors == [], lead.errors
    lead.close()


def main(instance: Path) -> None:
    """Serves a fresh desk with the demo loaded; writes server.json once it listens."""
    os.environ["SERVICEDESK_COOKIE_SECURE"] = "0"
    os.environ["SERVICEDESK_INSTANCE"] = str(instance)
    import waitress

    from kb.orm import Base
    from servicedesk import create_app, db
    from servicedesk.demo import load_demo
    from servicedesk.demo_content import DEMO_PASSWORD
    from servicedesk.search import reindex

    db.load_models()
    app = create_app({
        "DATABASE_URL": f"sqlite:///{instance / 'desk.db'}", "INSTANCE_PATH": str(instance),
        "INDEX_DIR": str(instance / "index"), "SECRET_KEY": "browser-tests-only",
        "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False,
    })
    with app.app_context():
        Base.metadata.create_all(app.extensions["sqlalchemy_engine"])
        started = time.monotonic()
        load_demo(db.session())
        db.session.commit()
        loaded_in = time.monotonic() - started
        reindex()
        db.session.remove()
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=8)
    (instance / "server.json").write_text(json.dumps({
        "url": f"http://127.0.0.1:{server.effective_port}", "password": DEMO_PASSWORD, "loaded_in": loaded_in}))
    server.run()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
