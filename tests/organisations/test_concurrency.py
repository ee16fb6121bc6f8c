"""The last owner stays, however the owners race. Run for real on PostgreSQL (SQLite has no
row locks: it serialises whole transactions, so the race cannot happen there)."""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection

from opsassess.core.exceptions import Conflict
from organisations import services
from organisations.models import Membership, Organisation
from tests.assessments.test_concurrency import run_together
from tests.organisations.conftest import join, person

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (set DATABASE_URL)"
    ),
]


@pytest.fixture
def two_owners() -> Organisation:
    acme = Organisation.objects.create(slug="acme", name="Acme")
    join(acme, person("olivia"), "owner")
    join(acme, person("owen"), "owner")
    return acme


def membership(username: str) -> Membership:
    return Membership.objects.select_related("organisation", "user").get(user__username=username)


def demote(username: str) -> Callable[[], Any]:
    target = membership(username)
    return lambda: services.membership_change_role(membership=target, role="viewer")


def remove(username: str) -> Callable[[], Any]:
    target = membership(username)
    return lambda: services.membership_remove(membership=target)


def owners(organisation: Organisation) -> list[str]:
    return sorted(
        organisation.memberships.filter(role="owner").values_list("user__username", flat=True)
    )


def refused(outcomes: list[Any]) -> list[str]:
    return [o.code for o in outcomes if isinstance(o, Conflict)]


@pytest.mark.parametrize("attempt", range(4))
def test_two_owners_demoting_each_other_at_once_leave_one_owner(
    two_owners: Organisation, attempt: int
) -> None:
    outcomes = run_together(demote("olivia"), demote("owen"))

    assert refused(outcomes) == ["last_owner"]
    assert not [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, Conflict)]
    assert len(owners(two_owners)) == 1


@pytest.mark.parametrize("attempt", range(4))
def test_two_owners_leaving_at_once_leave_one_owner(two_owners: Organisation, attempt: int) -> None:
    outcomes = run_together(remove("olivia"), remove("owen"))

    assert refused(outcomes) == ["last_owner"]
    assert len(owners(two_owners)) == 1
    assert two_owners.memberships.count() == 1


@pytest.mark.parametrize("attempt", range(4))
def test_an_owner_leaving_while_the_other_is_demoted_leaves_one_owner(
    two_owners: Organisation, attempt: int
) -> None:
    outcomes = run_together(remove("olivia"), demote("owen"))

    assert refused(outcomes) == ["last_owner"]
    assert len(owners(two_owners)) == 1


def test_two_acceptances_of_one_invitation_at_once_make_one_member(
    two_owners: Organisation,
) -> None:
    priya = person("priya", "priya@example.com")
    olivia = User.objects.get(username="olivia")
    _, secret = services.invitation_create(
        organisation=two_owners, invited_by=olivia, role="editor", email="priya@example.com"
    )

    outcomes = run_together(
        *(lambda: services.invitation_accept(secret=secret, user=priya) for _ in range(3))
    )

    assert sorted(refused(outcomes)) == ["invitation_used", "invitation_used"]
    assert two_owners.memberships.filter(user=priya).count() == 1
