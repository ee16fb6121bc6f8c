"""Questionnaire-as-code: import, export, round trips and the errors a bad file gets."""

import copy
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import CommandError, call_command

from assessments import questionnaire_format, scoring, selectors, services
from assessments.models import Question, Questionnaire, QuestionnaireVersion
from tests.assessments.conftest import MODELS_DIR, SEED_DIR, load
from tests.factories import DisciplineFactory, HindranceFactory

pytestmark = pytest.mark.django_db


def export(slug: str, version: int | None = None) -> str:
    out = StringIO()
    args = [slug] if version is None else [slug, "--version", str(version)]
    call_command("export_questionnaire", *args, stdout=out)
    return out.getvalue()


def small_document(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "format": "opsassess-questionnaire/1",
        "slug": "small",
        "name": "Small",
        "levels": [{"key": "low", "name": "Low", "min_score": 0}],
        "root": {
            "key": "root",
            "children": [
                {
                    "key": "s1",
                    "title": "Section one",
                    "children": [
                        {
                            "key": "q1",
                            "type": "single_choice",
                            "text": "How?",
                            "choices": [
                                {"key": "a", "label": "A", "value": 0},
                                {"key": "b", "label": "B", "value": "0.5"},
                            ],
                        },
                        {"key": "q2", "type": "percentage", "text": "What share?"},
                    ],
                }
            ],
        },
    }
    document.update(changes)
    return document


def test_importing_a_file_creates_a_published_version_with_its_tree(rubric: Any) -> None:
    assert rubric.number == 1
    assert rubric.status == QuestionnaireVersion.Status.PUBLISHED
    assert rubric.sections.count() == 3  # root, automation, environments
    assert rubric.questions.count() == 6
    assert list(rubric.levels.values_list("key", flat=True)) == [
        "none",
        "basic",
        "sound",
        "exemplary",
    ]


def test_importing_the_same_file_twice_changes_nothing() -> None:
    first = services.questionnaire_import(document=load(MODELS_DIR / "rubric.yaml"))
    second = services.questionnaire_import(document=load(MODELS_DIR / "rubric.yaml"))
    assert first.created and not second.created
    assert second.version.pk == first.version.pk
    assert QuestionnaireVersion.objects.count() == 1


def test_changed_content_under_an_existing_version_number_is_refused(rubric: Any) -> None:
    document = load(MODELS_DIR / "rubric.yaml")
    document["root"]["children"][0]["children"][0]["text"] = "Reworded"
    with pytest.raises(questionnaire_format.FormatError) as excinfo:
        services.questionnaire_import(document=document)
    assert "version 1 of 'rubric-example' already exists with different content" in str(
        excinfo.value
    )


def test_a_file_without_version_number_becomes_the_next_version(rubric: Any) -> None:
    document = load(MODELS_DIR / "rubric.yaml")
    del document["version"]
    outcome = services.questionnaire_import(document=document)
    assert outcome.version.number == 2


def test_export_then_import_round_trips_exactly() -> None:
    services.questionnaire_import(document=small_document(status="draft"))
    first = export("small")
    QuestionnaireVersion.objects.get(questionnaire__slug="small").delete()
    services.questionnaire_import(document=questionnaire_format.parse(first))
    assert export("small") == first


@pytest.mark.parametrize(
    "path", sorted(SEED_DIR.glob("*.yaml")) + sorted(MODELS_DIR.glob("*.yaml"))
)
def test_every_shipped_questionnaire_round_trips_through_export(
    seeded_catalogue: None, path: Path
) -> None:
    version = services.questionnaire_import(document=load(path)).version
    first = export(version.questionnaire.slug)
    document = questionnaire_format.parse(first)
    document["version"] = 2
    services.questionnaire_import(document=document)
    second = export(version.questionnaire.slug, 2)
    assert second == first.replace("\nversion: 1\n", "\nversion: 2\n")
    assert questionnaire_format.canonical(document) == questionnaire_format.canonical(
        {**load(path), "version": 2}
    )


def test_json_files_import_like_yaml(tmp_path: Path) -> None:
    path = tmp_path / "small.json"
    path.write_text(questionnaire_format.dump(small_document(), fmt="json"))
    call_command("import_questionnaire", str(path), stdout=StringIO())
    assert Question.objects.get(key="q1").choices.get(key="b").value == Decimal("0.5")


def test_export_writes_json_on_request() -> None:
    services.questionnaire_import(document=small_document())
    out = StringIO()
    call_command("export_questionnaire", "small", "--format", "json", stdout=out)
    assert questionnaire_format.parse(out.getvalue(), filename="x.json")["slug"] == "small"


