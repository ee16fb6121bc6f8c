"""Concurrent clients lose nothing. Run for real on PostgreSQL (SQLite has no row locks)."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection

from assessments import services
from assessments.models import (
    Answer,
    Assessment,
    Result,
)
from organisations.models import Membership, Organisation
from tests.assessments.conftest import MODELS_DIR, RUBRIC_KEYS, import_file

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (set DATABASE_URL)"
    ),
]


def run_together(*jobs: Callable[[], Any]) -> list[Any]:
    """Start every job at the same moment, each in its own thread and database connection."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[Any] = [None] * len(jobs)

    def runner(index: int, job: Callable[[], Any]) -> None:
        from django.db import connections

        try:
            barrier.wait()
            outcomes[index] = job()
        except Exception as exc:  # the outcome under test, not an error of the harness
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.fixture
def setup() -> tuple[Assessment, User]:
    version = import_file(MODELS_DIR / "rubric.yaml")
    organisation = Organisation.objects.create(slug="acme", name="Acme")
    user = User.objects.create_user("olivia", password="a-long-password-1")
    Membership.objects.create(organisation=organisation, user=user, role="owner")
    assessment = services.assessment_create(organisation=organisation, version=version, user=user)
    return assessment, user


def save(assessment: Assessment, user: User, key: str, choice: str) -> Callable[[], Any]:
    def job() -> Any:
        return services.assessment_save_answers(
            assessment=assessment,
            answers=[services.AnswerInput(key, choices=(choice,), fields=frozenset({"choices"}))],
            user=user,
        )

    return job


def test_clients_saving_different_answers_at_once_lose_none(setup: Any) -> None:
    assessment, user = setup
    outcomes = run_together(*(save(assessment, user, key, "fully") for key in RUBRIC_KEYS))
    assert not [o for o in outcomes if isinstance(o, Exception)]
    stored = dict(
        Answer.objects.filter(assessment=assessment).values_list("question__key", "choices")
    )
    assert stored == {key: ["fully"] for key in RUBRIC_KEYS}
    # every save bumped the revision exactly once: nothing was applied twice or skipped
    assert Assessment.objects.get(pk=assessment.pk).revision == 1 + len(RUBRIC_KEYS)


def test_clients_saving_the_same_answer_at_once_leave_one_row(setup: Any) -> None:
    assessment, user = setup
    outcomes = run_together(
        *(save(assessment, user, "unit-tests", c) for c in ["absent", "fully"] * 3)
    )
    assert not [o for o in outcomes if isinstance(o, Exception)]
    rows = Answer.objects.filter(assessment=assessment, question__key="unit-tests")
    assert rows.count() == 1
    assert rows.get().choices in (["absent"], ["fully"])


@pytest.mark.parametrize("attempt", range(6))
def test_a_submit_racing_an_answer_ends_consistent(setup: Any, attempt: int) -> None:
    assessment, user = setup
    for key in RUBRIC_KEYS:
        save(assessment, user, key, "partly")()

    def submit() -> Any:
        return services.assessment_submit(assessment=assessment, user=user)

    # Which one takes the lock first varies from run to run; both endings must be consistent.
    answer_outcome, submit_outcome = run_together(
        save(assessment, user, "unit-tests", "fully"), submit
    )
    assert not isinstance(submit_outcome, Exception), submit_outcome
    stored = Answer.objects.get(assessment=assessment, question__key="unit-tests").choices
    snapshot = Result.objects.get(assessment=assessment).snapshot["answers"]["unit-tests"]
    if isinstance(answer_outcome, services.Conflict):
        # refused because the submit came first: the snapshot and the row agree on the old value
        assert answer_outcome.code == "submitted"
        assert stored == snapshot["choices"] == ["partly"]
    else:
        assert not isinstance(answer_outcome, Exception), answer_outcome
        # saved before the submit took its lock: the snapshot contains it
        assert stored == snapshot["choices"] == ["fully"]


def test_two_submits_at_once_store_one_result(setup: Any) -> None:
    assessment, user = setup
    for key in RUBRIC_KEYS:
        save(assessment, user, key, "fully")()

    def submit() -> Any:
        return services.assessment_submit(assessment=assessment, user=user)

    outcomes = run_together(submit, submit, submit)
    refused = [o for o in outcomes if isinstance(o, services.Conflict)]
    assert len(refused) == 2
    assert Result.objects.filter(assessment=assessment).count() == 1


def test_concurrent_field_updates_with_the_same_etag_let_one_win(setup: Any) -> None:
    assessment, _ = setup
    etag = assessment.etag

    def retitle(title: str) -> Callable[[], Any]:
        return lambda: services.assessment_update(
            assessment=assessment, expected_etag=etag, title=title
        )

    outcomes = run_together(retitle("first"), retitle("second"))
    stale = [o for o in outcomes if isinstance(o, services.StaleVersion)]
    assert len(stale) == 1
    winner = next(o for o in outcomes if isinstance(o, Assessment))
    assert Assessment.objects.get(pk=assessment.pk).title == winner.title
