"""Accepting an invitation in a browser: the page its e-mail links to, creating the account it
asks for, and the Accept buttons of the home page. What people see, what is stored, what is
refused and why."""

import logging
import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils import timezone

from organisations import services
from organisations.models import Invitation, Membership
from tests.web.conftest import PASSWORD, signed_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "correct-horse-battery-9"


def invite(world: dict[str, Any], **whom: str) -> tuple[Invitation, str]:
    """An invitation from Acme's owner (into editor unless told), and its key."""
    whom.setdefault("role", "editor")
    return services.invitation_create(
        organisation=world["acme"], invited_by=world["users"]["owner"], **whom
    )


def url(key: str) -> str:
    return f"/invitations/accept/{key}/"


def role_in(world: dict[str, Any], username: str) -> str | None:
    found = Membership.objects.filter(organisation=world["acme"], user__username=username)
    return found.values_list("role", flat=True).first()


def text(response: Any) -> str:
    """The page's text without tags and with runs of white space as one space."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", body).replace("&#x27;", "'")


def create(client: Client, key: str, username: str = "priya", **fields: str) -> Any:
    data = {"username": username, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    return client.post(url(key), data | fields)


# --- the page of the link --------------------------------------------------------------------


def test_the_link_shows_what_the_invitation_offers_and_how_to_accept(small_world: Any) -> None:
    owner = small_world["users"]["owner"]
    owner.first_name, owner.last_name = "Olivia", "Owens"
    owner.save()
    invitation, key = invite(
        small_world, email="priya@example.com", purpose="Please answer the spring review."
    )

    response = Client().get(url(key))

    assert response.status_code == 200
    page = text(response)
    assert "Join Acme" in page
    assert "Role Editor: changes assessments, units and tools in use" in page
    assert "Asked of you Please answer the spring review." in page
    assert "Invited by Olivia Owens" in page
    assert f"Valid until {invitation.expires_at:%-d %B %Y, %H:%M} UTC" in page
    assert "Create your account" in page and 'value="priya@example.com" readonly' in (
        response.content.decode()
    )
    assert f'href="/accounts/login/?next=/invitations/accept/{key}/"' in response.content.decode()


def test_the_key_in_the_address_goes_nowhere_else(small_world: Any) -> None:
    _, key = invite(small_world, email="priya@example.com")

    for response in (Client().get(url(key)), Client().get(url("no-such-key"))):
        assert response["Referrer-Policy"] == "strict-origin"
        assert "default-src 'self'" in response["Content-Security-Policy"]
        html = response.content.decode()
        assert '<meta name="referrer" content="strict-origin">' in html
        # Nothing from another site: every address on the page is our own.
        assert not re.search(r"""(src|href|action)="(https?:)?//""", html)


def test_the_key_is_never_logged(small_world: Any, caplog: Any) -> None:
    _, key = invite(small_world, username="viewer")
    caplog.set_level(logging.INFO)

    assert Client().get(url(key + "x")).status_code == 404
    client = signed_in(small_world, "editor")
    assert client.get(url(key)).status_code == 403

    assert Client(enforce_csrf_checks=True).post(url(key)).status_code == 403

    assert "Not Found: /invitations/accept/[hidden]" in caplog.text
    assert "Forbidden: /invitations/accept/[hidden]" in caplog.text
    assert "CSRF cookie not set.): /invitations/accept/[hidden]" in caplog.text
    assert key not in caplog.text


def test_the_development_server_prints_request_lines_without_keys() -> None:
    from django.utils.log import ServerFormatter

    logger = logging.getLogger("django.server")
    handler = next(h for h in logger.handlers if isinstance(h.formatter, ServerFormatter))
    record = logger.makeRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        ("GET /accounts/login/?next=%2Finvitations%2Faccept%2FVq3x7L-h0%2F HTTP/1.1", "200", "9"),
        None,
    )
    assert handler.filter(record)
    assert record.getMessage() == (
        '"GET /accounts/login/?next=%2Finvitations%2Faccept%2F[hidden] HTTP/1.1" 200 9'
    )


# --- a new account ---------------------------------------------------------------------------


