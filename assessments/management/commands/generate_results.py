"""Generate many organisations with submitted results, for benchmarks and load tests."""

import random
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from assessments import scoring, selectors, services
from assessments.management.commands.ensure_demo_assessment import sample_answer
from assessments.models import (
    Answer,
    Assessment,
    Questionnaire,
    Result,
    ResultScore,
    record_feed_changes,
)
from organisations.models import Membership, Organisation

VARIANTS = 64


def _random_answers(rng: random.Random, model: scoring.Model) -> dict[str, scoring.Answer]:
    answers = {}
    for index, question in enumerate(model.questions()):
        given = sample_answer(rng.randrange(3) + index * 3 + rng.randrange(2), question)
        if given.choices and question.choices and rng.random() < 0.5:
            given = services.AnswerInput(question.key, choices=(rng.choice(question.choices).key,))
        answers[question.key] = scoring.Answer(
            question=question.key, choices=given.choices, number=given.number
        )
    return answers


class Command(BaseCommand):
    help = (
        "Create ORGANISATIONS organisations (slug prefix 'bench-') with RESULTS submitted "
        "assessments spread over the seed questionnaires, deterministic for a given --seed. "
        "Scores come from the real engine (a few dozen distinct answer sets, reused)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--organisations", type=int, default=200)
        parser.add_argument("--results", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--with-answers", action="store_true", help="Store answer rows too.")

    @transaction.atomic
    def handle(self, *args: Any, organisations: int, results: int, seed: int, **opts: Any) -> None:
        if organisations < 1 or results < 0:
            raise CommandError("Need at least one organisation and a non-negative result count.")
        rng = random.Random(seed)
        versions = [q.latest_published() for q in Questionnaire.objects.order_by("slug")]
        versions = [v for v in versions if v is not None]
        if not versions:
            raise CommandError("No published questionnaire: import the seed ones first.")
        user, _ = get_user_model().objects.get_or_create(username="bench-owner")
        start = Organisation.objects.filter(slug__startswith="bench-").count()
        orgs = Organisation.objects.bulk_create(
            Organisation(slug=f"bench-{start + i:05d}", name=f"Bench organisation {start + i}")
            for i in range(organisations)
        )
        orgs = list(Organisation.objects.filter(slug__in=[o.slug for o in orgs]))
        Membership.objects.bulk_create(
            Membership(organisation=org, user=user, role="owner") for org in orgs
        )
        prepared = []
        for version in versions:
            tree = selectors.version_tree(version)
            model = selectors.scoring_model(tree)
            for _ in range(VARIANTS):
                answers = _random_answers(rng, model)
                result = scoring.score(model, answers)
                snapshot = services.result_snapshot(tree, result, {})
                snapshot["recommendations"] = []
                snapshot["targets"] = []
                prepared.append((version, tree, answers, result, snapshot))
        now = timezone.now()
        done = 0
        while done < results:
            batch = min(2000, results - done)
            picks = [rng.choice(prepared) for _ in range(batch)]
            assessments = Assessment.objects.bulk_create(
                Assessment(
                    organisation=orgs[(done + i) % len(orgs)],
                    version=pick[0],
                    title=f"Benchmark {done + i}",
                    status=Assessment.Status.SUBMITTED,
                    created_by=user,
                    submitted_by=user,
                    submitted_at=now,
                )
                for i, pick in enumerate(picks)
            )
            stored = Result.objects.bulk_create(
                Result(
                    assessment=assessment,
                    engine_version=pick[3].engine_version,
                    overall=pick[3].overall,
                    overall_percent=pick[3].overall_percent,
                    level_key=pick[3].level or "",
                    level_name=pick[3].level or "",
                    snapshot=pick[4],
                    computed_at=now,
                )
                for assessment, pick in zip(assessments, picks, strict=True)
            )
            ResultScore.objects.bulk_create(
                ResultScore(result=result, axis=axis, key=key, percent=percent)
                for result, pick in zip(stored, picks, strict=True)
                for (axis, key), percent in services.result_figures(pick[4]).items()
            )
            # bulk_create skips save(): log the new feed rows as save() would.
            record_feed_changes(Assessment.objects.filter(pk__in=[a.pk for a in assessments]))
            if opts["with_answers"]:
                Answer.objects.bulk_create(
                    Answer(
                        assessment=assessment,
                        question=pick[1].question_by_key()[key],
                        choices=list(answer.choices),
                        number=answer.number,
                        answered_by=user,
                    )
                    for assessment, pick in zip(assessments, picks, strict=True)
                    for key, answer in pick[2].items()
                )
            done += batch
        self.stdout.write(f"Created {organisations} organisations and {results} results.")
