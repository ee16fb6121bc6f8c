"""The permission matrix of the respondent endpoints: every operation x every kind of caller.

Beside the organisation's roles, two respondents: `respondent` answers the assessment (their
role in the organisation is "respondent"), `bystander` holds the same role but was not asked
to answer it. A respondent reads the assessment and saves answers of their own; the list of
respondents, their disagreement and the consensus are for the organisation's team. Foreign
and unknown objects answer 404; machine keys none of these.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from assessments import services
from assessments.models import Respondent
from organisations import services as organisation_services
from organisations.models import Membership, Organisation
from tests.assessments.respondents_world import team_version

pytestmark = pytest.mark.django_db

ROLES = [
    "owner",
    "editor",
    "viewer",
    "respondent",
    "bystander",
    "outsider",
    "staff",
    "anonymous",
    "org_key",
    "all_key",
]


@pytest.fixture
def world() -> dict[str, Any]:
    version = team_version("mean")
    acme = Organisation.objects.create(slug="acme", name="Acme")
    globex = Organisation.objects.create(slug="globex", name="Globex")
    users = {}
    for name, organisation, role in [
        ("owner", acme, "owner"),
        ("editor", acme, "editor"),
        ("viewer", acme, "viewer"),
        ("respondent", acme, "respondent"),
        ("bystander", acme, "respondent"),
        ("extra", acme, "editor"),
        ("newbie", acme, "viewer"),
        ("outsider", globex, "owner"),
    ]:
        users[name] = User.objects.create_user(name, password="a-long-password-1")
        Membership.objects.create(organisation=organisation, user=users[name], role=role)
    users["staff"] = User.objects.create_user("staff", password="a-long-password-1", is_staff=True)
    owner = users["owner"]
    draft = services.assessment_create(organisation=acme, version=version, user=owner)
    for name in ("respondent", "extra"):
        services.respondent_add(assessment=draft, added_by=owner, username=name)
    services.respondent_save_answers(
        respondent=Respondent.objects.get(user=users["extra"]),
        answers=[
            services.AnswerInput("practice", choices=("fully",), fields=frozenset({"choices"})),
            services.AnswerInput("tools", choices=("ci",), fields=frozenset({"choices"})),
        ],
        user=users["extra"],
    )
    services.consensus_set(
        assessment=draft,
        question_key="tools",
        answer=services.ConsensusInput(choices=("ci", "cd")),
        note="Both exist.",
        user=owner,
    )
    _, org_secret = organisation_services.api_key_create(
        name="bi", organisation=acme, created_by=owner
    )
    _, all_secret = organisation_services.api_key_create(name="dwh", created_by=users["staff"])
    return {
        "users": users,
        "secrets": {"org_key": org_secret, "all_key": all_secret},
        "ids": {
            "draft": draft.pk,
            "extra": Respondent.objects.get(user=users["extra"]).uuid,
        },
    }


def caller(world: dict[str, Any], role: str) -> APIClient:
    client = APIClient()
    if role in world["users"]:
        client.force_authenticate(world["users"][role])
    elif role in world["secrets"]:
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {world['secrets'][role]}")
    return client


STRANGERS = {"bystander": 404, "outsider": 404, "staff": 404}
PRIVATE = {"anonymous": 401, "org_key": 401, "all_key": 401}
TEAM_READS = {"owner": 200, "editor": 200, "viewer": 200, "respondent": 403,
              **STRANGERS, **PRIVATE}  # fmt: skip
TEAM_EDITS = {"owner": 200, "editor": 200, "viewer": 403, "respondent": 403,
              **STRANGERS, **PRIVATE}  # fmt: skip
ANSWERS = {"owner": 403, "editor": 403, "viewer": 403, "respondent": 200,
           **STRANGERS, **PRIVATE}  # fmt: skip
MINE = {"answers": [{"question": "practice", "choices": ["partly"]}]}
AGREED = {"choices": ["partly"], "note": "We talked it through."}

# (method, path, body, expected status per role)
MATRIX: list[tuple[str, str, Any, dict[str, int]]] = [
    ("get", "/api/v1/assessments/{draft}/respondents/", None, TEAM_READS),
    ("post", "/api/v1/assessments/{draft}/respondents/", {"username": "newbie"},
     {**TEAM_EDITS, "owner": 201, "editor": 201}),
    ("delete", "/api/v1/assessments/{draft}/respondents/{extra}/", None,
     {**TEAM_EDITS, "owner": 204, "editor": 204}),
    ("get", "/api/v1/assessments/{draft}/my-answers/", None, ANSWERS),
    ("patch", "/api/v1/assessments/{draft}/my-answers/", MINE, ANSWERS),
    ("get", "/api/v1/assessments/{draft}/disagreement/", None, TEAM_READS),
    ("put", "/api/v1/assessments/{draft}/consensus/practice/", AGREED, TEAM_EDITS),
    ("delete", "/api/v1/assessments/{draft}/consensus/tools/", None, TEAM_EDITS),
    # the assessment itself: a respondent reads it, the bystander cannot see it
    ("get", "/api/v1/assessments/{draft}/", None,
     {**TEAM_READS, "respondent": 200}),
]  # fmt: skip

CASES = [
    pytest.param(method, path, body, role, expected[role], id=f"{method} {path} as {role}")
    for method, path, body, expected in MATRIX
    for role in ROLES
]


@pytest.mark.parametrize(("method", "path", "body", "role", "status"), CASES)
def test_permission_matrix(
    world: dict[str, Any], method: str, path: str, body: Any, role: str, status: int
) -> None:
    url = path.format(**world["ids"])
    response = getattr(caller(world, role), method)(url, body, format="json")
    assert response.status_code == status, response.content[:300]
    if status >= 400:
        assert response.json()["errors"], "every refusal explains itself in JSON"


def covered_operations() -> set[tuple[str, str]]:
    """The (method, path template) pairs of this module's MATRIX."""
    return {
        (method, path.replace("{draft}", "{id}").replace("{extra}", "{respondent}")
         .replace("/practice/", "/{question_key}/").replace("/tools/", "/{question_key}/"))
        for method, path, _, _ in MATRIX
    }  # fmt: skip
