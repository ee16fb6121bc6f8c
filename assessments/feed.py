"""The scores feed: one flat, stable row per submitted assessment, for internal systems.

Rows are ordered by (updated_at, id) and paged with an opaque keyset cursor, so a client
that keeps the last cursor it was given sees every row that is new or changed since, even
while results keep arriving. Delivery is at least once (a row changed during a sync shows
up again later): consumers upsert by `assessment`.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime

from assessments.models import Assessment, ResultScore

# Stable across releases: new catalogue rows do not add columns.
DISCIPLINES = ("devops", "mlops", "aiops")
HINDRANCES = (
    "skills-gap",
    "data-quality",
    "use-cases",
    "culture",
    "infrastructure",
    "tooling",
)
BASE_COLUMNS = (
    "assessment",
    "organisation",
    "questionnaire",
    "version",
    "title",
    "submitted_at",
    "updated_at",
    "overall",
    "overall_percent",
    "level",
    "level_name",
)
CSV_COLUMNS = (
    *BASE_COLUMNS,
    *(f"discipline_{slug.replace('-', '_')}" for slug in DISCIPLINES),
    *(f"hindrance_{slug.replace('-', '_')}" for slug in HINDRANCES),
)
VALUES = (
    "id",
    "organisation__slug",
    "version__questionnaire__slug",
    "version__number",
    "title",
    "submitted_at",
    "updated_at",
    "result__id",
    "result__overall",
    "result__overall_percent",
    "result__level_key",
    "result__level_name",
)


class CursorError(ValueError):
    pass


def encode_cursor(updated_at: datetime, pk: int) -> str:
    raw = json.dumps([updated_at.isoformat(), pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, pk = json.loads(raw)
        moment = parse_datetime(stamp)
        if moment is not None:
            moment = moment.astimezone(UTC)  # OverflowError near year 1 or 9999
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, OverflowError):
        raise CursorError("Not a cursor this feed gave out.") from None
    if moment is None or not isinstance(pk, int) or isinstance(pk, bool) or not 0 <= pk < 2**63:
        raise CursorError("Not a cursor this feed gave out.")
    return moment, pk


def after(queryset: QuerySet[Assessment], cursor: str | None) -> QuerySet[Assessment]:
    queryset = queryset.order_by("updated_at", "id")
    if not cursor:
        return queryset
    moment, pk = decode_cursor(cursor)
    # The plain `>=` lets the (updated_at, id) index seek instead of scanning from the start.
    return queryset.filter(updated_at__gte=moment).filter(
        Q(updated_at__gt=moment) | Q(updated_at=moment, id__gt=pk)
    )


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def rows(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Feed rows for assessments fetched with VALUES: one more query for their figures."""
    figures: dict[int, dict[tuple[str, str], Decimal | None]] = {}
    result_ids = [value["result__id"] for value in values]
    scores = (
        ResultScore.objects.filter(
            result_id__in=result_ids,
            axis__in=[ResultScore.Axis.DISCIPLINE, ResultScore.Axis.HINDRANCE],
        )
        .order_by()  # the default ordering would join Result only to sort
        .values_list("result_id", "axis", "key", "percent")
    )
    for result_id, axis, key, percent in scores:
        figures.setdefault(result_id, {})[(axis, key)] = percent
    out = []
    for value in values:
        mine = figures.get(value["result__id"], {})
        out.append(
            {
                "assessment": value["id"],
                "organisation": value["organisation__slug"],
                "questionnaire": value["version__questionnaire__slug"],
                "version": value["version__number"],
                "title": value["title"],
                "submitted_at": value["submitted_at"],
                "updated_at": value["updated_at"],
                "overall": _text(value["result__overall"]),
                "overall_percent": _text(value["result__overall_percent"]),
                "level": value["result__level_key"] or None,
                "level_name": value["result__level_name"] or None,
                "disciplines": {s: _text(mine.get(("discipline", s))) for s in DISCIPLINES},
                "hindrances": {s: _text(mine.get(("hindrance", s))) for s in HINDRANCES},
            }
        )
    return out


def page(
    queryset: QuerySet[Assessment], cursor: str | None, size: int
) -> tuple[list[dict[str, Any]], bool]:
    """One page after the cursor, and whether more rows follow."""
    values = list(after(queryset, cursor).values(*VALUES)[: size + 1])
    return rows(values[:size]), len(values) > size


def iterate(
    queryset: QuerySet[Assessment], chunk: int = 2000, start: str | None = None
) -> Iterator[dict[str, Any]]:
    """Every row after `start`, a chunk at a time, so memory does not grow with the row count."""
    cursor = start
    while True:
        batch, more = page(queryset, cursor, chunk)
        yield from batch
        if not more or not batch:
            return
        cursor = encode_cursor(batch[-1]["updated_at"], batch[-1]["assessment"])
        del batch  # let the chunk go before the next one is fetched


def _safe_cell(value: Any) -> Any:
    # Spreadsheets run cells that start with these as formulas (CSV injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def flat(row: dict[str, Any]) -> list[Any]:
    base = [row[column] for column in BASE_COLUMNS]
    base = [_json_default(value) if isinstance(value, datetime) else value for value in base]
    return [
        *(_safe_cell(value) for value in base),
        *(row["disciplines"][slug] for slug in DISCIPLINES),
        *(row["hindrances"][slug] for slug in HINDRANCES),
    ]


def csv_lines(all_rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in all_rows:
        writer.writerow(flat(row))
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_lines(all_rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    chunk: list[str] = []
    for row in all_rows:
        chunk.append(json.dumps(row, default=_json_default) + "\n")
        if len(chunk) >= 500:
            yield "".join(chunk)
            chunk = []
    yield "".join(chunk)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    raise TypeError(type(value))