def bad(document: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    document = copy.deepcopy(document)
    node = document
    for part in path[:-1]:
        node = node[part]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return document


Q1 = ["root", "children", 0, "children", 0]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ([*Q1, "choices", 1, "value"], "0,5", "root/s1/q1/choices/1/value: '0,5' is not a number"),
        ([*Q1, "weight"], "-1", "root/s1/q1/weight: '-1' is not a number above 0"),
        ([*Q1, "key"], "Q 1", "'Q 1' is not a valid key: use lower-case letters and digits"),
        ([*Q1, "text"], 12, "root/s1/q1/text: 12 is not a text"),
        ([*Q1, "type"], "essay", "'essay' is not one of: single_choice, multiple_choice"),
        ([*Q1, "colour"], "red", "root/s1/q1: unknown field: 'colour'"),
        ([*Q1, "text"], KeyError, "root/s1/q1: 'text' is a required property"),
        (["levels", 0, "min_score"], KeyError, "levels/low: threshold levels need a min_score"),
        ([*Q1, "choices"], [], "root/s1/q1/choices: [] should be non-empty"),
        ([*Q1, "key"], "q2", "key 'q2' is already used"),
        (["format"], "other/9", "format: 'opsassess-questionnaire/1' was expected"),
        ([*Q1, "tags"], {"practices": ["no-such-practice"]}, "unknown practices: no-such"),
        ([*Q1, "level_gate"], "nowhere", "nowhere"),
    ],
)
def test_a_bad_file_names_the_path_of_the_bad_element_and_imports_nothing(
    path: list[Any], value: Any, message: str
) -> None:
    with pytest.raises(questionnaire_format.FormatError) as excinfo:
        services.questionnaire_import(document=bad(small_document(), path, value))
    assert message in "\n".join(excinfo.value.errors)
    assert not Questionnaire.objects.exists()
    assert not Question.objects.exists()


def test_schema_and_scoring_problems_are_reported_together_in_plain_words() -> None:
    document = bad(small_document(), [*Q1, "choices", 1, "value"], "0,5")
    document = bad(document, ["levels", 0, "min_score"], KeyError)
    document = bad(document, [*Q1, "tags"], {"practices": ["no-such-practice"]})
    with pytest.raises(questionnaire_format.FormatError) as excinfo:
        services.questionnaire_import(document=document)
    errors = excinfo.value.errors
    assert "root/s1/q1/choices/1/value: '0,5' is not a number" in errors[0]
    assert "levels/low: threshold levels need a min_score" in errors
    assert "root/s1/q1/tags/practices: unknown practices: no-such-practice" in errors
    assert len(errors) == 3
    assert not any("does not match" in error for error in errors)


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            "{key: no, label: No tests, value: 0}",
            "root/s1/q1/choices/1/key: no/false is a boolean here; YAML reads an unquoted no, "
            'off or false as the boolean false: quote it ("no")',
        ),
        (
            "{key: none, label: None, value: 0, yes: 1}",
            "root/s1/q1/choices/1: unknown field: yes/true (YAML reads an unquoted yes, on or "
            "true as the boolean true: quote it)",
        ),
    ],
)
def test_an_unquoted_yaml_boolean_gets_a_hint_to_quote_it(yaml_text: str, message: str) -> None:
    document = bad(small_document(), [*Q1, "choices", 1], yaml.safe_load(yaml_text))
    with pytest.raises(questionnaire_format.FormatError) as excinfo:
        services.questionnaire_import(document=document)
    assert excinfo.value.errors == [message]


def test_unknown_tags_are_reported_per_axis() -> None:
    DisciplineFactory(slug="devops")
    HindranceFactory(slug="culture")
    document = bad(
        small_document(),
        [*Q1, "tags"],
        {"disciplines": ["devops", "astrology"], "hindrances": ["culture"]},
    )
    with pytest.raises(questionnaire_format.FormatError) as excinfo:
        services.questionnaire_import(document=document)
    assert excinfo.value.errors == ["root/s1/q1/tags/disciplines: unknown disciplines: astrology"]


def test_the_import_command_reports_each_problem_and_fails(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(bad(small_document(), [*Q1, "weight"], -1)))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_questionnaire", str(path), stdout=StringIO(), stderr=err)
    assert f"{path}: root/s1/q1/weight" in err.getvalue()
    assert not Questionnaire.objects.exists()


