"""Members, units and invitations: every operation x every kind of caller, with its status.

Owners manage members and invitations; owners and editors change units; viewers read members
and units; respondents read none of it (they answer what they are asked to) but may leave;
members of other organisations and staff without a membership get 404; machine keys read
scores only, so they get 401 here like anonymous callers. Everyone signed in may list the
invitations addressed to them and try a key (one addressed to someone else is a 403).
"""

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from organisations import services
from organisations.models import Organisation, Unit
from tests.organisations.conftest import join, person

pytestmark = pytest.mark.django_db

ROLES = [
    "owner",
    "editor",
    "viewer",
    "respondent",
    "outsider",
    "staff",
    "anonymous",
    "org_key",
    "all_key",
]
USERNAMES = {
    "owner": "olivia",
    "editor": "eddie",
    "viewer": "vera",
    "respondent": "rita",
    "outsider": "oscar",
    "staff": "stella",
}


@pytest.fixture
def world() -> dict[str, Any]:
    acme = Organisation.objects.create(slug="acme", name="Acme")
    globex = Organisation.objects.create(slug="globex", name="Globex")
    users = {
        "owner": join(acme, person("olivia"), "owner"),
        "editor": join(acme, person("eddie"), "editor"),
        "viewer": join(acme, person("vera"), "viewer"),
        "respondent": join(acme, person("rita"), "respondent"),
        "outsider": join(globex, person("oscar"), "owner"),
        "staff": person("stella", is_staff=True),
    }
    join(acme, person("olga"), "owner")  # so that the owner may leave
    join(acme, person("victor"), "viewer")  # the member owners re-role and remove
    person("newbie")  # the user owners add
    Unit.objects.create(organisation=acme, slug="search", name="Search")
    invitation, _ = services.invitation_create(
        organisation=acme, invited_by=users["owner"], role="viewer", email="guest@example.com"
    )
    _, elsewhere = services.invitation_create(
        organisation=acme, invited_by=users["owner"], role="viewer", email="someone@example.com"
    )
    _, org_key = services.api_key_create(name="bi", organisation=acme, created_by=users["owner"])
    _, all_key = services.api_key_create(name="dwh", created_by=users["staff"])
    return {
        "users": users,
        "keys": {"org_key": org_key, "all_key": all_key},
        "values": {"invitation": str(invitation.uuid), "key": elsewhere},
    }


def caller(world: dict[str, Any], role: str) -> APIClient:
    client = APIClient()
    if role in world["users"]:
        client.force_authenticate(world["users"][role])
    elif role in world["keys"]:
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {world['keys'][role]}")
    return client


PRIVATE = {"anonymous": 401, "org_key": 401, "all_key": 401}
STRANGERS = {"outsider": 404, "staff": 404}


def read(status: int = 200) -> dict[str, int]:
    return {"owner": status, "editor": status, "viewer": status, "respondent": 403,
            **STRANGERS, **PRIVATE}  # fmt: skip


def edit(status: int) -> dict[str, int]:
    return {"owner": status, "editor": status, "viewer": 403, "respondent": 403,
            **STRANGERS, **PRIVATE}  # fmt: skip


def own(status: int) -> dict[str, int]:
    return {"owner": status, "editor": 403, "viewer": 403, "respondent": 403,
            **STRANGERS, **PRIVATE}  # fmt: skip


SIGNED_IN = {role: 200 for role in USERNAMES}

MEMBERS = "/api/v1/organisations/{slug}/members/"
MEMBER = MEMBERS + "{username}/"
UNITS = "/api/v1/organisations/{slug}/units/"
UNIT = UNITS + "{unit_slug}/"
INVITATIONS = "/api/v1/organisations/{slug}/invitations/"
INVITATION = INVITATIONS + "{uuid}/"
ACME = {"slug": "acme"}

