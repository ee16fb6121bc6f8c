"""Maturity across an organisation's units: roll-ups, percentile ranks and the heatmap.

Pure: it takes the units' percents (0..100, None when a unit has no score) as plain data and
imports nothing of Django. Every figure is computed exactly and rounded once, half to even:
roll-ups to 2 places, percentile ranks to 1.

Percentile rank. The mid-rank percentile of a unit among the scored units: the units scoring
below it, plus half of those scoring the same (itself included), over all scored units. Two
tied units get the same rank, the lowest unit ranks above 0 and the highest below 100. With
fewer than `MIN_UNITS_FOR_PERCENTILE` scored units a rank says more about the few units than
about the organisation (and singles one out), so every rank is suppressed.
"""

from __future__ import annotations

import enum
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import MAX_PREC, Context, Decimal, Inexact, localcontext
from fractions import Fraction

MIN_UNITS_FOR_PERCENTILE = 5


class RollUp(enum.StrEnum):
    MEAN = "mean"
    MEDIAN = "median"
    MINIMUM = "minimum"


@dataclass(frozen=True, slots=True)
class Heatmap:
    units: tuple[str, ...]
    sections: tuple[str, ...]
    # One row per unit, one column per section.
    cells: tuple[tuple[Decimal | None, ...], ...]
    # Per section: the units' percents rolled up by the heatmap's rule.
    roll_up: tuple[Decimal | None, ...]


def _rounded(value: Fraction, places: int) -> Decimal:
    """`value` with `places` decimal places, rounded half to even, computed exactly."""
    return Decimal(round(value * 10**places)).scaleb(-places)


def roll_up(rule: RollUp, percents: Iterable[Decimal | None]) -> Decimal | None:
    """The units' percents combined by `rule`, 2 places; units without a score are left out
    (None when no unit has one)."""
    rule = RollUp(rule)
    # Decimals sort and add exactly (a sum of percents needs far fewer digits than the
    # context's 28); only the division is done in fractions. A portfolio calls this per unit,
    # section and questionnaire: sorting Fractions made it the slowest part of the request.
    values = sorted(Decimal(percent) for percent in percents if percent is not None)
    if not values:
        return None
    value: Fraction
    if rule is RollUp.MINIMUM:
        value = Fraction(values[0])
    elif rule is RollUp.MEDIAN:
        middle = len(values) // 2
        if len(values) % 2:
            value = Fraction(values[middle])
        else:
            value = (Fraction(values[middle - 1]) + Fraction(values[middle])) / 2
    else:
        with localcontext(Context(prec=MAX_PREC, traps=[Inexact])):
            total = sum(values, Decimal(0))
        value = Fraction(total) / len(values)
    return _rounded(value, 2)


def percentile_ranks(
    percents: Mapping[str, Decimal | None], minimum: int = MIN_UNITS_FOR_PERCENTILE
) -> dict[str, Decimal | None]:
    """Each unit's mid-rank percentile among the scored units, 1 place (None: the unit has no
    score, or fewer than `minimum` units have one)."""
    scored = [percent for percent in percents.values() if percent is not None]
    if len(scored) < minimum or not scored:
        return dict.fromkeys(percents)
    total = len(scored)
    ordered = sorted(scored)
    ranks: dict[str, Decimal | None] = {}
    for unit, percent in percents.items():
        if percent is None:
            ranks[unit] = None
            continue
        below = bisect_left(ordered, percent)
        equal = bisect_right(ordered, percent) - below
        ranks[unit] = _rounded((below + Fraction(equal, 2)) / total * 100, 1)
    return ranks


def heatmap(
    units: Sequence[str],
    sections: Sequence[str],
    percent: Mapping[tuple[str, str], Decimal | None],
    rule: RollUp,
) -> Heatmap:
    """Units (rows, in `units` order) x sections (columns, in `sections` order) of
    `percent[(unit, section)]` (None when missing), and the roll-up of each column by `rule`."""
    for name, keys in (("unit", units), ("section", sections)):
        repeated = sorted(key for key, count in Counter(keys).items() if count > 1)
        if repeated:
            raise ValueError(f"each {name} appears once; repeated: {', '.join(repeated)}")
    cells = tuple(tuple(percent.get((unit, section)) for section in sections) for unit in units)
    column_roll_ups = tuple(
        roll_up(rule, (row[column] for row in cells)) for column in range(len(sections))
    )
    return Heatmap(
        units=tuple(units),
        sections=tuple(sections),
        cells=cells,
        roll_up=column_roll_ups,
    )
