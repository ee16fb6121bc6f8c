"""The admin of units and invitations, and the owner rule in the organisation's member inline."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from organisations import services
from organisations.models import Invitation, Membership, Organisation, Unit
from tests.assessments.test_admin import change_url, changelist_url, form_data, run_action

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("manager", password="a-long-password-1"))
    return client


@pytest.fixture
def units(acme: Organisation, globex: Organisation) -> dict[str, Unit]:
    payments = Unit.objects.create(organisation=acme, slug="payments", name="Payments",
                                   kind="product")  # fmt: skip
    return {
        "payments": payments,
        "checkout": Unit.objects.create(
            organisation=acme, slug="checkout", name="Checkout", parent=payments
        ),
        "billing": Unit.objects.create(organisation=globex, slug="billing", name="Billing"),
    }


def listed(response: Any) -> list[str]:
    return [str(obj) for obj in response.context["cl"].result_list]


def test_units_are_listed_by_organisation_kind_and_parent_and_searched(
    manager: Client, units: dict[str, Unit], acme: Organisation
) -> None:
    url = changelist_url(Unit)

    assert len(listed(manager.get(url))) == 3
    assert listed(manager.get(url, {"organisation__id__exact": acme.pk})) == [
        "Checkout (Acme)",
        "Payments (Acme)",
    ]
    assert listed(manager.get(url, {"kind__exact": "product"})) == ["Payments (Acme)"]
    assert listed(manager.get(url, {"parent__id__exact": units["payments"].pk})) == [
        "Checkout (Acme)"
    ]
    assert listed(manager.get(url, {"q": "bill"})) == ["Billing (Globex)"]


def test_the_unit_form_refuses_a_foreign_parent_and_badly_shaped_targets(
    manager: Client, units: dict[str, Unit]
) -> None:
    checkout = units["checkout"]
    data = form_data(manager.get(change_url(checkout)))

    foreign = manager.post(change_url(checkout), {**data, "parent": units["billing"].pk})
    shaped = manager.post(change_url(checkout), {**data, "targets": '{"devops": {"level": 3}}'})

    assert foreign.status_code == shaped.status_code == 200  # the form again, with errors
    assert "The parent unit must belong to the same organisation." in foreign.content.decode()
    assert "Not a level key" in shaped.content.decode()
    checkout.refresh_from_db()
    assert (checkout.parent, checkout.targets) == (units["payments"], {})


def test_a_unit_renamed_in_the_admin_is_audited_with_the_manager(
    manager: Client, units: dict[str, Unit]
) -> None:
    checkout = units["checkout"]
    data = form_data(manager.get(change_url(checkout)))

    response = manager.post(change_url(checkout), {**data, "name": "Checkout team"})

    assert response.status_code == 302
    latest = Unit.history.filter(id=checkout.pk).latest("history_date")
    assert (latest.name, latest.history_user.username) == ("Checkout team", "manager")


@pytest.fixture
def invitations(acme: Organisation, olivia: User) -> dict[str, Invitation]:
    pending, _ = services.invitation_create(
        organisation=acme, invited_by=olivia, role="viewer", email="priya@example.com"
    )
    used, secret = services.invitation_create(
        organisation=acme, invited_by=olivia, role="viewer", email="sam@example.com"
    )
    services.invitation_accept(
        secret=secret, user=User.objects.create_user("sam", email="sam@example.com")
    )
    return {"pending": pending, "used": used}


def test_invitations_are_listed_with_their_status_and_filtered_by_it(
    manager: Client, invitations: dict[str, Invitation]
) -> None:
    url = changelist_url(Invitation)

    page = manager.get(url)
    accepted = manager.get(url, {"status": "accepted"})

    assert page.status_code == 200
    assert "pending" in page.content.decode() and "accepted" in page.content.decode()
    assert [i.pk for i in accepted.context["cl"].result_list] == [invitations["used"].pk]


def test_invitations_are_not_added_in_the_admin_and_their_page_is_read_only(
    manager: Client, invitations: dict[str, Invitation]
) -> None:
    pending = invitations["pending"]

    assert manager.get(reverse("admin:organisations_invitation_add")).status_code == 403
    page = manager.get(change_url(pending))
    assert page.status_code == 200
    assert pending.secret_hash in page.content.decode()
    assert not page.context["adminform"].form.fields  # every field is read-only


def test_the_revoke_action_revokes_pending_invitations_and_names_the_accepted_ones(
    manager: Client, invitations: dict[str, Invitation]
) -> None:
    said = run_action(manager, Invitation, "revoke", list(invitations.values()))

    assert said == [
        "success: 1 invitation(s) revoked.",
        "warning: Already accepted, so not revoked: sam@example.com.",
    ]
    assert Invitation.objects.get(pk=invitations["pending"].pk).status == "revoked"
    assert Invitation.objects.get(pk=invitations["used"].pk).status == "accepted"
    latest = Invitation.history.filter(id=invitations["pending"].pk).latest("history_date")
    assert latest.history_user.username == "manager"


@pytest.mark.parametrize("model", [Unit, Invitation])
def test_the_audit_trails_of_units_and_invitations_are_in_the_admin(
    manager: Client, units: dict[str, Unit], invitations: dict[str, Invitation], model: Any
) -> None:
    response = manager.get(changelist_url(model.history.model))

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 2


def test_the_member_inline_keeps_one_owner(
    manager: Client, acme: Organisation, olivia: User, vera: User
) -> None:
    data = form_data(manager.get(change_url(acme)))
    prefix = next(name for name in data if name.endswith("-0-role")).removesuffix("-0-role")
    owner_row = next(n for n in range(2) if data[f"{prefix}-{n}-role"] == "owner")

    demoted = manager.post(change_url(acme), {**data, f"{prefix}-{owner_row}-role": "viewer"})
    removed = manager.post(change_url(acme), {**data, f"{prefix}-{owner_row}-DELETE": "on"})
    handed_over = manager.post(
        change_url(acme),
        {
            **data,
            f"{prefix}-{owner_row}-role": "viewer",
            f"{prefix}-{1 - owner_row}-role": "owner",
        },
    )

    message = "An organisation keeps at least one owner: make someone else an owner first."
    assert message in demoted.content.decode()
    assert message in removed.content.decode()
    assert handed_over.status_code == 302
    assert dict(acme.memberships.values_list("user__username", "role")) == {
        "olivia": "viewer",
        "vera": "owner",
    }
    assert Membership.objects.count() == 2
