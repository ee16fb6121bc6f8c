"""GET /api/v1/assessments/{id}/roadmap/ (JSON and CSV) and results stored before roadmaps."""

from __future__ import annotations

import copy
import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from assessments import roadmap, services
from assessments.models import (
    Assessment,
    QuestionnaireVersion,
    Result,
)
from organisations.models import Organisation
from tests.assessments.conftest import answer_all, client_for
from tests.factories import DisciplineFactory, LifecyclePhaseFactory, PracticeFactory

pytestmark = pytest.mark.django_db


def tagged_document() -> dict[str, Any]:
    """Two yes/no questions tagged with practices whose names a spreadsheet would run."""

    def question(key: str, practice: str) -> dict[str, Any]:
        return {
            "key": key,
            "type": "yes_no",
            "text": f"Do you {key}?",
            "tags": {"disciplines": ["devops"], "practices": [practice]},
        }

    return {
        "format": "opsassess-questionnaire/1",
        "slug": "tagged",
        "name": "Tagged",
        "version": 1,
        "status": "published",
        "levels": [
            {"key": "low", "name": "Low", "min_score": 0},
            {"key": "high", "name": "High", "min_score": 1},
        ],
        "root": {
            "key": "root",
            "children": [question("build", "formula"), question("ship", "shipping")],
        },
    }


@pytest.fixture
def tagged(organisation: Organisation, owner: User) -> Assessment:
    phase = LifecyclePhaseFactory(slug="devops-ci-cd", discipline=DisciplineFactory(slug="devops"))
    formula = PracticeFactory(slug="formula", name='=HYPERLINK("http://x")', phase=phase)
    PracticeFactory(slug="shipping", name="Shipping", phase=phase, prerequisites=[formula])
    version = services.questionnaire_import(document=tagged_document()).version
    assessment = services.assessment_create(
        organisation=organisation, version=version, user=owner, title="Tagged"
    )
    services.assessment_save_answers(
        assessment=assessment,
        answers=[
            services.AnswerInput(question=key, choices=("no",), fields=frozenset({"choices"}))
            for key in ("build", "ship")
        ],
        user=owner,
    )
    return services.assessment_submit(assessment=assessment, user=owner)


def test_the_roadmap_is_served_as_stored_with_its_stages(tagged: Assessment, viewer: User) -> None:
    response = client_for(viewer).get(f"/api/v1/assessments/{tagged.pk}/roadmap/")
    assert response.status_code == 200
    body = response.json()
    assert (body["assessment"], body["recommender_version"], body["available"]) == (
        tagged.pk,
        "2.0",
        True,
    )
    # Both steps gain 50 points; shipping requires the other practice, so it comes second.
    assert [(s["id"], s["stage"], s["depends_on"]) for s in body["steps"]] == [
        ("formula", "next-level", []),
        ("shipping", "next-level", ["formula"]),
    ]
    assert body["stages"] == [
        {
            "key": "next-level",
            "goal": "high",
            "reached": True,
            "steps": ["formula", "shipping"],
            "overall_after": "100.0000",
            "level_after": "high",
        }
    ]
    assert body["steps"] == tagged.result.snapshot["roadmap"]["steps"]


def test_the_report_shows_the_roadmap_by_stage(tagged: Assessment, owner: User) -> None:
    report = client_for(owner).get(f"/api/v1/assessments/{tagged.pk}/report/").content.decode()
    roadmap_part = report.split("<h2>Roadmap</h2>")[1].split("<h2")[0]
    assert "<h3>To the next level: High</h3>" in roadmap_part
    # the practice named like a formula is escaped as any text, and shipping comes after it
    assert "=HYPERLINK(&quot;http://x&quot;)" in roadmap_part
    assert 'Shipping<span class="comment">after =HYPERLINK(&quot;http://x&quot;)' in roadmap_part
    assert "After this stage: 100.0%, level High." in roadmap_part


@pytest.mark.parametrize(
    ("query", "headers"),
    [({"format": "csv"}, {}), ({}, {"HTTP_ACCEPT": "text/csv"})],
)
def test_the_csv_export_has_the_documented_columns_and_escapes_formulas(
    tagged: Assessment, owner: User, query: dict[str, str], headers: dict[str, str]
) -> None:
    response = client_for(owner).get(f"/api/v1/assessments/{tagged.pk}/roadmap/", query, **headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="roadmap-{tagged.pk}.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == list(roadmap.EXPORT_COLUMNS)
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["title"] == '\'=HYPERLINK("http://x")'  # shown as text, never run
    assert first["labels"] == "stage:next-level, effort:medium, devops"
    second = dict(zip(rows[0], rows[2], strict=True))
    assert (second["id"], second["priority"], second["depends_on"]) == ("shipping", "2", "formula")
    assert (second["gain"], second["overall_after"]) == ("50.0000", "100.0000")


def test_format_wins_over_accept_and_an_unknown_format_is_a_json_400(
    tagged: Assessment, owner: User
) -> None:
    client = client_for(owner)
    url = f"/api/v1/assessments/{tagged.pk}/roadmap/"
    assert client.get(url, {"format": "json"}, HTTP_ACCEPT="text/csv").json()["available"]
    refused = client.get(url, {"format": "xml"}, HTTP_ACCEPT="text/csv")
    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        {"code": "invalid", "detail": "One of: json, csv.", "attr": "format"}
    ]


