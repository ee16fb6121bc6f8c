"""`make run` seeds a team: a facilitator, three respondents who disagree on a review of the
payments team, and baseline results of the units, so the portfolio and the disagreement view
show something real at once."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from assessments.models import Assessment, Respondent, RespondentAnswer
from organisations.models import Membership

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "demo-password-for-tests"


@pytest.fixture
def seeded(db: None, monkeypatch: pytest.MonkeyPatch) -> StringIO:
    """The steps of `make seed` that the team builds on, then ensure_demo_team twice."""
    monkeypatch.setenv("OPSASSESS_DEMO_PASSWORD", PASSWORD)
    quiet = {"stdout": StringIO(), "verbosity": 0}
    call_command("seed_catalog", stdout=StringIO())
    for name in ("devops-maturity", "mlops-maturity"):
        call_command(
            "import_questionnaire", str(ROOT / f"fixtures/questionnaires/{name}.yaml"), **quiet
        )
    call_command("ensure_demo_superuser", **quiet)
    call_command("ensure_demo_organisation", **quiet)
    out = StringIO()
    call_command("ensure_demo_team", stdout=out)
    call_command("ensure_demo_team", stdout=out)  # a rerun adds nothing
    return out


def signed_in(username: str) -> APIClient:
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def test_the_team_joins_with_its_roles_and_signs_in_with_the_demo_password(seeded: StringIO):
    roles = dict(
        Membership.objects.filter(organisation__slug="demo").values_list("user__username", "role")
    )
    assert roles == {
        "admin": "owner",
        "fran": "editor",
        "ada": "respondent",
        "ben": "respondent",
        "chen": "respondent",
    }
    signed_in("fran")


def test_the_portfolio_shows_the_units_baselines_and_the_department_rolled_up(seeded):
    body = signed_in("admin").get("/api/v1/organisations/demo/portfolio/").json()
    units = {unit["slug"]: unit for unit in body["units"]}
    assert units["payments"]["results"]["devops-maturity"] is not None
    assert units["search"]["results"]["devops-maturity"] is not None
    assert units["ml-platform"]["results"]["mlops-maturity"] is not None
    payments = units["payments"]["results"]["devops-maturity"]["overall_percent"]
    search = units["search"]["results"]["devops-maturity"]["overall_percent"]
    assert payments != search  # answered differently, so the heatmap tells them apart
    department = units["product"]["results"]["devops-maturity"]
    assert department["rolled_up"] is True
    named = {unit["uuid"]: slug for slug, unit in units.items()}
    assert sorted(named[uuid] for uuid in department["from_units"]) == ["payments", "search"]
    assert (
        Assessment.objects.filter(organisation__slug="demo", title__endswith="baseline").count()
        == 4
    )


def test_the_review_has_three_respondents_who_disagree(seeded: StringIO) -> None:
    review = Assessment.objects.get(title="Payments team review")
    assert review.unit.slug == "payments" and not review.is_submitted and review.due_on
    respondents = Respondent.objects.filter(assessment=review)
    assert sorted(respondents.values_list("user__username", flat=True)) == ["ada", "ben", "chen"]
    questions = review.version.questions.count()
    for respondent in respondents:
        assert RespondentAnswer.objects.filter(respondent=respondent).count() == questions
    body = signed_in("fran").get(f"/api/v1/assessments/{review.pk}/disagreement/").json()
    assert len(body["needs_conversation"]) == 5, body["needs_conversation"]
    # ada answers ben's question too: respondents read the review they are asked to answer.
    mine = signed_in("ada").get(f"/api/v1/assessments/{review.pk}/my-answers/")
    assert mine.status_code == 200


def test_without_a_demo_password_one_is_generated_and_printed_once(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPSASSESS_DEMO_PASSWORD", raising=False)
    call_command("seed_catalog", stdout=StringIO())
    call_command("ensure_demo_superuser", stdout=StringIO())
    call_command("ensure_demo_organisation", stdout=StringIO())
    first, second = StringIO(), StringIO()
    call_command("ensure_demo_team", stdout=first)
    call_command("ensure_demo_team", stdout=second)
    printed = re.search(r"with password: (\S+)", first.getvalue())
    assert printed and "fran, ada, ben, chen" in first.getvalue()
    assert "password" not in second.getvalue()
    assert (
        APIClient()
        .post("/api/v1/auth/token/", {"username": "chen", "password": printed[1]}, format="json")
        .status_code
        == 200
    )


def test_make_run_says_how_to_sign_in_as_the_facilitator_and_the_respondents() -> None:
    makefile = (ROOT / "Makefile").read_text()
    run = makefile[makefile.index("\nrun:") : makefile.index("\ntest:")]
    assert "'fran'" in run and "'ada'" in run and "/accounts/login/" in run
    assert "ensure_demo_team" in makefile[makefile.index("\nseed:") : makefile.index("\nrun:")]
