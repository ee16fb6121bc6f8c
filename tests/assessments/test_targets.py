"""The pure targets arithmetic, with figures computed by hand. No database, no Django."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from assessments.targets import evaluate

OVERALL = ("overall", "overall")


@pytest.mark.parametrize(
    ("target", "actual", "previous", "expected"),
    [
        # actual 1/3 = 33.333...%, target 80: 33.333... / 80 = 41.66666...% -> 41.6667
        # (from the rounded 33.3333 it would be 41.666625 -> 41.6666)
        (
            Decimal(80),
            Fraction(100, 3),
            None,
            {"actual": "33.3333", "distance": "46.6667", "percent_to_target": "41.6667"},
        ),
        # actual 100/7 = 14.285714...%, target 20, previous 0: progress = 14.285714 / 20
        # = 71.428571...% -> 71.4286 (from the rounded 14.2857: 71.4285); change 14.2857 points
        (
            Decimal(20),
            Fraction(100, 7),
            Decimal(0),
            {"percent_to_target": "71.4286", "change": "14.2857", "progress": "71.4286"},
        ),
        # a level target at 2/3 of the maximum = 66.666...%, actual 50: distance 16.6667 points
        (
            Fraction(200, 3),
            Decimal(50),
            Decimal(60),
            {"target": "66.6667", "distance": "16.6667", "change": "-10.0000"},
        ),
        # the score overshot: 62.3 from 60 towards 61 closes 230% of the gap, met
        (
            Decimal(61),
            Decimal("62.3"),
            Decimal(60),
            {"met": True, "distance": "0.0000", "progress": "230.0000", "change": "2.3000"},
        ),
        # already met before: no progress figure, but the change
        (Decimal(50), Decimal(70), Decimal(55), {"progress": None, "change": "15.0000"}),
    ],
)
def test_target_figures_are_computed_from_exact_scores_and_rounded_once(
    target: Decimal | Fraction,
    actual: Decimal | Fraction,
    previous: Decimal | None,
    expected: dict[str, object],
) -> None:
    before = None if previous is None else {OVERALL: previous}
    (row,) = evaluate({OVERALL: target}, {OVERALL: actual}, before)
    shown = row.to_dict()
    assert {name: shown[name] for name in expected} == expected


def test_a_target_on_an_excluded_node_has_no_figures() -> None:
    (row,) = evaluate({("section", "run"): Decimal(50)}, {("section", "run"): None})
    assert row.to_dict() == {
        "axis": "section",
        "key": "run",
        "target": "50.0000",
        "actual": None,
        "met": False,
        "distance": None,
        "percent_to_target": None,
        "previous": None,
        "change": None,
        "progress": None,
    }
