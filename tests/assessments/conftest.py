from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from knox.models import AuthToken
from rest_framework.test import APIClient

from assessments import questionnaire_format, services
from assessments.models import QuestionnaireVersion
from organisations.models import Membership, Organisation

MODELS_DIR = Path(__file__).parent / "models"
SEED_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "questionnaires"


def load(path: Path) -> Any:
    return questionnaire_format.parse(path.read_text(), filename=path.name)


def import_file(path: Path) -> QuestionnaireVersion:
    return services.questionnaire_import(document=load(path)).version


@pytest.fixture
def rubric(db: None) -> QuestionnaireVersion:
    return import_file(MODELS_DIR / "rubric.yaml")


@pytest.fixture
def three_tier(db: None) -> QuestionnaireVersion:
    return import_file(MODELS_DIR / "three-tier.yaml")


@pytest.fixture
def organisation(db: None) -> Organisation:
    return Organisation.objects.create(slug="acme", name="Acme")


def member(organisation: Organisation, username: str, role: str) -> User:
    user = User.objects.create_user(username, password="a-long-password-1")
    Membership.objects.create(organisation=organisation, user=user, role=role)
    return user


@pytest.fixture
def owner(organisation: Organisation) -> User:
    return member(organisation, "olivia", Membership.Role.OWNER)


@pytest.fixture
def editor(organisation: Organisation) -> User:
    return member(organisation, "eddie", Membership.Role.EDITOR)


@pytest.fixture
def viewer(organisation: Organisation) -> User:
    return member(organisation, "vera", Membership.Role.VIEWER)


@pytest.fixture
def outsider(db: None) -> User:
    other = Organisation.objects.create(slug="globex", name="Globex")
    return member(other, "oscar", Membership.Role.OWNER)


def client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        _, token = AuthToken.objects.create(user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


RUBRIC_KEYS = [
    "unit-tests",
    "integration-tests",
    "flaky-tests",
    "on-demand-envs",
    "prod-like-data",
    "env-teardown",
]


def answer_all(assessment: Any, user: User, choice: str = "fully") -> None:
    services.assessment_save_answers(
        assessment=assessment,
        answers=[
            services.AnswerInput(question=key, choices=(choice,), fields=frozenset({"choices"}))
            for key in RUBRIC_KEYS
        ],
        user=user,
    )


@pytest.fixture
def draft(rubric: QuestionnaireVersion, organisation: Organisation, owner: User) -> Any:
    return services.assessment_create(
        organisation=organisation, version=rubric, user=owner, title="Spring review"
    )


@pytest.fixture
def submitted(draft: Any, owner: User) -> Any:
    """The rubric answered "fully" everywhere: 3 + 3 -> min 3, level exemplary."""
    answer_all(draft, owner)
    return services.assessment_submit(assessment=draft, user=owner)


def patch_assessment(client: APIClient, pk: int, body: dict[str, Any]) -> Any:
    """PATCH an assessment the way a careful client does: with the ETag it just read."""
    etag = client.get(f"/api/v1/assessments/{pk}/")["ETag"]
    return client.patch(f"/api/v1/assessments/{pk}/", body, HTTP_IF_MATCH=etag)
