from typing import Any

from django.core.management.base import BaseCommand, CommandError

from assessments import questionnaire_format, selectors
from assessments.models import Questionnaire


class Command(BaseCommand):
    help = "Write a questionnaire version as YAML (or JSON) in the questionnaire format."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        # `--version N` names a questionnaire version here, not Django's version.
        kwargs.setdefault("conflict_handler", "resolve")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("slug")
        parser.add_argument("--version", type=int, help="Version number (default: the latest).")
        parser.add_argument("--format", choices=["yaml", "json"], default="yaml")
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")

    def handle(self, *args: Any, slug: str, **options: Any) -> None:
        questionnaire = Questionnaire.objects.filter(slug=slug).first()
        if questionnaire is None:
            raise CommandError(f"No questionnaire with slug '{slug}'.")
        versions = questionnaire.versions.order_by("-number")
        if options["version"] is not None:
            versions = versions.filter(number=options["version"])
        version = versions.first()
        if version is None:
            raise CommandError(f"'{slug}' has no version {options['version']}.")
        document = selectors.questionnaire_document(selectors.version_tree(version), version)
        text = questionnaire_format.dump(document, fmt=options["format"])
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as handle:
                handle.write(text)
        else:
            self.stdout.write(text, ending="")
