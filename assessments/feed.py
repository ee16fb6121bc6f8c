"""The scores feed: one flat, stable row per submitted assessment, for internal systems.

Every change to a feed row writes a `FeedChange` in the same transaction (assessments.models).
The feed walks those changes in (`xid`, `id`) order and serves each assessment at its newest
change, so a client that keeps the last cursor it was given sees every row that is new or
changed since, whatever order concurrent transactions commit in:

- PostgreSQL: `xid` is the writing transaction's id. A page only serves changes whose
  transaction is older than the snapshot's xmin (the oldest transaction still writing).
  Every such transaction has ended, and a transaction that starts later gets a larger id, so
  the served part of the log never grows below a cursor that was given out.
- SQLite: writers are serialised (a writer holds the database's write lock from its first
  write to its commit), so `id` alone is commit order; `xid` is 0.

Delivery is at least once: a row is sent again after each change. Consumers upsert by
`assessment` (a UUID). Exports are bounded by the log's horizon when they start, so each
row is in an export exactly once.
"""

from __future__ import annotations

import csv
import decimal
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from json.encoder import encode_basestring as _encode_string
from types import MappingProxyType
from typing import Any
from uuid import UUID

from django.core import signing
from django.db import connections, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.sql.constants import MULTI

from assessments.models import Assessment, FeedChange, ResultScore

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
    "organisation_uuid",
    "organisation_name",
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
    # Added last, so every column before them keeps its place: "section=level;section=level".
    "section_levels",
    "unit_uuid",
)
# records() unpacks rows in this order.
VALUES = (
    "xid",
    "id",
    "assessment__uuid",
    "assessment__organisation__slug",
    "assessment__organisation__uuid",
    "assessment__organisation__name",
    "assessment__version__questionnaire__slug",
    "assessment__version__number",
    "assessment__title",
    "assessment__submitted_at",
    "assessment__updated_at",
    "assessment__result__id",
    "assessment__result__overall",
    "assessment__result__overall_percent",
    "assessment__result__level_key",
    "assessment__result__level_name",
    "assessment__unit__uuid",
)
_RESULT_ID = VALUES.index("assessment__result__id")
_SIGNER = signing.Signer(salt="assessments.feed.cursor")
_MAX_ID = 2**63 - 1


class CursorError(ValueError):
    pass


def encode_cursor(xid: int, pk: int) -> str:
    """A position in the change log, signed: the feed refuses one it did not give out."""
    return _SIGNER.sign_object([xid, pk])


def decode_cursor(cursor: str) -> tuple[int, int]:
    try:
        position = _SIGNER.unsign_object(cursor)
    except (signing.BadSignature, ValueError, TypeError, UnicodeDecodeError):
        raise CursorError("Not a cursor this feed gave out.") from None
    if not (
        isinstance(position, list)
        and len(position) == 2
        and all(type(part) is int and 0 <= part <= _MAX_ID for part in position)
    ):
        raise CursorError("Not a cursor this feed gave out.")
    return position[0], position[1]


def _own_xid() -> RawSQL:
    # Rows the reading transaction wrote itself are final to it. Feed requests never write
    # changes; this makes a transaction (a test, a shell session) see its own changes.
    return RawSQL("pg_current_xact_id_if_assigned()::text::bigint", ())


@dataclass(frozen=True)
class Horizon:
    """The part of the log an export serves: settled when the export started.

    `xmin` (PostgreSQL only) is the snapshot's oldest running writer, `own` the reading
    transaction's id, `last_id` the newest change then visible.
    """

    xmin: int | None
    own: int | None
    last_id: int

    def q(self) -> Q:
        settled = Q()
        if self.xmin is not None:
            settled = Q(xid__lt=self.xmin)
            if self.own is not None:
                settled |= Q(xid=self.own)
        return settled & Q(id__lte=self.last_id)


def horizon(using: str) -> Horizon:
    """Where the log stands now, in one statement (so from one snapshot)."""
    table = connections[using].ops.quote_name(FeedChange._meta.db_table)
    newest = f"(SELECT COALESCE(MAX(id), 0) FROM {table})"
    with connections[using].cursor() as cursor:
        if connections[using].vendor == "postgresql":
            cursor.execute(
                "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, "
                f"pg_current_xact_id_if_assigned()::text::bigint, {newest}"
            )
            xmin, own, last_id = cursor.fetchone()
            return Horizon(xmin=xmin, own=own, last_id=last_id)
        cursor.execute(f"SELECT {newest}")
        return Horizon(xmin=None, own=None, last_id=cursor.fetchone()[0])


def resume_cursor(using: str, start: str | None) -> str | None:
    """A cursor for the sync after an export started now: at or before all the export holds.

    Taken before the export's own horizon, so it can only be earlier (rows sent twice, never
    skipped). None while the log is empty.
    """
    now = horizon(using)
    if now.xmin is not None:
        position = (now.xmin - 1, _MAX_ID)  # everything below xmin, nothing from it on
    elif now.last_id:
        position = (0, now.last_id)
    else:
        return start
    if start and decode_cursor(start) > position:
        return start
    return encode_cursor(*position)


