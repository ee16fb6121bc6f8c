"""One matrix: every endpoint x every kind of caller x method, with the status each must get.

Foreign objects answer 404 exactly like missing ones; viewers read but never write; only
owners manage keys; machine keys read the scores feed and nothing else that is private.
"""

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from assessments import services
from organisations import services as organisation_services
from organisations.models import Membership, Organisation
from tests.assessments.conftest import MODELS_DIR, answer_all, import_file

pytestmark = pytest.mark.django_db

ROLES = ["owner", "editor", "viewer", "outsider", "staff", "anonymous", "org_key", "all_key"]


@pytest.fixture
def world() -> dict[str, Any]:
    version = import_file(MODELS_DIR / "rubric.yaml")
    acme = Organisation.objects.create(slug="acme", name="Acme")
    globex = Organisation.objects.create(slug="globex", name="Globex")
    users = {}
    for name, organisation, role in [
        ("owner", acme, "owner"),
        ("editor", acme, "editor"),
        ("viewer", acme, "viewer"),
        ("outsider", globex, "owner"),
    ]:
        users[name] = User.objects.create_user(name, password="a-long-password-1")
        Membership.objects.create(organisation=organisation, user=users[name], role=role)
    users["staff"] = User.objects.create_user("staff", password="a-long-password-1", is_staff=True)
    owner = users["owner"]
    draft = services.assessment_create(organisation=acme, version=version, user=owner)
    complete = services.assessment_create(organisation=acme, version=version, user=owner)
    answer_all(complete, owner)
    submitted = services.assessment_create(organisation=acme, version=version, user=owner)
    answer_all(submitted, owner)
    services.assessment_submit(assessment=submitted, user=owner)
    other = services.assessment_create(organisation=acme, version=version, user=owner)
    answer_all(other, owner)
    services.assessment_submit(assessment=other, user=owner)
    org_key, org_secret = organisation_services.api_key_create(
        name="bi", organisation=acme, created_by=owner
    )
    _, all_secret = organisation_services.api_key_create(name="dwh", created_by=users["staff"])
    return {
        "users": users,
        "secrets": {"org_key": org_secret, "all_key": all_secret},
        "ids": {
            "draft": draft.pk,
            "complete": complete.pk,
            "submitted": submitted.pk,
            "other": other.pk,
            "prefix": org_key.prefix,
        },
    }


def caller(world: dict[str, Any], role: str) -> APIClient:
    client = APIClient()
    if role in world["users"]:
        client.force_authenticate(world["users"][role])
    elif role in world["secrets"]:
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {world['secrets'][role]}")
    return client


READ = {"owner": 200, "editor": 200, "viewer": 200, "outsider": 404, "staff": 404}
WRITE = {"owner": 200, "editor": 200, "viewer": 403, "outsider": 404, "staff": 404}
OWNER_ONLY = {"owner": 200, "editor": 403, "viewer": 403, "outsider": 404, "staff": 404}
PRIVATE = {"anonymous": 401, "org_key": 401, "all_key": 401}
PUBLIC = dict.fromkeys(ROLES, 200)
ANSWER = {"answers": [{"question": "unit-tests", "choices": ["partly"]}]}

