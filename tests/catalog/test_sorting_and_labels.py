"""Tools sort by name whatever its case, and many-to-many link rows read as sentences."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
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


@pytest.fixture
def tools() -> None:
    devops = DisciplineFactory(slug="devops")
    for slug, name, vendor in [
        ("dynatrace", "Dynatrace", "Dynatrace LLC"),
        ("dbt", "dbt", "dbt Labs"),
        ("argo-cd", "Argo CD", "argoproj"),
        ("datadog", "Datadog", "Datadog Inc."),
    ]:
        ToolFactory(slug=slug, name=name, vendor=vendor, disciplines=[devops])


def slugs(response: object) -> list[str]:
    return [row["slug"] for row in response.json()["results"]]  # type: ignore[attr-defined]


def test_tool_list_sorts_names_ignoring_case(tools: None, api_client: APIClient) -> None:
    assert slugs(api_client.get("/api/v1/tools/")) == ["argo-cd", "datadog", "dbt", "dynatrace"]
    reverse_order = api_client.get("/api/v1/tools/", {"ordering": "-name"})
    assert slugs(reverse_order) == ["dynatrace", "dbt", "datadog", "argo-cd"]


def test_tool_list_sorts_vendors_ignoring_case(tools: None, api_client: APIClient) -> None:
    by_vendor = api_client.get("/api/v1/tools/", {"ordering": "vendor"})
    assert slugs(by_vendor) == ["argo-cd", "datadog", "dbt", "dynatrace"]


def test_admin_tool_list_sorts_names_ignoring_case(tools: None, client: Client) -> None:
    client.force_login(User.objects.create_superuser("manager", password="a-long-password-1"))
    url = reverse("admin:catalog_tool_changelist")
    listed = client.get(url).context["cl"].result_list
    assert [tool.slug for tool in listed] == ["argo-cd", "datadog", "dbt", "dynatrace"]
    by_name_descending = client.get(url, {"o": "-1"}).context["cl"].result_list
    assert [tool.slug for tool in by_name_descending] == ["dynatrace", "dbt", "datadog", "argo-cd"]


def test_link_rows_read_as_sentences() -> None:
    devops = DisciplineFactory(slug="devops", name="DevOps")
    skills = HindranceFactory(slug="skills-gap", name="Skills gap")
    practice = PracticeFactory(
        name="Version control", phase=LifecyclePhaseFactory(discipline=devops), hindrances=[skills]
    )
    ToolFactory(name="Git", disciplines=[devops], practices=[practice])
    assert str(Tool.practices.through.objects.get()) == "Git supports Version control"
    assert str(Tool.disciplines.through.objects.get()) == "Git is used in DevOps"
    assert str(Practice.hindrances.through.objects.get()) == "Version control helps with Skills gap"


def test_practice_page_labels_its_tool_rows_by_tool_and_practice(client: Client) -> None:
    devops = DisciplineFactory(slug="devops", name="DevOps")
    practice = PracticeFactory(
        name="Version control", phase=LifecyclePhaseFactory(discipline=devops)
    )
    for name in ["gitea", "Git"]:
        ToolFactory(name=name, disciplines=[devops], practices=[practice])
    client.force_login(User.objects.create_superuser("manager", password="a-long-password-1"))
    page = client.get(reverse("admin:catalog_practice_change", args=[practice.pk]))
    text = page.content.decode()
    assert "Tool_practices object" not in text
    assert text.index("Git supports Version control") < text.index("gitea supports Version control")
