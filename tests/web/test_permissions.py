"""The pages hold the API's matrix: members read, owners and editors write, viewers get 403
for writes, respondents 403 for the organisation's results, everyone else 404 (foreign and
missing alike), anonymous callers sign in first. An invitation's page answers whoever holds
its key, and accepts only for the person it names."""

from typing import Any

import pytest

from tests.web.conftest import signed_in

pytestmark = pytest.mark.django_db

ROLES = ["owner", "editor", "viewer", "respondent", "outsider", "staff", "anonymous"]
SIGN_IN = 302  # anonymous: to the sign-in page


def expect(
    owner: int, editor: int, viewer: int, outsider: int = 404, respondent: int | None = None
) -> dict[str, int]:
    """Respondents of no assessment are outsiders to the assessment pages, unless told."""
    return {
        "owner": owner,
        "editor": editor,
        "viewer": viewer,
        "respondent": outsider if respondent is None else respondent,
        "outsider": outsider,
        "staff": outsider,
        "anonymous": SIGN_IN,
    }


def every(status: int, **roles: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status) | roles


READ = expect(200, 200, 200)
# (method, path with {draft} / {submitted}, body, expected status per role)
MATRIX: list[tuple[str, str, dict[str, str], dict[str, int]]] = [
    ("get", "/", {}, expect(200, 200, 200, 200, respondent=200)),
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
        expect(302, 302, 400, 400, respondent=400),
    ),
    # Unknown ids answer exactly as foreign ones.
    ("get", "/assessments/999999/answer/automation/", {}, expect(404, 404, 404)),
    ("get", "/assessments/999999/result/", {}, expect(404, 404, 404)),
    # The portfolio reads like the organisation's results: respondents are told why not.
    ("get", "/organisations/acme/portfolio/", {}, expect(200, 200, 200, respondent=403)),
    ("get", "/organisations/acme/portfolio.pdf", {}, expect(200, 200, 200, respondent=403)),
    ("get", "/organisations/nowhere/portfolio/", {}, expect(404, 404, 404)),
    # An invitation by e-mail to an address without an account: its key's holder may create
    # the account (signed out; an empty form is a 400); no signed-in account is the one named.
    ("get", "/invitations/accept/{email_key}/", {}, every(403, anonymous=200)),
    ("post", "/invitations/accept/{email_key}/", {}, every(403, anonymous=400)),
    # An invitation of the viewer's username (into editor): only the viewer accepts it.
    ("get", "/invitations/accept/{viewer_key}/", {}, every(403, viewer=200, anonymous=200)),
    ("post", "/invitations/accept/{viewer_key}/", {}, every(403, viewer=302, anonymous=302)),
    ("get", "/invitations/accept/no-such-key/", {}, every(404)),
    # From the home page, by uuid: the named user only; nobody else learns it exists.
    ("post", "/invitations/{viewer_uuid}/accept/", {}, every(404, viewer=302, anonymous=302)),
    ("post", "/invitations/{email_uuid}/accept/", {}, every(404, anonymous=302)),
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
    from organisations.services import invitation_create

    world = small_world
    draft = Assessment.objects.get(pk=world["draft"].pk)
    ids: dict[str, Any] = {"draft": draft.pk, "submitted": world["submitted"].pk}
    owner = world["users"]["owner"]
    for name, address in [
        ("email", {"email": "new@example.com"}),
        ("viewer", {"username": "viewer"}),
    ]:
        invitation, key = invitation_create(
            organisation=world["acme"], invited_by=owner, role="editor", **address
        )
        ids |= {f"{name}_key": key, f"{name}_uuid": invitation.uuid}
    data = {key: value.replace("{etag}", draft.etag) for key, value in body.items()}
    response = getattr(signed_in(world, role), method)(path.format(**ids), data)
    assert response.status_code == expected[role], response.content[:500]
    if expected[role] == SIGN_IN and role == "anonymous":
        assert response["Location"].startswith("/accounts/login/?next=")
