"""The portfolio page and its PDF: the API's figures (tests/assessments/test_portfolio.py
computes them by hand), laid out for people. The world is tests.web.conftest.portfolio."""

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.assessments import portfolio_world as pw
from web import portfolio as page

URL = "/organisations/acme/portfolio/"


def client_of(world: dict[str, Any], role: str = "owner") -> Client:
    client = Client()
    client.force_login(world["users"][role])
    return client


def text(response: Any) -> str:
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", body).replace("&#x27;", "'")


def rows(html: str, caption: str) -> list[str]:
    """The rows of the table whose caption starts with `caption`, as text."""
    table = html.split(f">{caption}", 1)[1].split("</table>", 1)[0]
    found = []
    for row in re.findall(r"<tr.*?</tr>", table, re.S):
        found.append(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip())
    return found


@pytest.mark.django_db
def test_the_questionnaires_stand_side_by_side_in_the_catalogue_order(portfolio: Any) -> None:
    response = client_of(portfolio).get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert rows(html, "Each unit's latest submitted result") == [
        "Unit Zebra DevOps Alpha MLOps",
        "Acme organisation 50.00% Middle no result",
        "Engineering department 62.50% rolled up from Payments, Search 50.00% Middle",
        "Payments team 75.00% High 75.00% High",
        "Search team 50.00% Middle 0.00% Low",
        "Roll-up (mean) 62.50% of 2 units 41.67% of 3 units",
    ]
    results = portfolio["results"]
    assert f'<a href="/assessments/{results["payments-devops"].pk}/result/">75.00%</a>' in html
    assert "Roll-up rule mean: the mean of the units' percents" in text(response)


@pytest.mark.django_db
def test_each_questionnaire_has_its_heatmap_as_a_table_with_numbers_and_links(
    portfolio: Any,
) -> None:
    html = client_of(portfolio, "viewer").get(URL).content.decode()

    assert rows(html, "Alpha MLOps by unit and section") == [
        "Unit Data Models Serving Overall Level",
        "Engineering department 100.0 0.0 50.0 50.00% Middle",
        "Payments team 100.0 100.0 25.0 75.00% High",
        "Search team 0.0 0.0 0.0 0.00% Low",
        "Roll-up (mean) 66.7 33.3 25.0 41.67%",
    ]
    assert rows(html, "Zebra DevOps by unit and section")[2] == (
        "Engineering department rolled up from Payments, Search 62.5 62.5 62.50% \u2013"
    )
    assert '<th scope="col" class="num">Serving</th>' in html
    assert '<th scope="row" style="padding-left:16pt">Payments' in html
    search = portfolio["results"]["search-mlops"].pk
    assert f'<a href="/assessments/{search}/result/">0.0</a>' in html
    # Percentiles: fewer than five units have a result, so they are hidden, with the reason.
    assert "Percentiles: Hidden: only 3 unit(s) have a result of this questionnaire" in html
    assert ">Percentile</th>" not in html


@pytest.mark.django_db
def test_percentiles_are_shown_from_five_units(portfolio: Any) -> None:
    acme, owner = portfolio["acme"], portfolio["users"]["owner"]
    for index, value in enumerate((4, 3)):
        team = pw.unit(acme, f"team-{index}", f"Team {index}")
        pw.result(acme, portfolio["mlops"], owner, {"data": value, "models": 0, "serve": 0}, team)

    html = client_of(portfolio).get(URL, {"questionnaire": "alpha-mlops"}).content.decode()

    table = rows(html, "Alpha MLOps by unit and section")
    assert table[0] == "Unit Data Models Serving Overall Level Percentile"
    assert table[2] == "Payments team 100.0 100.0 25.0 75.00% High 90.0"
    assert "Percentiles rank each unit among the 5 units with a result" in html


@pytest.mark.django_db
def test_one_questionnaire_at_a_time(portfolio: Any) -> None:
    response = client_of(portfolio).get(URL, {"questionnaire": "zebra-devops"})

    html = response.content.decode()
    assert "Zebra DevOps by unit and section" in html
    assert "Alpha MLOps by unit" not in html
    assert '<option value="zebra-devops" selected>' in html
    assert 'href="/organisations/acme/portfolio.pdf?questionnaire=zebra-devops"' in html
    everything = client_of(portfolio).get(URL, {"questionnaire": ""}).content.decode()
    assert "Alpha MLOps by unit" in everything and "Zebra DevOps by unit" in everything


@pytest.mark.django_db
@pytest.mark.parametrize("path", [URL, "/organisations/acme/portfolio.pdf"])
def test_a_questionnaire_that_is_not_published_is_a_400_naming_the_field(
    portfolio: Any, path: str
) -> None:
    response = client_of(portfolio).get(path, {"questionnaire": "aiops"})

    assert response.status_code == 400
    assert "Questionnaire: Select a valid choice. aiops is not one of the available choices." in (
        text(response)
    )
    assert "by unit and section" not in response.content.decode()


@pytest.mark.django_db
def test_respondents_are_told_why_they_do_not_read_the_portfolio(portfolio: Any) -> None:
    response = client_of(portfolio, "respondent").get(URL)
    assert response.status_code == 403
    assert (
        "Respondents answer the assessments they are asked to; the portfolio of every unit is "
        "for the organisation's owners, editors and viewers." in text(response)
    )


@pytest.mark.django_db
def test_the_pdf_draws_the_printable_page_the_api_serves(portfolio: Any, monkeypatch: Any) -> None:
    drawn: list[str] = []
    monkeypatch.setattr(page, "report_pdf", lambda html: drawn.append(html) or b"%PDF-stub")
    api = APIClient()
    api.force_authenticate(portfolio["users"]["owner"])
    for query in ({}, {"questionnaire": "alpha-mlops"}):
        response = client_of(portfolio).get("/organisations/acme/portfolio.pdf", query)
        assert response.status_code == 200 and response.content == b"%PDF-stub"
        printable = api.get("/api/v1/organisations/acme/portfolio/report/", query)
        assert drawn.pop() == printable.content.decode()
    assert response["Content-Disposition"] == (
        'attachment; filename="opsassess-portfolio-acme-alpha-mlops.pdf"'
    )


@pytest.mark.django_db
def test_the_portfolio_downloads_as_a_pdf(portfolio: Any) -> None:
    response = client_of(portfolio).get("/organisations/acme/portfolio.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="opsassess-portfolio-acme.pdf"'
    assert response.content.startswith(b"%PDF-") and len(response.content) > 5_000


@pytest.mark.django_db
def test_an_organisation_without_units_shows_its_own_results(small_world: Any) -> None:
    client = Client()
    client.force_login(small_world["users"]["owner"])
    response = client.get(URL)
    assert response.status_code == 200
    page_text = text(response)
    assert "Acme has no units yet: only its own assessments are shown." in page_text
    submitted = small_world["submitted"].result
    assert f"Acme organisation {Decimal(submitted.overall_percent):.2f}%" in page_text
