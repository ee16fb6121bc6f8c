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
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from assessments.models import Assessment
from tests.browser import (
    ARTIFACTS,
    ROOT,
    By,
    chromium,
    needs_chromium,
    page_errors,
    save_page,
    visible,
)

PASSWORD = "a-long-password-1"

pytestmark = needs_chromium


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium(width=1280) as driver:
        yield driver


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
