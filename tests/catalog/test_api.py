from typing import Any

import pytest
from rest_framework.test import APIClient

from catalog.models import Practice, Tool
from tests.factories import (
    DisciplineFactory,
    HindranceFactory,
    LifecyclePhaseFactory,
    PracticeFactory,
    ToolFactory,
)

pytestmark = pytest.mark.django_db

ENDPOINTS = ["disciplines", "phases", "hindrances", "practices", "tools"]


def errors_by_attr(response: Any) -> dict[str, str]:
    body = response.json()
    return {error["attr"]: error["detail"] for error in body["errors"]}


@pytest.fixture
def small_catalogue() -> dict[str, Any]:
    devops = DisciplineFactory(slug="devops", name="DevOps", order=1)
    mlops = DisciplineFactory(slug="mlops", name="MLOps", order=2)
    build = LifecyclePhaseFactory(slug="devops-build", name="Build", discipline=devops, order=2)
    plan = LifecyclePhaseFactory(slug="devops-plan", name="Plan", discipline=devops, order=1)
    data = LifecyclePhaseFactory(slug="mlops-data", name="Data", discipline=mlops, order=1)
    skills = HindranceFactory(slug="skills-gap", name="Skills", order=1)
    quality = HindranceFactory(slug="data-quality", name="Data quality", order=2)
    vcs = PracticeFactory(slug="version-control", name="Version control", phase=build)
    backlog = PracticeFactory(
        slug="backlog",
        name="Shared backlog",
        phase=plan,
        hindrances=[skills],
        effort=Practice.Effort.LARGE,
        prerequisites=[vcs],
    )
    cleansing = PracticeFactory(
        slug="data-cleansing", name="Data cleansing", phase=data, hindrances=[quality]
    )
    git = ToolFactory(
        slug="git", name="Git", disciplines=[devops, mlops], practices=[vcs], min_maturity=1
    )
    jira = ToolFactory(
        slug="jira",
        name="Jira",
        vendor="Atlassian",
        licence=Tool.Licence.COMMERCIAL,
        delivery=Tool.Delivery.SAAS,
        ring=Tool.Ring.TRIAL,
        disciplines=[devops],
        practices=[backlog],
        min_maturity=2,
    )
    dvc = ToolFactory(
        slug="dvc",
        name="DVC",
        ring=Tool.Ring.HOLD,
        disciplines=[mlops],
        practices=[cleansing],
        min_maturity=3,
    )
    return {"git": git, "jira": jira, "dvc": dvc}


