"""The portfolio of an organisation read from the database: every unit's latest result for
every questionnaire, their top-level sections, and the figures computed over them.

Six queries whatever the number of units, results or questionnaires: the published versions,
the discipline tags of the newest ones (which order the questionnaires), the organisation's
submitted assessments (the newest of each unit and questionnaire is picked here: one indexed
scan, no window function and no query per unit), the top-level sections of the versions
involved, the section scores of just the results shown, and the units.

The arithmetic (roll-ups, percentile ranks, the heatmap's column roll-ups) is the pure
assessments.portfolio; this module only gathers its inputs and shapes the answer.

Rules, documented in docs/portfolio.md:
- Questionnaires are ordered by their discipline's position in the catalogue (DevOps, MLOps,
  AIOps), not by name. A questionnaire's discipline is the one that tags most questions of
  its newest published version (a tie goes to the discipline earlier in the catalogue);
  questionnaires without discipline tags come last. Ties between questionnaires go by slug.
- The organisation's roll-up combines the latest results of the units that have one of their
  own, by the organisation's declared rule. The organisation's own assessments (no unit) are
  shown beside it, never mixed in; units rolled up from the units below them are not counted
  twice.
- A unit without a result of its own, with units below it that have one (a department of
  teams), shows those units rolled up by the same rule, marked as such and naming them.
- Percentile ranks are among the units with a result of their own, hidden under
  MIN_UNITS_FOR_PERCENTILE such units.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count

from assessments import portfolio
from assessments.models import (
    Assessment,
    Question,
    QuestionnaireVersion,
    ResultScore,
    Section,
)
from organisations.models import Organisation

PERCENTILE_REASON = (
    "Hidden: only {scored} unit(s) have a result of this questionnaire; percentiles are shown "
    "from {minimum} on, so that a few units' ranks do not single any of them out."
)


@dataclass(frozen=True, slots=True)
class UnitRow:
    pk: int
    uuid: str
    slug: str
    name: str
    kind: str
    parent: str | None  # the parent's uuid
    depth: int


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _tree_order(
    units: list[dict[str, Any]],
) -> tuple[list[UnitRow], dict[int, list[int]]]:
    """Units depth first (siblings by name, then slug), and each unit's descendants."""
    children: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
    known = {unit["pk"] for unit in units}
    for unit in units:
        parent = unit["parent_id"] if unit["parent_id"] in known else None
        children[parent].append(unit)
    for siblings in children.values():
        siblings.sort(key=lambda unit: (unit["name"], unit["slug"]))
    uuids = {unit["pk"]: str(unit["uuid"]) for unit in units}
    ordered: list[UnitRow] = []
    below: dict[int, list[int]] = {}
    seen: set[int] = set()

    def visit(unit: dict[str, Any], depth: int) -> list[int]:
        seen.add(unit["pk"])
        ordered.append(
            UnitRow(
                pk=unit["pk"],
                uuid=uuids[unit["pk"]],
                slug=unit["slug"],
                name=unit["name"],
                kind=unit["kind"],
                parent=uuids.get(unit["parent_id"]),
                depth=depth,
            )
        )
        descendants: list[int] = []
        for child in children.get(unit["pk"], []):
            if child["pk"] not in seen:
                descendants.append(child["pk"])
                descendants.extend(visit(child, depth + 1))
        below[unit["pk"]] = descendants
        return descendants

    for root in children.get(None, []):
        visit(root, 0)
    # A cycle of parents (the model refuses one) would leave units unreached: list them last.
    for unit in sorted(units, key=lambda unit: (unit["name"], unit["slug"])):
        if unit["pk"] not in seen:
            visit(unit, 0)
    return ordered, below


def _questionnaires(
    wanted: str | None,
) -> tuple[list[dict[str, Any]], dict[int, int]]:
    """The published questionnaires in portfolio order, each with its newest published
    version and main discipline; and every published version's number by id. 2 queries (the
    second counts the questions per version and discipline in SQL)."""
    versions = QuestionnaireVersion.objects.filter(status=QuestionnaireVersion.Status.PUBLISHED)
    if wanted is not None:
        versions = versions.filter(questionnaire__slug=wanted)
    newest: dict[int, dict[str, Any]] = {}
    numbers: dict[int, int] = {}
    for row in versions.order_by().values(
        "pk", "number", "questionnaire_id", "questionnaire__slug", "questionnaire__name"
    ):
        numbers[row["pk"]] = row["number"]
        kept = newest.get(row["questionnaire_id"])
        if kept is None or row["number"] > kept["number"]:
            newest[row["questionnaire_id"]] = row
    tagged: dict[int, Counter[tuple[int, str, str]]] = defaultdict(Counter)
    by_version = {row["pk"]: row["questionnaire_id"] for row in newest.values()}
    tags = (
        Question.disciplines.through.objects.filter(question__version_id__in=list(by_version))
        .values("question__version_id", "discipline__order", "discipline__slug", "discipline__name")
        .annotate(questions=Count("pk"))
        .order_by()
    )
    for row in tags:
        tag = (row["discipline__order"], row["discipline__slug"], row["discipline__name"])
        tagged[by_version[row["question__version_id"]]][tag] += row["questions"]

    def main_discipline(questionnaire_id: int) -> tuple[int, str, str] | None:
        counts = tagged.get(questionnaire_id)
        if not counts:
            return None
        # Most questions first; a tie goes to the discipline earlier in the catalogue.
        return min(counts, key=lambda tag: (-counts[tag], tag[0], tag[1]))

    found = []
    for questionnaire_id, row in newest.items():
        discipline = main_discipline(questionnaire_id)
        found.append(
            {
                "pk": questionnaire_id,
                "slug": row["questionnaire__slug"],
                "name": row["questionnaire__name"],
                "version_id": row["pk"],
                "version": row["number"],
                "discipline": None
                if discipline is None
                else {"slug": discipline[1], "name": discipline[2], "order": discipline[0]},
            }
        )
    found.sort(
        key=lambda q: (
            q["discipline"] is None,
            q["discipline"]["order"] if q["discipline"] else 0,
            q["discipline"]["slug"] if q["discipline"] else "",
            q["slug"],
        )
    )
    return found, numbers


