"""Invariants of the seed questionnaires in fixtures/questionnaires/."""

import json
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from assessments import scoring, selectors, services
from assessments.models import Question, QuestionnaireVersion
from catalog.models import Hindrance, LifecyclePhase
from tests.assessments.conftest import SEED_DIR, client_for, import_file

pytestmark = pytest.mark.django_db

SLUGS = ["aiops-maturity", "devops-maturity", "mlops-maturity"]


@pytest.fixture
def seeded(seeded_catalogue: None) -> list[QuestionnaireVersion]:
    return [import_file(path) for path in sorted(SEED_DIR.glob("*.yaml"))]


def test_there_is_a_published_questionnaire_per_discipline(seeded: Any) -> None:
    assert sorted(v.questionnaire.slug for v in seeded) == SLUGS
    assert all(v.status == "published" for v in seeded)


def test_the_seed_has_at_least_36_questions(seeded: Any) -> None:
    assert Question.objects.count() >= 36


def test_every_lifecycle_phase_is_covered(seeded: Any) -> None:
    uncovered = LifecyclePhase.objects.filter(questions__isnull=True)
    assert list(uncovered.values_list("slug", flat=True)) == []


def test_every_hindrance_is_probed_by_at_least_three_questions(seeded: Any) -> None:
    counts = Counter(Question.hindrances.through.objects.values_list("hindrance__slug", flat=True))
    assert set(counts) == set(Hindrance.objects.values_list("slug", flat=True))
    assert min(counts.values()) >= 3


@pytest.mark.parametrize("slug", SLUGS)
def test_full_marks_reach_the_top_level_and_nothing_reaches_the_bottom(
    seeded: Any, slug: str
) -> None:
    version = next(v for v in seeded if v.questionnaire.slug == slug)
    model = selectors.scoring_model(selectors.version_tree(version))
    keys = [question.key for question in model.questions()]
    best = scoring.score(model, scoring.with_full_marks(model, {}, keys))
    assert (best.overall, best.level) == (1, "optimising")
    assert all(
        axis_score.percent == 100
        for axis in best.breakdowns.values()
        for axis_score in axis.values()
    )
    worst = scoring.score(model, {})
    assert (worst.overall, worst.level) == (0, "initial")


def test_a_seeded_questionnaire_is_answered_end_to_end_with_named_breakdowns(
    seeded: Any, organisation: Any, owner: Any
) -> None:
    version = next(v for v in seeded if v.questionnaire.slug == "devops-maturity")
    model = selectors.scoring_model(selectors.version_tree(version))
    full = scoring.with_full_marks(model, {}, [q.key for q in model.questions()])
    assessment = services.assessment_create(organisation=organisation, version=version, user=owner)
    client = client_for(owner)
    body = {
        "answers": [
            {
                "question": key,
                "choices": list(answer.choices),
                "number": None if answer.number is None else str(answer.number),
            }
            for key, answer in full.items()
        ]
    }
    assert client.patch(f"/api/v1/assessments/{assessment.pk}/answers/", body).status_code == 200
    assert client.post(f"/api/v1/assessments/{assessment.pk}/submit/").status_code == 200
    result = client.get(f"/api/v1/assessments/{assessment.pk}/result/").json()
    assert result["overall"] == "1.0000"
    assert result["level_name"] == "Optimising"
    assert set(result["breakdowns"]) == {"disciplines", "phases", "practices", "hindrances"}
    assert result["breakdowns"]["disciplines"]["devops"]["name"] == "DevOps"
    assert result["breakdowns"]["phases"]["devops-ci-cd"]["percent"] == "100.0000"
    assert set(result["breakdowns"]["hindrances"]) <= set(
        Hindrance.objects.values_list("slug", flat=True)
    )


