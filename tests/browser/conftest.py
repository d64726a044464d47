"""Browser tests: Playwright driving Debian's Chromium (headless) against the desk served by waitress.

Each test module calls skip_without_a_browser() first: skipped, with the reason, when Playwright or
Chromium is missing. SQLite only: the server is a fresh instance in a temporary folder, whatever
TEST_DATABASE_URL says. Screenshots of the key pages go to tests/screenshots/ (git-ignored).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium",
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def skip_without_a_browser() -> None:
    """Skips the calling test module, saying why, when Playwright or Chromium is missing, or in the
    PostgreSQL pass (the served desk is SQLite whatever the database under test: once is enough)."""
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("browser tests run once, in the SQLite pass (the desk they drive is SQLite)",
                    allow_module_level=True)
    pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed (pip install playwright)")
    if chromium_path() is None:
        pytest.skip("Chromium is not installed (apt-get install chromium, or set CHROMIUM=/path/to/chromium)",
                    allow_module_level=True)


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The desk, served from a fresh instance by its own process; what it made, and its URL."""
    instance = tmp_path_factory.mktemp("desk")
    log = (instance / "server.log").open("w")
    env = {**os.environ, "SERVICEDESK_COOKIE_SECURE": "0", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen([sys.executable, "-m", "tests.browser.serve", str(instance)], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    ready = instance / "server.json"
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("the desk did not start:\n" + (instance / "server.log").read_text()[-4000:])
            time.sleep(0.1)
        yield json.loads(ready.read_text())
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
