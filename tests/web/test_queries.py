"""Query budgets of the pages: the same number of queries whatever the number of rows.

Each page is fetched once first, so the published questionnaire's tree is in the
per-process cache (as it is after the first request in production).
"""

from collections.abc import Callable
from typing import Any

import pytest

from assessments import services
from assessments.models import Assessment
from organisations.models import Unit
from tests.assessments.conftest import RUBRIC_KEYS, answer_all
from tests.web.conftest import signed_in

pytestmark = pytest.mark.django_db

SIGNED_IN = 2  # the session, the user


def grow(world: dict[str, Any], size: int) -> None:
    """`size` more units, drafts of them (half answered) and submitted results of Acme."""
    owner, version = world["users"]["owner"], world["version"]
    start = Unit.objects.count()
    for index in range(size):
        unit = Unit.objects.create(
            organisation=world["acme"], slug=f"team-{start + index}", name=f"Team {start + index}"
        )
        draft = services.assessment_create(
            organisation=world["acme"], version=version, user=owner, unit=unit
        )
        if index % 2:
            answer_all(draft, owner, "partly")
        done = services.assessment_create(organisation=world["acme"], version=version, user=owner)
        answer_all(done, owner)
        services.assessment_submit(assessment=done, user=owner)


def answer_draft(world: dict[str, Any]) -> None:
    answer_all(world["draft"], world["users"]["owner"], "partly")


def budget(
    small_world: dict[str, Any],
    django_assert_num_queries: Any,
    path: Callable[[dict[str, Any]], str],
    queries: int,
    more: Callable[[dict[str, Any]], None],
) -> None:
    client = signed_in(small_world, "owner")
    for _ in range(2):
        url = path(small_world)
        assert client.get(url).status_code == 200
        with django_assert_num_queries(queries):
            assert client.get(url).status_code == 200
        more(small_world)


def test_home_page_budget(small_world: Any, django_assert_num_queries: Any) -> None:
    # session, user; organisations with the role; assessments with organisation, unit,
    # questionnaire, people and result; the drafts' answers; the units that can be assessed;
    # the questionnaires that can be started and their published versions
    budget(
        small_world, django_assert_num_queries, lambda w: "/", SIGNED_IN + 6, lambda w: grow(w, 4)
    )


def test_answer_page_budget(small_world: Any, django_assert_num_queries: Any) -> None:
    # session, user; the assessment with role and related rows; its answers
    budget(
        small_world,
        django_assert_num_queries,
        lambda w: f"/assessments/{w['draft'].pk}/answer/automation/",
        SIGNED_IN + 2,
        answer_draft,
    )


def test_submit_page_budget(small_world: Any, django_assert_num_queries: Any) -> None:
    # session, user; the assessment with role and related rows; its answers
    budget(
        small_world,
        django_assert_num_queries,
        lambda w: f"/assessments/{w['draft'].pk}/submit/",
        SIGNED_IN + 2,
        answer_draft,
    )


def test_result_page_budget(small_world: Any, django_assert_num_queries: Any) -> None:
    # session, user; the assessment with role, related rows and result; the history's results
    # and their scores (2); the answers' comments and evidence; the peers' figures (2); the
    # other results to compare with
    budget(
        small_world,
        django_assert_num_queries,
        lambda w: (
            f"/assessments/{Assessment.objects.filter(status='submitted').latest('pk').pk}/result/"
        ),
        SIGNED_IN + 7,
        lambda w: grow(w, 3),
    )


def test_compare_page_budget(small_world: Any, django_assert_num_queries: Any) -> None:
    # session, user; the assessment with role, related rows and result; the other results;
    # the one compared with
    budget(
        small_world,
        django_assert_num_queries,
        lambda w: (
            f"/assessments/{Assessment.objects.filter(status='submitted').latest('pk').pk}/compare/"
        ),
        SIGNED_IN + 3,
        lambda w: grow(w, 3),
    )


def test_autosave_budget(small_world: Any, django_assert_num_queries: Any) -> None:
    # session, user; the assessment with role; its answers (the form's initial values);
    # then the service: savepoint, the locked assessment, whether it has respondents (they
    # answer it themselves), its answers, the upsert, its history row, the revision bump and
    # its re-read, release
    client = signed_in(small_world, "owner")
    draft = small_world["draft"]
    for index, key in enumerate(RUBRIC_KEYS[:2]):
        etag = Assessment.objects.get(pk=draft.pk).etag
        with django_assert_num_queries(SIGNED_IN + 11):
            response = client.post(
                f"/assessments/{draft.pk}/answer/automation/{key}/",
                {"etag": etag, f"q-{key}-choices": "partly"},
                HTTP_HX_REQUEST="true",
            )
        assert response.status_code == 200, index
