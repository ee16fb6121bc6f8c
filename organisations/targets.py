"""The shape of a unit's targets, checked without knowing any questionnaire.

A unit keeps goals per questionnaire, keyed by the questionnaire's slug:

    {"devops-maturity": {"level": "managed",
                         "sections": {"ci-cd": "80"},
                         "disciplines": {"devops": "75"}}}

Every part is optional. A percentage is a JSON number or a string of ASCII digits (with at
most one decimal point and 4 places), from 0 to 100; it is stored as a decimal string, the way
an assessment stores its own targets. Whether the level, the sections and the disciplines
exist is for the questionnaire to say: the assessments app checks that when an assessment of
the unit starts, against the version it starts on. This app never imports it.

Pure: no Django, so the admin (Unit.clean) and the API (the unit serializer) share one rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

SLUG = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*", re.ASCII)
KEY = re.compile(r"[a-z0-9]+(?:[-_.][a-z0-9]+)*", re.ASCII)
PERCENT_TEXT = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,4})?", re.ASCII)
MAX_LENGTH = 80
MAX_QUESTIONNAIRES = 50
MAX_KEYS = 200
GROUPS = {"sections": KEY, "disciplines": SLUG}
ALLOWED = ("level", "sections", "disciplines")


def _percent(value: Any) -> Decimal | None:
    """`value` as a percentage from 0 to 100 with at most 4 places, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None
    elif isinstance(value, str) and PERCENT_TEXT.fullmatch(value):
        number = Decimal(value)
    else:
        return None
    if not number.is_finite() or not Decimal(0) <= number <= Decimal(100):
        return None
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4:
        return None
    return number


def _text(number: Decimal) -> str:
    """80 -> "80", 80.50 -> "80.5": one spelling per value."""
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def _key_problem(key: Any, pattern: re.Pattern[str], what: str) -> str | None:
    if not isinstance(key, str) or not pattern.fullmatch(key) or len(key) > MAX_LENGTH:
        return (
            f"Not a {what}: lower-case letters, digits and dashes, at most {MAX_LENGTH} characters."
        )
    return None


def problems(targets: Any) -> dict[str, str]:
    """Where `targets` breaks the shape, as {"targets.<path>": reason}; empty when it fits."""
    if not isinstance(targets, Mapping):
        return {"targets": "An object: questionnaire slug -> goals."}
    if len(targets) > MAX_QUESTIONNAIRES:
        return {"targets": f"At most {MAX_QUESTIONNAIRES} questionnaires."}
    found: dict[str, str] = {}
    for slug, goals in targets.items():
        where = f"targets.{slug}"
        problem = _key_problem(slug, SLUG, "questionnaire slug")
        if problem is not None:
            found[where] = problem
            continue
        if not isinstance(goals, Mapping):
            found[where] = 'An object with "level", "sections" and/or "disciplines".'
            continue
        for name in goals:
            if name not in ALLOWED:
                found[f"{where}.{name}"] = "Unknown field. Allowed: " + ", ".join(ALLOWED) + "."
        if "level" in goals:
            problem = _key_problem(goals["level"], KEY, "level key")
            if problem is not None:
                found[f"{where}.level"] = problem
        for group, pattern in GROUPS.items():
            if group not in goals:
                continue
            values = goals[group]
            if not isinstance(values, Mapping):
                found[f"{where}.{group}"] = "An object: key -> percentage (0-100)."
                continue
            if len(values) > MAX_KEYS:
                found[f"{where}.{group}"] = f"At most {MAX_KEYS} targets."
                continue
            what = "section key" if group == "sections" else "discipline slug"
            for key, value in values.items():
                problem = _key_problem(key, pattern, what)
                if problem is None and _percent(value) is None:
                    problem = (
                        "A percentage from 0 to 100 (a number, or ASCII digits in a string), "
                        "with at most 4 decimal places."
                    )
                if problem is not None:
                    found[f"{where}.{group}.{key}"] = problem
    return found


def normalised(targets: Mapping[str, Any]) -> dict[str, Any]:
    """Targets that fit the shape (see `problems`), with every percentage a decimal string."""
    result: dict[str, Any] = {}
    for slug, goals in targets.items():
        kept: dict[str, Any] = {}
        if "level" in goals:
            kept["level"] = goals["level"]
        for group in GROUPS:
            if group in goals:
                kept[group] = {
                    key: _text(number)
                    for key, value in goals[group].items()
                    if (number := _percent(value)) is not None
                }
        result[slug] = kept
    return result
