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
import decimal
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from json.encoder import encode_basestring as _encode_string
from typing import Any

from django.db import connections
from django.db.models import Q, QuerySet
from django.db.models.sql.constants import MULTI
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
# records() unpacks rows in this order.
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
_RESULT_ID = VALUES.index("result__id")


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


# The page and the exports read the database driver's values and convert the few columns they
# need themselves: Django's per-value converters cost more than everything else in a page.
_PERCENT = ResultScore._meta.get_field("percent")
_QUANTUM = Decimal(1).scaleb(-_PERCENT.decimal_places)
_FROM_FLOAT = decimal.Context(prec=15).create_decimal_from_float
# Where each (axis, key) goes in a row's figures: DISCIPLINES, then HINDRANCES.
_SLOTS = {
    **{(ResultScore.Axis.DISCIPLINE.value, slug): i for i, slug in enumerate(DISCIPLINES)},
    **{
        (ResultScore.Axis.HINDRANCE.value, slug): len(DISCIPLINES) + i
        for i, slug in enumerate(HINDRANCES)
    },
}


@lru_cache(maxsize=1024)  # scores repeat: a page has far fewer distinct values than cells
def _float_text(raw: float) -> str:
    # SQLite hands back a float (or an int): round it as Django's SQLite backend does.
    return str(_FROM_FLOAT(raw).quantize(_QUANTUM, context=_PERCENT.context))


def _number_text(raw: Decimal | float | None) -> str | None:
    """A decimal column as text with its scale, e.g. "61.2500", as the ORM would give it."""
    if raw is None:
        return None
    if isinstance(raw, Decimal):  # PostgreSQL: numeric keeps the column's scale
        return str(raw)
    return _float_text(raw)


def _moment(raw: datetime | str) -> datetime:
    """An aware UTC datetime from the driver's value (SQLite's is naive, in UTC)."""
    moment = datetime.fromisoformat(raw) if isinstance(raw, str) else raw
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _moment_text(raw: datetime | str | None) -> str | None:
    """The way DRF's encoder writes a UTC datetime: ISO 8601 with a Z."""
    if raw is None:
        return None
    moment = datetime.fromisoformat(raw) if isinstance(raw, str) else raw
    if moment.tzinfo is None:
        return moment.isoformat() + "Z"
    return moment.astimezone(UTC).isoformat().removesuffix("+00:00") + "Z"


def _fetch(queryset: QuerySet[Any], chunk: int) -> list[tuple[Any, ...]]:
    """The rows of a values_list() queryset as the driver returns them, without converters."""
    compiler = queryset.query.get_compiler(using=queryset.db)
    return [row for rows in compiler.execute_sql(MULTI, chunk_size=chunk) for row in rows]


def _figures(result_ids: list[int], using: str) -> dict[int, list[str | None]]:
    """The discipline and hindrance percents of these results as text, in `_SLOTS` order.

    Plain SQL: compiling this query through the ORM, with its IN list of up to 2,000 ids,
    costs more than running it.
    """
    if not result_ids:
        return {}
    meta = ResultScore._meta
    quote = connections[using].ops.quote_name
    result, axis, key, percent = (
        quote(meta.get_field(name).column) for name in ("result", "axis", "key", "percent")
    )
    sql = (
        f"SELECT {result}, {axis}, {key}, {percent} FROM {quote(meta.db_table)} "
        f"WHERE {result} IN ({', '.join(['%s'] * len(result_ids))}) AND {axis} IN (%s, %s)"
    )
    axes = [ResultScore.Axis.DISCIPLINE.value, ResultScore.Axis.HINDRANCE.value]
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [*result_ids, *axes])
        scores = cursor.fetchall()
    figures: dict[int, list[str | None]] = {}
    for result_id, axis_value, key_value, value in scores:
        slot = _SLOTS.get((axis_value, key_value))
        if slot is None:
            continue
        mine = figures.get(result_id)
        if mine is None:
            mine = figures[result_id] = [None] * len(_SLOTS)
        if value is not None:  # _number_text, inlined: this loop runs 7 times a row
            mine[slot] = str(value) if isinstance(value, Decimal) else _float_text(value)
    return figures


@dataclass(frozen=True, slots=True)
class Record:
    """One feed row, every value ready to render; `moment` is `updated_at` for the cursor."""

    base: tuple[Any, ...]  # BASE_COLUMNS
    figures: tuple[str | None, ...]  # DISCIPLINES then HINDRANCES
    moment: datetime | str

    def as_dict(self) -> dict[str, Any]:
        row = dict(zip(BASE_COLUMNS, self.base, strict=True))
        split = len(DISCIPLINES)
        row["disciplines"] = dict(zip(DISCIPLINES, self.figures[:split], strict=True))
        row["hindrances"] = dict(zip(HINDRANCES, self.figures[split:], strict=True))
        return row

    def cursor(self) -> str:
        return encode_cursor(self.updated_at(), self.base[0])

    def updated_at(self) -> datetime:
        return _moment(self.moment)


