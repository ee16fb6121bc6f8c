"""The respondents' pages in the pages' permission matrix, and their query budgets.

Roles as in test_permissions.py, plus `ada`: a member in the respondent role asked to answer
the draft (and the submitted assessment). `respondent` holds the same role but answers
nothing: the assessments are foreign to them. A POST carries the caller's own ETag: the
respondent's for ada, the assessment's for everyone else.
"""

from typing import Any

import pytest

from assessments import services
from assessments.models import Assessment, Respondent
from tests.assessments.conftest import RUBRIC_KEYS
from tests.web.conftest import signed_in
from tests.web.test_respond import add_member, submitted_with_ada

pytestmark = pytest.mark.django_db

ROLES = ["owner", "editor", "viewer", "ada", "respondent", "outsider", "staff", "anonymous"]
SIGN_IN = 302
SIGNED_IN = 2  # the session, the user


def expect(owner: int, editor: int, viewer: int, ada: int, stranger: int = 404) -> dict[str, int]:
    return {
        "owner": owner,
        "editor": editor,
        "viewer": viewer,
        "ada": ada,
        "respondent": stranger,
        "outsider": stranger,
        "staff": stranger,
        "anonymous": SIGN_IN,
    }


CHOICE = {"etag": "{etag}", "q-unit-tests-choices": "partly"}
# (method, path with {draft} / {submitted}, body, expected status per role)
MATRIX: list[tuple[str, str, dict[str, str], dict[str, int]]] = [
    ("get", "/", {}, expect(200, 200, 200, 200, 200) | {"staff": 200}),
    ("get", "/assessments/{draft}/", {}, expect(302, 302, 302, 302)),
    ("get", "/assessments/{draft}/answer/automation/", {}, expect(200, 200, 200, 200)),
    # The team saves no answers of its own once there are respondents (the service's 409,
    # shown on the page it redirects to); ada saves hers.
    ("post", "/assessments/{draft}/answer/automation/", CHOICE, expect(302, 302, 403, 302)),
    (
        "post",
        "/assessments/{draft}/answer/automation/unit-tests/",
        CHOICE,
        expect(409, 409, 403, 200),
    ),
    ("get", "/assessments/{draft}/done/", {}, expect(403, 403, 403, 200)),
    ("get", "/assessments/{submitted}/done/", {}, expect(403, 403, 403, 200)),
    ("get", "/assessments/{submitted}/answer/automation/", {}, expect(302, 302, 302, 200)),
    (
        "post",
        "/assessments/{submitted}/answer/automation/unit-tests/",
        CHOICE,
        expect(409, 409, 403, 409),
    ),
    ("get", "/assessments/{submitted}/result/", {}, expect(200, 200, 200, 200)),
    ("get", "/assessments/999999/done/", {}, expect(404, 404, 404, 404)),
]


@pytest.fixture
def matrix_world(small_world: dict[str, Any]) -> dict[str, Any]:
    add_member(small_world, "ada")
    owner = small_world["users"]["owner"]
    services.respondent_add(assessment=small_world["draft"], added_by=owner, username="ada")
    small_world["answered"] = submitted_with_ada(small_world)
    return small_world


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    MATRIX,
    ids=[f"{method} {path}" for method, path, _, _ in MATRIX],
)
def test_respondent_page_permission_matrix(
    matrix_world: Any,
    role: str,
    method: str,
    path: str,
    body: dict[str, str],
    expected: dict[str, int],
) -> None:
    world = matrix_world
    ids = {"draft": world["draft"].pk, "submitted": world["answered"].pk}
    target = Assessment.objects.get(pk=ids["submitted" if "{submitted}" in path else "draft"])
    etag = target.etag
    if role == "ada":
        etag = Respondent.objects.get(assessment=target, user__username="ada").etag
    data = {key: value.replace("{etag}", etag) for key, value in body.items()}
    response = getattr(signed_in(world, role), method)(path.format(**ids), data)
    assert response.status_code == expected[role], response.content[:500]
    if role == "anonymous":
        assert response["Location"].startswith("/accounts/login/?next=")


# --- query budgets --------------------------------------------------------------------------


def more_respondents(world: dict[str, Any], assessment: Assessment, count: int) -> None:
    """`count` more members who answer `assessment`, each with every answer given."""
    owner = world["users"]["owner"]
    start = Respondent.objects.count()
    for index in range(start, start + count):
        user = add_member(world, f"r{index}")
        services.respondent_add(assessment=assessment, added_by=owner, username=user.username)
        services.respondent_save_answers(
            respondent=Respondent.objects.get(assessment=assessment, user=user),
            answers=[
                services.AnswerInput(key, ("partly",), fields=frozenset({"choices"}))
                for key in RUBRIC_KEYS
            ],
            user=user,
        )


@pytest.mark.parametrize(
    "path",
    ["/assessments/{draft}/answer/automation/", "/assessments/{draft}/done/"],
)
def test_respondent_pages_cost_the_same_at_2_and_8_respondents(
    matrix_world: Any, django_assert_num_queries: Any, path: str
) -> None:
    world, draft = matrix_world, matrix_world["draft"]
    client = signed_in(world, "ada")
    url = path.format(draft=draft.pk)
    for more in (1, 6):
        more_respondents(world, draft, more)
        assert client.get(url).status_code == 200
        # session, user; the assessment with the role and whether ada answers it; ada's place
        # with her counts; her answers
        with django_assert_num_queries(SIGNED_IN + 3):
            assert client.get(url).status_code == 200
    assert Respondent.objects.filter(assessment=draft).count() == 8


def test_respondent_autosave_costs_the_same_at_2_and_8_respondents(
    matrix_world: Any, django_assert_num_queries: Any
) -> None:
    world, draft = matrix_world, matrix_world["draft"]
    client = signed_in(world, "ada")
    url = f"/assessments/{draft.pk}/answer/automation/unit-tests/"
    for more, choice in [(1, "fully"), (6, "absent")]:
        more_respondents(world, draft, more)
        etag = Respondent.objects.get(assessment=draft, user__username="ada").etag
        # session, user; the assessment with role; ada's place; her answers (the form's
        # initial values); then the service: savepoint, the locked assessment, the locked
        # place, her answers, the upsert, its history row, her revision and its re-read, the
        # derivation (every respondent's answers to the question, the assessment's answers,
        # their upsert and history), the assessment's revision and its re-read, release
        with django_assert_num_queries(SIGNED_IN + 18):
            response = client.post(
                url, {"etag": etag, "q-unit-tests-choices": choice}, HTTP_HX_REQUEST="true"
            )
        assert response.status_code == 200, response.content


def test_home_costs_the_same_answering_2_and_8_assessments(
    matrix_world: Any, django_assert_num_queries: Any
) -> None:
    world = matrix_world
    owner = world["users"]["owner"]
    client = signed_in(world, "ada")

    def answer_more(count: int) -> None:
        for _ in range(count):
            assessment = services.assessment_create(
                organisation=world["acme"], version=world["version"], user=owner
            )
            services.respondent_add(assessment=assessment, added_by=owner, username="ada")
            more_respondents(world, assessment, 1)

    for more in (1, 6):
        answer_more(more)
        client.get("/")
        # session, user; organisations with the role; the assessments ada reads, with their
        # rows; the drafts' answers; ada's places with her counts; invitations waiting
        with django_assert_num_queries(SIGNED_IN + 5):
            body = client.get("/").content.decode()
        assert body.count("answered</span> <progress") >= more
    assert Respondent.objects.filter(user__username="ada").count() == 9
