"""A small team questionnaire whose derivation rule is chosen per test, and helpers to have
several respondents answer it through the API."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from rest_framework.test import APIClient

from assessments import services
from assessments.models import Assessment, QuestionnaireVersion
from organisations.models import Membership, Organisation
from tests.assessments.conftest import client_for


def team_document(derivation: str, slug: str = "") -> dict[str, Any]:
    """Two required questions and an optional one, scored 0..1 each; the root takes the mean.

    - practice (single choice): absent 0, partly 0.5, fully 1; may be not applicable.
    - coverage (percentage): 0..100 % maps straight onto 0..1; may be not applicable.
    - tools (multiple choice, optional): ci and cd, 0.5 each.
    """
    return {
        "format": "opsassess-questionnaire/1",
        "slug": slug or f"team-{derivation}",
        "name": f"Team check ({derivation})",
        "version": 1,
        "derivation": derivation,
        "levels": [
            {"key": "low", "name": "Low", "min_score": 0},
            {"key": "high", "name": "High", "min_score": 0.75},
        ],
        "root": {
            "key": "root",
            "title": "Team check",
            "aggregation": "mean",
            "children": [
                {
                    "key": "delivery",
                    "title": "Delivery",
                    "children": [
                        {
                            "key": "practice",
                            "type": "single_choice",
                            "text": "Do changes go through review?",
                            "allow_not_applicable": True,
                            "choices": [
                                {"key": "absent", "label": "Never", "value": 0},
                                {"key": "partly", "label": "Sometimes", "value": 0.5},
                                {"key": "fully", "label": "Always", "value": 1},
                            ],
                        },
                        {
                            "key": "tools",
                            "type": "multiple_choice",
                            "text": "Which pipelines exist?",
                            "required": False,
                            "choices": [
                                {"key": "ci", "label": "Integration", "value": 0.5},
                                {"key": "cd", "label": "Delivery", "value": 0.5},
                            ],
                        },
                    ],
                },
                {
                    "key": "quality",
                    "title": "Quality",
                    "children": [
                        {
                            "key": "coverage",
                            "type": "percentage",
                            "text": "What share of the code do tests cover?",
                            "allow_not_applicable": True,
                            "min": 0,
                            "max": 100,
                            "linear": {"from_value": 0, "to_value": 100},
                        }
                    ],
                },
            ],
        },
    }


def team_version(derivation: str = "mean") -> QuestionnaireVersion:
    return services.questionnaire_import(document=team_document(derivation)).version


def person(organisation: Organisation, username: str, role: str) -> User:
    user = User.objects.create_user(username, password="a-long-password-1")
    Membership.objects.create(organisation=organisation, user=user, role=role)
    return user


def add(client: APIClient, assessment: Assessment | int, username: str) -> Any:
    pk = assessment if isinstance(assessment, int) else assessment.pk
    return client.post(f"/api/v1/assessments/{pk}/respondents/", {"username": username})


def save(user: User, assessment: Assessment | int, *answers: dict[str, Any], **headers: Any) -> Any:
    pk = assessment if isinstance(assessment, int) else assessment.pk
    return client_for(user).patch(
        f"/api/v1/assessments/{pk}/my-answers/", {"answers": list(answers)}, **headers
    )


def answers_of(client: APIClient, assessment: Assessment) -> dict[str, dict[str, Any]]:
    """The assessment's own answers by question key, as the detail body shows them."""
    body = client.get(f"/api/v1/assessments/{assessment.pk}/").json()
    return {row["question"]: row for row in body["answers"]}


def errors(response: Any) -> dict[str | None, str]:
    return {error["attr"]: error["detail"] for error in response.json()["errors"]}
