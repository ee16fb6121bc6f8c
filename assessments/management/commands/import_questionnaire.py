from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from assessments import questionnaire_format, services


class Command(BaseCommand):
    help = (
        "Import questionnaire versions from YAML or JSON files (docs/questionnaire-format.md). "
        "A file with any problem imports nothing and every problem is reported with its path. "
        "Importing an identical version again changes nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")

    def handle(self, *args: Any, files: list[Path], **options: Any) -> None:
        failed = False
        for path in files:
            try:
                document = questionnaire_format.parse(path.read_text(), filename=path.name)
                outcome = services.questionnaire_import(document=document)
            except OSError as exc:
                self.stderr.write(f"{path}: cannot read: {exc.strerror}")
                failed = True
                continue
            except questionnaire_format.FormatError as exc:
                for error in exc.errors:
                    self.stderr.write(f"{path}: {error}")
                failed = True
                continue
            version = outcome.version
            verb = "imported" if outcome.created else "already up to date:"
            self.stdout.write(
                f"{path}: {verb} {version.questionnaire.slug} v{version.number} ({version.status})"
            )
        if failed:
            raise CommandError("Some files were not imported; see the messages above.")
