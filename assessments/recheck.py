"""Checking a stored result against a fresh scoring of its answers: a dry run that never writes.

A stored result must always equal what the engine computes from the stored answers; any
difference is a bug to surface, never something to overwrite.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from assessments import scoring
from assessments.models import Result

NODE_FIELDS = ("score", "max_score", "percent", "answered", "applicable", "total")
AXIS_FIELDS = ("percent", "answered", "applicable", "total")


def _same(first: Any, second: Any) -> bool:
    """Numbers compare by value ("0.50" is "0.5"), anything else as text; None only to None."""
    if first is None or second is None:
        return first is None and second is None
    try:
        return Decimal(str(first)) == Decimal(str(second))
    except InvalidOperation:
        return str(first) == str(second)


def _compare_maps(
    path: str, fresh: Mapping[str, Any], stored: Mapping[str, Any], fields: tuple[str, ...]
) -> list[str]:
    found = []
    for key in [*fresh, *(key for key in stored if key not in fresh)]:
        if key not in stored or key not in fresh:
            found.append(f"{path}.{key}")
            continue
        found += [
            f"{path}.{key}.{name}"
            for name in fields
            if not _same(fresh[key].get(name), stored[key].get(name))
        ]
    return found


def differences(fresh: Mapping[str, Any], snapshot: Mapping[str, Any]) -> list[str]:
    """Keys where a recomputed result (`scoring.Result.to_dict()`) and a snapshot disagree.

    Compared: overall, overall_percent, level, every node's figures and every breakdown.
    """
    found = [
        name
        for name in ("overall", "overall_percent", "level")
        if not _same(fresh.get(name), snapshot.get(name))
    ]
    found += _compare_maps("nodes", fresh.get("nodes", {}), snapshot.get("nodes", {}), NODE_FIELDS)
    fresh_axes, stored_axes = fresh.get("breakdowns", {}), snapshot.get("breakdowns", {})
    for axis in [*fresh_axes, *(axis for axis in stored_axes if axis not in fresh_axes)]:
        found += _compare_maps(
            f"breakdowns.{axis}", fresh_axes.get(axis, {}), stored_axes.get(axis, {}), AXIS_FIELDS
        )
    return found


def result_differences(result: Result, recomputed: scoring.Result) -> list[str]:
    """Where a stored result (its snapshot and its columns) differs from a recomputation."""
    fresh = recomputed.to_dict()
    found = differences(fresh, result.snapshot)
    columns = {
        "result.overall": (result.overall, recomputed.overall),
        "result.overall_percent": (result.overall_percent, recomputed.overall_percent),
        "result.level_key": (result.level_key or None, recomputed.level),
    }
    found += [name for name, (stored, now) in columns.items() if not _same(stored, now)]
    return found
