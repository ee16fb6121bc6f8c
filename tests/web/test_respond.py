"""Respondents answer in the browser: their own answers on the answer pages (read and saved as
`my-answers/` does), their "done" page, "To answer" on the home page, landing on the
assessment after accepting an invitation to answer it, and every refusal on the way."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from assessments import services
from assessments.models import Answer, Assessment, Respondent, RespondentAnswer
from organisations.models import Membership
from tests.assessments.conftest import RUBRIC_KEYS
from tests.web.conftest import PASSWORD, signed_in

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def page_url(assessment: Assessment, page: str) -> str:
    return f"/assessments/{assessment.pk}/answer/{page}/"


def add_member(world: dict[str, Any], name: str, role: str = "respondent") -> User:
    user = User.objects.create_user(name, email=f"{name}@example.com", password=PASSWORD)
    Membership.objects.create(organisation=world["acme"], user=user, role=role)
    world["users"][name] = user
    return user


def place(assessment: Assessment, user: User) -> Respondent:
    return Respondent.objects.get(assessment=assessment, user=user)


def mine(assessment: Assessment, user: User) -> dict[str, RespondentAnswer]:
    rows = RespondentAnswer.objects.filter(respondent__assessment=assessment, respondent__user=user)
    return {row.question.key: row for row in rows.select_related("question")}


@pytest.fixture
def team(small_world: dict[str, Any]) -> dict[str, Any]:
    """small_world's draft answered by ada (a member in the respondent role, asked to answer
    it); small_world's own "respondent" is asked to answer nothing."""
    owner = small_world["users"]["owner"]
    add_member(small_world, "ada")
    services.respondent_add(assessment=small_world["draft"], added_by=owner, username="ada")
    return small_world


@pytest.fixture
def devops_team(world: dict[str, Any]) -> dict[str, Any]:
    """The DevOps questionnaire (every question type), its draft answered by ada."""
    add_member(world, "ada")
    services.respondent_add(
        assessment=world["draft"], added_by=world["users"]["owner"], username="ada"
    )
    return world


# --- answering ------------------------------------------------------------------------------


