"""A member in Chromium: sign in, answer (with and without JavaScript), submit, read the result,
compare, download the PDF; every page checked by axe-core, a screenshot at every step.

One browser for the whole module (each test starts signed out). Uses Debian's chromium and
chromium-driver; axe-core comes pinned from the npm registry through `make setup`
(.venv/axe-core-<version>/axe.min.js). Screenshots go to test-artifacts/web-*.png.
"""

import base64
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from assessments import services
from assessments.models import (
    Answer,
    Assessment,
    QuestionnaireVersion,
)
from organisations.models import Organisation
from tests.browser import (
    ARTIFACTS,
    ROOT,
    By,
    Keys,
    chromium,
    etag,
    needs_chromium,
    page_errors,
    save_page,
    saved_since,
    step,
    visible,
    wait_text,
)
from tests.web.conftest import answer_sample

PASSWORD = "a-long-password-1"

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def module_browser() -> Iterator[Any]:
    with chromium() as driver:
        yield driver


@pytest.fixture
def browser(module_browser: Any) -> Iterator[Any]:
    yield module_browser
    module_browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
    module_browser.execute_cdp_cmd("Network.emulateNetworkConditions", ONLINE)
    for handle in module_browser.window_handles[1:]:
        module_browser.switch_to.window(handle)
        module_browser.close()
    module_browser.switch_to.window(module_browser.window_handles[0])
    module_browser.delete_all_cookies()


ONLINE = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}


def seed() -> tuple[Assessment, Assessment]:
    """What `make run` seeds (catalogue, DevOps questionnaire, admin, demo and its sample
    result) and a draft for admin to answer."""
    quiet = {"stdout": io.StringIO(), "verbosity": 0}
    call_command("seed_catalog", stdout=io.StringIO())
    path = ROOT / "fixtures" / "questionnaires" / "devops-maturity.yaml"
    call_command("import_questionnaire", str(path), **quiet)
    admin = User.objects.create_superuser("admin", password=PASSWORD)
    call_command("ensure_demo_organisation", **quiet)
    call_command("ensure_demo_assessment", **quiet)
    version = QuestionnaireVersion.objects.get(questionnaire__slug="devops-maturity")
    draft = services.assessment_create(
        organisation=Organisation.objects.get(slug="demo"),
        version=version,
        user=admin,
        title="Winter review",
    )
    return draft, Assessment.objects.get(title="Sample assessment")


def sign_in_with_the_keyboard(driver: Any, url: str) -> None:
    driver.get(f"{url}/")
    visible(driver, "#id_username")
    step(driver, "01-sign-in")
    # The username field has the focus; Tab leads to the password, Enter signs in.
    driver.switch_to.active_element.send_keys("admin", Keys.TAB)
    driver.switch_to.active_element.send_keys(PASSWORD, Keys.ENTER)
    wait_text(driver, "h1", "My assessments")  # the next page, not the sign-in form's
    # The first Tab stop of a page is the skip link, shown when focused; it leads to main.
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    focused = driver.switch_to.active_element
    assert focused.get_attribute("class") == "skip-link"
    assert focused.location["y"] >= 0 and focused.is_displayed()
    focused.send_keys(Keys.ENTER)
    assert driver.switch_to.active_element.get_attribute("id") == "main"


def tab_to(driver: Any, name: str, limit: int = 120) -> Any:
    """Press Tab until the control named `name` has the focus; fails if it never does."""
    for _ in range(limit):
        driver.switch_to.active_element.send_keys(Keys.TAB)
        element = driver.switch_to.active_element
        if element.get_attribute("name") == name:
            return element
    raise AssertionError(f"{name} is not reachable with the Tab key")


def stored(assessment: Assessment, key: str) -> Answer | None:
    return Answer.objects.filter(assessment=assessment, question__key=key).first()