# (method, path template, its values ("$name": the world's value; "$me": the caller's own
# username), body, expected status per caller)
MATRIX: list[tuple[str, str, dict[str, str], Any, dict[str, int]]] = [
    ("get", MEMBERS, ACME, None, read()),
    ("post", MEMBERS, ACME, {"username": "newbie", "role": "viewer"}, own(201)),
    ("get", MEMBER, {**ACME, "username": "victor"}, None, read()),
    ("patch", MEMBER, {**ACME, "username": "victor"}, {"role": "editor"}, own(200)),
    ("delete", MEMBER, {**ACME, "username": "victor"}, None, own(204)),
    # leaving: every member removes themselves
    ("delete", MEMBER, {**ACME, "username": "$me"}, None,
     {**dict.fromkeys(["owner", "editor", "viewer", "respondent"], 204), **STRANGERS, **PRIVATE}),
    ("get", UNITS, ACME, None, read()),
    ("post", UNITS, ACME, {"slug": "ops", "name": "Ops"}, edit(201)),
    ("get", UNIT, {**ACME, "unit_slug": "search"}, None, read()),
    ("patch", UNIT, {**ACME, "unit_slug": "search"}, {"name": "Find"}, edit(200)),
    ("delete", UNIT, {**ACME, "unit_slug": "search"}, None, edit(204)),
    ("get", INVITATIONS, ACME, None, own(200)),
    ("post", INVITATIONS, ACME, {"email": "new@example.com"}, own(201)),
    ("get", INVITATION, {**ACME, "uuid": "$invitation"}, None, own(200)),
    ("delete", INVITATION, {**ACME, "uuid": "$invitation"}, None, own(204)),
    ("get", "/api/v1/invitations/", {}, None, {**SIGNED_IN, **PRIVATE}),
    # a key addressed to someone else: refused with a reason, to anyone signed in
    ("post", "/api/v1/invitations/accept/", {}, {"key": "$key"},
     {**dict.fromkeys(USERNAMES, 403), **PRIVATE}),
]  # fmt: skip

CASES = [
    pytest.param(method, path, values, body, role, expected[role],
                 id=f"{method} {path.format(**values)} as {role}")
    for method, path, values, body, expected in MATRIX
    for role in ROLES
]  # fmt: skip


def resolved(value: Any, world: dict[str, Any], role: str) -> Any:
    if isinstance(value, dict):
        return {key: resolved(item, world, role) for key, item in value.items()}
    if value == "$me":
        return USERNAMES.get(role, "olivia")
    if isinstance(value, str) and value.startswith("$"):
        return world["values"][value[1:]]
    return value


@pytest.mark.parametrize(("method", "path", "values", "body", "role", "status"), CASES)
def test_permission_matrix(
    world: dict[str, Any],
    method: str,
    path: str,
    values: dict[str, str],
    body: Any,
    role: str,
    status: int,
) -> None:
    url = path.format(**resolved(values, world, role))
    response = getattr(caller(world, role), method)(url, resolved(body, world, role), format="json")
    assert response.status_code == status, response.content[:300]
    if status >= 400:
        assert response.json()["errors"], "every refusal explains itself in JSON"


def test_a_refused_write_changes_nothing(world: dict[str, Any]) -> None:
    """The matrix's 403s and 404s are refusals, not partial writes."""
    for role in ("editor", "viewer", "respondent", "outsider", "staff"):
        client = caller(world, role)
        client.delete("/api/v1/organisations/acme/members/victor/")
        client.post("/api/v1/organisations/acme/invitations/", {"email": "x@example.com"})
    acme = Organisation.objects.get(slug="acme")
    assert acme.memberships.filter(user__username="victor").exists()
    assert acme.invitations.count() == 2
    assert User.objects.get(username="victor").is_active


def covered_operations() -> set[tuple[str, str]]:
    """The (method, path template) pairs of this module's MATRIX."""
    return {(method, path) for method, path, _, _, _ in MATRIX}
