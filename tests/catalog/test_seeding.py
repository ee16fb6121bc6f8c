"""`seed_catalog` only adds what is missing; `reset_catalog_to_seed` deliberately overwrites."""

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from catalog import seeding
from catalog.models import Discipline, Practice, Tool

pytestmark = pytest.mark.django_db

SEED = {
    (row["model"], row["fields"]["slug"]): row["fields"]
    for row in json.loads(seeding.SEED_FILE.read_text())
}
PRACTICE = "devops-version-control"


def seed(command: str = "seed_catalog", *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def edited(seeded_catalogue: None) -> dict[str, Any]:
    """A catalogue manager's edits: a renamed practice, a link removed, a tool of their own."""
    practice = Practice.objects.get(slug=PRACTICE)
    practice.name = "Versioning everything"
    practice.save()
    tool = Tool.objects.filter(practices=practice).order_by("slug").first()
    tool.practices.remove(practice)
    own = Tool.objects.create(
        slug="in-house-ci", name="In-house CI", licence="commercial", delivery="self_hosted"
    )
    own.disciplines.add(Discipline.objects.get(slug="devops"))
    return {"practice": practice, "tool": tool}


def test_make_run_seeds_with_seed_catalog_not_loaddata() -> None:
    makefile = (seeding.SEED_FILE.parents[1] / "Makefile").read_text()
    assert "seed_catalog" in makefile and "loaddata" not in makefile


def test_seeding_an_empty_database_creates_every_row_with_its_history(db: None) -> None:
    assert seed() == (
        "Seed catalogue: created 145 rows (3 disciplines, 14 lifecycle phases, 6 hindrances, "
        "60 practices, 62 tools).\n"
    )
    practice = Practice.objects.get(slug=PRACTICE)
    assert practice.name == SEED[("catalog.practice", PRACTICE)]["name"]
    first = practice.history.earliest()
    assert (first.history_type, first.history_change_reason) == ("+", seeding.SEEDED)
    sagemaker = Tool.objects.get(slug="amazon-sagemaker")
    assert sagemaker.practices.count() == len(
        SEED[("catalog.tool", "amazon-sagemaker")]["practices"]
    )
    assert sagemaker.history.latest().practices.count() == sagemaker.practices.count()


def test_reseeding_keeps_admin_edits_and_their_history(edited: dict[str, Any]) -> None:
    practice, tool = edited["practice"], edited["tool"]
    history_rows = practice.history.count()
    assert seed() == (
        "Seed catalogue: kept 145 rows (3 disciplines, 14 lifecycle phases, 6 hindrances, "
        "60 practices, 62 tools).\n"
    )
    assert Practice.objects.get(slug=PRACTICE).name == "Versioning everything"
    assert practice not in Tool.objects.get(pk=tool.pk).practices.all()
    assert Tool.objects.filter(slug="in-house-ci").exists()
    assert practice.history.count() == history_rows
    assert practice.history.latest().name == "Versioning everything"


def test_reseeding_puts_back_a_seed_row_that_is_missing(seeded_catalogue: None) -> None:
    Tool.objects.get(slug="jenkins").delete()
    assert seed().startswith("Seed catalogue: created 1 row (1 tool); kept 144 rows")
    jenkins = Tool.objects.get(slug="jenkins")
    assert jenkins.name == SEED[("catalog.tool", "jenkins")]["name"]
    assert jenkins.history.earliest().history_change_reason == seeding.SEEDED


def test_reset_to_seed_restores_seed_values_and_links_and_keeps_other_rows(
    edited: dict[str, Any],
) -> None:
    practice, tool = edited["practice"], edited["tool"]
    assert seed("reset_catalog_to_seed", "--yes").startswith(
        "Seed catalogue: reset 2 rows (1 practice, 1 tool); kept 143 rows"
    )
    restored = Practice.objects.get(slug=PRACTICE)
    assert restored.name == SEED[("catalog.practice", PRACTICE)]["name"]
    assert restored in Tool.objects.get(pk=tool.pk).practices.all()
    assert restored.history.latest().history_change_reason == seeding.RESET
    assert practice.history.filter(
        name="Versioning everything"
    ).exists()  # the edit stays on record
    assert Tool.objects.filter(slug="in-house-ci").exists()
    assert seed("reset_catalog_to_seed", "--noinput").startswith("Seed catalogue: kept 145 rows")


def test_reset_asks_first_and_changes_nothing_without_a_yes(
    edited: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "no")
    with pytest.raises(CommandError, match="Nothing was changed"):
        seed("reset_catalog_to_seed")
    assert "undoing the edits made to them in the admin" in asked[0]
    assert Practice.objects.get(slug=PRACTICE).name == "Versioning everything"
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    assert seed("reset_catalog_to_seed").startswith("Seed catalogue: reset 2 rows")
