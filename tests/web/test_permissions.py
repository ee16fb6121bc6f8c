"""The pages hold the API's matrix: members read, owners and editors write, viewers get 403
for writes, everyone else 404 (foreign and missing alike), anonymous callers sign in first."""

from typing import Any

import pytest

from tests.web.conftest import signed_in

pytestmark = pytest.mark.django_db

ROLES = ["owner", "editor", "viewer", "outsider", "staff", "anonymous"]
SIGN_IN = 302  # anonymous: to the sign-in page


def expect(owner: int, editor: int, viewer: int, outsider: int = 404) -> dict[str, int]:
    return {
        "owner": owner,
        "editor": editor,
        "viewer": viewer,
        "outsider": outsider,
        "staff": outsider,
        "anonymous": SIGN_IN,
    }


READ = expect(200, 200, 200)
# (method, path with {draft} / {submitted}, body, expected status per role)
MATRIX: list[tuple[str, str, dict[str, str], dict[str, int]]] = [
    ("get", "/", {}, expect(200, 200, 200, 200)),
    ("get", "/assessments/{draft}/", {}, expect(302, 302, 302)),
    ("get", "/assessments/{draft}/answer/automation/", {}, READ),
    (
        "post",
        "/assessments/{draft}/answer/automation/",
        {"etag": "{etag}", "q-unit-tests-choices": "partly"},
        expect(302, 302, 403),
    ),
    (
        "post",
        "/assessments/{draft}/answer/automation/unit-tests/",
        {"etag": "{etag}", "q-unit-tests-choices": "partly"},
        expect(200, 200, 403),
    ),
    ("get", "/assessments/{draft}/submit/", {}, READ),
    ("post", "/assessments/{draft}/submit/", {"etag": "{etag}"}, expect(409, 409, 403)),
    ("get", "/assessments/{submitted}/result/", {}, READ),
    ("get", "/assessments/{submitted}/compare/", {}, READ),
    ("get", "/assessments/{submitted}/report.pdf", {}, READ),
    ("get", "/assessments/{draft}/result/", {}, expect(404, 404, 404)),
    ("post", "/assessments/{submitted}/copy/", {}, expect(302, 302, 403)),
    (
        "post",
        "/assessments/new/",
        {"organisation": "acme", "questionnaire": "rubric-example"},
        expect(302, 302, 400, 400),
    ),
    # Unknown ids answer exactly as foreign ones.
    ("get", "/assessments/999999/answer/automation/", {}, expect(404, 404, 404)),
    ("get", "/assessments/999999/result/", {}, expect(404, 404, 404)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    MATRIX,
    ids=[f"{method} {path}" for method, path, _, _ in MATRIX],
)
def test_page_permission_matrix(
    small_world: Any,
    role: str,
    method: str,
    path: str,
    body: dict[str, str],
    expected: dict[str, int],
) -> None:
    from assessments.models import Assessment

    world = small_world
    draft = Assessment.objects.get(pk=world["draft"].pk)
    ids = {"draft": draft.pk, "submitted": world["submitted"].pk}
    data = {key: value.replace("{etag}", draft.etag) for key, value in body.items()}
    response = getattr(signed_in(world, role), method)(path.format(**ids), data)
    assert response.status_code == expected[role], response.content[:500]
    if role == "anonymous":
        assert response["Location"].startswith("/accounts/login/?next=")
