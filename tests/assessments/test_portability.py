"""An organisation's data exported, imported into an EMPTY database, and exported again."""

import atexit
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from assessments import services
from assessments.models import (
    Answer,
    Assessment,
    Question,
    QuestionnaireVersion,
    Result,
)
from assessments.portability import export_organisation
from catalog.models import Tool
from organisations import services as organisation_services
from organisations.models import (
    Membership,
    Organisation,
    OrganisationAPIKey,
    OrganisationTool,
    Unit,
)
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


def exported(slug: str) -> dict[str, Any]:
    return export_organisation(Organisation.objects.get(slug=slug))


@functools.cache
def empty_database() -> Path:
    """A freshly migrated, empty SQLite database, made once per test process (migrating
    takes seconds); each import gets a copy of it."""
    folder = Path(tempfile.mkdtemp(prefix="opsassess-empty-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    database = folder / "empty.sqlite3"
    done = manage(database, "migrate", "--noinput")
    assert done.returncode == 0, done.stderr
    return database


def moved(tmp_path: Path, probe: str, module: str = "tests.assessments.test_portability") -> Any:
    """Export acme, import it into a new, empty database, and return what the function
    `probe` of `module` (by default this one) says about acme there."""
    exported = tmp_path / "acme.json"
    call_command("export_organisation", "acme", "--output", str(exported))
    database = tmp_path / "empty.sqlite3"
    shutil.copyfile(empty_database(), database)
    done = manage(database, "import_organisation", str(exported))
    assert done.returncode == 0, done.stderr
    read = f"import json; from {module} import {probe}; "
    after = manage(
        database, "shell", "--no-imports", "-c", read + f"print(json.dumps({probe}('acme')))"
    )
    assert after.returncode == 0, after.stderr
    return json.loads(after.stdout)


@pytest.fixture
def rich_organisation(seeded_catalogue: None, rubric: Any, organisation: Organisation,
                      owner: User, editor: User, viewer: User) -> Organisation:  # fmt: skip
    from tests.assessments.conftest import client_for

    devops = import_file(SEED_DIR / "devops-maturity.yaml")
    organisation_services.organisation_set_tools(
        organisation=organisation, tool_slugs=["jenkins", "git"]
    )
    organisation_services.api_key_create(name="BI", organisation=organisation, created_by=owner)
    # Units: a product with a team inside (renamed since), and a unit that is gone.
    organisation_services.unit_create(
        organisation=organisation, slug="payments", name="Payments", kind="product"
    )
    checkout = organisation_services.unit_create(
        organisation=organisation,
        slug="checkout",
        name="Checkout",
        parent="payments",
        targets={"rubric-example": {"sections": {"automation": 70}}},
    )
    legacy = organisation_services.unit_create(
        organisation=organisation, slug="legacy", name="Legacy", parent="checkout"
    )
    checkout = organisation_services.unit_update(unit=checkout, name="Checkout team")
    organisation_services.unit_delete(unit=legacy)
    first = services.assessment_create(
        organisation=organisation, version=rubric, user=owner, unit=checkout
    )
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
    again = moved(tmp_path, "exported")
    original = json.loads((tmp_path / "acme.json").read_text())
    assert again == original  # nothing lost, nothing changed
    assert [a["status"] for a in original["assessments"]] == ["submitted", "draft", "draft"]
    assert original["assessments"][1]["copied_from"] == 0
    assert original["assessments"][0]["result"]["snapshot"]["targets"]
    assert {m["role"] for m in original["members"]} == {"owner", "editor", "viewer"}
    # keys travel as hashes only: the secret never leaves the machine that showed it once
    assert "hashed_key" in original["api_keys"][0] and "key" not in original["api_keys"][0]
    # units travel parents first, by UUID, and the assessment names its unit
    payments, checkout = original["units"]
    assert (payments["slug"], payments["parent"], checkout["parent"]) == (
        "payments",
        None,
        payments["uuid"],
    )
    assert original["assessments"][0]["unit"] == checkout["uuid"]
    assert [(r["history_type"], r["slug"]) for r in original["history"]["units"]] == [
        ("+", "payments"),
        ("+", "checkout"),
        ("+", "legacy"),
        ("~", "checkout"),
        ("-", "legacy"),
    ]


def units_of(slug: str) -> dict[str, Any]:
    """Each unit of the organisation, by UUID, read from the database: what the API shows,
    and the assessments of it (by UUID)."""
    organisation = Organisation.objects.get(slug=slug)
    return {
        str(unit.uuid): {
            "slug": unit.slug,
            "name": unit.name,
            "kind": unit.kind,
            "parent": None if unit.parent is None else str(unit.parent.uuid),
            "targets": unit.targets,
            "created_at": unit.created_at.isoformat(),
            "assessments": sorted(str(a.uuid) for a in unit.assessments.all()),
        }
        for unit in organisation.units.select_related("parent")
    }


def test_units_and_the_unit_of_each_assessment_survive_the_move(
    rich_organisation: Organisation, tmp_path: Path
) -> None:
    before = units_of("acme")
    checkout = Unit.objects.get(slug="checkout")

    after = moved(tmp_path, "units_of")

    assert after == before
    assert after[str(checkout.uuid)]["name"] == "Checkout team"
    assert after[str(checkout.uuid)]["targets"] == {
        "rubric-example": {"sections": {"automation": "70"}}
    }
    # The first assessment of checkout and its re-assessment (a copy is of the same unit).
    assert len(after[str(checkout.uuid)]["assessments"]) == 2


def fingerprint(slug: str) -> dict[str, Any]:
    """What an organisation's results look like from outside, keyed by stable identifiers:
    report and radar bytes, result snapshots (the previous assessment named by its UUID),
    audit trail sizes, authors and original moments."""
    from assessments import report

    organisation = Organisation.objects.get(slug=slug)
    uuids = {a.pk: str(a.uuid) for a in organisation.assessments.all()}
    found: dict[str, Any] = {"uuid": str(organisation.uuid)}
    for a in organisation.assessments.select_related("result").order_by("created_at"):
        row = {
            "created_at": a.created_at.isoformat(),
            "history": list(
                Assessment.history.filter(id=a.pk)
                .order_by("history_date")
                .values_list("history_date", "history_type", "title", "history_user__username")
            ),
            "answer_history": Answer.history.filter(assessment_id=a.pk).count(),
        }
        if a.is_submitted:
            snapshot = dict(a.result.snapshot)
            snapshot["previous_assessment"] = uuids.get(snapshot["previous_assessment"])
            row |= {
                "report": report.render_report(a),
                "radar": report.render_radar(a),
                "snapshot": snapshot,
            }
        found[str(a.uuid)] = row
    found["keys"] = sorted(
        (k.prefix, k.created.isoformat(), k.created_by.username if k.created_by else None)
        for k in organisation.api_keys.all()
    )
    found["published_at"] = sorted(
        (v.questionnaire.slug, v.number, v.published_at.isoformat())
        for v in QuestionnaireVersion.objects.filter(assessments__organisation=organisation)
        .distinct()
        .select_related("questionnaire")
    )
    return json.loads(json.dumps(found, default=str))


def test_imported_results_render_the_same_reports_and_keep_history_authors_and_moments(
    rich_organisation: Organisation, rubric: Any, owner: User, tmp_path: Path
) -> None:
    from tests.assessments.conftest import client_for

    # Another organisation first, so the ids in the empty database differ from these.
    globex = Organisation.objects.create(slug="globex", name="Globex")
    services.assessment_create(organisation=globex, version=rubric, user=owner)
    # A re-assessment of the same unit, so the report charts its previous result.
    second = services.assessment_create(
        organisation=rich_organisation,
        version=rubric,
        user=owner,
        title="Second",
        unit=rich_organisation.units.get(slug="checkout"),
    )
    answer_all(second, owner, "fully")
    second = services.assessment_submit(assessment=second, user=owner)
    patch_assessment(client_for(owner), second.pk, {"title": "Second, retitled"})
    before = fingerprint("acme")
    previous = before[str(second.uuid)]["snapshot"]["previous_assessment"]
    assert previous is not None and previous != str(second.uuid)
    assert "Previous" in before[str(second.uuid)]["radar"]
    assert (
        len(before[str(second.uuid)]["history"]) >= 3
    )  # created, answered..., submitted, retitled
    assert before["keys"][0][2] == "olivia"
    assert moved(tmp_path, "fingerprint") == before


def audit_trail(slug: str) -> dict[str, list[dict[str, Any]]]:
    """Every historical row of the organisation and of what it holds, each field of it, with
    references named by stable identifiers (database ids differ between two databases), and
    the live row it is about ("of"; None once that row is gone).
    Rows are sorted by moment, then by content: rows written in one batch share a moment."""
    organisation = Organisation.objects.get(slug=slug)
    assessment_ids = list(organisation.assessments.values_list("pk", flat=True))
    uuids = {pk: str(uuid) for pk, uuid in Assessment.objects.values_list("pk", "uuid")}

    def stable(value: Any) -> Any:
        if isinstance(value, User):
            return value.username
        if isinstance(value, Organisation | Assessment | Unit):
            return str(value.uuid)
        if isinstance(value, Tool):
            return value.slug
        if isinstance(value, QuestionnaireVersion):
            return [value.questionnaire.slug, value.number]
        if isinstance(value, Question):
            return value.key
        return value

    def identity(row: Any) -> dict[str, Any] | None:
        """The live row a historical row is about, by its references and unique fields."""
        live = type(row.instance).objects.filter(pk=row.id).first()
        if live is None:
            return None
        return {
            field.name: stable(getattr(live, field.name))
            for field in live._meta.fields
            if (field.is_relation or field.unique) and not field.primary_key
        }

    def described(row: Any) -> dict[str, Any]:
        found = {"of": identity(row)}
        for field in row._meta.fields:
            if field.name in {"id", "history_id"}:
                continue  # database ids
            value = stable(getattr(row, field.name))
            if field.name == "snapshot":
                value = {**value, "previous_assessment": uuids.get(value["previous_assessment"])}
            found[field.name] = value
        return json.loads(json.dumps(found, default=str))

    trails = {
        "organisation": Organisation.history.filter(id=organisation.pk),
        "members": Membership.history.filter(organisation_id=organisation.pk),
        "tools_in_use": OrganisationTool.history.filter(organisation_id=organisation.pk),
        "api_keys": OrganisationAPIKey.history.filter(organisation_id=organisation.pk),
        "units": Unit.history.filter(organisation_id=organisation.pk),
        "assessments": Assessment.history.filter(id__in=assessment_ids),
        "answers": Answer.history.filter(assessment_id__in=assessment_ids),
        "results": Result.history.filter(assessment_id__in=assessment_ids),
    }
    return {
        name: sorted(
            (described(row) for row in rows),
            key=lambda row: (row["history_date"], json.dumps(row, sort_keys=True)),
        )
        for name, rows in trails.items()
    }


def test_the_audit_trail_of_the_organisation_and_all_it_holds_survives_the_move(
    rich_organisation: Organisation,
    rubric: Any,
    owner: User,
    editor: User,
    viewer: User,
    tmp_path: Path,
) -> None:
    organisation = rich_organisation
    noted = services.assessment_create(organisation=organisation, version=rubric, user=owner)
    answer_all(noted, owner, "partly")
    services.assessment_save_answers(
        assessment=noted,
        answers=[services.AnswerInput("unit-tests", choices=("partly",), comment="Flaky suite",
                                      fields=frozenset({"choices", "comment"}))],
        user=owner,
    )  # fmt: skip
    services.assessment_copy(assessment=services.assessment_submit(assessment=noted, user=owner),
                             user=owner)  # fmt: skip
    organisation.name = "Acme Corporation"
    organisation._history_user = owner  # type: ignore[attr-defined]
    organisation._change_reason = "Renamed after the merger"  # type: ignore[attr-defined]
    organisation.save()
    promoted = Membership.objects.get(organisation=organisation, user=viewer)
    promoted.role = Membership.Role.EDITOR
    promoted._history_user = owner  # type: ignore[attr-defined]
    promoted.save()
    Membership.objects.get(organisation=organisation, user=editor).delete()
    organisation_services.api_key_revoke(key=organisation.api_keys.get())
    organisation_services.organisation_set_tools(
        organisation=organisation, tool_slugs=["git", "ansible"]
    )
    before = audit_trail("acme")
    assert [(r["history_type"], r["name"], r["history_user"]) for r in before["organisation"]] == [
        ("+", "Acme", None),
        ("~", "Acme Corporation", "olivia"),
    ]
    assert before["organisation"][1]["history_change_reason"] == "Renamed after the merger"
    assert [(r["history_type"], r["user"], r["role"]) for r in before["members"]][3:] == [
        ("~", "vera", "editor"),
        ("-", "eddie", "editor"),
    ]
    assert before["members"][3]["of"] == {"organisation": str(organisation.uuid), "user": "vera"}
    assert [r["of"] for r in before["members"] if r["user"] == "eddie"] == [None, None]
    assert [(r["history_type"], r["revoked"]) for r in before["api_keys"]] == [
        ("+", False),
        ("~", True),
    ]
    assert sorted((r["history_type"], r["tool"]) for r in before["tools_in_use"]) == [
        ("+", "ansible"),
        ("+", "git"),
        ("+", "jenkins"),
        ("-", "jenkins"),
    ]
    assert [r["history_type"] for r in before["results"]] == ["+", "+"]
    # the unit that is gone keeps its trail, still naming the unit it sat in
    gone = [r for r in before["units"] if r["slug"] == "legacy"]
    checkout = str(Unit.objects.get(slug="checkout").uuid)
    assert [(r["history_type"], r["parent"], r["of"]) for r in gone] == [
        ("+", checkout, None),
        ("-", checkout, None),
    ]
    assert [r["comment"] for r in before["answers"] if r["notes_carried_over"]] == ["Flaky suite"]
    # no row added, lost or changed, none recorded by the import itself
    assert moved(tmp_path, "audit_trail") == before


def test_a_file_of_the_previous_format_is_refused_with_the_reason(
    rich_organisation: Organisation, tmp_path: Path
) -> None:
    path = tmp_path / "acme.json"
    call_command("export_organisation", "acme", "--output", str(path))
    document = json.loads(path.read_text())
    del document["history"]
    Organisation.objects.filter(slug="acme").update(slug="moved", uuid="0" * 32)
    path.write_text(json.dumps({**document, "format": "opsassess-organisation/2"}))
    with pytest.raises(CommandError, match="'opsassess-organisation/2' files lack the audit"):
        call_command("import_organisation", str(path), stdout=StringIO())
    assert not Organisation.objects.filter(slug="acme").exists()


def test_a_file_written_before_units_and_respondents_still_imports(
    rich_organisation: Organisation, tmp_path: Path
) -> None:
    path = tmp_path / "acme.json"
    call_command("export_organisation", "acme", "--output", str(path))
    document = json.loads(path.read_text())
    assert document["format"] == "opsassess-organisation/4"
    # What a /3 file looked like: no units, no unit on assessments, no respondents.
    del document["units"]
    for assessment in document["assessments"]:
        assessment.pop("unit", None)
        assessment.pop("respondents", None)
    for row in document["history"].get("assessments", []):
        row.pop("unit", None)
    path.write_text(json.dumps({**document, "format": "opsassess-organisation/3"}))
    database = tmp_path / "empty.sqlite3"
    shutil.copyfile(empty_database(), database)

    done = manage(database, "import_organisation", str(path))

    assert done.returncode == 0, done.stderr
    count = (
        "from organisations.models import Organisation; o = Organisation.objects.get(slug='acme'); "
        "print(o.units.count(), o.assessments.count(), o.assessments.exclude(unit=None).count())"
    )
    found = manage(database, "shell", "--no-imports", "-c", count)
    assert found.stdout.split() == ["0", str(len(document["assessments"])), "0"], found.stderr


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
