"""Examples in the OpenAPI schema for members, units and invitations.

tests/test_openapi_examples.py sends every request example as it stands and compares every
response example with a real response (tests/organisations/openapi_examples.py does the
sending for these).
"""

from drf_spectacular.utils import OpenApiExample

# The key of the accept example: tests/organisations/openapi_examples.py stores an invitation
# with exactly this secret, so the example is accepted for real.
EXAMPLE_KEY = "Vq3x7Lh0cB2mZk9TfR1sYw4pN8dJ6gHaE5uQiXoCtAe"


def _conflict(code: str, detail: str) -> dict[str, object]:
    return {"type": "client_error", "errors": [{"code": code, "detail": detail, "attr": None}]}


MEMBER_ADD = OpenApiExample(
    "Add a colleague as editor",
    value={"username": "eddie", "role": "editor"},
    request_only=True,
)
MEMBER = OpenApiExample(
    "A member",
    value={
        "username": "eddie",
        "name": "Eddie Engel",
        "email": "eddie@example.com",
        "role": "editor",
        "since": "2026-12-01T09:00:00Z",
    },
    response_only=True,
    status_codes=["201"],
)
MEMBER_ROLE = OpenApiExample(
    "Make a member a viewer",
    value={"role": "viewer"},
    request_only=True,
)
LAST_OWNER = OpenApiExample(
    "The last owner",
    value=_conflict(
        "last_owner",
        "olivia is the last owner of acme: make someone else an owner first.",
    ),
    response_only=True,
    status_codes=["409"],
)
UNIT_CREATE = OpenApiExample(
    "A team inside a product with goals",
    value={
        "slug": "checkout",
        "name": "Checkout",
        "kind": "team",
        "parent": "payments",
        "targets": {"devops-maturity": {"level": "managed", "sections": {"ci-cd": 80}}},
    },
    request_only=True,
)
UNIT = OpenApiExample(
    "A unit",
    value={
        "uuid": "0b6a3c1e-5d7f-4a29-8e41-6c2f9b8d7a10",
        "slug": "checkout",
        "name": "Checkout",
        "kind": "team",
        "parent": "payments",
        "targets": {"devops-maturity": {"level": "managed", "sections": {"ci-cd": "80"}}},
        "created_at": "2026-12-01T09:00:00Z",
    },
    response_only=True,
    status_codes=["201"],
)
UNIT_MOVE = OpenApiExample(
    "Rename a unit and move it to the top",
    value={"slug": "checkout-web", "name": "Checkout (web)", "parent": None},
    request_only=True,
)
UNIT_IN_USE = OpenApiExample(
    "A unit still in use",
    value=_conflict(
        "unit_in_use",
        "Unit 'payments' still has 2 assessments and 1 unit inside it (checkout): delete or "
        "move them first.",
    ),
    response_only=True,
    status_codes=["409"],
)
INVITATION_CREATE = OpenApiExample(
    "Invite by e-mail address",
    value={"email": "priya@example.com", "role": "editor"},
    request_only=True,
)
INVITATION_CREATED = OpenApiExample(
    "A new invitation with its key",
    value={
        "uuid": "5f0e2d4c-8b1a-4c3e-9d7f-2a6b8c0e4f13",
        "email": "priya@example.com",
        "username": "",
        "role": "editor",
        "purpose": "",
        "status": "pending",
        "invited_by": "olivia",
        "created_at": "2026-12-01T09:00:00Z",
        "expires_at": "2026-12-15T09:00:00Z",
        "accepted_at": None,
        "accepted_by": None,
        "revoked_at": None,
        "key": EXAMPLE_KEY,
        "accept_url": f"https://opsassess.example.com/invitations/accept/{EXAMPLE_KEY}/",
        "emailed": True,
    },
    response_only=True,
    status_codes=["201"],
)
ACCEPT = OpenApiExample(
    "Accept with the key from the e-mail",
    value={"key": EXAMPLE_KEY},
    request_only=True,
)
ACCEPTED = OpenApiExample(
    "Accepted",
    value={
        "invitation": "5f0e2d4c-8b1a-4c3e-9d7f-2a6b8c0e4f13",
        "organisation": {"slug": "acme", "name": "Acme"},
        "role": "editor",
    },
    response_only=True,
)
KEY_CREATED = OpenApiExample(
    "A new key",
    value={
        "prefix": "6CTmYhVa",
        "name": "BI sync",
        "scope": "organisation",
        "organisation": "acme",
        "created": "2026-11-27T06:54:47Z",
        "expiry_date": None,
        "last_used_at": None,
        "revoked": False,
        "key": "6CTmYhVa.PEWKaJSx1il3ygPBzCwR7llcmGuzQZLj",
    },
    response_only=True,
)
ORGANISATION_UPDATE = OpenApiExample(
    "Roll up by the weakest unit",
    request_only=True,
    value={"portfolio_roll_up": "minimum"},
)
