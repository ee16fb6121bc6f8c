"""History, compare, the printable report and "previous result" follow the unit assessed.

Acme's own assessments (no unit) and its teams' are separate histories: a team's report
charts the team's earlier results, its targets measure progress since the team's previous
result, and the history endpoint gives one subject at a time.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from assessments import selectors
from organisations.models import Membership, Organisation
from tests.assessments import portfolio_world as pw

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme() -> dict[str, Any]:
    version = pw.questionnaire("zebra-devops", "Zebra DevOps", None, [("plan", "Plan")])
    organisation = Organisation.objects.create(slug="acme", name="Acme")
    owner = User.objects.create_user("olivia")
    Membership.objects.create(organisation=organisation, user=owner, role="owner")
    payments = pw.unit(organisation, "payments", "Payments")
    search = pw.unit(organisation, "search", "Search")
    made = {
        "acme-1": pw.result(organisation, version, owner, {"plan": 1}, title="Acme 1"),
        "payments-1": pw.result(organisation, version, owner, {"plan": 2}, payments, "Pay 1"),
        "acme-2": pw.result(organisation, version, owner, {"plan": 3}, title="Acme 2"),
        "search-1": pw.result(organisation, version, owner, {"plan": 4}, search, "Search 1"),
        "payments-2": pw.result(organisation, version, owner, {"plan": 0}, payments, "Pay 2"),
    }
    client = APIClient()
    client.force_authenticate(owner)
    return {
        "organisation": organisation,
        "version": version,
        "owner": owner,
        "units": {"payments": payments, "search": search},
        "made": made,
        "client": client,
    }


def ids(acme: dict[str, Any], *names: str) -> list[int]:
    return [acme["made"][name].pk for name in names]


# --- previous result and the printable report -------------------------------------------------


def test_a_units_result_names_the_units_previous_result_not_the_organisations(
    acme: dict[str, Any],
) -> None:
    client = acme["client"]
    second = client.get(f"/api/v1/assessments/{acme['made']['payments-2'].pk}/result/").json()
    assert second["previous_assessment"] == acme["made"]["payments-1"].pk
    first = client.get(f"/api/v1/assessments/{acme['made']['search-1'].pk}/result/").json()
    assert first["previous_assessment"] is None
    own = client.get(f"/api/v1/assessments/{acme['made']['acme-2'].pk}/result/").json()
    assert own["previous_assessment"] == acme["made"]["acme-1"].pk


def test_previous_figures_are_the_same_units(acme: dict[str, Any]) -> None:
    previous, figures = selectors.previous_figures(acme["made"]["payments-2"])
    assert previous == acme["made"]["payments-1"].pk
    assert figures is not None
    assert figures[("overall", "overall")] == 50  # Pay 1 answered 2 of 4


def test_a_units_report_charts_that_units_history_only(acme: dict[str, Any]) -> None:
    report = acme["client"].get(f"/api/v1/assessments/{acme['made']['search-1'].pk}/report/")
    assert report.status_code == 200
    html = report.content.decode()
    assert "This is Search's first result for this questionnaire" in html
    later = acme["client"].get(f"/api/v1/assessments/{acme['made']['payments-2'].pk}/report/")
    html = later.content.decode()
    # Two points (Pay 1 at 50%, Pay 2 at 0%): the chart's table of values lists both, and
    # neither of Acme's own results (25% and 75%).
    assert "Submitted results of Payments (Acme)" in html
    assert "first result" not in html


def test_a_units_result_page_names_the_unit_under_its_first_point(acme: dict[str, Any]) -> None:
    from django.test import Client

    browser = Client()
    browser.force_login(User.objects.get(username="olivia"))
    page = browser.get(f"/assessments/{acme['made']['search-1'].pk}/result/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "This is Search's first result for this questionnaire" in html
    assert "This is Acme's first result" not in html


def test_the_compare_page_of_a_unit_starts_from_the_same_unit(acme: dict[str, Any]) -> None:
    from django.test import Client

    browser = Client()
    browser.force_login(User.objects.get(username="olivia"))
    made = acme["made"]

    # Pay 1 has no earlier result of its own: the later Pay 2, not the newest of Acme's.
    page = browser.get(f"/assessments/{made['payments-1'].pk}/compare/").content.decode()

    selected = re.search(r'<option value="(\d+)" selected>([^<]*)</option>', page)
    assert selected is not None
    assert int(selected.group(1)) == made["payments-2"].pk
    assert "Pay 2 (Payments, submitted" in selected.group(2)


def test_the_organisations_report_charts_its_own_assessments_only(acme: dict[str, Any]) -> None:
    from assessments.report import ResultView

    view = ResultView(acme["made"]["acme-2"])
    assert [row.assessment_id for row in view.history] == ids(acme, "acme-1", "acme-2")
    view = ResultView(acme["made"]["payments-2"])
    assert [row.assessment_id for row in view.history] == ids(acme, "payments-1", "payments-2")


# --- the history endpoint ----------------------------------------------------------------------


def history(acme: dict[str, Any], **query: str) -> Any:
    return acme["client"].get(
        "/api/v1/organisations/acme/history/", {"questionnaire": "zebra-devops", **query}
    )


def test_history_without_a_unit_is_the_organisations_own_assessments(acme: dict[str, Any]) -> None:
    response = history(acme)
    assert response.status_code == 200
    rows = response.json()
    assert [row["assessment"] for row in rows] == ids(acme, "acme-1", "acme-2")
    assert [row["overall_percent"] for row in rows] == ["25.0000", "75.0000"]
    assert all(row["unit"] is None for row in rows)


def test_history_of_a_unit_names_the_unit_on_every_row(acme: dict[str, Any]) -> None:
    payments = acme["units"]["payments"]
    rows = history(acme, unit="payments").json()
    assert [row["assessment"] for row in rows] == ids(acme, "payments-1", "payments-2")
    assert [row["overall_percent"] for row in rows] == ["50.0000", "0.0000"]
    assert {str(row["unit"]) for row in rows} == {
        str({"uuid": str(payments.uuid), "slug": "payments", "name": "Payments"})
    }


@pytest.mark.parametrize(
    ("query", "attr", "words"),
    [
        ({"unit": "billing"}, "unit", "No unit 'billing' in acme"),
        ({"unit": " "}, "unit", "may not be blank"),
        ({"team": "payments"}, "team", "Unknown query parameter. Allowed: questionnaire, unit"),
    ],
)
def test_history_refuses_a_bad_unit_naming_the_parameter(
    acme: dict[str, Any], query: dict[str, str], attr: str, words: str
) -> None:
    response = history(acme, **query)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["attr"], words in error["detail"]) == (attr, True)


def test_history_does_not_find_another_organisations_unit(acme: dict[str, Any]) -> None:
    globex = Organisation.objects.create(slug="globex", name="Globex")
    pw.unit(globex, "billing", "Billing")
    response = history(acme, unit="billing")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "unit"


# --- compare --------------------------------------------------------------------------------


def compare(acme: dict[str, Any], first: str, second: str, **query: str) -> Any:
    a, b = ids(acme, first, second)
    return acme["client"].get(f"/api/v1/assessments/{a}/compare/{b}/", query)


def test_compare_names_the_unit_of_both_results(acme: dict[str, Any]) -> None:
    payments = acme["units"]["payments"]
    body = compare(acme, "payments-2", "payments-1").json()
    unit = {"uuid": str(payments.uuid), "slug": "payments", "name": "Payments"}
    assert body["units"] == {"first": unit, "second": unit}
    assert (body["first"], body["second"]) == tuple(ids(acme, "payments-1", "payments-2"))
    assert body["overall"]["delta"] == "-50.0000"
    own = compare(acme, "acme-1", "acme-2").json()
    assert own["units"] == {"first": None, "second": None}


@pytest.mark.parametrize(
    ("first", "second"),
    [("payments-1", "search-1"), ("payments-1", "acme-2"), ("acme-1", "search-1")],
)
def test_compare_refuses_results_of_different_units_unless_asked(
    acme: dict[str, Any], first: str, second: str
) -> None:
    refused = compare(acme, first, second)
    assert refused.status_code == 400
    error = refused.json()["errors"][0]
    assert error["attr"] == "other_id"
    assert "across_units=true" in error["detail"]
    allowed = compare(acme, first, second, across_units="true")
    assert allowed.status_code == 200
    body = allowed.json()
    assert body["units"]["first"] != body["units"]["second"]


@pytest.mark.parametrize(
    ("query", "attr"),
    [({"across_units": "yes"}, "across_units"), ({"unit": "payments"}, "unit")],
)
def test_compare_refuses_bad_query_parameters(
    acme: dict[str, Any], query: dict[str, str], attr: str
) -> None:
    response = compare(acme, "payments-1", "payments-2", **query)
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == attr


def test_a_units_history_takes_the_same_queries_at_two_sizes(
    acme: dict[str, Any], django_assert_num_queries: Any
) -> None:
    payments = acme["units"]["payments"]
    for more in (4, 0):
        # the organisation with the caller's role; the unit; the questionnaire; the results
        # with their assessments, versions and units; their discipline and hindrance figures
        with django_assert_num_queries(5):
            rows = history(acme, unit="payments").json()
        for _ in range(more):
            pw.result(acme["organisation"], acme["version"], acme["owner"], {"plan": 1}, payments)
    assert len(rows) == 6
