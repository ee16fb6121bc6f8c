"""Respondents saving at the same moment lose nothing, and a save racing a submit either
lands before it (and is in the result) or is refused. Run for real on PostgreSQL (SQLite has
no row locks)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection

from assessments import services
from assessments.models import Answer, Assessment, Respondent, RespondentAnswer, Result
from organisations.models import Organisation
from tests.assessments.respondents_world import person, team_version
from tests.assessments.test_concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (set DATABASE_URL)"
    ),
]

N = 8
# r0 .. r7: practice absent 0, partly 0.5, fully 1 ...; coverage 10 % .. 80 %
PRACTICE = ["absent", "partly", "fully", "fully", "partly", "fully", "absent", "fully"]


@pytest.fixture
def team(flushable: None) -> tuple[Assessment, list[Respondent]]:
    organisation = Organisation.objects.create(slug="acme", name="Acme")
    owner = person(organisation, "olivia", "owner")
    assessment = services.assessment_create(
        organisation=organisation, version=team_version("mean"), user=owner
    )
    people = [person(organisation, f"r{n}", "editor") for n in range(N)]
    for user in people:
        services.respondent_add(assessment=assessment, added_by=owner, username=user.username)
    return assessment, list(Respondent.objects.filter(assessment=assessment).order_by("pk"))


def saving(respondent: Respondent, practice: str, coverage: str) -> Callable[[], Any]:
    def job() -> Any:
        return services.respondent_save_answers(
            respondent=Respondent.objects.select_related("assessment__version").get(
                pk=respondent.pk
            ),
            answers=[
                services.AnswerInput(
                    "practice", choices=(practice,), fields=frozenset({"choices"})
                ),
                services.AnswerInput(
                    "coverage", number=Decimal(coverage), fields=frozenset({"number"})
                ),
            ],
            user=respondent.user,
        )

    return job


def test_respondents_saving_at_once_lose_nothing_and_the_derived_answers_add_up(
    team: tuple[Assessment, list[Respondent]],
) -> None:
    assessment, respondents = team
    revision = Assessment.objects.get(pk=assessment.pk).revision

    outcomes = run_together(
        *(
            saving(respondent, PRACTICE[n], str(10 * (n + 1)))
            for n, respondent in enumerate(respondents)
        )
    )

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    stored = {
        (row.respondent.user.username, row.question.key): row.choices or str(row.number)
        for row in RespondentAnswer.objects.select_related("respondent__user", "question")
    }
    assert stored == {
        **{(f"r{n}", "practice"): [PRACTICE[n]] for n in range(N)},
        **{(f"r{n}", "coverage"): f"{10 * (n + 1)}.0000" for n in range(N)},
    }
    derived = {a.question.key: a.score for a in Answer.objects.select_related("question")}
    # practice: (0 + .5 + 1 + 1 + .5 + 1 + 0 + 1) / 8 = 0.625; coverage: 3.6 / 8 = 0.45
    assert {key: str(score) for key, score in derived.items()} == {
        "practice": "0.6250",
        "coverage": "0.4500",
    }
    # every save bumped the assessment once and each respondent once: none applied twice
    assert Assessment.objects.get(pk=assessment.pk).revision == revision + N
    assert sorted(Respondent.objects.values_list("revision", flat=True)) == [2] * N


@pytest.mark.parametrize("attempt", range(6))
def test_a_save_racing_a_submit_is_in_the_result_or_refused(
    team: tuple[Assessment, list[Respondent]], attempt: int
) -> None:
    assessment, respondents = team
    for n, respondent in enumerate(respondents):
        saving(respondent, PRACTICE[n], str(10 * (n + 1)))()
    owner = User.objects.get(username="olivia")

    def submit() -> Any:
        return services.assessment_submit(assessment=assessment, user=owner)

    # r0 changes practice from absent (0) to fully (1): the mean goes from 0.625 to 0.75.
    save_outcome, submit_outcome = run_together(saving(respondents[0], "fully", "10"), submit)

    assert not isinstance(submit_outcome, Exception), submit_outcome
    snapshot = Result.objects.get(assessment=assessment).snapshot
    mine = RespondentAnswer.objects.get(respondent=respondents[0], question__key="practice")
    if isinstance(save_outcome, services.Conflict):
        assert save_outcome.code == "submitted"
        assert mine.choices == ["absent"]
        assert snapshot["answers"]["practice"]["score"] == "0.6250"
    else:
        assert not isinstance(save_outcome, Exception), save_outcome
        assert mine.choices == ["fully"]
        assert snapshot["answers"]["practice"]["score"] == "0.7500"
    # the frozen derived answer is the one the result scored
    kept = Answer.objects.get(assessment=assessment, question__key="practice")
    assert str(kept.score) == snapshot["answers"]["practice"]["score"]


@pytest.mark.parametrize("attempt", range(4))
def test_a_direct_answer_racing_the_first_respondent_is_kept_or_refused(
    flushable: None, attempt: int
) -> None:
    organisation = Organisation.objects.create(slug="acme", name="Acme")
    owner = person(organisation, "olivia", "owner")
    person(organisation, "rita", "respondent")
    assessment = services.assessment_create(
        organisation=organisation, version=team_version("mean"), user=owner
    )

    def answer() -> Any:
        return services.assessment_save_answers(
            assessment=assessment,
            answers=[
                services.AnswerInput("practice", choices=("fully",), fields=frozenset({"choices"}))
            ],
            user=owner,
        )

    def add() -> Any:
        return services.respondent_add(assessment=assessment, added_by=owner, username="rita")

    answer_outcome, add_outcome = run_together(answer, add)

    assert isinstance(add_outcome, services.AddedRespondent), add_outcome
    if isinstance(answer_outcome, services.Conflict):
        # the respondent came first: the direct answer was refused and nothing was saved
        assert answer_outcome.code == "has_respondents"
        assert not Answer.objects.exists()
        assert list(Respondent.objects.values_list("user__username", flat=True)) == ["rita"]
    else:
        # the answer came first: it became olivia's own answer, and the assessment's answer
        # is derived from it
        assert not isinstance(answer_outcome, Exception), answer_outcome
        mine = RespondentAnswer.objects.get(respondent__user=owner)
        assert (mine.question.key, mine.choices) == ("practice", ["fully"])
        derived = Answer.objects.get()
        assert (derived.source, derived.choices) == ("derived", ["fully"])
