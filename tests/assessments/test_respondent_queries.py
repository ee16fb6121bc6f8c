"""Query budgets of the respondent endpoints and of results: the same at 3 and at 20
respondents (each answering every question), so they do not grow with the team."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from assessments import services
from assessments.models import Assessment
from organisations.models import Organisation
from tests.assessments.conftest import client_for
from tests.assessments.respondents_world import add, person, save, team_version

pytestmark = pytest.mark.django_db

SIZES = [3, 20]


def answered_by(size: int) -> tuple[Assessment, User, list[User]]:
    """A mean-rule draft of acme that `size` respondents answered in full, disagreeing."""
    organisation = Organisation.objects.create(slug="acme", name="Acme")
    owner = person(organisation, "olivia", "owner")
    assessment = services.assessment_create(
        organisation=organisation, version=team_version("mean"), user=owner
    )
    people = [person(organisation, f"r{n}", "editor") for n in range(size)]
    for n, user in enumerate(people):
        assert add(client_for(owner), assessment, user.username).status_code == 201
        response = save(
            user,
            assessment,
            {"question": "practice", "choices": ["fully" if n % 2 else "partly"]},
            {"question": "tools", "choices": ["ci"] if n % 3 else ["ci", "cd"]},
            {"question": "coverage", "number": str(10 + n)},
        )
        assert response.status_code == 200
    return assessment, owner, people


@pytest.mark.parametrize("size", SIZES)
def test_reading_my_answers_does_not_grow_with_the_respondents(
    size: int, django_assert_num_queries: Any
) -> None:
    assessment, _, people = answered_by(size)
    client = client_for(people[0])
    # token lookup, token refresh, assessment (joined, with role and respondent flag),
    # the caller's respondent row, their answers
    with django_assert_num_queries(5):
        response = client.get(f"/api/v1/assessments/{assessment.pk}/my-answers/")
    assert len(response.json()["answers"]) == 3


@pytest.mark.parametrize("size", SIZES)
def test_saving_my_answers_does_not_grow_with_the_respondents(
    size: int, django_assert_num_queries: Any
) -> None:
    assessment, _, people = answered_by(size)
    client = client_for(people[0])
    body = {"answers": [{"question": "practice", "choices": ["absent"]}]}
    # token lookup, token refresh, assessment (joined), the caller's respondent row;
    # savepoint, assessment locked, respondent locked, their answers, upsert, its history,
    # respondent revision bumped and read back; every respondent's answers to the question,
    # the assessment's answer to it, its upsert and history; assessment revision bumped and
    # read back; savepoint released
    with django_assert_num_queries(19):
        response = client.patch(f"/api/v1/assessments/{assessment.pk}/my-answers/", body)
    assert response.status_code == 200


@pytest.mark.parametrize("size", SIZES)
def test_listing_the_respondents_does_not_grow_with_them(
    size: int, django_assert_num_queries: Any
) -> None:
    assessment, owner, _ = answered_by(size)
    client = client_for(owner)
    # token lookup, token refresh, assessment (joined), count, the page of respondents with
    # their users, invitations and answer counts
    with django_assert_num_queries(5):
        response = client.get(f"/api/v1/assessments/{assessment.pk}/respondents/")
    assert response.json()["count"] == size
    assert {row["status"] for row in response.json()["results"]} == {"done"}


@pytest.mark.parametrize("size", SIZES)
def test_the_disagreement_does_not_grow_with_the_respondents(
    size: int, django_assert_num_queries: Any
) -> None:
    assessment, owner, _ = answered_by(size)
    client = client_for(owner)
    # token lookup, token refresh, assessment (joined), its answers, every respondent's
    # answers, the number of respondents
    with django_assert_num_queries(6):
        response = client.get(f"/api/v1/assessments/{assessment.pk}/disagreement/")
    assert response.json()["respondents"] == size


@pytest.mark.parametrize("size", SIZES)
def test_submit_and_the_result_do_not_grow_with_the_respondents(
    size: int, django_assert_num_queries: Any
) -> None:
    assessment, owner, _ = answered_by(size)
    client = client_for(owner)
    # token lookup, token refresh, assessment (joined); savepoint, assessment locked (with
    # "has respondents"), its answers, every respondent's answers, the number of respondents,
    # tools in use, hindrance order, the previous result's figures, result, its history,
    # its figures, assessment saved, its history, feed change; savepoint released; the
    # assessment read again for the response (the questionnaire carries no practices, so
    # the catalogue is not asked)
    with django_assert_num_queries(19):
        response = client.post(f"/api/v1/assessments/{assessment.pk}/submit/")
    assert response.status_code == 200
    # token lookup, token refresh, assessment joined with its result (snapshot as text),
    # this result's figures, every organisation's latest figures (peers)
    with django_assert_num_queries(5):
        result = client.get(f"/api/v1/assessments/{assessment.pk}/result/")
    assert result.json()["disagreement"]["respondents"] == size
