from typing import Any

import pytest
from django.contrib.auth.models import User

from assessments.models import QuestionnaireVersion
from organisations.models import Membership, Organisation
from tests.assessments.conftest import MODELS_DIR, import_file

PASSWORD = "a-long-password-1"


def person(username: str, email: str = "", **names: Any) -> User:
    return User.objects.create_user(username, email=email, password=PASSWORD, **names)


def join(organisation: Organisation, user: User, role: str) -> User:
    Membership.objects.create(organisation=organisation, user=user, role=role)
    return user


@pytest.fixture
def rubric(db: None) -> QuestionnaireVersion:
    return import_file(MODELS_DIR / "rubric.yaml")


@pytest.fixture
def acme(db: None) -> Organisation:
    return Organisation.objects.create(slug="acme", name="Acme")


@pytest.fixture
def globex(db: None) -> Organisation:
    return Organisation.objects.create(slug="globex", name="Globex")


@pytest.fixture
def olivia(acme: Organisation) -> User:
    """Owner of acme."""
    return join(acme, person("olivia", "olivia@acme.example", first_name="Olivia"), "owner")


@pytest.fixture
def eddie(acme: Organisation) -> User:
    """Editor of acme."""
    return join(acme, person("eddie", "eddie@acme.example"), "editor")


@pytest.fixture
def vera(acme: Organisation) -> User:
    """Viewer of acme."""
    return join(acme, person("vera", "vera@acme.example"), "viewer")


@pytest.fixture
def rita(acme: Organisation) -> User:
    """Respondent of acme."""
    return join(acme, person("rita", "rita@acme.example"), "respondent")


@pytest.fixture
def oscar(globex: Organisation) -> User:
    """Owner of globex, a stranger to acme."""
    return join(globex, person("oscar", "oscar@globex.example"), "owner")


def errors(response: Any) -> dict[str | None, str]:
    """attr -> detail of a JSON error body."""
    return {error["attr"]: error["detail"] for error in response.json()["errors"]}


def codes(response: Any) -> list[str]:
    return [error["code"] for error in response.json()["errors"]]