def changes(
    queryset: QuerySet[Assessment], cursor: str | None, until: Horizon | None = None
) -> QuerySet[FeedChange]:
    """The newest settled change of each assessment of `queryset`, in log order after `cursor`.

    Without `until` (a page), a change is settled once no transaction older than it still
    writes; it is superseded by any newer visible change of the same assessment, which the
    feed serves instead once it is settled. With `until` (an export), both are bounded by
    the horizon, so each assessment settled then is served exactly once.
    """
    log = FeedChange.objects.using(queryset.db)
    newer = log.filter(assessment_id=OuterRef("assessment_id")).filter(
        Q(xid__gt=OuterRef("xid")) | Q(xid=OuterRef("xid"), id__gt=OuterRef("id"))
    )
    # Correlated: each change is checked by primary key as the walk reaches it, instead of
    # first listing every assessment the credential may see.
    rows = log.filter(Exists(queryset.filter(pk=OuterRef("assessment_id"))))
    if until is not None:
        rows, newer = rows.filter(until.q()), newer.filter(until.q())
    elif connections[queryset.db].vendor == "postgresql":
        xmin = RawSQL("pg_snapshot_xmin(pg_current_snapshot())::text::bigint", ())
        rows = rows.filter(Q(xid__lt=xmin) | Q(xid=_own_xid()))
    rows = rows.filter(~Exists(newer)).order_by("xid", "id")
    if not cursor:
        return rows
    xid, pk = decode_cursor(cursor)
    # The plain `>=` lets the (xid, id) index seek instead of scanning from the start.
    return rows.filter(xid__gte=xid).filter(Q(xid__gt=xid) | Q(xid=xid, id__gt=pk))


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


def _figures(
    result_ids: list[int], using: str
) -> tuple[dict[int, list[str | None]], dict[int, dict[str, str]]]:
    """The discipline and hindrance percents of these results as text, in `_SLOTS` order, and
    the levels their sections with levels of their own reached (by section key, sorted).

    Plain SQL: compiling this query through the ORM, with its IN list of up to 2,000 ids,
    costs more than running it.
    """
    if not result_ids:
        return {}, {}
    meta = ResultScore._meta
    quote = connections[using].ops.quote_name
    result, axis, key, percent, level = (
        quote(meta.get_field(name).column) for name in ("result", "axis", "key", "percent", "level")
    )
    sql = (
        f"SELECT {result}, {axis}, {key}, {percent}, {level} FROM {quote(meta.db_table)} "
        f"WHERE {result} IN ({', '.join(['%s'] * len(result_ids))}) "
        f"AND ({axis} IN (%s, %s) OR ({axis} = %s AND {level} <> ''))"
    )
    axes = [
        ResultScore.Axis.DISCIPLINE.value,
        ResultScore.Axis.HINDRANCE.value,
        ResultScore.Axis.SECTION.value,
    ]
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [*result_ids, *axes])
        scores = cursor.fetchall()
    figures: dict[int, list[str | None]] = {}
    levels: dict[int, dict[str, str]] = {}
    for result_id, axis_value, key_value, value, reached in scores:
        slot = _SLOTS.get((axis_value, key_value))
        if slot is None:
            if reached:
                levels.setdefault(result_id, {})[key_value] = reached
            continue
        mine = figures.get(result_id)
        if mine is None:
            mine = figures[result_id] = [None] * len(_SLOTS)
        if value is not None:  # _number_text, inlined: this loop runs 7 times a row
            mine[slot] = str(value) if isinstance(value, Decimal) else _float_text(value)
    return figures, {pk: dict(sorted(found.items())) for pk, found in levels.items()}


def _uuid_text(raw: UUID | str) -> str:
    """A UUID as text with hyphens (SQLite stores 32 lowercase hex digits)."""
    if isinstance(raw, UUID):
        return str(raw)
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"


@dataclass(frozen=True, slots=True)
class Record:
    """One feed row, every value ready to render; `position` is its change, for the cursor."""

    base: tuple[Any, ...]  # BASE_COLUMNS
    figures: tuple[str | None, ...]  # DISCIPLINES then HINDRANCES
    position: tuple[int, int]
    moment: datetime | str
    # Section key -> level reached, for sections with levels of their own.
    section_levels: Mapping[str, str] = field(default_factory=dict)
    # The unit assessed (its UUID never changes); None: the organisation as a whole.
    unit_uuid: str | None = None

    def as_dict(self) -> dict[str, Any]:
        row = dict(zip(BASE_COLUMNS, self.base, strict=True))
        split = len(DISCIPLINES)
        row["disciplines"] = dict(zip(DISCIPLINES, self.figures[:split], strict=True))
        row["hindrances"] = dict(zip(HINDRANCES, self.figures[split:], strict=True))
        row["section_levels"] = dict(self.section_levels)
        row["unit_uuid"] = self.unit_uuid
        return row

    def section_levels_cell(self) -> str:
        return ";".join(f"{key}={level}" for key, level in self.section_levels.items())

    def cursor(self) -> str:
        return encode_cursor(*self.position)

    def updated_at(self) -> datetime:
        return _moment(self.moment)


