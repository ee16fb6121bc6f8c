"""The feed writes numbers and moments exactly as the ORM reads them, on every database.

The feed converts the driver's values itself (it skips the ORM's converters for speed), so
these pin the edge cases: whole numbers (SQLite hands back an int), the smallest step, signs,
the widest value, nulls, and moments with and without microseconds.
"""

import csv
import io
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from assessments.models import Assessment, Result, ResultScore
from tests.assessments.conftest import client_for

pytestmark = pytest.mark.django_db


def expected(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@pytest.mark.parametrize(
    "stored",
    [
        Decimal("100"),
        Decimal("0"),
        Decimal("0.0001"),
        Decimal("33.3333"),
        Decimal("66.6667"),
        Decimal("-12.5"),
        Decimal("9999999999.9999"),
        None,
    ],
)
def test_a_score_reads_the_same_in_the_feed_as_through_the_orm(
    submitted: Any, owner: User, stored: Decimal | None
) -> None:
    old = submitted.result
    Result.objects.filter(pk=old.pk).delete()  # stored results are immutable: store a new one
    result = Result.objects.create(
        assessment=submitted,
        engine_version=old.engine_version,
        overall=stored,
        overall_percent=stored,
        level_key=old.level_key,
        level_name=old.level_name,
        snapshot=old.snapshot,
        computed_at=old.computed_at,
    )
    ResultScore.objects.create(result=result, axis="discipline", key="mlops", percent=stored)
    figure = ResultScore.objects.get(result=result, axis="discipline", key="mlops").percent
    read = Result.objects.get(pk=result.pk)
    api = client_for(owner)

    row = api.get("/api/v1/scores/").json()["results"][0]
    assert row["disciplines"]["mlops"] == expected(figure)
    assert (row["overall"], row["overall_percent"]) == (
        expected(read.overall),
        expected(read.overall_percent),
    )
    line = json.loads(b"".join(api.get("/api/v1/scores/?format=jsonl").streaming_content))
    assert line == row
    table = list(
        csv.DictReader(
            io.StringIO(b"".join(api.get("/api/v1/scores/?format=csv").streaming_content).decode())
        )
    )
    assert table[0]["discipline_mlops"] == (expected(figure) or "")


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "2026-01-02T03:04:05Z"),
        (datetime(2026, 1, 2, 3, 4, 5, 60, tzinfo=UTC), "2026-01-02T03:04:05.000060Z"),
        (datetime(1, 1, 1, tzinfo=UTC), "0001-01-01T00:00:00Z"),
    ],
)
def test_moments_read_the_same_in_the_feed_as_through_the_orm(
    submitted: Any, owner: User, moment: datetime, text: str
) -> None:
    Assessment.objects.filter(pk=submitted.pk).update(submitted_at=moment)
    api = client_for(owner)
    row = api.get("/api/v1/scores/").json()["results"][0]
    assert row["submitted_at"] == text
    stamp = Assessment.objects.get(pk=submitted.pk).updated_at
    assert row["updated_at"] == stamp.isoformat().replace("+00:00", "Z")
    table = list(
        csv.DictReader(
            io.StringIO(b"".join(api.get("/api/v1/scores/?format=csv").streaming_content).decode())
        )
    )
    assert table[0]["submitted_at"] == text
