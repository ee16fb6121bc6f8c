"""Invariants of the seed catalogue in fixtures/catalog.json."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from catalog.models import Discipline, Hindrance, LifecyclePhase, Practice, Tool
from catalog.prerequisites import cycle_through

pytestmark = pytest.mark.django_db

DOMAIN_TOOLS = {
    "MLflow",
    "Kubeflow",
    "Amazon SageMaker",
    "Azure Machine Learning",
    "Dynatrace",
    "Datadog",
    "AppDynamics",
    "New Relic",
    "ServiceNow",
    "Splunk",
}


def test_the_three_disciplines_and_their_phases_are_seeded_in_order(
    seeded_catalogue: None,
) -> None:
    phases = {
        discipline.slug: list(discipline.phases.order_by("order").values_list("name", flat=True))
        for discipline in Discipline.objects.all()
    }
    assert list(phases) == ["devops", "mlops", "aiops"]
    assert phases["devops"] == [
        "Plan",
        "Build",
        "Continuous integration and deployment",
        "Monitor",
        "Operate",
        "Continuous feedback",
    ]
    assert phases["mlops"] == [
        "Plan",
        "Create & Data",
        "Model & Verify",
        "Package & Release",
        "Configure & Monitor",
    ]
    assert phases["aiops"] == ["Monitoring", "Service desk", "Automation"]


def test_the_six_survey_hindrances_are_seeded(seeded_catalogue: None) -> None:
    assert list(Hindrance.objects.values_list("slug", flat=True)) == [
        "skills-gap",
        "data-quality",
        "use-cases",
        "culture",
        "infrastructure",
        "tooling",
    ]


def test_there_are_at_least_45_practices_and_12_per_discipline(seeded_catalogue: None) -> None:
    assert Practice.objects.count() >= 45
    per_discipline = dict(
        Practice.objects.values_list("phase__discipline__slug")
        .annotate(n=Count("id"))
        .values_list("phase__discipline__slug", "n")
    )
    assert set(per_discipline) == {"devops", "mlops", "aiops"}
    assert min(per_discipline.values()) >= 12


def test_every_phase_has_practices(seeded_catalogue: None) -> None:
    assert not LifecyclePhase.objects.filter(practices__isnull=True).exists()


def test_there_are_at_least_40_tools_including_all_named_in_the_domain(
    seeded_catalogue: None,
) -> None:
    names = set(Tool.objects.values_list("name", flat=True))
    assert len(names) >= 40
    assert names >= DOMAIN_TOOLS


# Practices about how people are organised: no tool does them, and none is suggested.
NO_TOOL_DOES_IT = [
    "devops-cross-functional-teams",
    "mlops-cross-functional-ml-team",
    "mlops-use-case-definition",
]


def test_every_practice_is_supported_by_a_tool_of_its_discipline(seeded_catalogue: None) -> None:
    unsupported = [
        practice.slug
        for practice in Practice.objects.select_related("phase").prefetch_related(
            "tools__disciplines"
        )
        if not any(
            practice.phase.discipline_id in {d.pk for d in tool.disciplines.all()}
            for tool in practice.tools.all()
        )
    ]
    assert sorted(unsupported) == NO_TOOL_DOES_IT


# Links the review of issue 17 removed: the tool does not do the practice (a library is not a
# ticket router, a code platform or a portal does not make a team cross-functional, a scanner
# does not run tests or review code, a data platform does not staff a team).
NOT_DOING_THE_PRACTICE = [
    ("amazon-sagemaker", "mlops-cross-functional-ml-team"),
    ("azure-devops", "mlops-use-case-definition"),
    ("azure-machine-learning", "mlops-cross-functional-ml-team"),
    ("backstage", "devops-cross-functional-teams"),
    ("backstage", "devops-shared-goals-kpis"),
    ("databricks", "mlops-cross-functional-ml-team"),
    ("dbt", "mlops-data-sourcing"),
    ("docker", "devops-continuous-integration"),
    ("elastic-stack", "aiops-knowledge-base-answers"),
    ("git", "mlops-reproducible-training-pipelines"),
    ("gitlab", "devops-cross-functional-teams"),
    ("great-expectations", "mlops-training-set-creation"),
    ("jira", "devops-release-retrospectives"),
    ("jira", "devops-shared-goals-kpis"),
    ("jira", "mlops-use-case-definition"),
    ("kubernetes", "mlops-platform-standardisation"),
    ("label-studio", "mlops-data-validation"),
    ("scikit-learn", "aiops-anomaly-detection"),
    ("scikit-learn", "aiops-ticket-classification-routing"),
    ("sentry", "devops-release-retrospectives"),
    ("sonarqube", "devops-automated-testing"),
    ("sonarqube", "devops-code-review"),
    ("terraform", "mlops-platform-standardisation"),
    ("weights-and-biases", "mlops-cross-functional-ml-team"),
]


@pytest.mark.parametrize(("tool", "practice"), NOT_DOING_THE_PRACTICE)
def test_reviewed_tool_links_that_were_wrong_stay_out_of_the_seed(
    seeded_catalogue: None, tool: str, practice: str
) -> None:
    assert Tool.objects.filter(slug=tool).exists()
    assert Practice.objects.filter(slug=practice).exists()
    assert not Tool.practices.through.objects.filter(
        tool__slug=tool, practice__slug=practice
    ).exists()


def test_seed_prerequisites_have_no_cycle_and_every_practice_has_an_effort(
    seeded_catalogue: None,
) -> None:
    practices = list(Practice.objects.prefetch_related("prerequisites"))
    graph = {p.slug: [r.slug for r in p.prerequisites.all()] for p in practices}
    assert all(not cycle_through(slug, required, graph) for slug, required in graph.items())
    assert {p.effort for p in practices} == {1, 2, 4}
    assert graph["devops-automated-testing"] == ["devops-continuous-integration"]
    assert graph["devops-continuous-integration"] == ["devops-version-control"]


def test_no_tool_supports_a_practice_outside_its_disciplines(seeded_catalogue: None) -> None:
    offenders = {
        tool.slug: Tool.practices_outside_disciplines(tool.practices.all(), tool.disciplines.all())
        for tool in Tool.objects.prefetch_related("practices__phase", "disciplines")
    }
    assert {slug: bad for slug, bad in offenders.items() if bad} == {}


def test_every_practice_says_what_it_is_and_what_done_well_looks_like(
    seeded_catalogue: None,
) -> None:
    assert not Practice.objects.filter(description="").exists()
    assert not Practice.objects.filter(done_well="").exists()
    assert not Practice.objects.filter(hindrances__isnull=True).exists()
    assert not Tool.objects.filter(description="").exists()


def test_every_seeded_row_passes_model_validation(seeded_catalogue: None) -> None:
    for model in (Discipline, LifecyclePhase, Hindrance, Practice, Tool):
        for row in model.objects.all():
            row.full_clean()


def test_seeding_twice_adds_no_rows(seeded_catalogue: None) -> None:
    models = (Discipline, LifecyclePhase, Hindrance, Practice, Tool)
    before = [model.objects.count() for model in models]
    links = Tool.practices.through.objects.count()
    call_command("seed_catalog", stdout=StringIO())
    assert [model.objects.count() for model in models] == before
    assert Tool.practices.through.objects.count() == links
