"""The facilitators' pages hold the API's matrix for respondents, disagreement and consensus
(docs/respondents.md): owners and editors run the team, viewers read it (403 for changes), a
respondent asked to answer the assessment gets 403 (answering gives no access to the others'
answers), everyone else 404 as for a missing or foreign assessment, anonymous callers sign in
first."""

from decimal import Decimal

import pytest

from organisations.models import Organisation
from tests.web import facilitate_world as fw

pytestmark = pytest.mark.django_db

SIGN_IN = 302


def expect(owner: int, editor: int, viewer: int, asked: int, others: int = 404) -> dict[str, int]:
    return {
        "owner": owner,
        "editor": editor,
        "viewer": viewer,
        "asked": asked,
        "respondent": others,
        "outsider": others,
        "staff": others,
        "anonymous": SIGN_IN,
    }


READ = expect(200, 200, 200, 403)
WRITE = expect(302, 302, 403, 403)
NONE = expect(404, 404, 404, 404)
# "*": whatever the assessment's ETag is now (the form sends the one it was read with).
AGREED = {"q-practice-choices": "partly", "note": "We looked at last month's changes.", "etag": "*"}
ANY = {"etag": "*"}
MATRIX: list[tuple[str, str, dict[str, str], dict[str, int]]] = [
    ("get", "/assessments/{draft}/team/", {}, READ),
    ("post", "/assessments/{draft}/team/", {"username": "viewer"}, WRITE),
    ("get", "/assessments/{draft}/team/{uuid}/remove/", {}, expect(200, 200, 403, 403)),
    ("post", "/assessments/{draft}/team/{uuid}/remove/", {}, WRITE),
    ("get", "/assessments/{draft}/disagreement/", {}, READ),
    ("get", "/assessments/{draft}/consensus/practice/", {}, expect(200, 200, 403, 403)),
    ("post", "/assessments/{draft}/consensus/practice/", AGREED, WRITE),
    ("post", "/assessments/{draft}/consensus/coverage/clear/", ANY, WRITE),
    # The submit page is the team's; someone who only answers is sent to their done page.
    ("get", "/assessments/{draft}/submit/", {}, expect(200, 200, 200, 302)),
    # Missing rows of a readable assessment: 404 for the team (403 first for the others).
    ("get", "/assessments/{draft}/team/{missing}/remove/", {}, expect(404, 404, 403, 403)),
    ("get", "/assessments/{draft}/consensus/no-such-question/", {}, expect(404, 404, 403, 403)),
    ("post", "/assessments/{draft}/consensus/practice/clear/", ANY, expect(404, 404, 403, 403)),
    # Unknown and foreign assessments answer alike.
    ("get", "/assessments/999999/team/", {}, NONE),
    ("get", "/assessments/999999/disagreement/", {}, NONE),
    ("get", "/assessments/{foreign}/team/", {}, NONE | {"outsider": 200}),
    ("get", "/assessments/{foreign}/disagreement/", {}, NONE | {"outsider": 200}),
    ("get", "/assessments/{foreign}/consensus/practice/", {}, NONE | {"outsider": 302}),
]


@pytest.mark.parametrize("role", fw.ROLES)
@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    MATRIX,
    ids=[f"{method} {path}" for method, path, _, _ in MATRIX],
)
def test_facilitator_page_permission_matrix(
    role: str, method: str, path: str, body: dict[str, str], expected: dict[str, int]
) -> None:
    from assessments import services

    world = fw.build()
    draft, owner = world["draft"], world["users"]["owner"]
    services.consensus_set(
        assessment=draft,
        question_key="coverage",
        answer=services.ConsensusInput(number=Decimal("50")),
        note="Half, we agreed.",
        user=owner,
    )
    # Globex's own draft, without respondents: its owner is sent to the team page to add some.
    foreign = services.assessment_create(
        organisation=Organisation.objects.get(slug="globex"),
        version=world["version"],
        user=world["users"]["outsider"],
    )
    ids = {
        "draft": draft.pk,
        "uuid": world["respondents"][1].uuid,
        "missing": "00000000-0000-4000-8000-000000000000",
        "foreign": foreign.pk,
    }
    response = getattr(fw.client(world, role), method)(path.format(**ids), body)
    assert response.status_code == expected[role], response.content[:500]
    if role == "anonymous":
        assert response["Location"].startswith("/accounts/login/?next=")
