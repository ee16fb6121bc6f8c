"""Query budgets: lists and details of members, units and invitations cost the same number of
queries with 3 rows as with 30."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from organisations import services
from organisations.models import Invitation, Organisation, Unit
from tests.assessments.conftest import client_for
from tests.organisations.conftest import join, person

pytestmark = pytest.mark.django_db

SIZES = [3, 30]


@pytest.fixture
def crowded(acme: Organisation, olivia: User, request: Any) -> dict[str, Any]:
    """acme with `size` members besides olivia, `size` units (each inside the previous one),
    `size` invitations (every other one accepted) and `size` invitations addressed to priya."""
    size = request.param
    priya = person("priya", "priya@example.com")
    for n in range(size):
        join(acme, person(f"member{n:02}", f"m{n}@example.com"), "viewer")
    parent = None
    for n in range(size):
        parent = Unit.objects.create(organisation=acme, slug=f"unit-{n:02}", name=f"Unit {n}",
                                     parent=parent)  # fmt: skip
    for n in range(size):
        invitation, _ = services.invitation_create(
            organisation=acme, invited_by=olivia, role="viewer", email=f"guest{n}@example.com"
        )
        if n % 2:
            Invitation.objects.filter(pk=invitation.pk).update(
                accepted_at=timezone.now(), accepted_by=priya
            )
    for n in range(size):
        other = Organisation.objects.create(slug=f"org-{n:02}", name=f"Org {n}")
        services.invitation_create(
            organisation=other, invited_by=olivia, role="viewer", username="priya", purpose="p"
        )
    return {"size": size, "olivia": client_for(olivia), "priya": client_for(priya)}


def expect(client: Any, url: str, rows: int | None = None) -> Any:
    response = client.get(url, {"page_size": 50} if rows is not None else {})
    assert response.status_code == 200, response.content
    if rows is not None:
        assert len(response.json()["results"]) == rows
    return response


@pytest.mark.parametrize("crowded", SIZES, indirect=True)
def test_the_member_list_and_a_member_cost_the_same_at_any_size(
    crowded: dict[str, Any], django_assert_num_queries: Any
) -> None:
    api = crowded["olivia"]
    # token lookup, token refresh, the organisation with the caller's role, count, page of
    # memberships joined with their users
    with django_assert_num_queries(5):
        expect(api, "/api/v1/organisations/acme/members/", crowded["size"] + 1)
    # token lookup, token refresh, the organisation with the caller's role, the membership
    # joined with its user
    with django_assert_num_queries(4):
        expect(api, "/api/v1/organisations/acme/members/member02/")


@pytest.mark.parametrize("crowded", SIZES, indirect=True)
def test_the_unit_list_and_a_unit_cost_the_same_at_any_size(
    crowded: dict[str, Any], django_assert_num_queries: Any
) -> None:
    api = crowded["olivia"]
    # token lookup, token refresh, the organisation with the caller's role, count, page of
    # units joined with their parents
    with django_assert_num_queries(5):
        response = expect(api, "/api/v1/organisations/acme/units/", crowded["size"])
    assert response.json()["results"][1]["parent"] == "unit-00"
    # token lookup, token refresh, the organisation with the caller's role, the unit joined
    # with its parent
    with django_assert_num_queries(4):
        expect(api, "/api/v1/organisations/acme/units/unit-02/")


@pytest.mark.parametrize("crowded", SIZES, indirect=True)
def test_the_invitation_list_and_an_invitation_cost_the_same_at_any_size(
    crowded: dict[str, Any], django_assert_num_queries: Any
) -> None:
    api = crowded["olivia"]
    # token lookup, token refresh, the organisation with the caller's role, count, page of
    # invitations joined with who sent and who accepted them
    with django_assert_num_queries(5):
        response = expect(api, "/api/v1/organisations/acme/invitations/", crowded["size"])
    assert {row["accepted_by"] for row in response.json()["results"]} == {None, "priya"}
    uuid = Invitation.objects.filter(organisation__slug="acme").first().uuid  # type: ignore[union-attr]
    # token lookup, token refresh, the organisation with the caller's role, the invitation
    # joined with who sent and who accepted it
    with django_assert_num_queries(4):
        expect(api, f"/api/v1/organisations/acme/invitations/{uuid}/")


@pytest.mark.parametrize("crowded", SIZES, indirect=True)
def test_my_invitations_cost_the_same_at_any_size(
    crowded: dict[str, Any], django_assert_num_queries: Any
) -> None:
    # token lookup, token refresh, count, page of invitations joined with their organisation
    # and who sent them
    with django_assert_num_queries(4):
        response = expect(crowded["priya"], "/api/v1/invitations/", crowded["size"])
    assert response.json()["results"][0]["organisation"]["slug"] == f"org-{crowded['size'] - 1:02}"