@pytest.mark.django_db(transaction=True)
def test_a_member_answers_submits_and_reads_the_result_in_chromium(
    live_server: Any, flushable: None, browser: Any
) -> None:
    draft, sample = seed()
    url = live_server.url
    sign_in_with_the_keyboard(browser, url)
    assert "Winter review" in browser.page_source and "0 of 22 answered" in browser.page_source
    step(browser, "02-home")

    browser.find_element(By.LINK_TEXT, "Winter review").click()
    visible(browser, "#answers")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Plan"
    step(browser, "03-answer-plan")

    # Keyboard only: Tab to the first option of a question, the arrow key chooses the next
    # option, and the change is saved by itself; the focus is visible.
    radio = tab_to(browser, "q-plan-backlog-traceability-choices")
    assert radio.value_of_css_property("outline-style") != "none"
    radio.send_keys(Keys.SPACE)
    wait_text(browser, "#status-plan-backlog-traceability", "Saved at")
    before = etag(browser)
    browser.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
    saved_since(browser, before)
    assert stored(draft, "plan-backlog-traceability").choices == ["ad-hoc-list"]
    # A number is saved when the field is left; the page's count follows.
    number = browser.find_element(By.ID, "id_q-plan-shared-slos-number")
    number.send_keys("45", Keys.TAB)
    wait_text(browser, "#status-plan-shared-slos", "Saved at")
    assert stored(draft, "plan-shared-slos").number == Decimal(45)
    wait_text(browser, "#overall-progress", "2 of 22 questions answered")
    # A comment and evidence link, opened from their disclosure.
    browser.find_element(By.CSS_SELECTOR, "#q-plan-shared-slos summary").click()
    before = etag(browser)
    browser.find_element(By.ID, "id_q-plan-shared-slos-comment").send_keys(
        "Two SLOs so far", Keys.TAB
    )
    saved_since(browser, before)
    before = etag(browser)
    browser.find_element(By.ID, "id_q-plan-shared-slos-evidence_url").send_keys(
        "https://wiki.example.com/slos", Keys.TAB
    )
    saved_since(browser, before)
    assert stored(draft, "plan-shared-slos").evidence_url == "https://wiki.example.com/slos"
    assert stored(draft, "plan-shared-slos").comment == "Two SLOs so far"
    # A refused value: the reason next to the question, nothing stored. (Typed over the
    # old value: emptying the field first would save an empty answer, as it should.)
    number.send_keys(Keys.CONTROL, "a")
    number.send_keys("150", Keys.TAB)
    wait_text(browser, "#status-plan-shared-slos", "above the maximum 100")
    assert stored(draft, "plan-shared-slos").number == Decimal(45)
    step(browser, "04-autosave-refused")

    # A second tab saves the same question; the first tab's save is refused, says so, and
    # keeps what was chosen there.
    first = browser.current_window_handle
    browser.switch_to.new_window("tab")
    browser.get(f"{url}/assessments/{draft.pk}/answer/plan/")
    browser.find_element(By.CSS_SELECTOR, "label[for=id_q-plan-team-ownership-choices_2]").click()
    wait_text(browser, "#status-plan-team-ownership", "Saved at")
    browser.close()
    browser.switch_to.window(first)
    browser.find_element(By.CSS_SELECTOR, "label[for=id_q-plan-team-ownership-choices_4]").click()
    wait_text(browser, "#status-plan-team-ownership", "changed elsewhere")
    assert browser.find_element(By.ID, "id_q-plan-team-ownership-choices_4").is_selected()
    assert stored(draft, "plan-team-ownership").choices == ["shared-rota"]
    step(browser, "05-stale-save")

    # A save that cannot reach the server loses nothing and says so.
    browser.get(f"{url}/assessments/{draft.pk}/answer/build/")
    visible(browser, "#answers")
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.emulateNetworkConditions", ONLINE | {"offline": True})
    browser.find_element(By.CSS_SELECTOR, "label[for=id_q-build-branch-lifetime-choices_4]").click()
    wait_text(browser, "#status-build-branch-lifetime", "could not be reached")
    assert browser.find_element(By.ID, "id_q-build-branch-lifetime-choices_4").is_selected()
    assert stored(draft, "build-branch-lifetime") is None
    save_page(browser, "web-06-offline-save")
    browser.execute_cdp_cmd("Network.emulateNetworkConditions", ONLINE)
    # The next change goes through again.
    browser.find_element(By.CSS_SELECTOR, "label[for=id_q-build-branch-lifetime-choices_3]").click()
    wait_text(browser, "#status-build-branch-lifetime", "Saved at")

    # Review: what is missing, each linked to its question.
    browser.get(f"{url}/assessments/{draft.pk}/submit/")
    assert "required questions still to answer" in visible(browser, ".missing h2").text
    step(browser, "07-review-missing")

    # A colleague answers the rest; then submit and read the result.
    answer_sample(draft, User.objects.get(username="admin"))
    browser.get_log("browser")  # the refused saves above were logged on purpose
    browser.refresh()
    assert "Every required question is answered" in visible(browser, "main").text
    browser.find_element(By.CSS_SELECTOR, "form button.primary").click()
    level = visible(browser, ".level-name").text
    assert level == Assessment.objects.get(pk=draft.pk).result.level_name
    assert len(browser.find_elements(By.CSS_SELECTOR, "figure.chart svg")) == 3
    assert "What to improve first" in browser.page_source
    assert page_errors(browser) == []
    step(browser, "08-result")

    # The PDF, fetched with the page's own session.
    pdf = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(document.querySelector('a[download]').href).then(r => r.arrayBuffer())"
        ".then(b => { let s = ''; new Uint8Array(b).forEach(c => s += String.fromCharCode(c));"
        " done(btoa(s)); });"
    )
    content = base64.b64decode(pdf)
    assert content.startswith(b"%PDF-") and len(content) > 10_000
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "web-report.pdf").write_bytes(content)

    # Compared with the demo's sample result of the same questionnaire.
    browser.find_element(By.LINK_TEXT, "Compare with an earlier result").click()
    visible(browser, "table.compare")
    chosen = browser.find_element(By.CSS_SELECTOR, "#with option:checked")
    assert chosen.get_attribute("value") == str(sample.pk)
    step(browser, "09-compare")

    browser.find_element(By.CSS_SELECTOR, ".account button").click()
    wait_text(browser, "h1", "Sign in")  # the next page's heading, not the old one