def test_the_demo_assessment_gets_sensible_recommendations_from_the_seed(seeded: Any) -> None:
    from io import StringIO

    from django.contrib.auth.models import User
    from django.core.management import call_command

    from assessments.models import Assessment
    from catalog.models import Tool

    User.objects.create_superuser("admin", password="x-long-password-1")
    call_command("ensure_demo_organisation", stdout=StringIO())
    call_command("ensure_demo_assessment", stdout=StringIO())
    call_command("ensure_demo_assessment", stdout=StringIO())
    assessment = Assessment.objects.get()
    assert assessment.status == "submitted"
    advice = assessment.result.snapshot["recommendations"]
    assert len(advice) == 10
    gains = [rec["expected_gain"] for rec in advice]
    assert Decimal(gains[0]) > 0
    for rec in advice:
        for tool in rec["tools"]:
            catalogue_tool = Tool.objects.get(slug=tool["slug"])
            assert catalogue_tool.ring != "hold"
            assert catalogue_tool.practices.filter(slug=rec["practice"]).exists()
        assert rec["triggers"], rec["practice"]


NONE_OF_THESE = {
    "devops-maturity": ["build-version-control", "fb-delivery-metrics"],
    "mlops-maturity": ["mlp-team-roles", "mld-validation-checks", "mlr-lineage"],
    "aiops-maturity": ["aim-detection-coverage"],
}


@pytest.mark.parametrize("slug", SLUGS)
def test_a_low_maturity_team_answers_none_of_these_and_can_submit(
    seeded: Any, organisation: Any, owner: Any, slug: str
) -> None:
    version = next(v for v in seeded if v.questionnaire.slug == slug)
    model = selectors.scoring_model(selectors.version_tree(version))
    assessment = services.assessment_create(organisation=organisation, version=version, user=owner)
    client = client_for(owner)
    answers = []
    for question in model.questions():
        if question.key in NONE_OF_THESE[slug]:
            answers.append({"question": question.key, "choices": ["none"]})
        elif question.type == "multiple_choice":
            pytest.fail(f"{question.key} is select-all-that-apply without a none option")
        elif question.type in ("single_choice", "yes_no"):
            lowest = min(scoring.answer_choices(question), key=lambda choice: choice.value)
            answers.append({"question": question.key, "choices": [lowest.key]})
        else:
            answers.append({"question": question.key, "number": str(question.min_value or 0)})
    tree = client.get(f"/api/v1/questionnaires/{slug}/").json()
    assert all(f'"key": "{key}"' in json.dumps(tree) for key in NONE_OF_THESE[slug])
    assert json.dumps(tree).count('"none_option"') == len(NONE_OF_THESE[slug])
    saved = client.patch(f"/api/v1/assessments/{assessment.pk}/answers/", {"answers": answers})
    assert saved.status_code == 200, saved.json()
    assert saved.json()["progress"]["missing_required"] == []
    assert client.post(f"/api/v1/assessments/{assessment.pk}/submit/").status_code == 200
    result = client.get(f"/api/v1/assessments/{assessment.pk}/result/").json()
    for key in NONE_OF_THESE[slug]:
        node = result["nodes"][key]
        assert (node["score"], node["answered"], node["applicable"]) == ("0.0000", 1, 1)
    report = client.get(f"/api/v1/assessments/{assessment.pk}/report/").content.decode()
    label = Question.objects.get(version=version, key=NONE_OF_THESE[slug][0]).none_option
    assert label and label in report


def test_none_of_these_combined_with_a_choice_is_a_400_naming_the_answer(
    seeded: Any, organisation: Any, owner: Any
) -> None:
    version = next(v for v in seeded if v.questionnaire.slug == "devops-maturity")
    assessment = services.assessment_create(organisation=organisation, version=version, user=owner)
    body = {
        "answers": [{"question": "build-version-control", "choices": ["none", "application-code"]}]
    }
    response = client_for(owner).patch(f"/api/v1/assessments/{assessment.pk}/answers/", body)
    assert response.status_code == 400
    assert "cannot be combined" in str(response.json())
    assert not assessment.answers.exists()
