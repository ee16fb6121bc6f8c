"""Results as people see them: headless Chromium against a live server.

A catalogue manager logs into the admin through its login form, opens the seeded sample
assessment (seeded as `make run` does it) and its printable report, and sees the level and
the charts. Screenshots (and the report printed to PDF) are saved under test-artifacts/.

Uses Debian's chromium and chromium-driver (never a downloaded browser); without them the
test is skipped with the command that installs them.
"""

import base64
import io
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from assessments.models import Assessment

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
PASSWORD = "a-long-password-1"

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="Chromium is not installed: apt-get install chromium chromium-driver",
)
webdriver = pytest.importorskip(
    "selenium.webdriver", reason="Selenium is not installed: pip install selenium==4.51.0"
)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as shown  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture
def browser() -> Iterator[Any]:
    profile = tempfile.mkdtemp(prefix="opsassess-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--window-size=1280,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    driver = webdriver.Chrome(service=service, options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def seed() -> Assessment:
    """What `make run` seeds: the catalogue, the DevOps questionnaire, admin, demo, a sample."""
    quiet = {"stdout": io.StringIO(), "verbosity": 0}
    call_command("seed_catalog", stdout=io.StringIO())
    questionnaire = ROOT / "fixtures" / "questionnaires" / "devops-maturity.yaml"
    call_command("import_questionnaire", str(questionnaire), **quiet)
    User.objects.create_superuser("admin", password=PASSWORD)
    call_command("ensure_demo_organisation", **quiet)
    call_command("ensure_demo_assessment", **quiet)
    return Assessment.objects.select_related("result").get(title="Sample assessment")


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


def visible(driver: Any, css: str) -> Any:
    return WebDriverWait(driver, 10).until(
        shown.visibility_of_element_located((By.CSS_SELECTOR, css))
    )


def page_errors(driver: Any) -> list[str]:
    """Console errors of the page (CSP violations, failed loads), the favicon aside."""
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE" and "favicon.ico" not in entry["message"]
    ]


def assert_chart_shown(driver: Any, css: str) -> None:
    chart = visible(driver, css)
    assert chart.size["width"] > 300 and chart.size["height"] > 200, chart.size
    assert chart.get_attribute("role") == "img"


@pytest.mark.django_db(transaction=True)
def test_a_manager_sees_the_result_and_its_report_in_chromium(
    live_server: Any, flushable: None, browser: Any
) -> None:
    assessment = seed()
    level = assessment.result.level_name
    assert level  # "Repeatable" for the sample

    browser.get(f"{live_server.url}/admin/login/?next=/admin/")
    browser.find_element(By.NAME, "username").send_keys("admin")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit], button[type=submit]").click()
    visible(browser, "#user-tools")

    browser.get(f"{live_server.url}/admin/assessments/assessment/{assessment.pk}/change/")
    assert visible(browser, "#result-view .result-level-name").text == level
    assert_chart_shown(browser, "#result-view svg")
    assert "Scores by discipline and hindrance" in browser.page_source
    save_page(browser, "admin-assessment-result")
    save_page(browser, "admin-result-view", "#result-view")

    browser.find_element(By.LINK_TEXT, "Open the printable report").click()
    assert visible(browser, ".level .name").text == level
    save_page(browser, "admin-report")

    # The API's report, with the admin's session (admin owns the demo organisation).
    browser.get(f"{live_server.url}/api/v1/assessments/{assessment.pk}/report/")
    assert visible(browser, "h1").text == "Demo organisation"
    assert visible(browser, ".level .name").text == level
    charts = browser.find_elements(By.CSS_SELECTOR, "figure svg")
    assert len(charts) == 3
    for index in range(len(charts)):
        assert_chart_shown(browser, f"figure:nth-of-type({index + 1}) svg")
    assert page_errors(browser) == []
    save_page(browser, "report")
    pdf = browser.execute_cdp_cmd(
        "Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True}
    )
    (ARTIFACTS / "report.pdf").write_bytes(base64.b64decode(pdf["data"]))

    browser.get(f"{live_server.url}/api/v1/assessments/{assessment.pk}/radar.svg")
    assert_chart_shown(browser, "svg")
    save_page(browser, "radar")

    # Logged out, the report is refused in the API's JSON, not shown.
    browser.delete_all_cookies()
    browser.get(f"{live_server.url}/api/v1/assessments/{assessment.pk}/report/")
    body = json.loads(browser.find_element(By.TAG_NAME, "body").text)
    assert body["errors"][0]["code"] == "not_authenticated"