@pytest.mark.django_db(transaction=True)
def test_answering_and_submitting_work_without_javascript(
    live_server: Any, flushable: None, browser: Any
) -> None:
    draft, _ = seed()
    url = live_server.url
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    browser.get(f"{url}/accounts/login/")
    browser.find_element(By.ID, "id_username").send_keys("admin")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    wait_text(browser, "h1", "My assessments")  # signed in before going on
    browser.get(f"{url}/assessments/{draft.pk}/answer/ci-cd/")
    browser.find_element(By.CSS_SELECTOR, "label[for=id_q-ci-build-automation-choices_4]").click()
    browser.find_element(By.ID, "id_q-cd-lead-time-number").send_keys("-3")
    browser.find_element(By.CSS_SELECTOR, "button[value=next]").click()
    # Refused as a whole: the summary links to the question, the input is kept.
    summary = visible(browser, "#error-summary")
    assert "below the minimum 0" in summary.text
    assert browser.find_element(By.ID, "id_q-cd-lead-time-number").get_attribute("value") == "-3"
    assert stored(draft, "ci-build-automation") is None
    save_page(browser, "web-10-no-js-error")
    field = browser.find_element(By.ID, "id_q-cd-lead-time-number")
    field.clear()
    field.send_keys("30")
    browser.find_element(By.CSS_SELECTOR, "button[value=next]").click()
    # Waits for the next page: the old page's heading may still be there right after the click.
    wait_text(browser, "h1", "Monitor")
    assert "Saved the answers of “Continuous integration and deployment”" in browser.page_source
    assert stored(draft, "ci-build-automation").choices == ["fast-and-green"]
    assert stored(draft, "cd-lead-time").number == Decimal(30)
    save_page(browser, "web-11-no-js-saved")

    browser.get(f"{url}/assessments/{draft.pk}/submit/")
    browser.find_element(By.CSS_SELECTOR, "form button.primary").click()
    assert "Not submitted" in visible(browser, "#error-summary").text
    answer_sample(draft, User.objects.get(username="admin"))
    browser.get(f"{url}/assessments/{draft.pk}/submit/")
    browser.find_element(By.CSS_SELECTOR, "form button.primary").click()
    assert visible(browser, ".level-name").text
    assert Assessment.objects.get(pk=draft.pk).is_submitted
    save_page(browser, "web-12-no-js-result")