def _latest_results(
    organisation: Organisation, questionnaire_ids: list[int]
) -> dict[tuple[int | None, int], dict[str, Any]]:
    """The newest submitted result of each (unit id or None, questionnaire id): one query of
    plain rows over the organisation's submitted assessments, newest first."""
    rows = (
        Assessment.objects.filter(
            organisation=organisation,
            status=Assessment.Status.SUBMITTED,
            version__questionnaire_id__in=questionnaire_ids,
            result__isnull=False,
        )
        .order_by("-submitted_at", "-pk")
        .values(
            "pk",
            "uuid",
            "title",
            "unit_id",
            "version_id",
            "version__questionnaire_id",
            "submitted_at",
            "result__pk",
            "result__overall_percent",
            "result__level_key",
            "result__level_name",
        )
    )
    latest: dict[tuple[int | None, int], dict[str, Any]] = {}
    for row in rows:
        latest.setdefault((row["unit_id"], row["version__questionnaire_id"]), row)
    return latest


def _top_sections(version_ids: set[int]) -> dict[int, list[tuple[str, str]]]:
    """The top-level sections (children of the root) of each version, in authored order."""
    rows = (
        Section.objects.filter(
            version_id__in=version_ids, parent__isnull=False, parent__parent__isnull=True
        )
        .order_by("version_id", "position", "pk")
        .values_list("version_id", "key", "title")
    )
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for version_id, key, title in rows:
        found[version_id].append((key, title or key))
    return found


def _columns(
    questionnaire: dict[str, Any],
    used_versions: set[int],
    sections: dict[int, list[tuple[str, str]]],
    numbers: dict[int, int],
) -> list[tuple[str, str]]:
    """The heatmap's columns: the newest version's top-level sections, then any section only
    older versions shown here have (newest version first)."""
    columns: dict[str, str] = {}
    versions = [questionnaire["version_id"]]
    versions += sorted(used_versions - {questionnaire["version_id"]}, key=lambda v: -numbers[v])
    for version_id in versions:
        for key, title in sections.get(version_id, []):
            columns.setdefault(key, title)
    return list(columns.items())


def _cell(row: dict[str, Any], percents: list[Decimal | None]) -> dict[str, Any]:
    return {
        "assessment": row["pk"],
        "assessment_uuid": str(row["uuid"]),
        "title": row["title"],
        "submitted_at": row["submitted_at"],
        "version": row["version_number"],
        "overall_percent": _text(row["result__overall_percent"]),
        "level": row["result__level_key"] or None,
        "level_name": row["result__level_name"] or None,
        "sections": [_text(percent) for percent in percents],
        "percentile": None,
        "rolled_up": False,
        "from_units": [],
    }


