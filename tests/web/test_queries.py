"""Query budgets of the pages: the same number of queries whatever the number of rows.

Each page is fetched once first, so the published questionnaire's tree is in the
per-process cache (as it is after the first request in production).
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from assessments import services
from assessments.models import Assessment
from organisations.models import Invitation, Unit
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
    # the questionnaires that can be started and their published versions; the invitations
    # waiting for the caller
    budget(
        small_world, django_assert_num_queries, lambda w: "/", SIGNED_IN + 7, lambda w: grow(w, 4)
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


def test_portfolio_page_budget_at_5_and_30_units(
    portfolio: Any, django_assert_num_queries: Any
) -> None:
    from tests.assessments import portfolio_world as pw

    client = Client()
    client.force_login(portfolio["users"]["owner"])
    acme, owner = portfolio["acme"], portfolio["users"]["owner"]
    engineering = portfolio["units"]["engineering"]

    def grow(size: int) -> None:
        """`size` more teams in Engineering, each with results of both questionnaires."""
        start = acme.units.count()
        for index in range(start, start + size):
            team = pw.unit(acme, f"team-{index}", f"Team {index}", parent=engineering)
            pw.result(acme, portfolio["devops"], owner, {"plan": index % 5, "build": 1}, team)
            values = {"data": 1, "models": 2, "serve": 3}
            pw.result(acme, portfolio["mlops"], owner, values, team)

    grow(2)
    for size, more in [(5, 25), (30, 0)]:
        assert acme.units.count() == size
        for query in ({}, {"questionnaire": "alpha-mlops"}):
            # session, user; the organisation with the caller's role; the portfolio's six:
            # published versions, their discipline tags, the submitted assessments with their
            # results, the versions' top-level sections, the shown results' section scores,
            # the units (the filter's choices are the portfolio's own questionnaires)
            with django_assert_num_queries(SIGNED_IN + 1 + 6):
                response = client.get("/organisations/acme/portfolio/", query)
            assert response.status_code == 200
        grow(more)
    # The last page, of one questionnaire: its overview and its heatmap, each a row per unit
    # and the roll-up's.
    assert response.content.decode().count('<th scope="row"') == 2 * (30 + 1)


def test_home_page_budget_with_1_and_10_invitations(
    small_world: Any, django_assert_num_queries: Any
) -> None:
    from organisations.models import Organisation
    from organisations.services import invitation_create

    owner = small_world["users"]["owner"]
    client = signed_in(small_world, "viewer")
    client.get("/")
    for count in (1, 10):
        while Invitation.objects.count() < count:
            organisation = Organisation.objects.create(
                slug=f"org-{Invitation.objects.count()}", name="Another"
            )
            invitation_create(
                organisation=organisation, invited_by=owner, role="viewer", username="viewer"
            )
        # session, user; organisations with the role; assessments with their rows; the
        # drafts' answers; the invitations waiting, with their organisations and senders
        with django_assert_num_queries(SIGNED_IN + 4):
            response = client.get("/")
        assert response.content.decode().count("Accept<span") == count
