from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from catalog import seeding

WARNING = (
    "This gives every catalogue row of the seed (disciplines, phases, hindrances, practices, "
    "tools, matched by slug) its seed name, description, fields and links again, undoing the "
    "edits made to them in the admin. Rows that are not in the seed stay as they are.\n"
    "Type 'yes' to continue: "
)


class Command(BaseCommand):
    help = (
        "Overwrite the seed rows of the catalogue with their values in fixtures/catalog.json "
        "(and add missing ones). Asks for confirmation unless --yes or --noinput is given."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--file", type=Path, default=seeding.SEED_FILE, help="seed file")
        parser.add_argument(
            "--yes",
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )

    def handle(self, *args: Any, file: Path, interactive: bool, **options: Any) -> None:
        if interactive and input(WARNING).strip().lower() != "yes":
            raise CommandError("Nothing was changed.")
        self.stdout.write(seeding.reset_to_seed(path=file).summary())
