"""In Chromium: a person opens the accept link of their invitation e-mail, creates their
account and lands home as a member; an owner accepts an invitation waiting on the home page,
reads the organisation's portfolio and downloads it as a PDF. Every page is checked by
axe-core and photographed (test-artifacts/web-2*.png).

One browser for the module; the world is the portfolio's (tests.web.conftest.portfolio) with
one invitation by e-mail and one by username.
"""

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from selenium.webdriver.support.ui import Select

from organisations import services
from organisations.models import Membership, Organisation
from tests.browser import (
    ARTIFACTS,
    By,
    chromium,
    needs_chromium,
    page_errors,
    step,
    visible,
    wait_text,
)

PASSWORD = "a-long-password-1"

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as driver:
        yield driver


def sign_in(driver: Any, url: str, username: str) -> None:
    driver.get(f"{url}/accounts/login/")
    driver.find_element(By.ID, "id_username").send_keys(username)
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    visible(driver, ".account")


def sign_out(driver: Any) -> None:
    driver.find_element(By.CSS_SELECTOR, ".account button").click()
    visible(driver, "#id_username")


def fill(driver: Any, **fields: str) -> None:
    for name, value in fields.items():
        element = driver.find_element(By.ID, f"id_{name}")
        element.clear()
        element.send_keys(value)


@pytest.mark.django_db(transaction=True)
def test_from_the_invitation_email_to_the_portfolio_pdf_in_chromium(
    live_server: Any, flushable: None, portfolio: Any, browser: Any
) -> None:
    url = live_server.url
    owner = portfolio["users"]["owner"]
    owner.set_password(PASSWORD)
    owner.save()
    services.invitation_create(
        organisation=portfolio["acme"],
        invited_by=owner,
        role="viewer",
        email="priya@example.com",
        purpose="Read the portfolio before the planning day.",
        accept_url=lambda key: f"{url}/invitations/accept/{key}/",
    )
    globex = Organisation.objects.create(slug="globex", name="Globex")
    services.invitation_create(
        organisation=globex, invited_by=owner, role="editor", username="owner"
    )
    # The link, as the person reads it in the e-mail.
    link = next(line for line in mail.outbox[0].body.splitlines() if "/invitations/" in line)

    browser.get(link)
    assert visible(browser, "h1").text == "Join Acme"
    assert "Read the portfolio before the planning day." in browser.page_source
    assert page_errors(browser) == []
    step(browser, "20-invitation")

    # The next page learns the site it came from, never the link.
    browser.find_element(By.LINK_TEXT, "Sign in to accept").click()
    visible(browser, "#id_username")
    assert browser.execute_script("return document.referrer") == f"{url}/"
    browser.back()

    fill(browser, username="priya", password=PASSWORD, password_again="another-password-2")
    browser.find_element(By.CSS_SELECTOR, "#create-heading ~ form button").click()
    summary = visible(browser, "#error-summary")
    assert "Password again: The two passwords differ" in summary.text
    assert browser.switch_to.active_element.get_attribute("id") == "error-summary"
    assert not User.objects.filter(username="priya").exists()
    step(browser, "21-account-refused")

    fill(browser, password=PASSWORD, password_again=PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "#create-heading ~ form button").click()
    wait_text(browser, "h1", "My assessments")  # the next page, not the one clicked on
    assert "You are now a member of Acme as viewer." in browser.page_source
    assert browser.execute_script("return document.referrer") == f"{url}/"
    priya = User.objects.get(username="priya")
    assert priya.email == "priya@example.com"
    assert Membership.objects.get(user=priya).role == "viewer"
    step(browser, "22-joined")

    browser.get(link)
    assert visible(browser, "h1").text == "This invitation has been used"
    assert "You accepted it on" in browser.page_source
    step(browser, "23-used-link")
    browser.get_log("browser")  # the refused account (400) and the used link (410), on purpose
    browser.get(f"{url}/")
    sign_out(browser)

    # The owner: an invitation of their username waits on the home page.
    sign_in(browser, url, "owner")
    assert "Waiting for you" in visible(browser, ".waiting").text
    step(browser, "24-waiting")
    browser.find_element(By.CSS_SELECTOR, ".waiting button").click()
    wait_text(browser, ".messages", "You are now a member of Globex as editor.")
    assert Membership.objects.get(user=owner, organisation=globex).role == "editor"

    browser.find_element(By.LINK_TEXT, "Portfolio of Acme").click()
    wait_text(browser, "h1", "Acme")
    assert visible(browser, "h1").text == "Acme"
    assert len(browser.find_elements(By.CSS_SELECTOR, "table.heat")) == 2
    assert page_errors(browser) == []
    step(browser, "25-portfolio")

    Select(browser.find_element(By.ID, "id_questionnaire")).select_by_visible_text("Alpha MLOps")
    browser.find_element(By.CSS_SELECTOR, "form.inline button").click()
    visible(browser, "table.heat")
    assert len(browser.find_elements(By.CSS_SELECTOR, "table.heat")) == 1
    link = browser.find_element(By.CSS_SELECTOR, "a[download]")
    assert link.get_attribute("href").endswith("/portfolio.pdf?questionnaire=alpha-mlops")

    pdf = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(document.querySelector('a[download]').href).then(r => r.arrayBuffer())"
        ".then(b => { let s = ''; new Uint8Array(b).forEach(c => s += String.fromCharCode(c));"
        " done(btoa(s)); });"
    )
    content = base64.b64decode(pdf)
    assert content.startswith(b"%PDF-") and len(content) > 5_000
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "web-portfolio.pdf").write_bytes(content)