def records(values: list[tuple[Any, ...]], using: str) -> list[Record]:
    """Feed rows for changes fetched with VALUES: one more query for their figures."""
    result_ids = [value[_RESULT_ID] for value in values]
    figures, levels = _figures([pk for pk in result_ids if pk is not None], using)
    blank = (None,) * len(_SLOTS)
    out = []
    for xid, change, pk, org, org_uuid, org_name, questionnaire, number, *rest in values:
        title, submitted, updated, result, overall, percent, level, level_name, unit = rest
        mine = figures.get(result)
        out.append(
            Record(
                base=(
                    _uuid_text(pk),
                    org,
                    _uuid_text(org_uuid),
                    org_name,
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
                position=(xid, change),
                moment=updated,
                section_levels=levels.get(result, _NO_LEVELS),
                unit_uuid=None if unit is None else _uuid_text(unit),
            )
        )
    return out


def page(
    queryset: QuerySet[Assessment],
    cursor: str | None,
    size: int,
    until: Horizon | None = None,
) -> tuple[list[Record], bool]:
    """One page after the cursor, and whether more rows follow."""
    values = _fetch(changes(queryset, cursor, until).values_list(*VALUES)[: size + 1], size + 1)
    return records(values[:size], queryset.db), len(values) > size


EXPORT_CHUNK = 2000  # rows an export reads per query


def iterate(
    queryset: QuerySet[Assessment], chunk: int | None = None, start: str | None = None
) -> Iterator[list[Record]]:
    """Every row after `start` as the log stood when the export began, a chunk at a time.

    On PostgreSQL the chunks are read in one REPEATABLE READ transaction (one snapshot),
    unless the caller is already in a transaction; the horizon alone keeps each row to one
    appearance either way. Memory does not grow with the row count.
    """
    size = chunk or EXPORT_CHUNK
    connection = connections[queryset.db]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield from _chunks(queryset, size, start)
        return
    with transaction.atomic(using=queryset.db):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield from _chunks(queryset, size, start)


def _chunks(
    queryset: QuerySet[Assessment], chunk: int, start: str | None
) -> Iterator[list[Record]]:
    until = horizon(queryset.db)
    cursor = start
    while True:
        batch, more = page(queryset, cursor, chunk, until)
        if batch:
            yield batch
        if not more or not batch:
            return
        cursor = batch[-1].cursor()
        del batch  # let the chunk go before the next one is fetched


# Spreadsheets run cells that start with these as formulas (CSV injection).
_FORMULA = frozenset(("=", "+", "-", "@", "\t", "\r"))


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, str) and value and value[0] in _FORMULA:
        return "'" + value
    return value


def _json(value: str | None) -> str:
    return "null" if value is None else _encode_string(value)


_NO_LEVELS: Mapping[str, str] = MappingProxyType({})


def _levels_json(levels: Mapping[str, str]) -> str:
    return ",".join(f"{_json(key)}:{_json(level)}" for key, level in levels.items())


def page_json(next_url: str | None, next_cursor: str | None, records: list[Record]) -> bytes:
    """A page body byte for byte as DRF's JSONRenderer writes it (compact, non-ASCII kept).

    Written directly: building a dict per row and encoding them costs twice as much. A test
    compares it with JSONRenderer on the same rows.
    """
    rows = []
    for record in records:
        pk, org, org_uuid, org_name, questionnaire, number, title, *rest = record.base
        submitted, updated, overall, percent, level, level_name = rest
        d, h = record.figures[:3], record.figures[3:]
        rows.append(
            f'{{"assessment":"{pk}","organisation":{_json(org)},'
            f'"organisation_uuid":"{org_uuid}","organisation_name":{_json(org_name)},'
            f'"questionnaire":{_json(questionnaire)},"version":{int(number)},'
            f'"title":{_json(title)},"submitted_at":{_json(submitted)},'
            f'"updated_at":{_json(updated)},"overall":{_json(overall)},'
            f'"overall_percent":{_json(percent)},"level":{_json(level)},'
            f'"level_name":{_json(level_name)},'
            f'"disciplines":{{"devops":{_json(d[0])},"mlops":{_json(d[1])},'
            f'"aiops":{_json(d[2])}}},'
            f'"hindrances":{{"skills-gap":{_json(h[0])},"data-quality":{_json(h[1])},'
            f'"use-cases":{_json(h[2])},"culture":{_json(h[3])},'
            f'"infrastructure":{_json(h[4])},"tooling":{_json(h[5])}}},'
            f'"section_levels":{{{_levels_json(record.section_levels)}}},'
            f'"unit_uuid":{_json(record.unit_uuid)}}}'
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
        writer.writerows(
            [
                *map(safe_cell, record.base),
                *record.figures,
                safe_cell(record.section_levels_cell()),
                record.unit_uuid,
            ]
            for record in piece
        )
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
