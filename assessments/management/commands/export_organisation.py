import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from assessments.portability import export_organisation
from organisations.models import Organisation


class Command(BaseCommand):
    help = (
        "Write one organisation's complete data, audit history included, as JSON "
        "(importable into an empty database)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("slug")
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")

    def handle(self, *args: Any, slug: str, output: str | None, **options: Any) -> None:
        organisation = Organisation.objects.filter(slug=slug).first()
        if organisation is None:
            raise CommandError(f"No organisation with slug '{slug}'.")
        text = json.dumps(export_organisation(organisation), indent=1, sort_keys=True) + "\n"
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
        else:
            self.stdout.write(text, ending="")
