from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from assessments import scoring, selectors, services
from assessments.models import Assessment, Questionnaire
from organisations.models import Organisation


def sample_answer(index: int, question: scoring.Question) -> services.AnswerInput:
    """A plausible, deterministic middle-of-the-road answer (every third one weak)."""
    weak = index % 3 == 0
    if question.choices or question.type == scoring.QuestionType.YES_NO:
        keys = [choice.key for choice in question.choices] or ["no", "yes"]
        if question.type == scoring.QuestionType.YES_NO:
            chosen = ("no",) if weak else ("yes",)
        elif question.type == scoring.QuestionType.MULTIPLE_CHOICE:
            chosen = tuple(keys[: 1 if weak else (len(keys) + 1) // 2])
        else:
            chosen = (keys[0] if weak else keys[len(keys) // 2],)
        return services.AnswerInput(question.key, choices=chosen, fields=frozenset({"choices"}))
    if question.bands:
        band = question.bands[-1 if weak else len(question.bands) // 2]
        number = band.lower if band.lower is not None else (question.min_value or Decimal(0))
    elif question.linear:
        low, high = question.linear.from_value, question.linear.to_value
        number = low if weak else (low + high) / 2
    else:
        low, high = question.min_value or Decimal(0), question.max_value or Decimal(100)
        number = low if weak else (low + high) / 2
    return services.AnswerInput(
        question.key, number=Decimal(number).quantize(Decimal("0.01")), fields=frozenset({"number"})
    )


class Command(BaseCommand):
    help = (
        "Submit a sample assessment of a seed questionnaire for the demo organisation, so "
        "results and recommendations can be seen straight away. Safe to rerun."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--questionnaire", default="devops-maturity")
        parser.add_argument("--organisation", default="demo")

    @transaction.atomic
    def handle(self, *args: Any, questionnaire: str, organisation: str, **options: Any) -> None:
        org = Organisation.objects.filter(slug=organisation).first()
        found = Questionnaire.objects.filter(slug=questionnaire).first()
        version = found.latest_published() if found else None
        if org is None or version is None:
            raise CommandError(
                f"Need organisation '{organisation}' and questionnaire "
                f"'{questionnaire}'; run `make run` (or seed) first."
            )
        existing = Assessment.objects.filter(
            organisation=org, version__questionnaire=found, title="Sample assessment"
        ).first()
        if existing is not None:
            self.stdout.write(f"Sample assessment {existing.pk} already exists.")
            return
        owner = org.memberships.filter(role="owner").select_related("user").first()
        if owner is None:
            raise CommandError(f"Organisation '{organisation}' has no owner.")
        model = selectors.scoring_model(selectors.version_tree(version))
        assessment = services.assessment_create(
            organisation=org, version=version, user=owner.user, title="Sample assessment"
        )
        services.assessment_save_answers(
            assessment=assessment,
            answers=[sample_answer(i, q) for i, q in enumerate(model.questions())],
            user=owner.user,
        )
        services.assessment_submit(assessment=assessment, user=owner.user)
        self.stdout.write(f"Submitted sample assessment {assessment.pk} for '{organisation}'.")
