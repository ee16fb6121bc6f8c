"""Invariants of the seed catalogue in fixtures/catalog.json."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from catalog.models import Discipline, Hindrance, LifecyclePhase, Practice, Tool

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
    assert unsupported == []


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
