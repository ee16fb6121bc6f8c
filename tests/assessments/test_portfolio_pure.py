"""Roll-ups, percentile ranks and the heatmap across units, computed by hand.

Pure: no database, no Django.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.portfolio import (
    MIN_UNITS_FOR_PERCENTILE,
    Heatmap,
    RollUp,
    heatmap,
    percentile_ranks,
    roll_up,
)

D = Decimal


def percents(*values: str | None) -> list[Decimal | None]:
    return [None if value is None else D(value) for value in values]


@pytest.mark.parametrize(
    ("rule", "values", "expected"),
    [
        (RollUp.MEAN, percents("40", "55", "70"), "55.00"),  # 165 / 3
        (RollUp.MEDIAN, percents("40", "55", "70"), "55.00"),
        (RollUp.MINIMUM, percents("40", "55", "70"), "40.00"),
        (RollUp.MEDIAN, percents("90", "10", "30", "20"), "25.00"),  # (20 + 30) / 2
        (RollUp.MEAN, percents("90", "10", "30", "20"), "37.50"),  # 150 / 4
        (RollUp.MEDIAN, percents("70", "40", "55"), "55.00"),  # order does not matter
        # 100 / 3 = 33.333...
        (RollUp.MEAN, percents("100", "0", "0"), "33.33"),
        # half to even: (12.345 + 12.345) / 2 -> 12.34; (12.335 + 12.335) / 2 -> 12.34
        (RollUp.MEAN, percents("12.345", "12.345"), "12.34"),
        (RollUp.MEAN, percents("12.335", "12.335"), "12.34"),
        (RollUp.MEDIAN, percents("0.005"), "0.00"),
        (RollUp.MEDIAN, percents("0.015"), "0.02"),
        # units without a score are left out, not counted as 0
        (RollUp.MEAN, percents("40", None, "70"), "55.00"),
        (RollUp.MINIMUM, percents(None, "70", "40"), "40.00"),
        (RollUp.MEAN, percents(None, None), None),
        (RollUp.MEDIAN, [], None),
        ("minimum", percents("5.5"), "5.50"),
    ],
)
def test_roll_up_combines_the_units_by_the_declared_rule(
    rule: RollUp, values: list[Decimal | None], expected: str | None
) -> None:
    found = roll_up(rule, values)
    assert (None if found is None else str(found)) == expected


def test_roll_up_takes_any_iterable_and_refuses_an_unknown_rule() -> None:
    assert roll_up(RollUp.MEAN, (D(n) for n in (10, 20))) == D("15.00")
    with pytest.raises(ValueError, match="'maximum' is not a valid RollUp"):
        roll_up("maximum", percents("1"))  # type: ignore[arg-type]


FIVE = {"a": D(10), "b": D(20), "c": D(20), "d": D(40), "e": D(50)}


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        # (below + 0.5 * equal, itself included) / 5 * 100:
        # a (0 + 0.5) / 5 = 10; b, c (1 + 1) / 5 = 40; d (3 + 0.5) / 5 = 70; e (4 + 0.5) / 5 = 90
        (FIVE, {"a": "10.0", "b": "40.0", "c": "40.0", "d": "70.0", "e": "90.0"}),
        # a unit without a score ranks nowhere and is not counted in n
        (
            {**FIVE, "f": None},
            {"a": "10.0", "b": "40.0", "c": "40.0", "d": "70.0", "e": "90.0", "f": None},
        ),
        # six units: a (0.5) / 6 = 8.333 -> 8.3; b (1.5) / 6 = 25; f (5.5) / 6 = 91.666 -> 91.7
        (
            {"a": D(1), "b": D(2), "c": D(3), "d": D(4), "e": D(5), "f": D(6)},
            {"a": "8.3", "b": "25.0", "c": "41.7", "d": "58.3", "e": "75.0", "f": "91.7"},
        ),
        # all tied: (0 + 0.5 * 5) / 5 = 50 each
        (dict.fromkeys("abcde", D("62.5")), dict.fromkeys("abcde", "50.0")),
        # eight units, each (n + 0.5) / 8: 1/16 = 6.25 -> 6.2 (half to even), 3/16 = 18.75 -> 18.8
        (
            {str(n): D(n) for n in range(8)},
            {"0": "6.2", "1": "18.8", "2": "31.2", "3": "43.8",
             "4": "56.2", "5": "68.8", "6": "81.2", "7": "93.8"},
        ),
        # four scored units (the fifth has no score): too few, every rank suppressed
        ({"a": D(10), "b": D(20), "c": D(30), "d": D(40), "e": None}, dict.fromkeys("abcde")),
        ({"a": D(10), "b": D(20), "c": D(30), "d": D(40)}, dict.fromkeys("abcd")),
        ({}, {}),
    ],
)  # fmt: skip
def test_percentile_ranks_are_mid_rank_and_suppressed_under_five_units(
    scores: dict[str, Decimal | None], expected: dict[str, str | None]
) -> None:
    ranks = percentile_ranks(scores)
    assert {unit: None if rank is None else str(rank) for unit, rank in ranks.items()} == expected
    assert list(ranks) == list(scores)  # the units in their given order


def test_the_suppression_threshold_can_be_lowered() -> None:
    assert MIN_UNITS_FOR_PERCENTILE == 5
    # two units: (0 + 0.5) / 2 = 25, (1 + 0.5) / 2 = 75
    assert percentile_ranks({"a": D(1), "b": D(9)}, minimum=2) == {"a": D("25.0"), "b": D("75.0")}
    assert percentile_ranks({"a": D(1)}, minimum=2) == {"a": None}


def test_heatmap_lays_units_against_sections_with_a_roll_up_row() -> None:
    cells = {
        ("ops", "plan"): D("40"),
        ("ops", "build"): D("80"),
        ("web", "plan"): D("70"),
        ("web", "build"): None,
        ("data", "plan"): D("55"),
        # ("data", "build") missing: not assessed
        ("elsewhere", "plan"): D("1"),  # not a requested unit: ignored
    }
    found = heatmap(["web", "ops", "data"], ["build", "plan"], cells, RollUp.MEAN)
    assert found == Heatmap(
        units=("web", "ops", "data"),
        sections=("build", "plan"),
        cells=((None, D("70")), (D("80"), D("40")), (None, D("55"))),
        # build: only ops scored -> 80.00; plan: (70 + 40 + 55) / 3 = 55.00
        roll_up=(D("80.00"), D("55.00")),
    )
    assert str(found.roll_up[1]) == "55.00"
    minimum = heatmap(["web", "ops", "data"], ["build", "plan"], cells, RollUp.MINIMUM)
    assert minimum.roll_up == (D("80.00"), D("40.00"))


def test_heatmap_without_units_or_sections_is_empty() -> None:
    assert heatmap([], ["plan"], {}, RollUp.MEDIAN) == Heatmap((), ("plan",), (), (None,))
    assert heatmap(["ops"], [], {}, RollUp.MEDIAN) == Heatmap(("ops",), (), ((),), ())


@pytest.mark.parametrize(
    ("units", "sections", "message"),
    [
        (["ops", "web", "ops"], ["plan"], "each unit appears once; repeated: ops"),
        (["ops"], ["plan", "build", "plan"], "each section appears once; repeated: plan"),
    ],
)
def test_heatmap_refuses_repeated_units_or_sections(
    units: list[str], sections: list[str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        heatmap(units, sections, {}, RollUp.MEAN)


PERCENTS = st.lists(
    st.one_of(
        st.none(),
        st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False),
    ),
    max_size=12,
)
CHEAP = settings(max_examples=50, derandomize=True, deadline=None, database=None)


@CHEAP
@given(PERCENTS)
def test_the_minimum_never_exceeds_the_mean_or_the_median(values: list[Decimal | None]) -> None:
    lowest = roll_up(RollUp.MINIMUM, values)
    mean, median = roll_up(RollUp.MEAN, values), roll_up(RollUp.MEDIAN, values)
    if all(value is None for value in values):
        assert lowest is mean is median is None
        return
    assert lowest is not None and mean is not None and median is not None
    assert lowest <= mean <= D(100)
    assert lowest <= median <= D(100)


@CHEAP
@given(PERCENTS)
def test_percentile_ranks_lie_in_0_to_100_and_follow_the_scores(
    values: list[Decimal | None],
) -> None:
    scores = {f"u{n}": value for n, value in enumerate(values)}
    ranks = percentile_ranks(scores)
    scored = [unit for unit, value in scores.items() if value is not None]
    if len(scored) < MIN_UNITS_FOR_PERCENTILE:
        assert set(ranks.values()) <= {None}
        return
    for unit, value in scores.items():
        rank = ranks[unit]
        assert (rank is None) == (value is None)
        if rank is not None:
            assert D(0) < rank <= D(100)
    for a in scored:
        for b in scored:
            if scores[a] < scores[b]:  # type: ignore[operator]
                assert ranks[a] < ranks[b]  # type: ignore[operator]