def test_a_respondent_answers_their_own_answers_and_the_assessments_are_derived(
    team: Any,
) -> None:
    draft, ada = team["draft"], team["users"]["ada"]
    client = signed_in(team, "ada")
    assert client.get(f"/assessments/{draft.pk}/")["Location"] == page_url(draft, "automation")
    body = client.get(page_url(draft, "automation")).content.decode()
    assert "<h1>Your answers: Test automation" in body
    assert "These are your own answers</strong>, signed in as ada" in body
    assert f'value="{escape(place(draft, ada).etag)}"' in body  # the respondent's own ETag
    assert "Check what is left" in body and "Review and submit" not in body
    assert "The team&#x27;s progress" not in body  # ada is no member of the team

    response = client.post(
        page_url(draft, "automation"),
        {
            "etag": place(draft, ada).etag,
            "go": "next",
            "q-unit-tests-choices": "partly",
            "q-integration-tests-choices": "fully",
            "q-integration-tests-comment": "Nightly",
            "q-integration-tests-evidence_url": "https://ci.example.com",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == page_url(draft, "environments")
    answers = mine(draft, ada)
    assert {key: row.choices for key, row in answers.items()} == {
        "unit-tests": ["partly"],
        "integration-tests": ["fully"],
    }
    assert answers["integration-tests"].comment == "Nightly"
    assert answers["integration-tests"].evidence_url == "https://ci.example.com"
    # The assessment's answers are derived from the respondent's.
    derived = {a.question.key: a for a in Answer.objects.filter(assessment=draft)}
    assert derived["unit-tests"].choices == ["partly"]
    assert derived["unit-tests"].source == "derived"
    # The last page leads to the done page, not to submit.
    last = client.post(
        page_url(draft, "environments"),
        {"etag": place(draft, ada).etag, "go": "next", "q-env-teardown-choices": "absent"},
    )
    assert last["Location"] == f"/assessments/{draft.pk}/done/"


def test_autosave_saves_the_respondents_answer_and_hands_back_their_new_etag(team: Any) -> None:
    draft, ada = team["draft"], team["users"]["ada"]
    before = place(draft, ada).etag
    assessment_before = Assessment.objects.get(pk=draft.pk).etag
    response = signed_in(team, "ada").post(
        f"{page_url(draft, 'automation')}unit-tests/",
        {"etag": before, "q-unit-tests-choices": "fully"},
        **HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200, body
    after = place(draft, ada).etag
    assert after != before
    assert f'id="etag" value="{escape(after)}" hx-swap-oob="true"' in body
    assert "1 of 6 questions answered" in body
    assert mine(draft, ada)["unit-tests"].choices == ["fully"]
    assert Assessment.objects.get(pk=draft.pk).etag != assessment_before


def test_none_of_these_and_not_applicable_are_the_respondents_too(devops_team: Any) -> None:
    draft, ada = devops_team["draft"], devops_team["users"]["ada"]
    client = signed_in(devops_team, "ada")
    client.post(
        page_url(draft, "build"),
        {"etag": place(draft, ada).etag, "q-build-version-control-choices": ["none"]},
    )
    client.post(
        page_url(draft, "monitor"),
        {"etag": place(draft, ada).etag, "q-mon-request-tracing-not_applicable": "on"},
    )
    client.post(
        page_url(draft, "ci-cd"),
        {"etag": place(draft, ada).etag, "q-cd-lead-time-number": "36.5"},
    )
    answers = mine(draft, ada)
    assert answers["build-version-control"].choices == ["none"]
    assert answers["mon-request-tracing"].not_applicable is True
    assert answers["cd-lead-time"].number == Decimal("36.5")
    page = client.get(page_url(draft, "ci-cd")).content.decode()
    assert 'value="36.5"' in page


def test_an_owner_who_also_answers_sees_their_own_answers_and_a_link_to_the_team(
    team: Any,
) -> None:
    draft, owner = team["draft"], team["users"]["owner"]
    services.respondent_add(assessment=draft, added_by=owner, username="owner")
    client = signed_in(team, "owner")
    body = client.get(page_url(draft, "automation")).content.decode()
    assert "<h1>Your answers: Test automation" in body
    assert f'href="/assessments/{draft.pk}/team/"' in body
    response = client.post(
        page_url(draft, "automation"),
        {"etag": place(draft, owner).etag, "q-unit-tests-choices": "absent"},
    )
    assert response.status_code == 302
    assert mine(draft, owner)["unit-tests"].choices == ["absent"]
    assert mine(draft, team["users"]["ada"]) == {}


def test_an_editor_without_a_place_keeps_the_assessments_own_answers(team: Any) -> None:
    body = signed_in(team, "editor").get(page_url(team["draft"], "automation")).content.decode()
    assert "Your answers" not in body and "Review and submit" in body


def test_an_editor_without_a_place_saving_the_derived_answers_is_told_why_not(team: Any) -> None:
    draft = team["draft"]
    client = signed_in(team, "editor")
    response = client.post(
        page_url(draft, "automation"),
        {"etag": Assessment.objects.get(pk=draft.pk).etag, "q-unit-tests-choices": "fully"},
    )
    assert response["Location"] == page_url(draft, "automation")
    assert "answered by its respondents" in client.get(response["Location"]).content.decode()
    assert not Answer.objects.filter(assessment=draft).exists()


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "data", "message"),
    [
        ("ci-cd", {"q-cd-lead-time-number": "lots"}, "Enter a number in digits"),
        ("ci-cd", {"q-cd-change-failure-rate-number": "140"}, "above the maximum 100"),
        ("build", {"q-build-branch-lifetime-choices": "forever"}, "Select a valid choice"),
        (
            "monitor",
            {"q-mon-request-tracing-choices": "yes", "q-mon-request-tracing-not_applicable": "on"},
            "a &#x27;not applicable&#x27; answer carries no choices",
        ),
    ],
)
def test_a_bad_answer_saves_none_of_the_respondents_page(
    devops_team: Any, page: str, data: dict[str, Any], message: str
) -> None:
    draft, ada = devops_team["draft"], devops_team["users"]["ada"]
    etag = place(draft, ada).etag
    valid = {"ci-cd": {"q-ci-build-automation-choices": "fast-and-green"}}.get(page, {})
    response = signed_in(devops_team, "ada").post(
        page_url(draft, page), {"etag": etag, **valid, **data}
    )
    body = response.content.decode()
    assert response.status_code == 400, body[:300]
    assert "There is a problem: nothing on this page was saved" in body
    assert message in body
    assert mine(draft, ada) == {}
    assert place(draft, ada).etag == etag


@pytest.mark.parametrize(
    ("question", "data", "message"),
    [
        ("cd-lead-time", {"q-cd-lead-time-number": "1_000"}, "Enter a number in digits"),
        (
            "cd-staging-promotion",
            {"q-cd-staging-promotion-choices": "maybe"},
            "Select a valid choice",
        ),
    ],
)
def test_a_bad_autosave_names_the_reason_and_saves_nothing(
    devops_team: Any, question: str, data: dict[str, str], message: str
) -> None:
    draft, ada = devops_team["draft"], devops_team["users"]["ada"]
    response = signed_in(devops_team, "ada").post(
        f"{page_url(draft, 'ci-cd')}{question}/",
        {"etag": place(draft, ada).etag, **data},
        **HTMX,
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert mine(draft, ada) == {}


def test_a_second_tab_with_the_respondents_old_etag_overwrites_nothing(team: Any) -> None:
    draft, ada = team["draft"], team["users"]["ada"]
    client = signed_in(team, "ada")
    opened_with = place(draft, ada).etag
    url = f"{page_url(draft, 'automation')}unit-tests/"
    assert client.post(url, {"etag": opened_with, "q-unit-tests-choices": "fully"}, **HTMX)
    stale = client.post(url, {"etag": opened_with, "q-unit-tests-choices": "absent"}, **HTMX)
    body = stale.content.decode()
    assert stale.status_code == 412
    assert "Not saved: your answers were changed elsewhere" in body
    assert "The saved answer is now “Fully”" in body
    assert "hx-swap-oob" not in body
    whole = client.post(
        page_url(draft, "automation"), {"etag": opened_with, "q-unit-tests-choices": "absent"}
    )
    body = whole.content.decode()
    assert whole.status_code == 412
    assert "Saved elsewhere meanwhile: <strong>Fully" in body
    assert f'name="etag" id="etag" value="{escape(place(draft, ada).etag)}"' in body
    assert mine(draft, ada)["unit-tests"].choices == ["fully"]


def test_the_assessments_etag_is_not_the_respondents(team: Any) -> None:
    draft = team["draft"]
    response = signed_in(team, "ada").post(
        page_url(draft, "automation"),
        {"etag": Assessment.objects.get(pk=draft.pk).etag, "q-unit-tests-choices": "fully"},
    )
    assert response.status_code == 412
    assert mine(draft, team["users"]["ada"]) == {}


def test_a_removed_respondent_finds_nothing(team: Any) -> None:
    draft, ada = team["draft"], team["users"]["ada"]
    etag = place(draft, ada).etag
    services.respondent_remove(respondent=place(draft, ada), user=team["users"]["owner"])
    client = signed_in(team, "ada")
    assert client.get(page_url(draft, "automation")).status_code == 404
    assert client.get(f"/assessments/{draft.pk}/done/").status_code == 404
    response = client.post(
        f"{page_url(draft, 'automation')}unit-tests/",
        {"etag": etag, "q-unit-tests-choices": "fully"},
        **HTMX,
    )
    assert response.status_code == 404
    assert not RespondentAnswer.objects.exists()


def submitted_with_ada(world: dict[str, Any]) -> Assessment:
    owner, ada = world["users"]["owner"], world["users"]["ada"]
    assessment = services.assessment_create(
        organisation=world["acme"], version=world["version"], user=owner, title="Answered"
    )
    services.respondent_add(assessment=assessment, added_by=owner, username="ada")
    services.respondent_save_answers(
        respondent=place(assessment, ada),
        answers=[
            services.AnswerInput(question=key, choices=("partly",), fields=frozenset({"choices"}))
            for key in RUBRIC_KEYS
        ],
        user=ada,
    )
    return services.assessment_submit(assessment=assessment, user=owner)


def test_a_submitted_assessment_shows_the_respondent_their_answers_read_only(
    team: Any,
) -> None:
    assessment = submitted_with_ada(team)
    ada = team["users"]["ada"]
    client = signed_in(team, "ada")
    body = client.get(page_url(assessment, "automation")).content.decode()
    assert "<h1>Your answers: Test automation" in body
    assert '<fieldset disabled class="read-only">' in body
    assert "hx-post" not in body and "Save this page" not in body
    assert "your answers can no longer change" in body
    assert f'href="/assessments/{assessment.pk}/result/">Read the result' in body
    # The API lets a respondent read the result of what they answer; so do the pages.
    assert client.get(f"/assessments/{assessment.pk}/result/").status_code == 200
    api = Client()
    api.force_login(ada)
    assert api.get(f"/api/v1/assessments/{assessment.pk}/result/").status_code == 200

    etag = place(assessment, ada).etag
    autosave = client.post(
        f"{page_url(assessment, 'automation')}unit-tests/",
        {"etag": etag, "q-unit-tests-choices": "fully"},
        **HTMX,
    )
    assert autosave.status_code == 409
    assert "Not saved: This assessment has been submitted" in autosave.content.decode()
    whole = client.post(
        page_url(assessment, "automation"), {"etag": etag, "q-unit-tests-choices": "fully"}
    )
    assert whole.status_code == 302
    shown = client.get(whole["Location"]).content.decode()
    assert "This assessment has been submitted" in shown
    assert mine(assessment, ada)["unit-tests"].choices == ["partly"]
    done = client.get(f"/assessments/{assessment.pk}/done/").content.decode()
    assert "Submitted on" in done and "You do not submit" not in done


def test_viewers_and_team_members_without_a_place_have_no_done_page(team: Any) -> None:
    draft = team["draft"]
    for role in ("viewer", "owner"):
        response = signed_in(team, role).get(f"/assessments/{draft.pk}/done/")
        assert response.status_code == 403
    viewer = signed_in(team, "viewer").post(
        page_url(draft, "automation"), {"etag": "*", "q-unit-tests-choices": "fully"}
    )
    assert viewer.status_code == 403
    assert not RespondentAnswer.objects.exists()


# --- done -----------------------------------------------------------------------------------


def test_the_done_page_lists_what_is_missing_and_who_submits(team: Any) -> None:
    draft, ada = team["draft"], team["users"]["ada"]
    Assessment.objects.filter(pk=draft.pk).update(due_on=timezone.localdate() + timedelta(days=3))
    client = signed_in(team, "ada")
    client.post(
        page_url(draft, "automation"),
        {"etag": place(draft, ada).etag, "q-unit-tests-choices": "fully"},
    )
    body = client.get(f"/assessments/{draft.pk}/done/").content.decode()
    assert "<h1>Your answers: what is left</h1>" in body
    assert "Answering: some required questions are still open." in body
    assert "5 required questions still to answer" in body
    assert f'href="/assessments/{draft.pk}/answer/automation/#q-integration-tests"' in body
    assert "Due soon:" in body and "(in 3 days)" in body
    assert "You do not submit this assessment" in body
    assert "Submit the assessment" not in body

    services.respondent_save_answers(
        respondent=place(draft, ada),
        answers=[
            services.AnswerInput(question=key, choices=("fully",), fields=frozenset({"choices"}))
            for key in RUBRIC_KEYS
        ],
        user=ada,
    )
    body = client.get(f"/assessments/{draft.pk}/done/").content.decode()
    assert "Done: every required question is answered." in body
    assert "Nothing is missing" in body


# --- home -----------------------------------------------------------------------------------


def test_home_lists_what_i_answer_soonest_due_first_with_my_progress(team: Any) -> None:
    owner, ada = team["users"]["owner"], team["users"]["ada"]
    today = timezone.localdate()
    titles = {"Late one": -2, "Soon one": 1, "Later one": 30}
    for title, days in titles.items():
        assessment = services.assessment_create(
            organisation=team["acme"],
            version=team["version"],
            user=owner,
            title=title,
            due_on=today + timedelta(days=max(days, 0)),
        )
        if days < 0:
            Assessment.objects.filter(pk=assessment.pk).update(due_on=today + timedelta(days=days))
        services.respondent_add(assessment=assessment, added_by=owner, username="ada")
    services.respondent_save_answers(
        respondent=Respondent.objects.get(assessment__title="Soon one", user=ada),
        answers=[services.AnswerInput("unit-tests", ("fully",), fields=frozenset({"choices"}))],
        user=ada,
    )
    submitted_with_ada(team)  # submitted: nothing left to answer
    body = signed_in(team, "ada").get("/").content.decode()
    section = body[body.index('id="to-answer-heading"') : body.index("</section>")]
    order = [section.index(t) for t in ("Late one", "Soon one", "Later one", "Next review")]
    assert order == sorted(order)
    assert "Answered" not in section
    assert "Overdue: it was due on" in section and "(2 days ago)" in section
    assert "Due soon:" in section and "(tomorrow)" in section
    assert "No due date" in section  # Next review
    assert "1 of 6 answered" in section and "(5 required still open)" in section
    assert "Continue<span" in section and "Start<span" in section
    # The team sees no "To answer" when they answer nothing.
    assert "To answer" not in signed_in(team, "viewer").get("/").content.decode()


# --- invitations ----------------------------------------------------------------------------


def test_accepting_an_invitation_to_answer_lands_on_the_first_page(team: Any) -> None:
    added = services.respondent_add(
        assessment=team["draft"],
        added_by=team["users"]["owner"],
        email="sam@example.com",
        accept_url=lambda key: f"http://testserver/invitations/accept/{key}/",
    )
    client = Client()
    response = client.post(
        f"/invitations/accept/{added.secret}/",
        {"username": "sam", "password": PASSWORD, "password_again": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == page_url(team["draft"], "automation")
    body = client.get(response["Location"]).content.decode()
    assert "You are now a member of Acme as respondent." in body
    assert "You are asked to answer “Next review”. This is its first page" in body
    assert "These are your own answers</strong>, signed in as sam" in body


def test_accepting_an_invitation_to_join_still_lands_home(team: Any) -> None:
    from organisations.services import invitation_create

    _, key = invitation_create(
        organisation=team["acme"],
        invited_by=team["users"]["owner"],
        role="viewer",
        email="val@example.com",
    )
    response = Client().post(
        f"/invitations/accept/{key}/",
        {"username": "val", "password": PASSWORD, "password_again": PASSWORD},
    )
    assert response["Location"] == "/"
