"""organisations.services and organisations.targets, without HTTP."""

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ValidationError

from opsassess.core.exceptions import Conflict
from organisations import services, targets
from organisations.models import Invitation, Membership, Organisation, Unit, stronger_role
from tests.organisations.conftest import person

# --- the shape of unit targets (pure) ----------------------------------------------------------

PERCENT = (
    "A percentage from 0 to 100 (a number, or ASCII digits in a string), with at most 4 "
    "decimal places."
)


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ({}, {}),
        ({"devops-maturity": {}}, {}),
        ({"devops-maturity": {"level": "managed", "sections": {"ci-cd": 0, "plan.backlog": 100},
                              "disciplines": {"devops": "99.9999"}}}, {}),
        ([], {"targets": "An object: questionnaire slug -> goals."}),
        ({"devops": "managed"},
         {"targets.devops": 'An object with "level", "sections" and/or "disciplines".'}),
        ({"devops": {"answers": {}}},
         {"targets.devops.answers": "Unknown field. Allowed: level, sections, disciplines."}),
        ({"devops": {"level": 3}},
         {"targets.devops.level": "Not a level key: lower-case letters, digits and dashes, at "
                                  "most 80 characters."}),
        ({"devops": {"sections": [80]}},
         {"targets.devops.sections": "An object: key -> percentage (0-100)."}),
        ({"devops": {"sections": {"ci": -1}}}, {"targets.devops.sections.ci": PERCENT}),
        ({"devops": {"sections": {"ci": 100.5}}}, {"targets.devops.sections.ci": PERCENT}),
        ({"devops": {"sections": {"ci": "1e2"}}}, {"targets.devops.sections.ci": PERCENT}),
        ({"devops": {"sections": {"ci": "٨٠"}}}, {"targets.devops.sections.ci": PERCENT}),
        ({"devops": {"sections": {"ci": 12.34567}}}, {"targets.devops.sections.ci": PERCENT}),
        ({"devops": {"sections": {"ci": True}}}, {"targets.devops.sections.ci": PERCENT}),
        ({"devops": {"sections": {"ci": None}}}, {"targets.devops.sections.ci": PERCENT}),
        ({"devops": {"sections": {"ci": float("nan")}}}, {"targets.devops.sections.ci": PERCENT}),
        ({"devops": {"disciplines": {"Dev.Ops": 5}}},
         {"targets.devops.disciplines.Dev.Ops": "Not a discipline slug: lower-case letters, "
                                                "digits and dashes, at most 80 characters."}),
        ({"devops": {"sections": {f"s{n}": 1 for n in range(201)}}},
         {"targets.devops.sections": "At most 200 targets."}),
        ({f"q{n}": {} for n in range(51)}, {"targets": "At most 50 questionnaires."}),
    ],
)  # fmt: skip
def test_the_shape_of_unit_targets(value: Any, found: dict[str, str]) -> None:
    assert targets.problems(value) == found


def test_percentages_are_stored_as_one_decimal_spelling() -> None:
    assert targets.normalised(
        {"devops": {"level": "x", "sections": {"a": 80, "b": 80.50, "c": "07.2500", "d": 0.0001}}}
    ) == {
        "devops": {"level": "x", "sections": {"a": "80", "b": "80.5", "c": "7.25", "d": "0.0001"}}
    }


@pytest.mark.parametrize(
    ("first", "second", "stronger"),
    [
        ("viewer", "editor", "editor"),
        ("owner", "respondent", "owner"),
        ("respondent", "viewer", "viewer"),
        ("editor", "editor", "editor"),
    ],
)
def test_the_stronger_of_two_roles(first: str, second: str, stronger: str) -> None:
    assert stronger_role(first, second) == stronger


# --- members and units -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_role_that_does_not_exist_is_refused_by_every_member_service(
    acme: Organisation, olivia: User, vera: User
) -> None:
    vera_membership = Membership.objects.get(user=vera)
    with pytest.raises(ValidationError) as added:
        services.membership_add(organisation=acme, user=person("priya"), role="admin")
    with pytest.raises(ValidationError):
        services.membership_change_role(membership=vera_membership, role="admin")
    with pytest.raises(ValidationError):
        services.invitation_create(
            organisation=acme, invited_by=olivia, role="admin", email="a@b.c"
        )
    assert added.value.message_dict == {
        "role": ["'admin' is not a role. Roles: owner, editor, viewer, respondent."]
    }
    assert Membership.objects.get(user=vera).role == "viewer"