def test_a_new_person_creates_their_account_accepts_and_lands_home(small_world: Any) -> None:
    invitation, key = invite(small_world, email="Priya@Example.com", role="viewer")
    client = Client()

    response = create(client, key)

    assert response.status_code == 302 and response["Location"] == "/"
    priya = User.objects.get(username="priya")
    assert priya.email == "Priya@example.com" and priya.check_password(NEW_PASSWORD)
    assert role_in(small_world, "priya") == "viewer"
    assert Invitation.objects.get(pk=invitation.pk).accepted_by == priya
    home = client.get("/")
    assert "You are now a member of Acme as viewer." in text(home)
    assert "Signed in as priya" in text(home)


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"password": "password", "password_again": "password"}, "Password",
         "This password is too common."),
        ({"password": "x7#kq", "password_again": "x7#kq"}, "Password",
         "This password is too short. It must contain at least 8 characters."),
        ({"password": "priya1234", "password_again": "priya1234"}, "Password",
         "The password is too similar to the username."),
        ({"password_again": "something-else-9"}, "Password again",
         "The two passwords differ: type the same one twice."),
        ({"username": "OWNER"}, "Username", "This username is taken: choose another."),
        ({"username": "pri ya"}, "Username", "Enter a valid username."),
        ({"username": ""}, "Username", "This field is required."),
    ],
)  # fmt: skip
def test_a_refused_account_names_the_field_and_creates_nothing(
    small_world: Any, fields: dict[str, str], field: str, reason: str
) -> None:
    _, key = invite(small_world, email="priya@example.com")
    users = User.objects.count()

    response = create(Client(), key, **fields)

    assert response.status_code == 400
    summary = text(response).split("Your account was not created", 1)[1]
    assert f"{field}: {reason}" in summary
    assert 'aria-invalid="true"' in response.content.decode()
    assert User.objects.count() == users
    assert Invitation.objects.get().status == "pending"


def test_an_invitation_for_an_existing_account_is_accepted_by_signing_in(
    small_world: Any,
) -> None:
    # The viewer's account has this address: no second account for it.
    _, key = invite(small_world, email="VIEWER@example.com")
    client = Client()
    page = client.get(url(key))
    assert "Create your account" not in text(page)
    assert "Sign in as the account with the address VIEWER@example.com" in text(page)

    refused = create(client, key, username="another")
    assert refused.status_code == 302
    assert refused["Location"] == f"/accounts/login/?next=/invitations/accept/{key}/"
    assert not User.objects.filter(username="another").exists()

    back = client.post(
        refused["Location"], {"username": "viewer", "password": PASSWORD, "next": url(key)}
    )
    assert back["Location"] == url(key)
    assert (
        'type="submit" class="primary">Accept and join Acme'
        in client.get(url(key)).content.decode()
    )
    accepted = client.post(url(key))
    assert accepted.status_code == 302 and accepted["Location"] == "/"
    assert role_in(small_world, "viewer") == "editor"


def test_the_forms_need_their_csrf_token(small_world: Any) -> None:
    _, by_address = invite(small_world, email="priya@example.com")
    _, by_username = invite(small_world, username="viewer")
    guarded = Client(enforce_csrf_checks=True)
    assert create(guarded, by_address).status_code == 403
    guarded.force_login(small_world["users"]["viewer"])
    assert guarded.post(url(by_username)).status_code == 403
    assert not User.objects.filter(username="priya").exists()
    assert role_in(small_world, "viewer") == "viewer"
    assert Invitation.objects.filter(accepted_at__isnull=False).count() == 0


# --- signed in -------------------------------------------------------------------------------


def test_the_person_named_accepts_and_keeps_a_stronger_role(small_world: Any) -> None:
    _, key = invite(small_world, username="owner", role="viewer", purpose="Answer the review.")
    client = signed_in(small_world, "owner")

    response = client.post(url(key))

    assert response.status_code == 302
    assert role_in(small_world, "owner") == "owner"
    assert (
        "Invitation accepted. You stay owner of Acme: a stronger role than viewer, the one it "
        "offered." in text(client.get("/"))
    )


