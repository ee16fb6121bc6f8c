"""organisations.access: one rule table for what each role may do, resolved once per request."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from organisations import access
from organisations.access import Access, Need
from organisations.models import Membership, Organisation

ORG = Organisation(slug="acme", name="Acme")

# role, respondent -> needs met
TABLE = [
    ("owner", False, {Need.MEMBER, Need.READ, Need.EDIT, Need.OWN}),
    ("editor", False, {Need.MEMBER, Need.READ, Need.EDIT}),
    ("viewer", False, {Need.MEMBER, Need.READ}),
    ("respondent", False, {Need.MEMBER}),
    ("respondent", True, {Need.MEMBER, Need.READ, Need.ANSWER}),
    (None, True, {Need.READ, Need.ANSWER}),
    ("owner", True, {Need.MEMBER, Need.READ, Need.EDIT, Need.OWN, Need.ANSWER}),
    (None, False, set()),
]


@pytest.mark.parametrize(("role", "respondent", "met"), TABLE)
def test_each_role_meets_exactly_its_needs(role: str | None, respondent: bool, met: set) -> None:
    grant = Access(ORG, role, respondent)
    assert {need for need in Need if grant.allows(need)} == met


def test_a_need_not_met_is_refused_with_its_reason_or_the_views_own() -> None:
    viewer = Access(ORG, "viewer")
    with pytest.raises(PermissionDenied, match="Viewers can read this but not change it"):
        viewer.require(Need.EDIT)
    with pytest.raises(PermissionDenied, match=r"^Not you$"):
        viewer.require(Need.OWN, "Not you")
    assert viewer.require(Need.READ) is viewer


@pytest.fixture
def members(db: None) -> dict[str, User]:
    acme = Organisation.objects.create(slug="acme", name="Acme")
    Organisation.objects.create(slug="globex", name="Globex")
    users = {}
    for name, role in [("olga", "owner"), ("vic", "viewer")]:
        users[name] = User.objects.create_user(name)
        Membership.objects.create(organisation=acme, user=users[name], role=role)
    users["stan"] = User.objects.create_user("stan", is_staff=True, is_superuser=True)
    return users


def _request(user: User):  # type: ignore[no-untyped-def]
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_the_organisation_and_role_are_resolved_once_per_request(
    members: dict[str, User], django_assert_num_queries
) -> None:
    request = _request(members["olga"])
    with django_assert_num_queries(1):  # the organisation with the caller's role
        first = access.organisation(request, "acme", Need.OWN)
        again = access.organisation(request, "acme", Need.READ)
    assert first is again
    assert (request.organisation.slug, request.role) == ("acme", "owner")


@pytest.mark.parametrize(
    ("user", "slug"), [("vic", "globex"), ("vic", "nowhere"), ("stan", "acme")]
)
def test_foreign_unknown_and_staff_without_membership_get_the_same_404(
    members: dict[str, User], user: str, slug: str
) -> None:
    with pytest.raises(Http404):
        access.organisation(_request(members[user]), slug)


def test_a_role_too_weak_is_a_403_after_the_organisation_is_found(
    members: dict[str, User],
) -> None:
    request = _request(members["vic"])
    with pytest.raises(PermissionDenied, match="Only the organisation's owners"):
        access.organisation(request, "acme", Need.OWN)
    assert request.role == "viewer"
