"""The questionnaire-format constructs of published models through the database, the API and
the report: tests/assessments/models/published-style.yaml (figures computed by hand in
tests/assessments/test_scoring_constructs.py, which builds the same model without a database)."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from assessments import scoring, selectors, services
from assessments.models import (
    Assessment,
    QuestionnaireVersion,
    Result,
    ResultScore,
    Section,
)
from organisations.models import Organisation
from tests.assessments.conftest import MODELS_DIR, client_for, import_file, patch_assessment
from tests.assessments.test_portability import moved
from tests.assessments.test_scoring_constructs import published_style

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(db: None) -> QuestionnaireVersion:
    return import_file(MODELS_DIR / "published-style.yaml")


def numbers(**given: str) -> list[dict[str, Any]]:
    return [{"question": key, "number": value} for key, value in given.items()]


def test_the_model_stored_from_the_file_scores_like_the_model_built_by_hand(
    published: Any,
) -> None:
    stored = selectors.scoring_model(selectors.version_tree(published))
    given = {
        key: scoring.Answer(key, number=Decimal(value))
        for key, value in {"deploy-freq": "3", "lead-time": "1", "team-size": "2"}.items()
    }
    assert scoring.score(stored, given) == scoring.score(published_style(), given)
    assert [level.min_score_exclusive for level in stored.levels] == [False, True, False]


def test_a_submitted_result_shows_section_levels_and_informational_sections(
    published: Any, organisation: Organisation, owner: User
) -> None:
    client = client_for(owner)
    draft = services.assessment_create(organisation=organisation, version=published, user=owner)
    url = f"/api/v1/assessments/{draft.pk}/"
    given = numbers(**{"deploy-freq": "4", "training": "3", "pairing": "1", "team-size": "0"})
    assert client.patch(f"{url}answers/", {"answers": given}).status_code == 200
    assert client.post(f"{url}submit/").status_code == 200
    body = client.get(f"{url}result/").json()
    # (4 + 3 + 1) / 3 = 2.6667 of 4: above 2, "Practised"; lead-time is left out (skip).
    assert (body["overall"], body["level"], body["level_name"]) == (
        "2.6667",
        "practised",
        "Practised",
    )
    flow = body["nodes"]["flow"]
    assert (flow["score"], flow["level"], flow["level_name"]) == ("4.0000", "high", "High")
    assert body["nodes"]["lead-time"]["applicable"] == 0
    assert body["nodes"]["context"]["informational"] is True
    assert body["nodes"]["context"]["percent"] == "0.0000"
    # Sections without levels keep their former shape.
    assert "level" not in body["nodes"]["people"]
    assert "informational" not in body["nodes"]["people"]
    report = client.get(f"{url}report/").content.decode()
    assert "Flow <em>level High</em>" in report
    assert "Context <em>(informational, not counted above)</em>" in report


def test_target_answers_give_exact_section_targets_before_and_after_submit(
    published: Any, organisation: Organisation, owner: User
) -> None:
    client = client_for(owner)
    draft = services.assessment_create(organisation=organisation, version=published, user=owner)
    url = f"/api/v1/assessments/{draft.pk}/"
    client.patch(f"{url}answers/", {"answers": numbers(**{"deploy-freq": "2", "training": "2"})})
    targets = {"answers": {"deploy-freq": {"number": "4"}, "lead-time": {"number": 3}}}
    response = patch_assessment(client, draft.pk, {"targets": targets})
    assert response.status_code == 200, response.json()
    shown = response.json()["targets"]
    assert shown["answers"] == {
        "deploy-freq": {"number": "4.0000"},
        "lead-time": {"number": "3.0000"},
    }
    # Targets: deploy-freq 4, lead-time 3 (weight 2), training keeps 2, pairing unanswered
    # scores 0 (people says zero): overall (4 + 6 + 2 + 0) / 5 = 2.4 of 4 = 60%, above 2;
    # flow (4 + 6) / 3 = 3.3333 of 4 = 83.3333%; people (2 + 0) / 2 = 1 of 4 = 25%;
    # context: nothing answered, skipped -> excluded.
    assert shown["from_answers"] == {
        "overall": "60.0000",
        "level": "practised",
        "level_name": "Practised",
        "sections": {"flow": "83.3333", "people": "25.0000", "context": None},
    }
    assert client.post(f"{url}submit/").status_code == 200
    rows = {(row["axis"], row["key"]): row for row in client.get(f"{url}result/").json()["targets"]}
    assert list(rows) == [("overall", "overall"), ("section", "flow"), ("section", "people")]
    # Actual: (2 + 2 + 0) / 3 = 1.3333 of 4 = 33.3333%; flow 2 of 4 = 50%.
    assert rows[("overall", "overall")] | {} == {
        "axis": "overall", "key": "overall", "target": "60.0000", "actual": "33.3333",
        "met": False, "distance": "26.6667", "percent_to_target": "55.5556",
        "previous": None, "change": None, "progress": None,
        "from_answers": True, "level": "practised", "level_name": "Practised",
    }  # fmt: skip
    assert (rows[("section", "flow")]["target"], rows[("section", "flow")]["distance"]) == (
        "83.3333",
        "33.3333",
    )
    assert rows[("section", "people")]["met"] is True
    report = client.get(f"{url}report/").content.decode()
    assert "Section: Flow (from the target answers)" in report
    assert "Overall: level Practised (from the target answers)" in report
    assert "83.3%" in report


def test_a_level_or_section_target_set_explicitly_wins_over_the_one_from_answers(
    published: Any, organisation: Organisation, owner: User
) -> None:
    client = client_for(owner)
    draft = services.assessment_create(organisation=organisation, version=published, user=owner)
    targets = {"answers": {"deploy-freq": {"number": "4"}}, "sections": {"flow": "90"}}
    assert patch_assessment(client, draft.pk, {"targets": targets}).status_code == 200
    client.post(f"/api/v1/assessments/{draft.pk}/submit/")
    rows = {(r["axis"], r["key"]): r for r in Result.objects.get().snapshot["targets"]}
    assert rows[("section", "flow")]["target"] == "90.0000"
    assert "from_answers" not in rows[("section", "flow")]
    # deploy-freq 4 alone counts (everything else skipped or... people scores 0 twice):
    # (4 + 0 + 0) / 3 = 1.3333 of 4.
    assert rows[("overall", "overall")]["target"] == "33.3333"
    assert rows[("overall", "overall")]["from_answers"] is True


@pytest.mark.parametrize(
    ("answers", "attr"),
    [
        ({"nowhere": {"number": "1"}}, "targets.answers.nowhere"),
        ({"training": {"number": "9"}}, "targets.answers.training"),
        ({"training": {}}, "targets.answers.training"),
        ({"training": {"choices": ["a"]}}, "targets.answers.training"),
        ({"training": {"number": "1", "colour": "red"}}, "targets.answers.training.colour"),
        ({"training": {"number": "one"}}, "targets.answers.training.number"),
        ({"training": "4"}, "targets.answers.training.non_field_errors"),
    ],
)
def test_bad_target_answers_get_a_400_naming_the_question_and_nothing_is_saved(
    published: Any, organisation: Organisation, owner: User, answers: Any, attr: str
) -> None:
    draft = services.assessment_create(organisation=organisation, version=published, user=owner)
    response = patch_assessment(client_for(owner), draft.pk, {"targets": {"answers": answers}})
    assert response.status_code == 400, response.json()
    assert attr in {error["attr"] for error in response.json()["errors"]}, response.json()
    draft.refresh_from_db()
    assert draft.targets == {}


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ([{"key": "a", "name": "A"}], "levels/0: 'min_score' is a required property"),
        (
            [{"key": "a", "name": "A", "min_score": 1}, {"key": "b", "name": "B", "min_score": 1}],
            "levels/b: min_score 1 is not above the previous level's 1; levels go in ascending "
            "order",
        ),
        ("basic", "levels: 'basic' is not a list"),
    ],
)
def test_a_sections_levels_are_checked_when_edited_in_the_admin(
    published: Any, levels: Any, message: str
) -> None:
    section = Section(version=published, key="x", levels=levels)
    with pytest.raises(ValidationError) as excinfo:
        section.clean()
    assert excinfo.value.message_dict == {"levels": [message]}


def test_well_formed_section_levels_pass_the_admin_check(published: Any) -> None:
    levels = [
        {"key": "a", "name": "A", "min_score": "0"},
        {"key": "b", "name": "B", "min_score": "0", "min_score_exclusive": True},
    ]
    Section(version=published, key="x", levels=levels).clean()
    assert selectors.section_levels(Section(levels=levels)) == [
        scoring.Level("a", "A", Decimal(0)),
        scoring.Level("b", "B", Decimal(0), True),
    ]


@pytest.fixture
def submitted_published(published: Any, organisation: Organisation, owner: User) -> Any:
    """deploy-freq 4, training 3, pairing 1: overall 2.6667 "practised", flow 4 "high"."""
    client = client_for(owner)
    draft = services.assessment_create(organisation=organisation, version=published, user=owner)
    url = f"/api/v1/assessments/{draft.pk}/"
    given = numbers(**{"deploy-freq": "4", "training": "3", "pairing": "1"})
    client.patch(f"{url}answers/", {"answers": given})
    targets = {"answers": {"lead-time": {"number": "4"}}}
    assert patch_assessment(client, draft.pk, {"targets": targets}).status_code == 200
    assert client.post(f"{url}submit/").status_code == 200
    return draft


def test_the_scores_feed_shows_section_levels_in_json_jsonl_and_a_last_csv_column(
    submitted_published: Any, owner: User
) -> None:
    api = client_for(owner)
    row = api.get("/api/v1/scores/").json()["results"][0]
    assert row["section_levels"] == {"flow": "high"}
    assert (row["level"], row["level_name"]) == ("practised", "Practised")
    line = json.loads(b"".join(api.get("/api/v1/scores/?format=jsonl").streaming_content))
    assert line == row
    text = b"".join(api.get("/api/v1/scores/?format=csv").streaming_content).decode()
    table = list(csv.DictReader(io.StringIO(text)))
    # Columns are only ever added at the end: section_levels, then unit_uuid.
    assert list(table[0])[-3:] == ["hindrance_tooling", "section_levels", "unit_uuid"]
    assert table[0]["section_levels"] == "flow=high"


def test_questionnaires_without_section_levels_have_none_in_the_feed(
    submitted: Any, owner: User
) -> None:
    api = client_for(owner)
    assert api.get("/api/v1/scores/").json()["results"][0]["section_levels"] == {}
    text = b"".join(api.get("/api/v1/scores/?format=csv").streaming_content).decode()
    assert next(csv.DictReader(io.StringIO(text)))["section_levels"] == ""


def constructs(slug: str) -> dict[str, Any]:
    """What the constructs look like for organisation `slug` (read after a move)."""
    assessment = Assessment.objects.get(organisation__slug=slug)
    model = selectors.scoring_model(selectors.version_tree(assessment.version))
    return {
        "levels": sorted(
            ResultScore.objects.filter(result__assessment=assessment)
            .exclude(level="")
            .values_list("axis", "key", "level")
        ),
        "targets": assessment.targets,
        "flow": assessment.result.snapshot["nodes"]["flow"],
        "score": scoring.score(
            model, {"deploy-freq": scoring.Answer("deploy-freq", number=Decimal(2))}
        ).to_dict(),
    }


def test_the_constructs_survive_an_organisation_export_and_import(
    submitted_published: Any, tmp_path: Path
) -> None:
    before = json.loads(json.dumps(constructs("acme")))
    assert before["levels"] == [["section", "flow", "high"]]
    assert before["flow"]["level_name"] == "High"
    assert moved(tmp_path, "constructs", "tests.assessments.test_format_constructs") == before
