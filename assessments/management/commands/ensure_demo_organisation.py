from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from organisations.models import Membership, Organisation, Unit

# (slug, name, kind, parent slug): a department with two teams, and a platform beside it.
DEMO_UNITS = [
    ("product", "Product engineering", Unit.Kind.DEPARTMENT, None),
    ("payments", "Payments team", Unit.Kind.TEAM, "product"),
    ("search", "Search team", Unit.Kind.TEAM, "product"),
    ("ml-platform", "ML platform", Unit.Kind.PLATFORM, None),
]


class Command(BaseCommand):
    help = (
        "Create the demo organisation 'demo', its units and the given user as its owner. "
        "Safe to rerun."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--owner", default="admin")

    @transaction.atomic
    def handle(self, *args: Any, owner: str, **options: Any) -> None:
        user = get_user_model().objects.filter(username=owner).first()
        if user is None:
            raise CommandError(f"No user '{owner}'; run ensure_demo_superuser first.")
        organisation, created = Organisation.objects.get_or_create(
            slug="demo", defaults={"name": "Demo organisation"}
        )
        Membership.objects.get_or_create(
            organisation=organisation, user=user, defaults={"role": Membership.Role.OWNER}
        )
        units: dict[str, Unit] = {}
        for slug, name, kind, parent in DEMO_UNITS:
            units[slug], _ = Unit.objects.get_or_create(
                organisation=organisation,
                slug=slug,
                defaults={"name": name, "kind": kind, "parent": units.get(parent or "")},
            )
        state = "Created" if created else "Kept"
        self.stdout.write(
            f"{state} organisation 'demo' with '{owner}' as a member and units "
            + ", ".join(units)
            + "."
        )
