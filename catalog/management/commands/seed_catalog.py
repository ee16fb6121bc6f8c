from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from catalog import seeding


class Command(BaseCommand):
    help = (
        "Add the seed catalogue rows (fixtures/catalog.json) that the database lacks, matched "
        "by slug. Rows that exist are never changed, so edits made in the admin survive. "
        "Safe to rerun; reset_catalog_to_seed is the command that overwrites."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--file", type=Path, default=seeding.SEED_FILE, help="seed file")

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        self.stdout.write(seeding.seed_missing(path=file).summary())
