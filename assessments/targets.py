"""Targets: how far a result is from the goals an organisation set, and how far it came.

Pure: figures arrive as plain mappings of percentages (0-100). A target names a node of the
result (the overall score, a section of the tree, or a discipline) and the percentage the
organisation wants to reach there.

- distance = target - actual, never below 0 (0 means met)
- percent_to_target = actual / target x 100, capped at 100 (a target of 0 is always met)
- progress (against the previous submitted result of the same questionnaire) =
  (actual - previous) / (target - previous) x 100: the share of the gap that was closed,
  negative when the score fell; None when there was no previous result or the target was
  already met then.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

_PLACES = Decimal("0.0001")
_HUNDRED = Decimal(100)

# A node of a result: ("overall", "overall"), ("section", key) or ("discipline", slug).
Node = tuple[str, str]


@dataclass(frozen=True, slots=True)
class TargetProgress:
    axis: str
    key: str
    target: Decimal
    actual: Decimal | None
    met: bool
    distance: Decimal | None
    percent_to_target: Decimal | None
    previous: Decimal | None
    progress: Decimal | None

    def to_dict(self) -> dict[str, object]:
        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "axis": self.axis,
            "key": self.key,
            "target": text(self.target),
            "actual": text(self.actual),
            "met": self.met,
            "distance": text(self.distance),
            "percent_to_target": text(self.percent_to_target),
            "previous": text(self.previous),
            "progress": text(self.progress),
        }


def _q(value: Decimal) -> Decimal:
    return value.quantize(_PLACES, rounding=ROUND_HALF_UP)


def evaluate(
    targets: Mapping[Node, Decimal],
    actual: Mapping[Node, Decimal | None],
    previous: Mapping[Node, Decimal | None] | None = None,
) -> tuple[TargetProgress, ...]:
    """Distance, percent to target and progress for every target, in the order given."""
    rows = []
    for (axis, key), target in targets.items():
        now = actual.get((axis, key))
        before = previous.get((axis, key)) if previous is not None else None
        if now is None:
            rows.append(TargetProgress(axis, key, target, None, False, None, None, before, None))
            continue
        distance = max(target - now, Decimal(0))
        to_target = _HUNDRED if target <= 0 else min(now / target * _HUNDRED, _HUNDRED)
        progress = None
        if before is not None and target > before:
            progress = _q((now - before) / (target - before) * _HUNDRED)
        rows.append(
            TargetProgress(
                axis=axis,
                key=key,
                target=target,
                actual=now,
                met=now >= target,
                distance=_q(distance),
                percent_to_target=_q(to_target),
                previous=before,
                progress=progress,
            )
        )
    return tuple(rows)
