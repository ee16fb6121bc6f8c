"""What every browser test shares: Debian's Chromium driven by Selenium, screenshots, the
page's console errors and the axe-core accessibility check.

Never a downloaded browser: chromium and chromium-driver come from Debian (CI installs them);
without them the browser tests are skipped with the command that installs them. axe-core comes
pinned from the npm registry through `make setup` (.venv/axe-core-<version>/axe.min.js).
Screenshots go to test-artifacts/ (not committed; CI keeps them as files).
"""

from __future__ import annotations

import base64
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
AXE_VERSION = "4.14.1"
AXE = Path(
    os.environ.get("OPSASSESS_AXE_JS", ROOT / ".venv" / f"axe-core-{AXE_VERSION}" / "axe.min.js")
)

__all__ = [
    "ARTIFACTS",
    "ROOT",
    "By",
    "Keys",
    "WebDriverWait",
    "assert_accessible",
    "chromium",
    "needs_chromium",
    "page_errors",
    "save_page",
    "shown",
    "step",
    "visible",
    "wait_text",
]

needs_chromium = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="Chromium is not installed: apt-get install chromium chromium-driver",
)
webdriver = pytest.importorskip(
    "selenium.webdriver", reason="Selenium is not installed: pip install selenium==4.51.0"
)
from selenium.common.exceptions import (  # noqa: E402
    JavascriptException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as shown  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@contextmanager
def chromium(width: int = 1200, height: int = 1000) -> Iterator[Any]:
    """A headless Chromium with a profile of its own, closed and removed afterwards."""
    profile = tempfile.mkdtemp(prefix="opsassess-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        # Without these Chromium calls home, and this machine's closed network refuses it.
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--window-size={width},{height}",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(
        service=webdriver.ChromeService(executable_path=str(CHROMEDRIVER)), options=options
    )
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def save_page(driver: Any, name: str, css: str | None = None) -> Path:
    """The whole page (or one element of it), not only the window, as test-artifacts/<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    if css is None:
        size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"]}
    else:
        clip = driver.execute_script(
            "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
            "return {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height};",
            css,
        )
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {"format": "png", "captureBeyondViewport": True, "clip": {**clip, "scale": 1}},
    )
    path = ARTIFACTS / f"{name}.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


# An element found on the page being left can vanish while it is checked: Chromium then says
# "stale element" or "Node with given id does not belong to the document". Waiting goes on
# (a real absence still ends in a TimeoutException naming what was awaited).
_LEAVING = (StaleElementReferenceException, JavascriptException, WebDriverException)


def visible(driver: Any, css: str, timeout: int = 15) -> Any:
    return WebDriverWait(driver, timeout, ignored_exceptions=_LEAVING).until(
        shown.visibility_of_element_located((By.CSS_SELECTOR, css)),
        f"nothing visible matches {css!r}",
    )


def etag(driver: Any) -> str:
    """The ETag the answer page holds now (each completed autosave hands it a new one)."""
    return str(driver.find_element(By.ID, "etag").get_attribute("value"))


def saved_since(driver: Any, before: str) -> None:
    """Wait for an autosave to complete: the page's ETag moves on from `before`. Only then may
    a test read the database: reading the in-memory SQLite test database while the live
    server writes it makes the server's write fail with "database table is locked"."""
    WebDriverWait(driver, 15, ignored_exceptions=_LEAVING).until(
        lambda current: etag(current) != before, "no save completed"
    )


def wait_text(driver: Any, css: str, text: str) -> None:
    WebDriverWait(driver, 15, ignored_exceptions=_LEAVING).until(
        shown.text_to_be_present_in_element((By.CSS_SELECTOR, css), text),
        f"{css!r} never showed {text!r}",
    )


def page_errors(driver: Any) -> list[str]:
    """Console errors of the page (CSP violations, failed loads), the favicon aside."""
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE" and "favicon.ico" not in entry["message"]
    ]


def assert_accessible(driver: Any, name: str) -> None:
    """axe-core finds no serious or critical WCAG 2.x A/AA violation on the page."""
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"axe-core is missing at {AXE}: `make setup` installs it")
        return
    driver.execute_script(AXE.read_text())
    violations = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, "
        "nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))"
        ".catch(e => done([{id: 'axe-error', impact: 'critical', nodes: [String(e)]}]));"
    )
    serious = [v for v in violations if v["impact"] in {"serious", "critical"}]
    assert serious == [], f"{name}: {serious}"


def step(driver: Any, name: str) -> None:
    """One step of a walk: the page passes the accessibility check and is photographed."""
    assert_accessible(driver, name)
    save_page(driver, f"web-{name}")
