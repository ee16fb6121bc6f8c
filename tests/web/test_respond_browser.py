"""In Chromium: an owner asks someone new to answer an assessment by e-mail; they open the link
signed out, create their account, land on the assessment's first page and answer it (partly
with the keyboard only), reload to see it kept, meet a second tab's newer answer without
losing it, and find nothing missing on their done page. Every page is checked by axe-core
and photographed (test-artifacts/web-30-*.png to web-37-*.png).

After a click that navigates, the test waits for the next page's heading text: the old
page's heading may still be found for a moment, more so on a busy machine.
"""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from assessments import services
from assessments.models import Assessment, RespondentAnswer
from tests.browser import (
    By,
    Keys,
    chromium,
    etag,
    needs_chromium,
    page_errors,
    saved_since,
    step,
    visible,
    wait_text,
)
from tests.web.conftest import PASSWORD

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as driver:
        yield driver


def tab_to(driver: Any, name: str, limit: int = 80) -> Any:
    """Press Tab until the control named `name` has the focus; fails if it never does."""
    for _ in range(limit):
        driver.switch_to.active_element.send_keys(Keys.TAB)
        element = driver.switch_to.active_element
        if element.get_attribute("name") == name:
            return element
    raise AssertionError(f"{name} is not reachable with the Tab key")


def own(assessment: Assessment) -> dict[str, list[str]]:
    rows = RespondentAnswer.objects.filter(respondent__assessment=assessment)
    return {row.question.key: row.choices for row in rows.select_related("question")}


def choose(driver: Any, key: str, index: int) -> None:
    driver.find_element(By.CSS_SELECTOR, f"label[for=id_q-{key}-choices_{index}]").click()
    wait_text(driver, f"#status-{key}", "Saved at")


@pytest.mark.django_db(transaction=True)
def test_an_invited_respondent_answers_in_chromium(
    live_server: Any, flushable: None, small_world: Any, browser: Any
) -> None:
    url = live_server.url
    owner = small_world["users"]["owner"]
    draft = small_world["draft"]
    Assessment.objects.filter(pk=draft.pk).update(due_on=timezone.localdate() + timedelta(2))
    services.respondent_add(
        assessment=draft,
        added_by=owner,
        email="sam@example.com",
        accept_url=lambda key: f"{url}/invitations/accept/{key}/",
    )
    link = next(line for line in mail.outbox[0].body.splitlines() if "/invitations/" in line)

    # Signed out, from the e-mail: what is asked, and the account to create.
    browser.get(link)
    visible(browser, "#id_username")
    assert "You are asked to answer “Next review”." in browser.page_source
    assert page_errors(browser) == []
    step(browser, "30-invitation")

    for name, value in [("username", "sam"), ("password", PASSWORD), ("password_again", PASSWORD)]:
        browser.find_element(By.ID, f"id_{name}").send_keys(value)
    browser.find_element(By.CSS_SELECTOR, "#create-heading ~ form button").click()
    wait_text(browser, "h1", "Your answers: Test automation")
    assert browser.current_url == f"{url}/assessments/{draft.pk}/answer/automation/"
    messages = browser.find_element(By.CSS_SELECTOR, ".messages").text
    assert "You are now a member of Acme as respondent." in messages
    assert "You are asked to answer “Next review”. This is its first page" in messages
    assert "These are your own answers, signed in as sam" in browser.page_source.replace(
        "</strong>", ""
    )
    assert "Due soon:" in browser.find_element(By.ID, "whose").text
    step(browser, "31-first-page")

    # Keyboard only: Tab to the first option, Space chooses it, and it is saved by itself;
    # the arrow key moves the choice on, saved again.
    radio = tab_to(browser, "q-unit-tests-choices")
    assert radio.value_of_css_property("outline-style") != "none"
    radio.send_keys(Keys.SPACE)
    wait_text(browser, "#status-unit-tests", "Saved at")
    before = etag(browser)
    browser.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
    saved_since(browser, before)
    assert own(draft).get("unit-tests") == ["partly"]
    wait_text(browser, "#overall-progress", "1 of 6 questions answered")
    tab_to(browser, "q-integration-tests-choices").send_keys(Keys.SPACE)
    wait_text(browser, "#status-integration-tests", "Saved at")
    choose(browser, "flaky-tests", 2)
    step(browser, "32-autosaved")

    # Reloaded, the page shows what was saved.
    browser.refresh()
    visible(browser, "#answers")
    assert browser.find_element(By.ID, "id_q-unit-tests-choices_1").is_selected()
    assert browser.find_element(By.ID, "id_q-integration-tests-choices_0").is_selected()
    assert browser.find_element(By.ID, "id_q-flaky-tests-choices_2").is_selected()
    assert "3 of 6 questions answered" in browser.find_element(By.ID, "overall-progress").text
    step(browser, "33-reloaded")

    # To the next page with the keyboard: Tab to "Save and go to ...", Enter.
    button = tab_to(browser, "go")
    while button.get_attribute("value") != "next":
        button = tab_to(browser, "go")
    button.send_keys(Keys.ENTER)
    wait_text(browser, "h1", "Your answers: Test environments")
    step(browser, "34-second-page")

    # A second tab answers a question; this tab's older page is refused and keeps its input.
    first = browser.current_window_handle
    browser.switch_to.new_window("tab")
    browser.get(f"{url}/assessments/{draft.pk}/answer/environments/")
    choose(browser, "on-demand-envs", 2)
    browser.close()
    browser.switch_to.window(first)
    browser.find_element(By.CSS_SELECTOR, "label[for=id_q-on-demand-envs-choices_0]").click()
    wait_text(browser, "#status-on-demand-envs", "your answers were changed elsewhere")
    assert (
        "The saved answer is now “Fully”"
        in browser.find_element(By.ID, "status-on-demand-envs").text
    )
    assert browser.find_element(By.ID, "id_q-on-demand-envs-choices_0").is_selected()
    assert own(draft)["on-demand-envs"] == ["fully"]
    step(browser, "35-stale")
    browser.get_log("browser")  # the refused save (412), on purpose

    # Reload to the newest answers, answer the rest, and go on to what is left.
    browser.refresh()
    visible(browser, "#answers")
    assert browser.find_element(By.ID, "id_q-on-demand-envs-choices_2").is_selected()
    choose(browser, "prod-like-data", 1)
    choose(browser, "env-teardown", 0)
    browser.find_element(By.CSS_SELECTOR, "button[value=next]").click()
    wait_text(browser, "h1", "Your answers: what is left")
    assert "Nothing is missing" in browser.find_element(By.ID, "nothing-missing").text
    assert "Done: every required question is answered." in browser.page_source
    assert "You do not submit this assessment" in browser.page_source
    assert len(own(draft)) == 6
    step(browser, "36-done")

    browser.find_element(By.LINK_TEXT, "Back to My assessments").click()
    section = visible(browser, ".to-answer")
    assert "Next review" in section.text and "6 of 6 answered" in section.text
    assert "Due soon:" in section.text
    assert page_errors(browser) == []
    step(browser, "37-home")