def test_the_import_command_reports_unreadable_yaml(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("slug: [unclosed")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_questionnaire", str(path), stdout=StringIO(), stderr=err)
    assert "not valid YAML/JSON" in err.getvalue()


def test_exporting_an_unknown_questionnaire_or_version_fails_clearly(rubric: Any) -> None:
    with pytest.raises(CommandError, match="No questionnaire with slug 'nope'"):
        call_command("export_questionnaire", "nope")
    with pytest.raises(CommandError, match="has no version 7"):
        call_command("export_questionnaire", "rubric-example", "--version", "7")


def answers(**chosen: str) -> dict[str, scoring.Answer]:
    return {key: scoring.Answer(question=key, choices=(choice,)) for key, choice in chosen.items()}


def score_version(version: QuestionnaireVersion, given: dict[str, scoring.Answer]) -> Any:
    return scoring.score(selectors.scoring_model(selectors.version_tree(version)), given)


@pytest.mark.parametrize(
    ("chosen", "overall", "level"),
    [
        # automation 1+0.5+1 = 2.5, environments 1+1+1 = 3 -> min 2.5, exactly "exemplary"
        (
            dict.fromkeys(
                ["unit-tests", "flaky-tests", "on-demand-envs", "prod-like-data"], "fully"
            )
            | {"integration-tests": "partly", "env-teardown": "fully"},
            "2.5000",
            "exemplary",
        ),
        # automation 1+1+1 = 3, environments 0.5+0.5+0 = 1 -> min 1, "basic"
        (
            dict.fromkeys(["unit-tests", "integration-tests", "flaky-tests"], "fully")
            | {"on-demand-envs": "partly", "prod-like-data": "partly", "env-teardown": "absent"},
            "1.0000",
            "basic",
        ),
        # automation 0.5+0.5+0.5 = 1.5, environments 1+1+0.5 = 2.5 -> min 1.5, "basic"
        (
            dict.fromkeys(["unit-tests", "integration-tests", "flaky-tests"], "partly")
            | {"on-demand-envs": "fully", "prod-like-data": "fully", "env-teardown": "partly"},
            "1.5000",
            "basic",
        ),
    ],
)
def test_the_rubric_model_imported_from_a_file_scores_as_computed_by_hand(
    rubric: Any, chosen: dict[str, str], overall: str, level: str
) -> None:
    result = score_version(rubric, answers(**chosen))
    assert str(result.overall) == overall
    assert result.level == level


def test_the_three_tier_model_imported_from_a_file_scores_as_computed_by_hand(
    three_tier: Any,
) -> None:
    values = {"no": 0, "some": "0.25", "half": "0.5", "yes": 1}
    chosen = {
        # strategy-a = 1 + 0.5 + 0.25 = 1.75; strategy-b = 1 + 1 + 1 = 3 -> strategy 2.375
        "sa1": "yes", "sa2": "half", "sa3": "some", "sb1": "yes", "sb2": "yes", "sb3": "yes",
        # education-a = 0; education-b = 0.5 + 0.5 + 0 = 1 -> education 0.5
        "ea1": "no", "ea2": "no", "ea3": "no", "eb1": "half", "eb2": "half", "eb3": "no",
        # incidents-a = 3; incidents-b = 0.25 * 3 = 0.75 -> incidents 1.875
        "ia1": "yes", "ia2": "yes", "ia3": "yes", "ib1": "some", "ib2": "some", "ib3": "some",
    }  # fmt: skip
    assert set(values) >= set(chosen.values())
    result = score_version(three_tier, answers(**chosen))
    # governance = (2.375 + 0.5) / 2 = 1.4375; operations = 1.875; overall = 1.65625
    assert result.nodes["governance"].score == Decimal("1.4375")
    assert result.nodes["operations"].score == Decimal("1.8750")
    assert result.overall == Decimal("1.6563")
    assert result.level == "level-1"


GATED = {
    "format": "opsassess-questionnaire/1",
    "slug": "gated",
    "name": "Gated",
    "level_mode": "gated",
    "levels": [
        {"key": "ad-hoc", "name": "Ad hoc"},
        {"key": "managed", "name": "Managed"},
        {"key": "measured", "name": "Measured"},
    ],
    "root": {
        "key": "root",
        "children": [
            {"key": "vcs", "type": "yes_no", "text": "Version control?", "level_gate": "managed"},
            {
                "key": "coverage",
                "type": "percentage",
                "text": "Test coverage?",
                "linear": {"from_value": 0, "to_value": 100},
                "level_gate": "managed",
                "pass_score": "0.6",
            },
            {"key": "dora", "type": "yes_no", "text": "DORA metrics?", "level_gate": "measured"},
        ],
    },
}


@pytest.mark.parametrize(
    ("given", "level"),
    [
        ({"vcs": "yes", "coverage": "60", "dora": "yes"}, "measured"),
        # coverage 59% -> 0.59 < pass 0.6: managed fails, so measured is out of reach too
        ({"vcs": "yes", "coverage": "59", "dora": "yes"}, "ad-hoc"),
        ({"vcs": "yes", "coverage": "80", "dora": "no"}, "managed"),
        ({"vcs": "no", "coverage": "100", "dora": "yes"}, "ad-hoc"),
    ],
)
def test_a_gated_model_from_a_file_reaches_levels_only_through_its_gates(
    given: dict[str, str], level: str
) -> None:
    version = services.questionnaire_import(document=GATED).version
    result = score_version(
        version,
        {
            "vcs": scoring.Answer("vcs", choices=(given["vcs"],)),
            "coverage": scoring.Answer("coverage", number=Decimal(given["coverage"])),
            "dora": scoring.Answer("dora", choices=(given["dora"],)),
        },
    )
    assert result.level == level
