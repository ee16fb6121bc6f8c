"""A world for the web pages: the DevOps seed questionnaire (every question type), one
organisation with an owner, an editor and a viewer, an outsider, staff, a draft and two
submitted assessments."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from assessments import selectors, services
from assessments.management.commands.ensure_demo_assessment import sample_answer
from assessments.models import Assessment, Membership, Organisation, QuestionnaireVersion
from tests.assessments.conftest import MODELS_DIR, SEED_DIR, import_file

PASSWORD = "a-long-password-1"


@pytest.fixture
def devops(seeded_catalogue: None) -> QuestionnaireVersion:
    return import_file(SEED_DIR / "devops-maturity.yaml")


def answer_sample(assessment: Assessment, user: User) -> None:
    """Every question answered as the demo's sample assessment is."""
    model = selectors.scoring_model(selectors.version_tree(assessment.version))
    services.assessment_save_answers(
        assessment=assessment,
        answers=[sample_answer(i, q) for i, q in enumerate(model.questions())],
        user=user,
    )


def submitted_sample(organisation: Organisation, version: Any, user: User, title: str) -> Any:
    assessment = services.assessment_create(
        organisation=organisation, version=version, user=user, title=title
    )
    answer_sample(assessment, user)
    return services.assessment_submit(assessment=assessment, user=user)


@pytest.fixture
def world(devops: QuestionnaireVersion) -> dict[str, Any]:
    return build_world(devops)


@pytest.fixture
def small_world(db: None) -> dict[str, Any]:
    """The same people and assessments on the six-question rubric (pages "automation" and
    "environments"): cheap enough for a test per role and page."""
    return build_world(import_file(MODELS_DIR / "rubric.yaml"))


def build_world(version: QuestionnaireVersion) -> dict[str, Any]:
    devops = version
    acme = Organisation.objects.create(slug="acme", name="Acme")
    globex = Organisation.objects.create(slug="globex", name="Globex")
    users: dict[str, User] = {}
    for name, organisation, role in [
        ("owner", acme, "owner"),
        ("editor", acme, "editor"),
        ("viewer", acme, "viewer"),
        ("outsider", globex, "owner"),
    ]:
        users[name] = User.objects.create_user(name, email=f"{name}@example.com", password=PASSWORD)
        Membership.objects.create(organisation=organisation, user=users[name], role=role)
    users["staff"] = User.objects.create_user("staff", password=PASSWORD, is_staff=True)
    owner = users["owner"]
    earlier = submitted_sample(acme, devops, owner, "Spring review")
    later = submitted_sample(acme, devops, owner, "Autumn review")
    draft = services.assessment_create(
        organisation=acme, version=devops, user=owner, title="Next review"
    )
    return {
        "version": devops,
        "acme": acme,
        "users": users,
        "draft": draft,
        "earlier": earlier,
        "submitted": later,
    }


def signed_in(world: dict[str, Any], role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world["users"][role])
    return client
