"""Migrations 0008-0010 on a database built before them: every row gets its UUID and every
submitted assessment is in the feed, in the order the old feed served them."""

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("assessments", "0007_assessment_revision")]
AFTER = [("assessments", "0010_uuids_required")]


def migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def back_to_latest() -> Any:
    """Later tests in this process expect the schema of the newest migrations."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_existing_rows_get_uuids_and_submitted_ones_enter_the_feed(
    flushable: None, back_to_latest: None
) -> None:
    old = migrate(BEFORE)
    user = old.get_model("auth", "User").objects.create(username="olivia")
    organisation = old.get_model("assessments", "Organisation").objects.create(
        slug="acme", name="Acme"
    )
    questionnaire = old.get_model("assessments", "Questionnaire").objects.create(slug="q", name="Q")
    version = old.get_model("assessments", "QuestionnaireVersion").objects.create(
        questionnaire=questionnaire, number=1
    )
    assessment = old.get_model("assessments", "Assessment")
    made = {}
    for title, status, moment in [
        ("later", "submitted", datetime(2026, 3, 1, tzinfo=UTC)),
        ("draft", "draft", None),
        ("earlier", "submitted", datetime(2026, 2, 1, tzinfo=UTC)),
    ]:
        row = assessment.objects.create(
            organisation=organisation,
            version=version,
            title=title,
            status=status,
            submitted_at=moment,
            created_by=user,
        )
        if moment is not None:
            assessment.objects.filter(pk=row.pk).update(updated_at=moment)
        made[title] = row.pk

    new = migrate(AFTER)
    assessment = new.get_model("assessments", "Assessment")
    uuids = list(assessment.objects.values_list("uuid", flat=True))
    assert None not in uuids and len(set(uuids)) == 3
    assert new.get_model("assessments", "Organisation").objects.get().uuid is not None
    changes = new.get_model("assessments", "FeedChange").objects.order_by("xid", "id")
    assert list(changes.values_list("assessment_id", flat=True)) == [
        made["earlier"],
        made["later"],
    ]
