"""Practice prerequisites and effort: the no-cycle rule (pure), the admin, imports, history."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from catalog.models import Practice
from catalog.prerequisites import cycle_through, describe_cycle
from tests.catalog.test_admin import import_csv
from tests.factories import DisciplineFactory, LifecyclePhaseFactory, PracticeFactory

GRAPH = {"ci": ["vcs"], "tests": ["ci"], "cd": ["ci", "tests"], "vcs": []}


@pytest.mark.parametrize(
    ("slug", "prerequisites", "expected"),
    [
        ("tests", ["ci"], []),  # as stored: no cycle
        ("vcs", [], []),
        ("new", ["cd", "vcs"], []),  # a new practice on top of the graph
        ("vcs", ["vcs"], ["vcs", "vcs"]),  # requiring itself
        ("vcs", ["ci"], ["vcs", "ci", "vcs"]),  # two practices requiring each other
        ("vcs", ["cd"], ["vcs", "cd", "ci", "vcs"]),  # through others, first edge in sorted order
        ("ci", ["tests"], ["ci", "tests", "ci"]),  # replacing ci's own links still loops
        ("ci", [], []),  # dropping a link never makes a cycle
    ],
)
def test_a_cycle_is_found_and_named_as_a_path(
    slug: str, prerequisites: list[str], expected: list[str]
) -> None:
    assert cycle_through(slug, prerequisites, GRAPH) == expected


def test_a_cycle_reads_as_a_sentence() -> None:
    assert describe_cycle(["a", "b", "a"]) == (
        "These prerequisites would make a cycle (a -> b -> a): a practice cannot require "
        "itself, directly or through others."
    )


@pytest.fixture
def practices(db: None) -> dict[str, Practice]:
    phase = LifecyclePhaseFactory(slug="devops-ci-cd", discipline=DisciplineFactory(slug="devops"))
    vcs = PracticeFactory(slug="vcs", name="Version control", phase=phase)
    ci = PracticeFactory(slug="ci", name="Continuous integration", phase=phase, prerequisites=[vcs])
    tests = PracticeFactory(slug="tests", name="Automated tests", phase=phase, prerequisites=[ci])
    return {"vcs": vcs, "ci": ci, "tests": tests}


@pytest.fixture
def manager(client: Client, db: None) -> Client:
    client.force_login(User.objects.create_superuser("manager", password="a-long-password-1"))
    return client


def change(manager: Client, practice: Practice, **fields: Any) -> Any:
    data = {
        "name": practice.name,
        "slug": practice.slug,
        "phase": practice.phase_id,
        "order": practice.order,
        "description": practice.description,
        "done_well": practice.done_well,
        "effort": practice.effort,
        "prerequisites": [p.pk for p in practice.prerequisites.all()],
        "hindrances": [],
        "Tool_practices-TOTAL_FORMS": 0,
        "Tool_practices-INITIAL_FORMS": 0,
    }
    data.update(fields)
    return manager.post(reverse("admin:catalog_practice_change", args=[practice.pk]), data)


def test_admin_refuses_a_prerequisite_that_closes_a_cycle(
    manager: Client, practices: dict[str, Practice]
) -> None:
    vcs = practices["vcs"]
    response = change(manager, vcs, prerequisites=[practices["tests"].pk])
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["prerequisites"] == [
        describe_cycle(["vcs", "tests", "ci", "vcs"])
    ]
    assert not vcs.prerequisites.exists()


def test_admin_saves_effort_and_acyclic_prerequisites_with_history(
    manager: Client, practices: dict[str, Practice]
) -> None:
    tests = practices["tests"]
    response = change(
        manager, tests, effort=4, prerequisites=[practices["ci"].pk, practices["vcs"].pk]
    )
    assert response.status_code == 302, response.content
    tests.refresh_from_db()
    assert tests.effort == 4
    assert sorted(tests.prerequisites.values_list("slug", flat=True)) == ["ci", "vcs"]
    newest = tests.history.first()
    assert sorted(link.to_practice.slug for link in newest.prerequisites.all()) == ["ci", "vcs"]


def test_admin_list_shows_effort_and_what_each_practice_requires(
    manager: Client, practices: dict[str, Practice]
) -> None:
    body = manager.get(reverse("admin:catalog_practice_changelist")).content.decode()
    assert "Continuous integration" in body and "Medium (2 points)" in body
    assert (
        manager.get(reverse("admin:catalog_practice_changelist"), {"effort": 4}).status_code == 200
    )


HEADER = "slug,name,phase,order,description,done_well,effort,prerequisites,hindrances"


def test_import_refuses_a_cycle_spread_over_two_rows_and_imports_nothing(
    manager: Client, practices: dict[str, Practice]
) -> None:
    csv_text = (
        f"{HEADER}\n"
        "review,Code review,devops-ci-cd,2,,,1,tests,\n"
        "vcs,Version control,devops-ci-cd,1,,,1,review,\n"
    )
    response = import_csv(manager, "practice", csv_text)
    (row,) = response.context["result"].invalid_rows
    assert row.number == 2
    assert row.error_dict == {
        "prerequisites": [describe_cycle(["vcs", "review", "tests", "ci", "vcs"])]
    }
    assert not Practice.objects.filter(slug="review").exists()
    assert not practices["vcs"].prerequisites.exists()


def test_import_sets_effort_and_prerequisites_and_export_writes_them_back(
    manager: Client, practices: dict[str, Practice]
) -> None:
    csv_text = f'{HEADER}\nreview,Code review,devops-ci-cd,2,,,1,"vcs,ci",\n'
    preview = import_csv(manager, "practice", csv_text)
    assert not preview.context["result"].has_errors()
    confirm = preview.context["confirm_form"]
    manager.post(reverse("admin:catalog_practice_process_import"), confirm.initial)
    review = Practice.objects.get(slug="review")
    assert review.effort == Practice.Effort.SMALL
    assert sorted(review.prerequisites.values_list("slug", flat=True)) == ["ci", "vcs"]
    exported = manager.post(
        reverse("admin:catalog_practice_export"),
        {
            "resource": 0,
            "format": 0,
            "export_items": [review.pk],
            **{f"practiceresource_{field}": "on" for field in HEADER.split(",")},
        },
    ).content.decode()
    assert exported.splitlines()[0] == HEADER
    assert '1,"ci,vcs",' in exported.splitlines()[1]


def test_an_unknown_effort_is_refused_by_the_database(practices: dict[str, Practice]) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Practice.objects.filter(pk=practices["vcs"].pk).update(effort=3)