def test_someone_else_signed_in_is_told_and_may_sign_out_and_come_back(
    small_world: Any,
) -> None:
    _, key = invite(small_world, email="priya@example.com")
    client = signed_in(small_world, "editor")

    page = client.get(url(key))

    assert page.status_code == 403
    assert (
        "It is for the account with the e-mail address priya@example.com, and you are signed "
        "in as editor." in text(page)
    )
    assert f'name="next" value="/invitations/accept/{key}/"' in page.content.decode()
    assert client.post(url(key)).status_code == 403
    assert Invitation.objects.get().status == "pending"
    signed_out = client.post("/accounts/logout/", {"next": url(key)})
    assert signed_out["Location"] == url(key)
    assert "Create your account" in text(client.get(url(key)))


def test_an_invitation_by_email_is_not_accepted_by_a_look_alike_username(
    small_world: Any,
) -> None:
    # An invitation of a username names that account, whatever its address.
    _, key = invite(small_world, username="viewer")
    client = signed_in(small_world, "editor")
    assert "It is for the user viewer" in text(client.get(url(key)))


# --- links that no longer work ---------------------------------------------------------------


def _used(world: dict[str, Any], invitation: Invitation) -> None:
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = world["users"]["viewer"]
    invitation.save()


def _revoked(world: dict[str, Any], invitation: Invitation) -> None:
    services.invitation_revoke(invitation=invitation)


def _expired(world: dict[str, Any], invitation: Invitation) -> None:
    invitation.expires_at = timezone.now() - timedelta(hours=1)
    invitation.save()


@pytest.mark.parametrize(
    ("spoil", "heading", "because"),
    [
        (_used, "This invitation has been used", "An invitation is accepted once"),
        (_revoked, "This invitation was withdrawn", "An owner of Acme revoked it"),
        (_expired, "This invitation has expired", "It could be accepted until"),
    ],
)
@pytest.mark.parametrize("role", ["anonymous", "editor"])
def test_a_link_that_no_longer_works_says_why_and_what_to_do(
    small_world: Any, spoil: Any, heading: str, because: str, role: str
) -> None:
    invitation, key = invite(small_world, email="priya@example.com")
    spoil(small_world, invitation)
    client = signed_in(small_world, role)
    users = User.objects.count()

    for response in (client.get(url(key)), create(client, key)):
        assert response.status_code == 410
        page = text(response)
        assert heading in page and because in page
        assert "ask owner, who invited you, or another owner for a new invitation" in page
    assert User.objects.count() == users


def test_the_person_who_used_the_link_is_sent_home(small_world: Any) -> None:
    invitation, key = invite(small_world, username="viewer")
    _used(small_world, invitation)
    page = text(signed_in(small_world, "viewer").get(url(key)))
    assert "You accepted it on" in page and "Go to My assessments" in page


def test_an_unknown_key_is_a_404_that_says_what_to_do(small_world: Any) -> None:
    response = Client().get(url("Vq3x7Lh0cB2mZk9TfR1sYw4pN8dJ6gHaE5uQiXoCtAe"))
    assert response.status_code == 404
    page = text(response)
    assert "This invitation link does not work" in page
    assert "ask the person who invited you for a new invitation" in page
    assert Client().get(url("x" * 300)).status_code == 404


def test_an_invitation_revoked_while_its_page_was_open_is_a_409_and_creates_nothing(
    small_world: Any,
) -> None:
    invitation, key = invite(small_world, email="priya@example.com")
    client = Client()
    assert client.get(url(key)).status_code == 200
    real = services.invitation_accept_new_account

    def revoked_meanwhile(**kwargs: Any) -> Any:
        services.invitation_revoke(invitation=invitation)
        return real(**kwargs)

    services.invitation_accept_new_account = revoked_meanwhile  # type: ignore[assignment]
    try:
        response = create(client, key)
    finally:
        services.invitation_accept_new_account = real  # type: ignore[assignment]

    assert response.status_code == 409
    assert "This invitation was revoked." in text(response)
    assert not User.objects.filter(username="priya").exists()


