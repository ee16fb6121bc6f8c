"""Query budgets of the facilitators' pages: the same number of queries with 2 respondents as
with 8 (each page is fetched once first, so the questionnaire's tree is in the per-process
cache, as after the first request in production)."""

from typing import Any

import pytest

from tests.web import facilitate_world as fw

pytestmark = pytest.mark.django_db

SIGNED_IN = 2  # the session, the user
ASSESSMENT = 1  # the assessment with the caller's role and whether they answer it


def grow_to_eight(world: dict[str, Any]) -> None:
    people = [fw.person(world["acme"], f"extra{n}", "respondent") for n in range(6)]
    fw.grow(world["draft"], world["users"]["owner"], people)


def budget(django_assert_num_queries: Any, page: str, queries: int) -> None:
    world = fw.build()
    client = fw.client(world, "owner")
    path = f"/assessments/{world['draft'].pk}/{page}"
    for size in (2, 8):
        assert client.get(path).status_code == 200
        with django_assert_num_queries(queries):
            response = client.get(path)
        assert response.status_code == 200
        if size == 2:
            grow_to_eight(world)


def test_team_page_budget_at_2_and_8_respondents(django_assert_num_queries: Any) -> None:
    # the respondents with their people, invitations and counts of answers
    budget(django_assert_num_queries, "team/", SIGNED_IN + ASSESSMENT + 1)


def test_disagreement_page_budget_at_2_and_8_respondents(django_assert_num_queries: Any) -> None:
    # the assessment's answers; every respondent's answers; the number of respondents
    budget(django_assert_num_queries, "disagreement/", SIGNED_IN + ASSESSMENT + 3)


def test_consensus_page_budget_at_2_and_8_respondents(django_assert_num_queries: Any) -> None:
    # as the disagreement page: the form starts from the answer already read
    budget(django_assert_num_queries, "consensus/practice/", SIGNED_IN + ASSESSMENT + 3)


def test_submit_page_budget_at_2_and_8_respondents(django_assert_num_queries: Any) -> None:
    # the assessment (as ASSESSMENT, and whether it has respondents); its answers; every
    # respondent's answers; their number
    budget(django_assert_num_queries, "submit/", SIGNED_IN + ASSESSMENT + 3)