# (method, path, body, expected status per role)
MATRIX: list[tuple[str, str, Any, dict[str, int]]] = [
    ("get", "/api/v1/tools/", None, PUBLIC),
    ("get", "/api/v1/practices/", None, PUBLIC),
    # the public catalogue is read-only for everyone, keys included
    ("post", "/api/v1/tools/", {"name": "x"}, dict.fromkeys(ROLES, 405)),
    ("get", "/api/v1/questionnaires/", None, PUBLIC),
    ("get", "/api/v1/questionnaires/rubric-example/", None, PUBLIC),
    ("get", "/api/v1/assessments/", None, {**dict.fromkeys(READ, 200), "outsider": 200,
                                           "staff": 200, **PRIVATE}),
    ("post", "/api/v1/assessments/", {"organisation": "acme", "questionnaire": "rubric-example"},
     {"owner": 201, "editor": 201, "viewer": 400, "outsider": 400, "staff": 400, **PRIVATE}),
    ("get", "/api/v1/assessments/{draft}/", None, {**READ, **PRIVATE}),
    ("get", "/api/v1/assessments/{draft}/answers/", None, {**READ, **PRIVATE}),
    ("patch", "/api/v1/assessments/{draft}/answers/", ANSWER, {**WRITE, **PRIVATE}),
    ("patch", "/api/v1/assessments/{draft}/", {"title": "t"},
     {**WRITE, "owner": 428, "editor": 428, **PRIVATE}),
    ("delete", "/api/v1/assessments/{draft}/", None,
     {**WRITE, "owner": 204, "editor": 204, **PRIVATE}),
    ("post", "/api/v1/assessments/{complete}/submit/", None, {**WRITE, **PRIVATE}),
    ("get", "/api/v1/assessments/{submitted}/result/", None, {**READ, **PRIVATE}),
    ("get", "/api/v1/assessments/{submitted}/recommendations/", None, {**READ, **PRIVATE}),
    ("get", "/api/v1/assessments/{submitted}/roadmap/", None, {**READ, **PRIVATE}),
    ("get", "/api/v1/assessments/{submitted}/roadmap/?format=csv", None, {**READ, **PRIVATE}),
    ("get", "/api/v1/assessments/{submitted}/report/", None, {**READ, **PRIVATE}),
    ("get", "/api/v1/assessments/{submitted}/radar.svg", None, {**READ, **PRIVATE}),
    ("get", "/api/v1/assessments/{submitted}/compare/{other}/", None, {**READ, **PRIVATE}),
    ("post", "/api/v1/assessments/{submitted}/copy/", None,
     {**WRITE, "owner": 201, "editor": 201, **PRIVATE}),
    ("get", "/api/v1/organisations/", None, {**dict.fromkeys(READ, 200), "outsider": 200,
                                             "staff": 200, **PRIVATE}),
    ("get", "/api/v1/organisations/acme/", None, {**READ, **PRIVATE}),
    ("get", "/api/v1/organisations/acme/history/?questionnaire=rubric-example", None,
     {**READ, **PRIVATE}),
    ("get", "/api/v1/organisations/acme/tools/", None, {**READ, **PRIVATE}),
    ("put", "/api/v1/organisations/acme/tools/", {"tools": []}, {**WRITE, **PRIVATE}),
    ("get", "/api/v1/organisations/acme/keys/", None, {**OWNER_ONLY, **PRIVATE}),
    ("post", "/api/v1/organisations/acme/keys/", {"name": "n"},
     {**OWNER_ONLY, "owner": 201, **PRIVATE}),
    ("delete", "/api/v1/organisations/acme/keys/{prefix}/", None,
     {**OWNER_ONLY, "owner": 204, **PRIVATE}),
    ("get", "/api/v1/keys/", None, {**dict.fromkeys(READ, 403), "staff": 200, **PRIVATE}),
    ("post", "/api/v1/keys/", {"name": "n"}, {**dict.fromkeys(READ, 403), "staff": 201,
                                              **PRIVATE}),
    ("get", "/api/v1/scores/", None, {**dict.fromkeys(ROLES, 200), "anonymous": 401}),
    ("post", "/api/v1/scores/", {}, {**dict.fromkeys(ROLES, 405), "anonymous": 401}),
    # anyone signed in with a token may revoke their own tokens; keys hold no tokens
    ("delete", "/api/v1/auth/token/", None, {**dict.fromkeys(READ, 204), **PRIVATE}),
    ("post", "/api/v1/auth/logout/", None, {**dict.fromkeys(READ, 204), **PRIVATE}),
    ("post", "/api/v1/auth/logout-all/", None, {**dict.fromkeys(READ, 204), **PRIVATE}),
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


# The modules holding a permission matrix (each for its own endpoints, with the callers its
# world needs), each with `covered_operations()`: together they must cover the whole API.
MATRIX_MODULES = [
    "tests.test_permissions",
    "tests.organisations.test_permission_matrix",
    "tests.assessments.test_respondent_permissions",
    "tests.assessments.test_portfolio_permissions",
]


def covered_operations() -> set[tuple[str, str]]:
    """The (method, path template) pairs of this module's MATRIX."""
    return {
        (method, path.split("?")[0]
         .replace("{draft}", "{id}").replace("{complete}", "{id}").replace("{submitted}", "{id}")
         .replace("acme", "{slug}").replace("rubric-example", "{slug}")
         .replace("{other}", "{other_id}"))
        for method, path, _, _ in MATRIX
    }  # fmt: skip


def test_the_matrix_covers_every_operation_of_the_api() -> None:
    import importlib

    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    documented = {
        (method, path) for path, operations in schema["paths"].items() for method in operations
    }
    covered = set().union(
        *(importlib.import_module(name).covered_operations() for name in MATRIX_MODULES)
    )
    allowed_gaps = (
        {  # public catalogue details, same rules as their lists
            ("get", f"/api/v1/{name}/{{slug}}/")
            for name in ("disciplines", "phases", "hindrances", "practices", "tools")
        }
        | {("get", f"/api/v1/{name}/") for name in ("disciplines", "phases", "hindrances")}
        | {
            ("post", "/api/v1/auth/token/"),  # public by design, tested in test_api
            ("post", "/api/v1/organisations/"),  # any signed-in user, tested in test_api
        }
    )
    missing = documented - covered - allowed_gaps
    assert missing == set()
