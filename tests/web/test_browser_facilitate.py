"""A facilitator runs the demo team's review in Chromium: fran signs in, opens the team page,
reads where ada, ben and chen disagree, records the team's answer to two questions (one with
the keyboard only), finds nothing left on the submit page, submits, reads the disagreement
kept in the result and the printable report, and downloads the PDF. axe-core checks every
page; screenshots go to test-artifacts/web-40-*.png and on."""

import base64
import io
import re
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from assessments import selectors
from assessments.models import Answer, Assessment, QuestionnaireVersion
from tests.browser import (
    ARTIFACTS,
    ROOT,
    By,
    Keys,
    chromium,
    needs_chromium,
    page_errors,
    step,
    visible,
    wait_text,
)

PASSWORD = "a-long-password-1"

pytestmark = needs_chromium


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as driver:
        yield driver


def seed(monkeypatch: Any) -> Assessment:
    """What `make run` seeds for the demo team: the catalogue, the DevOps questionnaire, the
    demo organisation and its team (fran, ada, ben, chen) with the payments review."""
    monkeypatch.setenv("OPSASSESS_DEMO_PASSWORD", PASSWORD)
    quiet = {"stdout": io.StringIO(), "verbosity": 0}
    call_command("seed_catalog", stdout=io.StringIO())
    path = ROOT / "fixtures" / "questionnaires" / "devops-maturity.yaml"
    call_command("import_questionnaire", str(path), **quiet)
    User.objects.create_superuser("admin", password=PASSWORD)
    call_command("ensure_demo_organisation", **quiet)
    call_command("ensure_demo_team", **quiet)
    return Assessment.objects.get(title="Payments team review")


def choice_questions_to_discuss(review: Assessment) -> list[Any]:
    """The questions most in need of a conversation that are answered by picking one choice."""
    tree = selectors.version_tree(review.version)
    view = selectors.disagreement(review, tree)
    types = {question.key: question.type for question in tree.questions}
    return [
        tree.question_by_key()[item["question"]]
        for item in view["needs_conversation"]
        if types[item["question"]] in {"single_choice", "yes_no"}
    ]


def pdf_title(content: bytes) -> str:
    """The document title a PDF keeps in its metadata (WeasyPrint compresses it)."""
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            data = zlib.decompress(match.group(1))
        except zlib.error:
            continue
        # The document information dictionary: the title beside the producer (bookmarks
        # have titles too).
        found = re.search(rb"<<[^<>]*/Producer[^<>]*>>", data)
        title = re.search(rb"/Title \((.*?)\)", found.group(0)) if found else None
        if title:
            return title.group(1).decode("latin-1")
    return ""


def tab_to(driver: Any, name: str, limit: int = 60) -> Any:
    for _ in range(limit):
        driver.switch_to.active_element.send_keys(Keys.TAB)
        element = driver.switch_to.active_element
        if element.get_attribute("name") == name:
            return element
    raise AssertionError(f"{name} is not reachable with the Tab key")


@pytest.mark.django_db(transaction=True)
def test_a_facilitator_runs_the_team_review_in_chromium(
    live_server: Any, flushable: None, browser: Any, monkeypatch: Any
) -> None:
    review = seed(monkeypatch)
    url = live_server.url
    first, second = choice_questions_to_discuss(review)[:2]

    browser.get(f"{url}/accounts/login/")
    browser.find_element(By.ID, "id_username").send_keys("fran")
    browser.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    wait_text(browser, "h1", "My assessments")
    step(browser, "40-home")

    # From the review's answer page to its team: who answers, how far they are.
    browser.find_element(By.LINK_TEXT, "Payments team review").click()
    visible(browser, "nav.team-nav")
    browser.find_element(By.LINK_TEXT, "Respondents").click()
    wait_text(browser, "h1", "Respondents")
    team = browser.find_element(By.CSS_SELECTOR, "table.respondents").text
    assert all(name in team for name in ("ada", "ben", "chen"))
    assert "done: every required question answered" in team
    assert "To answer by" in browser.find_element(By.TAG_NAME, "main").text
    step(browser, "41-team")

    browser.find_element(By.LINK_TEXT, "Where they disagree").click()
    wait_text(browser, "h1", "Where the respondents disagree")
    conversation = browser.find_element(By.CSS_SELECTOR, "ol.conversation").text
    assert first.text in conversation and "spread" in conversation
    step(browser, "42-disagreement")

    # The first with the mouse: choose, say why, record.
    consensus = f"/assessments/{review.pk}/consensus/"
    browser.find_element(
        By.CSS_SELECTOR, f"ol.conversation a[href='{consensus}{first.key}/']"
    ).click()
    wait_text(browser, "h1", "The team's answer")
    step(browser, "43-consensus")
    browser.find_elements(By.CSS_SELECTOR, f"input[name='q-{first.key}-choices']")[-1].click()
    browser.find_element(By.ID, "id_note").send_keys("We looked at the last ten changes together.")
    browser.find_element(By.CSS_SELECTOR, "#answers button.primary").click()
    wait_text(browser, ".messages", "Recorded the team's answer")
    stored = Answer.objects.get(assessment=review, question__key=first.key)
    assert stored.source == "consensus"

    # The second with the keyboard only: Tab to the answer, Space chooses, Tab to the note,
    # type, Tab to the button, Enter records.
    browser.get(f"{url}{consensus}{second.key}/")
    wait_text(browser, "h1", "The team's answer")
    tab_to(browser, f"q-{second.key}-choices").send_keys(Keys.SPACE)
    note = tab_to(browser, "note")
    assert note.value_of_css_property("outline-style") != "none"
    note.send_keys("Ben's answer was about the old pipeline.")
    step(browser, "44-consensus-keyboard")
    note.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.text == "Record the team's answer"
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    wait_text(browser, ".messages", "Recorded the team's answer")
    assert Answer.objects.get(assessment=review, question__key=second.key).consensus_note == (
        "Ben's answer was about the old pipeline."
    )

    browser.get(f"{url}/assessments/{review.pk}/submit/")
    assert "Nothing is left for the team to decide" in visible(browser, "main").text
    step(browser, "45-submit")
    browser.find_element(By.CSS_SELECTOR, "main form button.primary").click()
    visible(browser, ".level-name")
    assert Assessment.objects.get(pk=review.pk).is_submitted
    main = browser.find_element(By.TAG_NAME, "main").text
    assert "Where the respondents disagreed" in main and "3 respondents answered" in main
    assert "We looked at the last ten changes together." in main
    assert page_errors(browser) == []
    step(browser, "46-result")

    # The printable report (the API's HTML, which the PDF is drawn from) keeps it too.
    browser.get(f"{url}/api/v1/assessments/{review.pk}/report/")
    assert "Where the respondents disagree" in visible(browser, "body").text
    step(browser, "47-report")

    browser.get(f"{url}/assessments/{review.pk}/result/")
    pdf = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(document.querySelector('a[download]').href).then(r => r.arrayBuffer())"
        ".then(b => { let s = ''; new Uint8Array(b).forEach(c => s += String.fromCharCode(c));"
        " done(btoa(s)); });"
    )
    content = base64.b64decode(pdf)
    assert content.startswith(b"%PDF-")
    version = QuestionnaireVersion.objects.get(pk=review.version_id)
    # "Acme: DevOps maturity report", not "... maturity maturity report".
    assert pdf_title(content) == f"{review.organisation.name}: {version.questionnaire.name} report"
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "web-48-team-report.pdf").write_bytes(content)
