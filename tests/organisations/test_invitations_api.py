"""Invitations through the API: owners invite, list and revoke; the invitee accepts once."""

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone

from organisations import services, signals
from organisations.models import Invitation, Membership, Organisation
from tests.assessments.conftest import client_for
from tests.organisations.conftest import codes, errors, join, person

pytestmark = pytest.mark.django_db

INVITATIONS = "/api/v1/organisations/acme/invitations/"
ACCEPT = "/api/v1/invitations/accept/"
MINE = "/api/v1/invitations/"


def invite(owner: User, **body: Any) -> Any:
    return client_for(owner).post(INVITATIONS, body, format="json")


def role_in(organisation: Organisation, username: str) -> str | None:
    found = organisation.memberships.filter(user__username=username).first()
    return None if found is None else found.role


# --- inviting ----------------------------------------------------------------------------------


def test_an_invitation_by_email_shows_its_key_once_and_stores_only_a_hash(
    acme: Organisation, olivia: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(olivia, email="Priya@Example.COM", role="editor")

    assert response.status_code == 201, response.json()
    body = response.json()
    key = body["key"]
    invitation = Invitation.objects.get()
    assert body["uuid"] == str(invitation.uuid)
    assert (body["email"], body["username"], body["role"]) == ("Priya@example.com", "", "editor")
    assert (body["status"], body["invited_by"], body["emailed"]) == ("pending", "olivia", True)
    assert body["accept_url"] == f"http://testserver/invitations/accept/{key}/"
    assert len(key) >= 40
    assert invitation.secret_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(Invitation.objects.values().get())
    # 14 days from creation (the two moments are taken a few microseconds apart)
    lifetime = invitation.expires_at - invitation.created_at
    assert timedelta(days=14) - timedelta(seconds=1) < lifetime < timedelta(days=14, seconds=1)
    # the key is never shown again
    again = client_for(olivia).get(INVITATIONS + f"{invitation.uuid}/").json()
    assert "key" not in again and "accept_url" not in again


def test_the_invitation_email_goes_out_after_commit_with_the_link_and_the_api_way(
    acme: Organisation, olivia: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = invite(olivia, email="priya@example.com", role="editor")
        assert mail.outbox == []  # nothing leaves before the invitation is committed

    for callback in callbacks:
        callback()

    key = response.json()["key"]
    [message] = mail.outbox
    assert message.to == ["priya@example.com"]
    assert message.subject == "Invitation to Acme on opsassess"
    assert "Olivia invites you to Acme on opsassess, as editor." in message.body
    assert f"http://testserver/invitations/accept/{key}/" in message.body
    assert "POST http://testserver/api/v1/invitations/accept/" in message.body
    assert f'{{"key": "{key}"}}' in message.body


def test_an_invitation_by_username_is_mailed_to_their_address_if_they_have_one(
    acme: Organisation, olivia: User, django_capture_on_commit_callbacks: Any
) -> None:
    person("priya", "priya@example.com")
    person("nomail")

    with django_capture_on_commit_callbacks(execute=True):
        mailed = invite(olivia, username="priya")
        unmailed = invite(olivia, username="nomail")

    assert mailed.status_code == unmailed.status_code == 201
    assert (mailed.json()["emailed"], unmailed.json()["emailed"]) == (True, False)
    assert [m.to for m in mail.outbox] == [["priya@example.com"]]
    assert mailed.json()["role"] == "viewer"  # the default for invitations to join


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ({}, {"email": "Give the e-mail address or the username of the person to invite.",
              "username": "Give the e-mail address or the username of the person to invite."}),
        ({"email": "", "role": "viewer"}, {"email": "This field may not be blank."}),
        ({"email": "a@example.com", "username": "priya"},
         {"username": "Invite by e-mail address or by username, not both."}),
        ({"email": "not-an-address"}, {"email": "Enter a valid email address."}),
        ({"username": "nobody"}, {"username": "No user 'nobody'."}),
        ({"username": "priya", "role": "boss"}, {"role": '"boss" is not a valid choice.'}),
        ({"username": "priya", "purpose": "x"},
         {"purpose": "Unknown field. Allowed: email, role, username."}),
    ],
)  # fmt: skip
def test_bad_invitations_are_a_400_naming_the_field_and_nothing_is_sent(
    acme: Organisation,
    olivia: User,
    django_capture_on_commit_callbacks: Any,
    body: dict[str, Any],
    found: dict[str, str],
) -> None:
    person("priya", "priya@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        response = invite(olivia, **body)

    assert response.status_code == 400
    assert errors(response) == found
    assert not Invitation.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("body", "role"),
    [
        ({"username": "vera", "role": "viewer"}, "viewer"),
        ({"username": "vera", "role": "respondent"}, "respondent"),
        ({"email": "VERA@acme.example", "role": "viewer"}, "viewer"),
        ({"username": "olivia", "role": "editor"}, "editor"),
    ],
)
def test_inviting_a_member_into_their_role_or_a_weaker_one_is_a_409(
    acme: Organisation, olivia: User, vera: User, body: dict[str, str], role: str
) -> None:
    response = invite(olivia, **body)

    assert response.status_code == 409
    assert codes(response) == ["already_member"]
    assert not Invitation.objects.exists()


