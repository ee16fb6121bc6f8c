import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from assessments.portability import PortabilityError, import_organisation


class Command(BaseCommand):
    help = (
        "Recreate an organisation, with its audit history, from the file export_organisation "
        "wrote: all or nothing. "
        "Members get accounts without a usable password (set one with changepassword)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            document = json.loads(file.read_text(encoding="utf-8"))
            organisation = import_organisation(document)
        except (OSError, PortabilityError, ValueError, KeyError, TypeError) as exc:
            raise CommandError(f"{file}: nothing imported: {exc}") from None
        count = organisation.assessments.count()
        self.stdout.write(f"Imported organisation '{organisation.slug}' with {count} assessments.")