# --- probing at the pace of sign-in ----------------------------------------------------------


def test_unknown_keys_pause_the_page_for_that_address_as_sign_in_does(
    small_world: Any, settings: Any
) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    _, key = invite(small_world, email="priya@example.com")
    client = Client(REMOTE_ADDR="203.0.113.9")
    for attempt in range(3):
        assert client.get(url(f"guess-{attempt}")).status_code == 404

    paused = client.get(url(key))

    assert paused.status_code == 429
    assert int(paused["Retry-After"]) > 0
    assert "Too many attempts" in text(paused) and "Try again in 15 minutes" in text(paused)
    assert create(client, key).status_code == 429
    assert not User.objects.filter(username="priya").exists()
    # Another address is not held up.
    assert Client(REMOTE_ADDR="203.0.113.10").get(url(key)).status_code == 200


def test_taken_usernames_pause_the_page_too(small_world: Any, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    _, key = invite(small_world, email="priya@example.com")
    client = Client()
    for taken in ("owner", "editor"):
        assert create(client, key, username=taken).status_code == 400
    # A weak password is no probe: it does not count.
    assert create(client, key, password="password", password_again="password").status_code == 400
    assert create(client, key, username="viewer").status_code == 400
    assert create(client, key).status_code == 429
    assert not User.objects.filter(username="priya").exists()


# --- the home page's "Waiting for you" -------------------------------------------------------


def test_home_lists_the_invitations_waiting_for_me(small_world: Any) -> None:
    from organisations.models import Organisation

    globex = Organisation.objects.get(slug="globex")
    services.invitation_create(
        organisation=globex,
        invited_by=small_world["users"]["outsider"],
        role="viewer",
        username="editor",
        purpose="Read our results.",
    )
    by_address, _ = invite(small_world, email="editor@example.com", role="owner")

    response = signed_in(small_world, "editor").get("/")

    page = text(response)
    assert "Waiting for you" in page
    assert "Globex invites you as viewer (reads everything of the organisation)." in page
    assert "Read our results." in page and "From outsider; valid until" in page
    assert "Acme invites you as owner" in page
    assert "It was sent to editor@example.com: accept it with the link in that e-mail." in page
    html = response.content.decode()
    assert html.count("/accept/") == 1  # only the invitation of the username has a button
    assert f"/invitations/{by_address.uuid}/accept/" not in html


def test_an_invitation_of_my_username_is_accepted_from_home(small_world: Any) -> None:
    invitation, _ = invite(small_world, username="viewer")
    client = signed_in(small_world, "viewer")

    response = client.post(f"/invitations/{invitation.uuid}/accept/")

    assert response.status_code == 302 and response["Location"] == "/"
    assert role_in(small_world, "viewer") == "editor"
    home = text(client.get("/"))
    assert "You are now a member of Acme as editor." in home
    assert "Waiting for you" not in home
    again = client.post(f"/invitations/{invitation.uuid}/accept/")
    assert again.status_code == 409
    assert "This invitation was already accepted." in text(again)


def test_an_invitation_by_email_is_not_accepted_from_home_by_a_matching_address(
    small_world: Any,
) -> None:
    invitation, _ = invite(small_world, email="viewer@example.com", role="owner")

    response = signed_in(small_world, "viewer").post(f"/invitations/{invitation.uuid}/accept/")

    assert response.status_code == 403
    assert "Accept this invitation with the link in its e-mail" in text(response)
    assert role_in(small_world, "viewer") == "viewer"


def test_home_links_to_the_portfolio_for_those_who_read_it(small_world: Any) -> None:
    for role, shown in [("owner", True), ("viewer", True), ("respondent", False)]:
        page = signed_in(small_world, role).get("/").content.decode()
        assert ('href="/organisations/acme/portfolio/"' in page) is shown, role


def test_the_invitation_email_links_to_the_page_that_accepts_it(
    small_world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _, key = invite(small_world, email="priya@example.com")
    link = next(line for line in mail.outbox[0].body.splitlines() if "/invitations/" in line)
    assert link == url(key)
    assert Client().get(link).status_code == 200
