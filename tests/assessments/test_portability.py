"""An organisation's data exported, imported into an EMPTY database, and exported again."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from assessments import services
from assessments.models import Organisation
from tests.assessments.conftest import SEED_DIR, answer_all, import_file, patch_assessment

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def manage(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DATABASE_URL"] = f"sqlite:///{database}"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def rich_organisation(seeded_catalogue: None, rubric: Any, organisation: Organisation,
                      owner: User, editor: User, viewer: User) -> Organisation:  # fmt: skip
    from tests.assessments.conftest import client_for

    devops = import_file(SEED_DIR / "devops-maturity.yaml")
    services.organisation_set_tools(organisation=organisation, tool_slugs=["jenkins", "git"])
    services.api_key_create(name="BI", organisation=organisation, created_by=owner)
    first = services.assessment_create(organisation=organisation, version=rubric, user=owner)
    patch_assessment(client_for(owner), first.pk, {"targets": {"sections": {"automation": 90}}})
    answer_all(first, editor, "partly")
    first = services.assessment_submit(assessment=first, user=owner)
    copy = services.assessment_copy(assessment=first, user=editor).assessment
    services.assessment_save_answers(
        assessment=copy,
        answers=[services.AnswerInput("unit-tests", choices=("fully",), comment="CI now",
                                      evidence_url="https://ci.example.com/",
                                      fields=frozenset({"choices", "comment", "evidence_url"}))],
        user=editor,
    )  # fmt: skip
    services.assessment_create(organisation=organisation, version=devops, user=owner, title="New")
    return organisation


def test_an_organisation_round_trips_through_an_empty_database(
    rich_organisation: Organisation, tmp_path: Path
) -> None:
    exported = tmp_path / "acme.json"
    call_command("export_organisation", "acme", "--output", str(exported))
    database = tmp_path / "empty.sqlite3"
    for args in (("migrate", "--noinput"), ("import_organisation", str(exported))):
        done = manage(database, *args)
        assert done.returncode == 0, done.stderr
    again = manage(database, "export_organisation", "acme")
    assert again.returncode == 0, again.stderr
    original = json.loads(exported.read_text())
    assert json.loads(again.stdout) == original  # nothing lost, nothing changed
    assert [a["status"] for a in original["assessments"]] == ["submitted", "draft", "draft"]
    assert original["assessments"][1]["copied_from"] == 0
    assert original["assessments"][0]["result"]["snapshot"]["targets"]
    assert {m["role"] for m in original["members"]} == {"owner", "editor", "viewer"}
    # keys travel as hashes only: the secret never leaves the machine that showed it once
    assert "hashed_key" in original["api_keys"][0] and "key" not in original["api_keys"][0]


def test_importing_over_an_existing_organisation_is_refused_and_changes_nothing(
    rich_organisation: Organisation, tmp_path: Path
) -> None:
    exported = tmp_path / "acme.json"
    call_command("export_organisation", "acme", "--output", str(exported))
    with pytest.raises(CommandError, match="'acme' already exists"):
        call_command("import_organisation", str(exported), stdout=StringIO())
    assert Organisation.objects.count() == 1


def test_a_broken_file_imports_nothing(db: None, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"format": "something-else"}')
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_organisation", str(path), stdout=StringIO())
    path.write_text("{not json")
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_organisation", str(path), stdout=StringIO())
    assert not Organisation.objects.exists()