@pytest.mark.django_db
def test_removing_a_membership_removed_meanwhile_is_not_an_error(
    acme: Organisation, olivia: User, vera: User
) -> None:
    membership = Membership.objects.get(user=vera)
    Membership.objects.filter(pk=membership.pk).delete()

    services.membership_remove(membership=membership)

    assert not Membership.objects.filter(user=vera).exists()


@pytest.mark.django_db
def test_the_admin_refuses_unit_targets_of_the_wrong_shape(acme: Organisation) -> None:
    unit = Unit(organisation=acme, slug="ops", name="Ops", targets={"devops": {"sections": 5}})

    with pytest.raises(ValidationError) as refused:
        unit.full_clean()

    assert refused.value.message_dict == {
        "targets": ["targets.devops.sections: An object: key -> percentage (0-100)."]
    }


@pytest.mark.django_db
def test_an_update_that_changes_nothing_writes_nothing(acme: Organisation) -> None:
    unit = services.unit_create(organisation=acme, slug="ops", name="Ops", targets={"d": {}})

    services.unit_update(unit=unit, slug="ops", name="Ops", kind="team", parent=None,
                         targets={"d": {}})  # fmt: skip

    assert Unit.history.filter(id=unit.pk).count() == 1


# --- invitations -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_without_an_accept_url_the_link_is_the_site_relative_path(
    acme: Organisation, olivia: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _, secret = services.invitation_create(
            organisation=acme, invited_by=olivia, role="viewer", email="priya@example.com"
        )

    assert f"\n/invitations/accept/{secret}/\n" in mail.outbox[0].body
    assert "  POST /api/v1/invitations/accept/\n" in mail.outbox[0].body


@pytest.mark.django_db
def test_an_invitation_with_a_purpose_is_made_for_members_and_beside_pending_ones(
    acme: Organisation, olivia: User, vera: User, django_capture_on_commit_callbacks: Any
) -> None:
    services.invitation_create(
        organisation=acme, invited_by=olivia, role="viewer", email="priya@example.com"
    )

    with django_capture_on_commit_callbacks(execute=True):
        to_member, _ = services.invitation_create(
            organisation=acme,
            invited_by=olivia,
            role="respondent",
            username="vera",
            purpose="You are asked to answer\n“Payments team review”.",
            accept_url=lambda secret: f"https://ops.example.com/i/{secret}/",
        )
        beside_pending, _ = services.invitation_create(
            organisation=acme,
            invited_by=olivia,
            role="respondent",
            email="priya@example.com",
            purpose="You are asked to answer “Search review”.",
        )

    assert to_member.purpose == "You are asked to answer “Payments team review”."
    assert beside_pending.email == "priya@example.com"
    assert Invitation.objects.count() == 3
    body = mail.outbox[0].body
    assert mail.outbox[0].to == ["vera@acme.example"]
    assert body.startswith(
        "Olivia invites you to Acme on opsassess, as respondent.\n"
        "You are asked to answer “Payments team review”.\n"
    )
    assert "https://ops.example.com/i/" in body
    assert "POST https://ops.example.com/api/v1/invitations/accept/" in body


@pytest.mark.django_db
def test_a_purpose_longer_than_one_sentence_allows_is_refused(
    acme: Organisation, olivia: User
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.invitation_create(
            organisation=acme, invited_by=olivia, role="viewer", email="a@b.c", purpose="x" * 301
        )
    assert refused.value.message_dict == {"purpose": ["At most 300 characters."]}


@pytest.mark.django_db
def test_accepting_an_unknown_secret_raises_does_not_exist(acme: Organisation) -> None:
    with pytest.raises(Invitation.DoesNotExist):
        services.invitation_accept(secret="nothing", user=person("priya"))


@pytest.mark.django_db
def test_accepting_for_a_member_who_holds_a_stronger_role_changes_no_membership(
    acme: Organisation, olivia: User
) -> None:
    _, secret = services.invitation_create(
        organisation=acme, invited_by=olivia, role="respondent", username="olivia", purpose="x"
    )

    accepted = services.invitation_accept(secret=secret, user=olivia)

    assert accepted.membership.role == "owner"  # type: ignore[attr-defined]
    assert Membership.history.filter(user=olivia).count() == 1


@pytest.mark.django_db
def test_revoking_an_accepted_invitation_is_a_conflict(acme: Organisation, olivia: User) -> None:
    invitation, secret = services.invitation_create(
        organisation=acme, invited_by=olivia, role="viewer", username="olivia", purpose="x"
    )
    services.invitation_accept(secret=secret, user=olivia)

    with pytest.raises(Conflict) as refused:
        services.invitation_revoke(invitation=invitation)

    assert refused.value.code == "invitation_used"
