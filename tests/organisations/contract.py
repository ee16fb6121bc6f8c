"""What the contract cases (tests/test_openapi_contract.py) and the fuzzer (tests/test_fuzz.py)
address for members, units and invitations, added to their shared world."""

from typing import Any

from django.contrib.auth.models import User

from organisations import services
from organisations.models import Organisation, Unit
from tests.organisations.conftest import join, person


def organisation_world(
    acme: Organisation, globex: Organisation, owner: User, viewer: User, outsider: User
) -> dict[str, Any]:
    """acme gains the member victor (viewer), the units payments > checkout and search, a
    pending invitation (`invitation`), an editor invitation for vera with its key (`vera_key`)
    and one she accepted already (`used_key`); globex the unit billing and an invitation
    (`foreign_invitation`). newbie is a user of no organisation."""
    person("newbie")
    join(acme, person("victor", "victor@example.com"), "viewer")
    Unit.objects.create(organisation=acme, slug="payments", name="Payments", kind="product")
    services.unit_create(organisation=acme, slug="checkout", name="Checkout", parent="payments")
    Unit.objects.create(organisation=acme, slug="search", name="Search")
    Unit.objects.create(organisation=globex, slug="billing", name="Billing")
    pending, _ = services.invitation_create(
        organisation=acme, invited_by=owner, role="viewer", email="guest@example.com"
    )
    _, vera_key = services.invitation_create(
        organisation=acme, invited_by=owner, role="editor", username=viewer.username
    )
    used, used_key = services.invitation_create(
        organisation=acme, invited_by=owner, role="respondent", username="vera", purpose="x"
    )
    services.invitation_accept(secret=used_key, user=viewer)
    foreign, _ = services.invitation_create(
        organisation=globex, invited_by=outsider, role="viewer", email="guest@example.com"
    )
    return {
        "invitation": str(pending.uuid),
        "used_invitation": str(used.uuid),
        "foreign_invitation": str(foreign.uuid),
        "vera_key": vera_key,
        "used_key": used_key,
        "usernames": ["olivia", "vera", "victor", "oscar"],
        "unit_slugs": ["payments", "checkout", "search", "billing"],
    }