def test_drafts_foreign_and_unknown_assessments_have_no_roadmap(
    tagged: Assessment, draft: Assessment, owner: User, outsider: User
) -> None:
    assert client_for(owner).get(f"/api/v1/assessments/{draft.pk}/roadmap/").status_code == 404
    foreign = client_for(outsider).get(f"/api/v1/assessments/{tagged.pk}/roadmap/")
    missing = client_for(outsider).get("/api/v1/assessments/999999/roadmap/")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    csv_foreign = client_for(outsider).get(f"/api/v1/assessments/{tagged.pk}/roadmap/?format=csv")
    assert csv_foreign.status_code == 404 and csv_foreign["Content-Type"] == "application/json"


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_the_roadmap_reads_one_query_whatever_its_size(
    submitted: Assessment,
    tagged: Assessment,
    owner: User,
    draft: Any,
    django_assert_num_queries: Any,
    fmt: str,
) -> None:
    # `submitted` has no step (full marks), `tagged` two; a rubric answered "absent" six.
    weak = services.assessment_create(
        organisation=submitted.organisation, version=submitted.version, user=owner, title="weak"
    )
    answer_all(weak, owner, "absent")
    weak = services.assessment_submit(assessment=weak, user=owner)
    assert len(weak.result.snapshot["roadmap"]["steps"]) == 6
    client = APIClient()
    client.force_authenticate(owner)
    for assessment in (submitted, tagged, weak):
        # 1: the assessment, of the caller's organisations, joined with its result
        with django_assert_num_queries(1):
            response = client.get(f"/api/v1/assessments/{assessment.pk}/roadmap/?format={fmt}")
        assert response.status_code == 200


# --- results stored before roadmaps (recommender 1.0) -------------------------------------------


def v1_snapshot(snapshot: dict[str, Any]) -> dict[str, Any]:
    """`snapshot` as recommender 1.0 stored it: no roadmap, 0-1 figures, raw trigger scores."""
    old = copy.deepcopy(snapshot)
    del old["roadmap"]
    old["recommender_version"] = "1.0"
    old["recommendations"] = [
        {
            "rank": 1,
            "practice": "formula",
            "practice_name": "Formula",
            "current_percent": "0.0000",
            "expected_overall": "0.5000",
            "expected_gain": "0.5000",
            "expected_level": "low",
            "hindrances": [],
            "triggers": [
                {"question": "build", "answer": "No", "score": "0.0000", "max_score": "2.0000"}
            ],
            "tools": [],
            "already_using": [],
        }
    ]
    return old


@pytest.fixture
def stored_before(tagged: Assessment, owner: User) -> Assessment:
    """A submitted assessment whose result was stored by the previous release."""
    version: QuestionnaireVersion = tagged.version
    old = Assessment.objects.create(
        organisation=tagged.organisation, version=version, title="Old", created_by=owner
    )
    for answer in tagged.answers.all():
        answer.pk, answer.assessment = None, old
        answer.save()
    Result.objects.create(
        assessment=old,
        engine_version="1.0",
        overall=tagged.result.overall,
        overall_percent=tagged.result.overall_percent,
        level_key=tagged.result.level_key,
        level_name=tagged.result.level_name,
        snapshot=v1_snapshot(tagged.result.snapshot),
        computed_at=timezone.now(),
    )
    old.status, old.submitted_at, old.submitted_by = "submitted", timezone.now(), owner
    old.save()
    return old


def test_results_stored_before_roadmaps_are_still_served(
    stored_before: Assessment, owner: User
) -> None:
    client = client_for(owner)
    base = f"/api/v1/assessments/{stored_before.pk}/"
    for path in ("", "result/", "recommendations/", "roadmap/", "roadmap/?format=csv", "report/"):
        assert client.get(base + path).status_code == 200, path
    assert client.get(base + "radar.svg").status_code == 200
    body = client.get(base + "roadmap/").json()
    assert (body["available"], body["steps"], body["stages"]) == (False, [], [])
    assert "before roadmaps existed" in body["note"]
    csv_text = client.get(base + "roadmap/?format=csv").content.decode()
    assert csv_text.splitlines() == [",".join(roadmap.EXPORT_COLUMNS)]


def test_recommendations_stored_by_1_0_come_out_in_percent(
    stored_before: Assessment, owner: User
) -> None:
    body = client_for(owner).get(f"/api/v1/assessments/{stored_before.pk}/recommendations/")
    (item,) = body.json()["recommendations"]
    # The maximum overall score is 1 (the mean of two yes/no questions): an expected 0.5 is
    # 50%; the overall was 0%, so the gain is 50 points; the trigger scored 0 of 2: 0%.
    assert Decimal(stored_before.result.snapshot["overall_max"]) == 1
    assert (item["key"], item["name"], item["kind"]) == ("formula", "Formula", "practice")
    assert (item["expected_percent"], item["expected_gain"]) == ("50.0000", "50.0000")
    assert item["triggers"] == [
        {
            "question": "build",
            "text": None,
            "answer": "No",
            "percent": "0.0000",
            "next_answer": None,
            "next_percent": None,
        }
    ]
    assert "expected_overall" not in item