def portfolio_of(organisation: Organisation, questionnaire: str | None = None) -> dict[str, Any]:
    """The organisation's portfolio as the API returns it (moments as datetimes, every
    percentage as a decimal string). `questionnaire`: one slug only (None: all published)."""
    rule = portfolio.RollUp(organisation.portfolio_roll_up)
    questionnaires, numbers = _questionnaires(questionnaire)
    latest = _latest_results(organisation, [q["pk"] for q in questionnaires])
    for row in latest.values():
        row["version_number"] = numbers.get(row["version_id"])
    used: dict[int, set[int]] = defaultdict(set)
    for (_, questionnaire_id), row in latest.items():
        used[questionnaire_id].add(row["version_id"])
    sections = _top_sections(
        {q["version_id"] for q in questionnaires} | {row["version_id"] for row in latest.values()}
    )
    columns = {q["pk"]: _columns(q, used[q["pk"]], sections, numbers) for q in questionnaires}
    keys = {key for found in columns.values() for key, _ in found}
    scores: dict[int, dict[str, Decimal | None]] = defaultdict(dict)
    for result_id, key, percent in (
        ResultScore.objects.filter(
            result_id__in=[row["result__pk"] for row in latest.values()],
            axis=ResultScore.Axis.SECTION,
            key__in=sorted(keys),
        )
        .order_by()
        .values_list("result_id", "key", "percent")
    ):
        scores[result_id][key] = percent
    # Each shown result's section percents, in its questionnaire's column order.
    heat_rows = {
        row["result__pk"]: [
            scores.get(row["result__pk"], {}).get(key) for key, _ in columns[questionnaire_id]
        ]
        for (_, questionnaire_id), row in latest.items()
    }

    def percents(row: dict[str, Any]) -> list[Decimal | None]:
        return heat_rows[row["result__pk"]]

    units, below = _tree_order(
        list(
            organisation.units.order_by().values("pk", "uuid", "slug", "name", "kind", "parent_id")
        )
    )

    unit_results: dict[int, dict[str, Any]] = {unit.pk: {} for unit in units}
    organisation_results: dict[str, Any] = {}
    summaries = []
    for q in questionnaires:
        slug, cols = q["slug"], columns[q["pk"]]

        own = {
            unit.pk: latest[(unit.pk, q["pk"])] for unit in units if (unit.pk, q["pk"]) in latest
        }
        scored = [unit for unit in units if unit.pk in own]
        grid = portfolio.heatmap(
            [unit.uuid for unit in scored],
            [key for key, _ in cols],
            {
                (unit.uuid, key): percent
                for unit in scored
                for (key, _), percent in zip(cols, percents(own[unit.pk]), strict=True)
            },
            rule,
        )
        overall = {unit.uuid: own[unit.pk]["result__overall_percent"] for unit in scored}
        ranks = portfolio.percentile_ranks(overall)
        for unit in units:
            if unit.pk in own:
                cell = _cell(own[unit.pk], percents(own[unit.pk]))
                cell["percentile"] = _text(ranks[unit.uuid])
            else:
                cell = _rolled_up(unit, below, own, units, cols, percents, rule)
            unit_results[unit.pk][slug] = cell
        mine = latest.get((None, q["pk"]))
        organisation_results[slug] = None if mine is None else _cell(mine, percents(mine))
        scored_count = sum(1 for value in overall.values() if value is not None)
        hidden = scored_count < portfolio.MIN_UNITS_FOR_PERCENTILE
        summaries.append(
            {
                "slug": slug,
                "name": q["name"],
                "version": q["version"],
                "discipline": None
                if q["discipline"] is None
                else {"slug": q["discipline"]["slug"], "name": q["discipline"]["name"]},
                "sections": [{"key": key, "title": title} for key, title in cols],
                "roll_up": {
                    "rule": rule.value,
                    "units": scored_count,
                    "overall_percent": _text(portfolio.roll_up(rule, overall.values())),
                    "sections": [_text(value) for value in grid.roll_up],
                },
                "percentiles": {
                    "shown": not hidden,
                    "scored_units": scored_count,
                    "reason": PERCENTILE_REASON.format(
                        scored=scored_count, minimum=portfolio.MIN_UNITS_FOR_PERCENTILE
                    )
                    if hidden
                    else None,
                },
            }
        )
    return {
        "organisation": {
            "uuid": str(organisation.uuid),
            "slug": organisation.slug,
            "name": organisation.name,
        },
        "roll_up_rule": rule.value,
        "minimum_units_for_percentile": portfolio.MIN_UNITS_FOR_PERCENTILE,
        "questionnaires": summaries,
        "organisation_results": organisation_results,
        "units": [
            {
                "uuid": unit.uuid,
                "slug": unit.slug,
                "name": unit.name,
                "kind": unit.kind,
                "parent": unit.parent,
                "depth": unit.depth,
                "results": unit_results[unit.pk],
            }
            for unit in units
        ],
    }


def _rolled_up(
    unit: UnitRow,
    below: dict[int, list[int]],
    own: dict[int, dict[str, Any]],
    units: list[UnitRow],
    cols: list[tuple[str, str]],
    percents: Any,
    rule: portfolio.RollUp,
) -> dict[str, Any] | None:
    """A unit without a result of its own: the units below it that have one, rolled up by
    the organisation's rule (None when none of them has one)."""
    sources = [pk for pk in below.get(unit.pk, []) if pk in own]
    if not sources:
        return None
    uuids = {row.pk: row.uuid for row in units}
    columns = list(zip(*(percents(own[pk]) for pk in sources), strict=True))
    return {
        "assessment": None,
        "assessment_uuid": None,
        "title": None,
        "submitted_at": None,
        "version": None,
        "overall_percent": _text(
            portfolio.roll_up(rule, (own[pk]["result__overall_percent"] for pk in sources))
        ),
        "level": None,
        "level_name": None,
        "sections": [_text(portfolio.roll_up(rule, column)) for column in columns]
        if columns
        else [None] * len(cols),
        "percentile": None,
        "rolled_up": True,
        "from_units": [uuids[pk] for pk in sources],
    }