def slugs(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["slug"] for row in response.json()["results"]]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_catalogue_lists_are_public_and_paginated(
    api_client: APIClient, small_catalogue: dict[str, Any], endpoint: str
) -> None:
    response = api_client.get(f"/api/v1/{endpoint}/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == len(body["results"]) > 0


def test_tool_detail_is_addressed_by_slug(
    api_client: APIClient, small_catalogue: dict[str, Any]
) -> None:
    response = api_client.get("/api/v1/tools/jira/")
    assert response.status_code == 200
    assert response.json() == {
        "slug": "jira",
        "url": "http://testserver/api/v1/tools/jira/",
        "name": "Jira",
        "vendor": "Atlassian",
        "homepage": small_catalogue["jira"].homepage,
        "description": "",
        "licence": "commercial",
        "delivery": "saas",
        "ring": "trial",
        "min_maturity": 2,
        "disciplines": ["devops"],
        "practices": ["backlog"],
    }


def test_practice_detail_names_its_discipline_phase_hindrances_and_tools(
    api_client: APIClient, small_catalogue: dict[str, Any]
) -> None:
    body = api_client.get("/api/v1/practices/backlog/").json()
    assert body["discipline"] == "devops"
    assert body["phase"] == "devops-plan"
    assert body["hindrances"] == ["skills-gap"]
    assert body["tools"] == ["jira"]
    assert body["done_well"] == "Everybody does it, every time."
    assert (body["effort"], body["effort_points"]) == ("large", 4)
    assert body["prerequisites"] == ["version-control"]


def test_discipline_detail_lists_its_phases_in_lifecycle_order(
    api_client: APIClient, small_catalogue: dict[str, Any]
) -> None:
    body = api_client.get("/api/v1/disciplines/devops/").json()
    assert [phase["slug"] for phase in body["phases"]] == ["devops-plan", "devops-build"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_unknown_slug_is_a_json_404(
    api_client: APIClient, small_catalogue: dict[str, Any], endpoint: str
) -> None:
    response = api_client.get(f"/api/v1/{endpoint}/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_a_path_that_is_not_a_slug_is_a_json_404(api_client: APIClient) -> None:
    response = api_client.get("/api/v1/tools/not a slug!/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["type"] == "client_error"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("discipline=devops", ["git", "jira"]),
        ("discipline=mlops", ["dvc", "git"]),
        ("phase=devops-plan", ["jira"]),
        ("practice=version-control", ["git"]),
        ("licence=commercial", ["jira"]),
        ("licence=open_source", ["dvc", "git"]),
        ("delivery=saas", ["jira"]),
        ("ring=hold", ["dvc"]),
        ("ring=adopt&ring=trial", ["git", "jira"]),
        ("pays_off_at=2", ["git", "jira"]),
        ("search=atlassian", ["jira"]),
        ("discipline=devops&licence=open_source", ["git"]),
        ("ordering=-min_maturity", ["dvc", "jira", "git"]),
        ("ordering=-name", ["jira", "git", "dvc"]),
    ],
)
def test_tools_can_be_filtered_searched_and_ordered(
    api_client: APIClient, small_catalogue: dict[str, Any], query: str, expected: list[str]
) -> None:
    assert slugs(api_client.get(f"/api/v1/tools/?{query}")) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("discipline=mlops", ["data-cleansing"]),
        ("phase=devops-build", ["version-control"]),
        ("hindrance=skills-gap", ["backlog"]),
        ("tool=git", ["version-control"]),
        ("search=cleansing", ["data-cleansing"]),
        ("ordering=name", ["data-cleansing", "backlog", "version-control"]),
    ],
)
def test_practices_can_be_filtered_searched_and_ordered(
    api_client: APIClient, small_catalogue: dict[str, Any], query: str, expected: list[str]
) -> None:
    assert slugs(api_client.get(f"/api/v1/practices/?{query}")) == expected


def test_phases_can_be_filtered_by_discipline(
    api_client: APIClient, small_catalogue: dict[str, Any]
) -> None:
    response = api_client.get("/api/v1/phases/?discipline=devops")
    assert slugs(response) == ["devops-plan", "devops-build"]


@pytest.mark.parametrize(
    ("path", "attr", "reason"),
    [
        ("tools/?discipline=nope", "discipline", "Select a valid choice"),
        ("tools/?ring=sometimes", "ring", "Select a valid choice"),
        ("tools/?licence=free", "licence", "Select a valid choice"),
        ("tools/?pays_off_at=9", "pays_off_at", "Select a valid choice"),
        ("practices/?phase=nope", "phase", "Select a valid choice"),
        ("phases/?discipline=nope", "discipline", "Select a valid choice"),
        ("tools/?colour=blue", "colour", "Unknown query parameter"),
        ("hindrances/?discipline=devops", "discipline", "Unknown query parameter"),
        ("tools/?ring=", "ring", "may not be blank"),
        ("tools/?ordering=price", "ordering", "Cannot order by price"),
        ("tools/?page_size=0", "page_size", "from 1 to 200"),
        ("tools/?page_size=201", "page_size", "from 1 to 200"),
        ("tools/?page_size=lots", "page_size", "from 1 to 200"),
    ],
)
def test_bad_query_parameters_get_a_400_naming_the_parameter(
    api_client: APIClient, small_catalogue: dict[str, Any], path: str, attr: str, reason: str
) -> None:
    response = api_client.get(f"/api/v1/{path}")
    assert response.status_code == 400, response.content
    assert response.json()["type"] == "validation_error"
    assert reason in errors_by_attr(response)[attr]


