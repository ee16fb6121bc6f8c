"""GET /api/v1/organisations/{slug}/portfolio/: figures computed by hand.

Acme has a department, Engineering, with two teams, Payments and Search. Two questionnaires
are published: "Zebra DevOps" (sections plan, build) and "Alpha MLOps" (data, models, serve);
their names sort the wrong way round, the catalogue's discipline order the right way.

    DevOps       plan  build  overall      MLOps        data  models  serve  overall
    Payments     100    50     75          Payments     100    100     25     75
    Search        25    75     50          Search         0      0      0      0
    Engineering  (none: rolled up)         Engineering  100      0     50     50
    Acme itself   50    50     50          Acme itself  (none)
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from assessments import services
from organisations import services as organisation_services
from organisations.models import Membership, Organisation
from tests.assessments import portfolio_world as pw

pytestmark = pytest.mark.django_db

URL = "/api/v1/organisations/acme/portfolio/"


@pytest.fixture
def acme() -> dict[str, Any]:
    pw.disciplines()
    devops = pw.questionnaire(
        "zebra-devops", "Zebra DevOps", "devops", [("plan", "Plan"), ("build", "Build")]
    )
    mlops = pw.questionnaire(
        "alpha-mlops",
        "Alpha MLOps",
        "mlops",
        [("data", "Data"), ("models", "Models"), ("serve", "Serving")],
    )
    organisation = Organisation.objects.create(slug="acme", name="Acme")
    owner = User.objects.create_user("olivia")
    Membership.objects.create(organisation=organisation, user=owner, role="owner")
    engineering = pw.unit(organisation, "engineering", "Engineering", kind="department")
    payments = pw.unit(organisation, "payments", "Payments", parent=engineering)
    search = pw.unit(organisation, "search", "Search", parent=engineering)
    made = {
        "payments-devops": pw.result(
            organisation, devops, owner, {"plan": 4, "build": 2}, payments, "Payments Q1"
        ),
        "search-devops": pw.result(organisation, devops, owner, {"plan": 1, "build": 3}, search),
        "acme-devops": pw.result(organisation, devops, owner, {"plan": 2, "build": 2}),
        "payments-mlops": pw.result(
            organisation, mlops, owner, {"data": 4, "models": 4, "serve": 1}, payments
        ),
        "search-mlops": pw.result(
            organisation, mlops, owner, {"data": 0, "models": 0, "serve": 0}, search
        ),
        "engineering-mlops": pw.result(
            organisation, mlops, owner, {"data": 4, "models": 0, "serve": 2}, engineering
        ),
    }
    return {
        "organisation": organisation,
        "owner": owner,
        "devops": devops,
        "mlops": mlops,
        "units": {"engineering": engineering, "payments": payments, "search": search},
        "results": made,
    }


def get(acme: dict[str, Any], url: str = URL, **query: str) -> Any:
    client = APIClient()
    client.force_authenticate(acme["owner"])
    response = client.get(url, query)
    assert response.status_code == 200, response.content[:500]
    return response.json()


def set_rule(acme: dict[str, Any], rule: str) -> None:
    acme["organisation"].portfolio_roll_up = rule
    acme["organisation"].save()


def by_slug(body: dict[str, Any]) -> dict[str, Any]:
    return {unit["slug"]: unit for unit in body["units"]}


def test_questionnaires_follow_the_catalogue_order_of_disciplines_not_their_names(
    acme: dict[str, Any],
) -> None:
    body = get(acme)
    assert [(q["slug"], q["discipline"]["slug"]) for q in body["questionnaires"]] == [
        ("zebra-devops", "devops"),
        ("alpha-mlops", "mlops"),
    ]
    assert [s["title"] for s in body["questionnaires"][1]["sections"]] == [
        "Data",
        "Models",
        "Serving",
    ]


def test_a_questionnaire_moves_when_the_catalogue_reorders_its_disciplines(
    acme: dict[str, Any],
) -> None:
    from catalog.models import Discipline

    Discipline.objects.filter(slug="mlops").update(order=0)
    body = get(acme)
    assert [q["slug"] for q in body["questionnaires"]] == ["alpha-mlops", "zebra-devops"]


def test_units_come_in_tree_order_with_their_parent(acme: dict[str, Any]) -> None:
    body = get(acme)
    engineering = acme["units"]["engineering"]
    assert [(u["slug"], u["kind"], u["depth"], u["parent"]) for u in body["units"]] == [
        ("engineering", "department", 0, None),
        ("payments", "team", 1, str(engineering.uuid)),
        ("search", "team", 1, str(engineering.uuid)),
    ]


def test_each_cell_is_the_units_latest_result_with_its_section_percents(
    acme: dict[str, Any],
) -> None:
    payments = by_slug(get(acme))["payments"]
    devops = payments["results"]["zebra-devops"]
    made = acme["results"]["payments-devops"]
    assert devops["assessment"] == made.pk
    assert devops["assessment_uuid"] == str(made.uuid)
    assert devops["title"] == "Payments Q1"
    assert devops["overall_percent"] == "75.0000"
    assert (devops["level"], devops["level_name"]) == ("high", "High")  # score 3 of 4
    assert devops["sections"] == ["100.0000", "50.0000"]
    assert devops["rolled_up"] is False
    mlops = payments["results"]["alpha-mlops"]
    assert (mlops["overall_percent"], mlops["sections"]) == (
        "75.0000",
        ["100.0000", "100.0000", "25.0000"],
    )


def test_a_newer_result_replaces_the_older_in_its_cell_only(acme: dict[str, Any]) -> None:
    search = acme["units"]["search"]
    newer = pw.result(
        acme["organisation"], acme["devops"], acme["owner"], {"plan": 4, "build": 4}, search
    )
    units = by_slug(get(acme))
    assert units["search"]["results"]["zebra-devops"]["assessment"] == newer.pk
    assert units["search"]["results"]["zebra-devops"]["overall_percent"] == "100.0000"
    assert units["payments"]["results"]["zebra-devops"]["overall_percent"] == "75.0000"


def test_a_draft_is_not_a_result(acme: dict[str, Any]) -> None:
    services.assessment_create(
        organisation=acme["organisation"],
        version=acme["devops"],
        user=acme["owner"],
        unit=acme["units"]["engineering"],
    )
    units = by_slug(get(acme))
    assert units["engineering"]["results"]["zebra-devops"]["rolled_up"] is True


@pytest.mark.parametrize(
    ("rule", "overall", "plan", "build"),
    [
        # Payments 75 (plan 100, build 50), Search 50 (plan 25, build 75)
        ("mean", "62.50", "62.50", "62.50"),
        ("median", "62.50", "62.50", "62.50"),
        ("minimum", "50.00", "25.00", "50.00"),
    ],
)
def test_a_department_without_a_result_rolls_up_its_teams(
    acme: dict[str, Any], rule: str, overall: str, plan: str, build: str
) -> None:
    set_rule(acme, rule)
    cell = by_slug(get(acme))["engineering"]["results"]["zebra-devops"]
    units = acme["units"]
    assert cell["rolled_up"] is True
    assert cell["from_units"] == [str(units["payments"].uuid), str(units["search"].uuid)]
    assert (cell["overall_percent"], cell["sections"]) == (overall, [plan, build])
    assert cell["assessment"] is None
    assert cell["level"] is None
    assert cell["percentile"] is None


def test_a_department_with_a_result_of_its_own_shows_it(acme: dict[str, Any]) -> None:
    cell = by_slug(get(acme))["engineering"]["results"]["alpha-mlops"]
    assert cell["rolled_up"] is False
    assert cell["assessment"] == acme["results"]["engineering-mlops"].pk
    assert cell["sections"] == ["100.0000", "0.0000", "50.0000"]


@pytest.mark.parametrize(
    ("rule", "overall", "sections"),
    [
        # Payments 75 (100, 100, 25), Search 0 (0, 0, 0), Engineering 50 (100, 0, 50)
        ("mean", "41.67", ["66.67", "33.33", "25.00"]),
        ("median", "50.00", ["100.00", "0.00", "25.00"]),
        ("minimum", "0.00", ["0.00", "0.00", "0.00"]),
    ],
)
def test_the_organisation_rolls_up_its_units_by_its_declared_rule(
    acme: dict[str, Any], rule: str, overall: str, sections: list[str]
) -> None:
    set_rule(acme, rule)
    body = get(acme)
    assert body["roll_up_rule"] == rule
    mlops = body["questionnaires"][1]
    assert mlops["roll_up"] == {
        "rule": rule,
        "units": 3,
        "overall_percent": overall,
        "sections": sections,
    }


@pytest.mark.parametrize(
    ("rule", "overall"), [("mean", "62.50"), ("median", "62.50"), ("minimum", "50.00")]
)
def test_the_organisations_own_result_is_its_row_and_stays_out_of_the_roll_up(
    acme: dict[str, Any], rule: str, overall: str
) -> None:
    set_rule(acme, rule)
    body = get(acme)
    own = body["organisation_results"]["zebra-devops"]
    assert own["assessment"] == acme["results"]["acme-devops"].pk
    assert (own["overall_percent"], own["sections"]) == ("50.0000", ["50.0000", "50.0000"])
    # Payments and Search only (the department counts through them, Acme's own not at all).
    devops = body["questionnaires"][0]["roll_up"]
    assert (devops["units"], devops["overall_percent"]) == (2, overall)
    assert body["organisation_results"]["alpha-mlops"] is None


def test_percentiles_are_hidden_under_five_units_with_the_reason(acme: dict[str, Any]) -> None:
    body = get(acme)
    for questionnaire in body["questionnaires"]:
        assert questionnaire["percentiles"]["shown"] is False
        assert "from 5 on" in questionnaire["percentiles"]["reason"]
    assert body["questionnaires"][1]["percentiles"]["scored_units"] == 3
    assert all(
        cell is None or cell["percentile"] is None
        for unit in body["units"]
        for cell in unit["results"].values()
    )


def test_percentiles_with_five_units_are_mid_ranks(acme: dict[str, Any]) -> None:
    organisation, devops, owner = acme["organisation"], acme["devops"], acme["owner"]
    # Besides Payments 75 and Search 50: three more teams at 25, 50 and 100.
    for slug, values in [("ops", (1, 1)), ("web", (2, 2)), ("data", (4, 4))]:
        team = pw.unit(organisation, slug, slug.title())
        pw.result(organisation, devops, owner, {"plan": values[0], "build": values[1]}, team)
    body = get(acme)
    summary = body["questionnaires"][0]["percentiles"]
    assert summary == {"shown": True, "scored_units": 5, "reason": None}
    ranks = {unit["slug"]: unit["results"]["zebra-devops"]["percentile"] for unit in body["units"]}
    # (units below + half of the units equal, itself included) / 5
    assert ranks == {
        "data": "90.0",  # 100: 4 below, 1 equal
        "engineering": None,  # rolled up, not ranked
        "ops": "10.0",  # 25: none below
        "payments": "70.0",  # 75: 3 below
        "search": "40.0",  # 50: 1 below, 2 equal
        "web": "40.0",
    }
    # MLOps still has 3 scored units: hidden there.
    assert body["questionnaires"][1]["percentiles"]["shown"] is False


def test_the_questionnaire_filter_keeps_one_questionnaire(acme: dict[str, Any]) -> None:
    body = get(acme, questionnaire="alpha-mlops")
    assert [q["slug"] for q in body["questionnaires"]] == ["alpha-mlops"]
    assert list(body["organisation_results"]) == ["alpha-mlops"]
    assert all(list(unit["results"]) == ["alpha-mlops"] for unit in body["units"])


@pytest.mark.parametrize(
    ("query", "attr", "words"),
    [
        ({"questionnaire": "no-such"}, "questionnaire", "Published: alpha-mlops, zebra-devops"),
        ({"questionnaire": " "}, "questionnaire", "may not be blank"),
        ({"questionaire": "alpha-mlops"}, "questionaire", "Unknown query parameter"),
        ({"page": "2"}, "page", "Unknown query parameter"),
    ],
)
def test_bad_query_parameters_are_400_naming_them(
    acme: dict[str, Any], query: dict[str, str], attr: str, words: str
) -> None:
    client = APIClient()
    client.force_authenticate(acme["owner"])
    for url in (URL, URL + "report/"):
        response = client.get(url, query)
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert error["attr"] == attr
        assert words in error["detail"]


def test_a_repeated_questionnaire_is_400(acme: dict[str, Any]) -> None:
    client = APIClient()
    client.force_authenticate(acme["owner"])
    response = client.get(URL + "?questionnaire=alpha-mlops&questionnaire=zebra-devops")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "questionnaire"


def test_an_organisation_without_units_or_results_has_an_empty_portfolio(
    acme: dict[str, Any],
) -> None:
    empty = Organisation.objects.create(slug="empty", name="Empty")
    Membership.objects.create(organisation=empty, user=acme["owner"], role="viewer")
    body = get(acme, "/api/v1/organisations/empty/portfolio/")
    assert body["units"] == []
    assert body["organisation_results"] == {"zebra-devops": None, "alpha-mlops": None}
    assert body["questionnaires"][0]["roll_up"] == {
        "rule": "mean",
        "units": 0,
        "overall_percent": None,
        "sections": [None, None],
    }


def test_another_organisations_results_never_appear(acme: dict[str, Any]) -> None:
    globex = Organisation.objects.create(slug="globex", name="Globex")
    team = pw.unit(globex, "payments", "Payments")
    pw.result(globex, acme["devops"], acme["owner"], {"plan": 0, "build": 0}, team)
    pw.result(globex, acme["devops"], acme["owner"], {"plan": 0, "build": 0})
    body = get(acme)
    assert [unit["slug"] for unit in body["units"]] == ["engineering", "payments", "search"]
    assert body["questionnaires"][0]["roll_up"]["overall_percent"] == "62.50"
    assert body["organisation_results"]["zebra-devops"]["overall_percent"] == "50.0000"


def grow(acme: dict[str, Any], size: int) -> None:
    """`size` more teams under Engineering, each with results of both questionnaires, an
    older result too, and a draft."""
    organisation, owner = acme["organisation"], acme["owner"]
    start = organisation.units.count()
    for index in range(start, start + size):
        team = pw.unit(
            organisation, f"team-{index}", f"Team {index}", parent=acme["units"]["search"]
        )
        for _ in range(2):
            pw.result(organisation, acme["devops"], owner, {"plan": index % 5, "build": 1}, team)
        pw.result(organisation, acme["mlops"], owner, {"data": 1, "models": 2, "serve": 3}, team)
        services.assessment_create(
            organisation=organisation, version=acme["mlops"], user=owner, unit=team
        )


@pytest.mark.parametrize(
    ("query", "queries"),
    [
        # the organisation with the caller's role; the published versions; the discipline tags
        # of the newest ones; the organisation's submitted assessments with their results;
        # the top-level sections of the versions shown; their section scores; the units
        ({}, 7),
        # the same, after checking the slug names a published questionnaire
        ({"questionnaire": "alpha-mlops"}, 8),
    ],
)
def test_the_portfolio_takes_the_same_queries_at_5_and_30_units(
    acme: dict[str, Any], django_assert_num_queries: Any, query: dict[str, str], queries: int
) -> None:
    client = APIClient()
    client.force_authenticate(acme["owner"])
    grow(acme, 2)
    for size, more in [(5, 25), (30, 0)]:
        assert acme["organisation"].units.count() == size
        for url in (URL, URL + "report/"):
            with django_assert_num_queries(queries):
                assert client.get(url, query).status_code == 200
        grow(acme, more)
    body = client.get(URL).json()
    assert len(body["units"]) == 30
    assert body["questionnaires"][0]["roll_up"]["units"] == 29


def test_an_api_key_reads_the_portfolio_in_a_fixed_number_of_queries(
    acme: dict[str, Any], django_assert_num_queries: Any
) -> None:
    _, secret = organisation_services.api_key_create(
        name="dashboard", organisation=acme["organisation"], created_by=acme["owner"]
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert client.get(URL).status_code == 200  # the first use stamps last_used_at
    for more in (3, 0):
        # the key; the organisation (of the key); then the portfolio's six
        with django_assert_num_queries(8):
            assert client.get(URL).status_code == 200
        grow(acme, more)


# --- the printable page -------------------------------------------------------------------------


def page(acme: dict[str, Any], **query: str) -> Any:
    client = APIClient()
    client.force_authenticate(acme["owner"])
    response = client.get(URL + "report/", query)
    assert response.status_code == 200, response.content[:500]
    return response


def test_the_page_is_self_contained_html_for_a4(acme: dict[str, Any]) -> None:
    response = page(acme)
    html = response.content.decode()
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "@page { size: A4" in html
    assert "<script" not in html and "http://" not in html and "https://" not in html


def test_the_page_shows_roll_ups_rolled_up_units_and_why_percentiles_are_hidden(
    acme: dict[str, Any],
) -> None:
    set_rule(acme, "minimum")
    html = page(acme).content.decode()
    # Zebra DevOps comes first, with its roll-up by the weakest unit: Search at 50%.
    assert html.index("Zebra DevOps") < html.index("Alpha MLOps")
    assert "minimum: the weakest unit&#x27;s percent" in html
    assert '<span class="big">50.00%</span>' in html
    assert "rolled up from Payments, Search" in html
    assert "Hidden: only 2 unit(s) have a result of this questionnaire" in html
    # The heatmap is a table: a header cell per section, a row per unit, a roll-up row.
    assert '<th scope="col" class="num">Plan</th><th scope="col" class="num">Build</th>' in html
    assert ">25.0</td>" in html  # Search's plan, the weakest, also the roll-up's


def test_the_page_shows_percentiles_once_five_units_have_results(acme: dict[str, Any]) -> None:
    organisation, devops, owner = acme["organisation"], acme["devops"], acme["owner"]
    for slug in ("ops", "web", "data"):
        pw.result(
            organisation, devops, owner, {"plan": 4, "build": 4}, pw.unit(organisation, slug, slug)
        )
    html = page(acme, questionnaire="zebra-devops").content.decode()
    assert "Hidden: only" not in html
    assert '<td class="num">70.0</td>' in html  # the three teams at 100%: (2 + 3/2) / 5
    assert "Alpha MLOps" not in html


def test_the_same_figures_give_the_same_bytes_and_a_304(acme: dict[str, Any]) -> None:
    client = APIClient()
    client.force_authenticate(acme["owner"])
    first = client.get(URL + "report/")
    again = client.get(URL + "report/")
    assert first.content == again.content
    assert first["ETag"] == again["ETag"]
    assert client.get(URL + "report/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    set_rule(acme, "median")
    changed = client.get(URL + "report/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]