def records(values: list[tuple[Any, ...]], using: str) -> list[Record]:
    """Feed rows for assessments fetched with VALUES: one more query for their figures."""
    result_ids = [value[_RESULT_ID] for value in values]
    figures = _figures([pk for pk in result_ids if pk is not None], using)
    blank = (None,) * len(_SLOTS)
    out = []
    for pk, org, questionnaire, number, title, submitted, updated, result, *rest in values:
        overall, percent, level, level_name = rest
        mine = figures.get(result)
        out.append(
            Record(
                base=(
                    pk,
                    org,
                    questionnaire,
                    number,
                    title,
                    _moment_text(submitted),
                    _moment_text(updated),
                    _number_text(overall),
                    _number_text(percent),
                    level or None,
                    level_name or None,
                ),
                figures=blank if mine is None else tuple(mine),
                moment=updated,
            )
        )
    return out


def page(
    queryset: QuerySet[Assessment], cursor: str | None, size: int
) -> tuple[list[Record], bool]:
    """One page after the cursor, and whether more rows follow."""
    values = _fetch(after(queryset, cursor).values_list(*VALUES)[: size + 1], size + 1)
    return records(values[:size], queryset.db), len(values) > size


def iterate(
    queryset: QuerySet[Assessment], chunk: int = 2000, start: str | None = None
) -> Iterator[list[Record]]:
    """Every row after `start`, a chunk at a time, so memory does not grow with the row count."""
    cursor = start
    while True:
        batch, more = page(queryset, cursor, chunk)
        if batch:
            yield batch
        if not more or not batch:
            return
        cursor = batch[-1].cursor()
        del batch  # let the chunk go before the next one is fetched


# Spreadsheets run cells that start with these as formulas (CSV injection).
_FORMULA = frozenset(("=", "+", "-", "@", "\t", "\r"))


def _safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value and value[0] in _FORMULA:
        return "'" + value
    return value


def _json(value: str | None) -> str:
    return "null" if value is None else _encode_string(value)


def page_json(next_url: str | None, next_cursor: str | None, records: list[Record]) -> bytes:
    """A page body byte for byte as DRF's JSONRenderer writes it (compact, non-ASCII kept).

    Written directly: building a dict per row and encoding them costs twice as much. A test
    compares it with JSONRenderer on the same rows.
    """
    rows = []
    for record in records:
        pk, org, questionnaire, number, title, submitted, updated, *result = record.base
        overall, percent, level, level_name = result
        d, h = record.figures[:3], record.figures[3:]
        rows.append(
            f'{{"assessment":{int(pk)},"organisation":{_json(org)},'
            f'"questionnaire":{_json(questionnaire)},"version":{int(number)},'
            f'"title":{_json(title)},"submitted_at":{_json(submitted)},'
            f'"updated_at":{_json(updated)},"overall":{_json(overall)},'
            f'"overall_percent":{_json(percent)},"level":{_json(level)},'
            f'"level_name":{_json(level_name)},'
            f'"disciplines":{{"devops":{_json(d[0])},"mlops":{_json(d[1])},'
            f'"aiops":{_json(d[2])}}},'
            f'"hindrances":{{"skills-gap":{_json(h[0])},"data-quality":{_json(h[1])},'
            f'"use-cases":{_json(h[2])},"culture":{_json(h[3])},'
            f'"infrastructure":{_json(h[4])},"tooling":{_json(h[5])}}}}}'
        )
    body = (
        f'{{"next":{_json(next_url)},"next_cursor":{_json(next_cursor)},'
        f'"results":[{",".join(rows)}]}}'
    )
    # As JSONRenderer does: these two are valid JSON but end lines in JavaScript.
    return body.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()


# Rows written per piece of a streamed export: what the client has not read yet stays small.
_ROWS_PER_PIECE = 500


def _pieces(chunks: Iterable[list[Record]]) -> Iterator[list[Record]]:
    for chunk in chunks:
        while chunk:
            piece, chunk = chunk[:_ROWS_PER_PIECE], chunk[_ROWS_PER_PIECE:]
            yield piece
            del piece  # by the time the next chunk is fetched, no row of this one is held


def csv_lines(chunks: Iterable[list[Record]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for piece in _pieces(chunks):
        writer.writerows([*map(_safe_cell, record.base), *record.figures] for record in piece)
        del piece
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def json_lines(chunks: Iterable[list[Record]]) -> Iterator[str]:
    for piece in _pieces(chunks):
        text = "".join(json.dumps(record.as_dict()) + "\n" for record in piece)
        del piece
        yield text