def test_a_page_past_the_end_is_a_json_404(
    api_client: APIClient, small_catalogue: dict[str, Any]
) -> None:
    response = api_client.get("/api/v1/tools/?page=99")
    assert response.status_code == 404
    assert response.json()["type"] == "client_error"


def test_page_size_splits_the_list_into_linked_pages(
    api_client: APIClient, small_catalogue: dict[str, Any]
) -> None:
    first = api_client.get("/api/v1/tools/?page_size=2").json()
    assert first["count"] == 3
    assert [row["slug"] for row in first["results"]] == ["dvc", "git"]
    second = api_client.get(first["next"]).json()
    assert [row["slug"] for row in second["results"]] == ["jira"]
    assert second["next"] is None


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_public_catalogue_cannot_be_written(
    api_client: APIClient, small_catalogue: dict[str, Any], method: str
) -> None:
    path = "/api/v1/tools/" if method == "post" else "/api/v1/tools/git/"
    response = getattr(api_client, method)(path, {"name": "Changed"}, format="json")
    assert response.status_code == 405
    assert Tool.objects.get(slug="git").name == "Git"


def grow_catalogue(rows: int) -> None:
    """Add `rows` tools, each with its own discipline, phase, practice and hindrance."""
    for _ in range(rows):
        discipline = DisciplineFactory()
        phase = LifecyclePhaseFactory(discipline=discipline)
        practice = PracticeFactory(phase=phase, hindrances=[HindranceFactory()])
        ToolFactory(disciplines=[discipline], practices=[practice])


# Query budgets: the count must not depend on how many rows a page holds.
@pytest.mark.parametrize("rows", [1, 25])
@pytest.mark.parametrize(
    ("endpoint", "queries"),
    [
        ("disciplines", 3),  # count, page of disciplines, prefetch phases
        ("phases", 2),  # count, page of phases joined with their discipline
        ("hindrances", 2),  # count, page of hindrances
        # count, page joined with phase+discipline, hindrances, tools, prerequisites
        ("practices", 5),
        ("tools", 4),  # count, page of tools, prefetch disciplines, prefetch practices
    ],
)
def test_list_query_budget_does_not_grow_with_rows(
    api_client: APIClient,
    django_assert_num_queries: Any,
    endpoint: str,
    queries: int,
    rows: int,
) -> None:
    grow_catalogue(rows)
    with django_assert_num_queries(queries):
        response = api_client.get(f"/api/v1/{endpoint}/")
    assert response.json()["count"] == rows


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("disciplines/devops/", 2),  # discipline, prefetch phases
        ("phases/devops-plan/", 1),  # phase joined with discipline
        ("hindrances/skills-gap/", 1),  # hindrance
        # practice joined with phase+discipline, hindrances, tools, prerequisites
        ("practices/backlog/", 4),
        ("tools/git/", 3),  # tool, prefetch disciplines, prefetch practices
    ],
)
def test_detail_query_budget(
    api_client: APIClient,
    small_catalogue: dict[str, Any],
    django_assert_num_queries: Any,
    path: str,
    queries: int,
) -> None:
    with django_assert_num_queries(queries):
        response = api_client.get(f"/api/v1/{path}")
    assert response.status_code == 200


def test_seeded_catalogue_answers_every_filter_without_error(
    api_client: APIClient, seeded_catalogue: None
) -> None:
    response = api_client.get("/api/v1/tools/?discipline=mlops&ring=adopt&page_size=200")
    names = {row["name"] for row in response.json()["results"]}
    assert "MLflow" in names
    assert all("mlops" in row["disciplines"] for row in response.json()["results"])
