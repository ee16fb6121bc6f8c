"""The request and response examples of members, units and invitations, for
tests/test_openapi_examples.py: each request example is sent as it stands, and each response
example gets a real response to be compared with.

Both run in the world of that test's `seeded` fixture: organisation acme, owned by olivia (the
client `api` holds her token), with the unit payments.
"""

from typing import Any

from django.contrib.auth.models import User
from knox.models import AuthToken
from rest_framework.test import APIClient

from organisations import services
from organisations.api.examples import EXAMPLE_KEY
from organisations.models import Invitation, Organisation

ACME = "/api/v1/organisations/acme"
OPERATIONS = {
    ("POST", "/api/v1/organisations/{slug}/members/"): f"{ACME}/members/",
    ("PATCH", "/api/v1/organisations/{slug}/members/{username}/"): f"{ACME}/members/eddie/",
    ("POST", "/api/v1/organisations/{slug}/units/"): f"{ACME}/units/",
    ("PATCH", "/api/v1/organisations/{slug}/units/{unit_slug}/"): f"{ACME}/units/checkout/",
    ("POST", "/api/v1/organisations/{slug}/invitations/"): f"{ACME}/invitations/",
    ("POST", "/api/v1/invitations/accept/"): "/api/v1/invitations/accept/",
}


def _client(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user)[1]}")
    return client


def _priya_holds_the_example_key(olivia: User) -> APIClient:
    """priya, invited to acme as editor by olivia with exactly the example's key."""
    priya = User.objects.create_user("priya", email="priya@example.com")
    Invitation.objects.create(
        organisation=Organisation.objects.get(slug="acme"),
        email="priya@example.com",
        role="editor",
        secret_hash=services.secret_hash(EXAMPLE_KEY),
        invited_by=olivia,
    )
    return _client(priya)


def send_requests(requests: dict[tuple[str, str, str], Any], api: APIClient) -> dict[Any, Any]:
    """Each request example of these operations, sent in the order they build on each other:
    eddie is added then made a viewer, checkout is created in payments then moved, priya is
    invited, then accepts with the example's key."""
    olivia = User.objects.get(username="olivia")
    User.objects.create_user("eddie", email="eddie@example.com", first_name="Eddie")
    sent = {}
    for (method, path), url in OPERATIONS.items():
        for key, body in requests.items():
            if key[:2] != (method, path):
                continue
            client = api
            if path == "/api/v1/invitations/accept/":
                client = _priya_holds_the_example_key(olivia)
            sent[key] = getattr(client, method.lower())(url, body, format="json")
    return sent


def real_responses(api: APIClient) -> dict[tuple[str, str, str, str], Any]:
    """A real response for each response example of these operations."""
    olivia = User.objects.get(username="olivia")
    User.objects.create_user("eddie", email="eddie@example.com", first_name="Eddie")
    members = "/api/v1/organisations/{slug}/members/"
    units = "/api/v1/organisations/{slug}/units/"
    real = {
        ("POST", members, "201", "AMember"): api.post(
            f"{ACME}/members/", {"username": "eddie", "role": "editor"}, format="json"
        ),
        ("PATCH", members + "{username}/", "409", "TheLastOwner"): api.patch(
            f"{ACME}/members/olivia/", {"role": "viewer"}, format="json"
        ),
        ("POST", units, "201", "AUnit"): api.post(
            f"{ACME}/units/",
            {
                "slug": "checkout",
                "name": "Checkout",
                "parent": "payments",
                "targets": {"devops-maturity": {"level": "managed", "sections": {"ci-cd": 70}}},
            },
            format="json",
        ),
    }
    real["DELETE", units + "{unit_slug}/", "409", "AUnitStillInUse"] = api.delete(
        f"{ACME}/units/payments/"
    )
    real["POST", "/api/v1/organisations/{slug}/invitations/", "201", "ANewInvitationWithItsKey"] = (
        api.post(f"{ACME}/invitations/", {"email": "sam@example.com", "role": "editor"})
    )
    real["POST", "/api/v1/invitations/accept/", "200", "Accepted"] = _priya_holds_the_example_key(
        olivia
    ).post("/api/v1/invitations/accept/", {"key": EXAMPLE_KEY}, format="json")
    return real