def test_a_member_may_be_invited_into_a_stronger_role(
    acme: Organisation, olivia: User, vera: User
) -> None:
    response = invite(olivia, username="vera", role="editor")

    assert response.status_code == 201


def test_a_second_pending_invitation_for_the_same_person_is_a_409_until_revoked_or_expired(
    acme: Organisation, olivia: User
) -> None:
    first = invite(olivia, email="priya@example.com")
    again = invite(olivia, email="PRIYA@example.com", role="editor")
    client_for(olivia).delete(INVITATIONS + f"{first.json()['uuid']}/")
    after_revoking = invite(olivia, email="priya@example.com")
    Invitation.objects.filter(uuid=after_revoking.json()["uuid"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    after_expiry = invite(olivia, email="priya@example.com")

    assert again.status_code == 409
    assert codes(again) == ["already_invited"]
    assert f"(invitation {first.json()['uuid']}, until" in errors(again)[None]
    assert after_revoking.status_code == after_expiry.status_code == 201
    assert Invitation.objects.count() == 3


@pytest.mark.parametrize("who", ["eddie", "vera", "rita"])
def test_only_owners_see_and_send_invitations(
    acme: Organisation, olivia: User, eddie: User, vera: User, rita: User, who: str
) -> None:
    made = invite(olivia, email="priya@example.com").json()
    api = client_for(User.objects.get(username=who))

    answers = [
        api.get(INVITATIONS),
        api.post(INVITATIONS, {"email": "x@example.com"}, format="json"),
        api.get(INVITATIONS + f"{made['uuid']}/"),
        api.delete(INVITATIONS + f"{made['uuid']}/"),
    ]

    assert [a.status_code for a in answers] == [403] * 4
    assert {errors(a)[None] for a in answers} == {
        "Only the organisation's owners see and send invitations."
    }
    assert Invitation.objects.get().status == "pending"


# --- reading and revoking ----------------------------------------------------------------------


@pytest.fixture
def four(acme: Organisation, olivia: User) -> dict[str, Invitation]:
    """One invitation in each status."""
    made = {}
    for status in ("accepted", "revoked", "expired", "pending"):
        invitation, _ = services.invitation_create(
            organisation=acme, invited_by=olivia, role="viewer", email=f"{status}@example.com"
        )
        made[status] = invitation
    now = timezone.now()
    Invitation.objects.filter(pk=made["accepted"].pk).update(accepted_at=now)
    Invitation.objects.filter(pk=made["revoked"].pk).update(revoked_at=now)
    Invitation.objects.filter(pk=made["expired"].pk).update(expires_at=now)
    return made


def test_invitations_are_listed_newest_first_with_their_status(
    four: dict[str, Invitation], olivia: User
) -> None:
    api = client_for(olivia)

    listed = api.get(INVITATIONS).json()

    assert [(row["email"], row["status"]) for row in listed["results"]] == [
        ("pending@example.com", "pending"),
        ("expired@example.com", "expired"),
        ("revoked@example.com", "revoked"),
        ("accepted@example.com", "accepted"),
    ]
    for status in ("pending", "accepted", "revoked", "expired"):
        rows = api.get(INVITATIONS, {"status": status}).json()["results"]
        assert [row["status"] for row in rows] == [status]
    assert api.get(INVITATIONS, {"status": "lost"}).status_code == 400
    assert api.get(INVITATIONS, {"email": "x"}).status_code == 400


def test_one_invitation_is_read_by_uuid_and_foreign_or_malformed_ones_are_404(
    four: dict[str, Invitation], olivia: User, globex: Organisation, oscar: User
) -> None:
    foreign, _ = services.invitation_create(
        organisation=globex, invited_by=oscar, role="viewer", email="x@example.com"
    )
    api = client_for(olivia)

    found = api.get(INVITATIONS + f"{four['revoked'].uuid}/")

    assert found.status_code == 200
    assert found.json()["status"] == "revoked"
    assert found.json()["revoked_at"] is not None
    assert api.get(INVITATIONS + f"{foreign.uuid}/").status_code == 404
    assert api.get(INVITATIONS + "not-a-uuid/").status_code == 404
    assert api.delete(INVITATIONS + f"{foreign.uuid}/").status_code == 404
    assert Invitation.objects.get(pk=foreign.pk).status == "pending"


def test_revoking_keeps_the_row_and_stops_the_key(acme: Organisation, olivia: User) -> None:
    made = invite(olivia, email="priya@example.com").json()
    priya = person("priya", "priya@example.com")

    revoked = client_for(olivia).delete(INVITATIONS + f"{made['uuid']}/")
    again = client_for(olivia).delete(INVITATIONS + f"{made['uuid']}/")
    accepted = client_for(priya).post(ACCEPT, {"key": made["key"]}, format="json")

    assert (revoked.status_code, again.status_code) == (204, 204)
    assert Invitation.objects.get().status == "revoked"
    assert accepted.status_code == 409
    assert codes(accepted) == ["invitation_revoked"]
    assert role_in(acme, "priya") is None


def test_an_accepted_invitation_cannot_be_revoked(acme: Organisation, olivia: User) -> None:
    made = invite(olivia, email="priya@example.com").json()
    client_for(person("priya", "priya@example.com")).post(ACCEPT, {"key": made["key"]})

    response = client_for(olivia).delete(INVITATIONS + f"{made['uuid']}/")

    assert response.status_code == 409
    assert codes(response) == ["invitation_used"]
    assert Invitation.objects.get().status == "accepted"


# --- accepting ---------------------------------------------------------------------------------


def test_the_invited_address_accepts_once_and_becomes_a_member(
    acme: Organisation, olivia: User
) -> None:
    made = invite(olivia, email="priya@example.com", role="editor").json()
    priya = person("priya", "Priya@EXAMPLE.com")

    accepted = client_for(priya).post(ACCEPT, {"key": made["key"]}, format="json")
    twice = client_for(priya).post(ACCEPT, {"key": made["key"]}, format="json")

    assert accepted.status_code == 200, accepted.json()
    assert accepted.json() == {
        "invitation": made["uuid"],
        "organisation": {"slug": "acme", "name": "Acme"},
        "role": "editor",
    }
    assert role_in(acme, "priya") == "editor"
    invitation = Invitation.objects.get()
    assert (invitation.status, invitation.accepted_by) == ("accepted", priya)
    assert twice.status_code == 409
    assert codes(twice) == ["invitation_used"]


def test_the_invited_username_accepts(acme: Organisation, olivia: User) -> None:
    priya = person("priya")
    made = invite(olivia, username="priya", role="respondent").json()

    response = client_for(priya).post(ACCEPT, {"key": made["key"]}, format="json")

    assert response.status_code == 200
    assert role_in(acme, "priya") == "respondent"


def test_a_member_who_accepts_keeps_the_stronger_role(
    acme: Organisation, olivia: User, vera: User
) -> None:
    upgrade = invite(olivia, username="vera", role="editor").json()
    client_for(vera).post(ACCEPT, {"key": upgrade["key"]}, format="json")
    assert role_in(acme, "vera") == "editor"
    # invited as editor, made owner meanwhile: accepting keeps owner
    later = invite(olivia, email="priya@example.com", role="editor").json()
    priya = join(acme, person("priya", "priya@example.com"), "owner")

    response = client_for(priya).post(ACCEPT, {"key": later["key"]}, format="json")

    assert response.status_code == 200
    assert response.json()["role"] == "owner"
    assert role_in(acme, "priya") == "owner"


@pytest.mark.parametrize(
    ("account", "detail"),
    [
        ({"username": "mallory", "email": "mallory@example.com"},
         "This invitation is for another e-mail address than your account's."),
        ({"username": "mallory", "email": ""},
         "This invitation is for another e-mail address than your account's."),
        ({"username": "priya", "email": "other@example.com"},
         "This invitation is for another e-mail address than your account's."),
    ],
)  # fmt: skip
def test_an_invitation_by_email_is_not_accepted_by_another_account(
    acme: Organisation, olivia: User, account: dict[str, str], detail: str
) -> None:
    made = invite(olivia, email="priya@example.com").json()
    someone = person(account["username"], account["email"])

    response = client_for(someone).post(ACCEPT, {"key": made["key"]}, format="json")

    assert response.status_code == 403
    assert codes(response) == ["invitation_not_yours"]
    assert errors(response) == {None: detail}
    assert Invitation.objects.get().status == "pending"
    assert role_in(acme, account["username"]) is None


def test_an_invitation_by_username_is_not_accepted_by_another_user_with_the_address(
    acme: Organisation, olivia: User
) -> None:
    person("priya", "priya@example.com")
    made = invite(olivia, username="priya").json()
    twin = person("priya2", "priya@example.com")

    response = client_for(twin).post(ACCEPT, {"key": made["key"]}, format="json")

    assert response.status_code == 403
    assert errors(response) == {None: "This invitation is for another user."}


def test_an_expired_invitation_is_a_409(acme: Organisation, olivia: User) -> None:
    made = invite(olivia, email="priya@example.com").json()
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    response = client_for(person("priya", "priya@example.com")).post(
        ACCEPT, {"key": made["key"]}, format="json"
    )

    assert response.status_code == 409
    assert codes(response) == ["invitation_expired"]
    assert role_in(acme, "priya") is None


@pytest.mark.parametrize(
    ("body", "status", "attr"),
    [
        ({"key": "no-such-key"}, 404, None),
        ({"key": ""}, 400, "key"),
        ({}, 400, "key"),
        ({"key": 12}, 400, "key"),
        ({"key": "x", "role": "owner"}, 400, "role"),
    ],
)
def test_an_unknown_or_malformed_key_is_refused(
    acme: Organisation, olivia: User, body: dict[str, Any], status: int, attr: str | None
) -> None:
    invite(olivia, email="priya@example.com")

    response = client_for(person("priya", "priya@example.com")).post(ACCEPT, body, format="json")

    assert response.status_code == status
    assert attr in errors(response)
    assert Invitation.objects.get().status == "pending"


def test_accepting_needs_a_signed_in_user(acme: Organisation, olivia: User) -> None:
    made = invite(olivia, email="priya@example.com").json()

    response = client_for(None).post(ACCEPT, {"key": made["key"]}, format="json")

    assert response.status_code == 401
    assert Invitation.objects.get().status == "pending"


def test_the_accepted_signal_is_sent_inside_the_accepting_transaction(
    acme: Organisation, olivia: User
) -> None:
    made = invite(olivia, email="priya@example.com").json()
    priya = person("priya", "priya@example.com")
    heard: list[tuple[str, str]] = []

    def listener(sender: Any, invitation: Invitation, user: User, **kwargs: Any) -> None:
        heard.append((str(invitation.uuid), user.username))
        raise RuntimeError("a listener that fails")

    signals.invitation_accepted.connect(listener)
    try:
        with pytest.raises(RuntimeError):
            client_for(priya).post(ACCEPT, {"key": made["key"]}, format="json")
    finally:
        signals.invitation_accepted.disconnect(listener)

    assert heard == [(made["uuid"], "priya")]
    # the listener failed, so nothing of the acceptance stays
    assert Invitation.objects.get().status == "pending"
    assert role_in(acme, "priya") is None


# --- invitations addressed to me ---------------------------------------------------------------


def test_my_invitations_are_the_pending_ones_naming_my_username_or_address(
    acme: Organisation, globex: Organisation, olivia: User, oscar: User
) -> None:
    priya = person("priya", "Priya@Example.com")
    by_name = invite(olivia, username="priya", role="editor").json()
    by_address, _ = services.invitation_create(
        organisation=globex,
        invited_by=oscar,
        role="respondent",
        email="priya@example.com",
        purpose="You are asked to answer “Payments team review”.",
    )
    revoked, _ = services.invitation_create(
        organisation=globex, invited_by=oscar, role="viewer", username="priya"
    )
    services.invitation_revoke(invitation=revoked)
    invite(olivia, email="someone@example.com")

    response = client_for(priya).get(MINE)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["uuid"], r["organisation"], r["role"]) for r in rows] == [
        (str(by_address.uuid), {"slug": "globex", "name": "Globex"}, "respondent"),
        (by_name["uuid"], {"slug": "acme", "name": "Acme"}, "editor"),
    ]
    assert rows[0]["purpose"] == "You are asked to answer “Payments team review”."
    assert rows[1]["invited_by"] == "olivia"
    assert "key" not in rows[0]


def test_my_invitations_need_a_login_and_take_no_unknown_parameters(db: None) -> None:
    assert client_for(None).get(MINE).status_code == 401
    response = client_for(person("priya")).get(MINE, {"organisation": "acme"})
    assert response.status_code == 400
    assert "organisation" in errors(response)


def test_invitation_changes_are_audited_with_the_user_of_the_token(
    acme: Organisation, olivia: User
) -> None:
    made = invite(olivia, email="priya@example.com").json()
    client_for(person("priya", "priya@example.com")).post(ACCEPT, {"key": made["key"]})
    other = invite(olivia, email="sam@example.com").json()
    client_for(olivia).delete(INVITATIONS + f"{other['uuid']}/")

    def trail(uuid: str) -> list[tuple[str, str]]:
        rows = Invitation.history.filter(uuid=uuid).order_by("history_date")
        return [(h.history_type, h.history_user.username) for h in rows]

    assert trail(made["uuid"]) == [("+", "olivia"), ("~", "priya")]
    assert trail(other["uuid"]) == [("+", "olivia"), ("~", "olivia")]
    joined = Membership.history.get(user__username="priya")
    assert (joined.history_type, joined.history_user.username) == ("+", "priya")
