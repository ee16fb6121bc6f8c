"""The questionnaire file format (docs/questionnaire-format.md): reading, checking, writing.

Pure: no Django. The catalogue slugs a file may tag are passed in, so the checks run the
same in a management command, the admin or a test without a database.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from assessments import scoring

FORMAT = "opsassess-questionnaire/1"
SCHEMA_PATH = Path(__file__).with_name("questionnaire_schema.json")
TAG_AXES = ("disciplines", "phases", "practices", "hindrances")


class FormatError(ValueError):
    """A questionnaire document that cannot be imported; `errors` name the path of each problem."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text())
    return loaded


def parse(text: str, *, filename: str = "") -> Any:
    """Read YAML or JSON text (JSON is read as JSON so its errors say where)."""
    try:
        if filename.endswith(".json"):
            return json.loads(text, parse_float=Decimal)
        return yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise FormatError([f"{filename or 'file'}: not valid YAML/JSON: {exc}"]) from None


def _pretty_path(document: Any, parts: Any) -> str:
    """Turn a JSON path into the path of keys a person reads, e.g. root/delivery/q1/choices/2."""
    names: list[str] = []
    node = document
    for part in parts:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            names.append(str(part))
            continue
        if isinstance(part, int) and isinstance(node, dict) and names[-1:] == ["children"]:
            names[-1] = str(node.get("key", part))
        elif part == "root" and isinstance(node, dict) and "key" in node:
            names.append(str(node["key"]))
        else:
            names.append(str(part))
    return "/".join(names) or "(document)"


def _schema_errors(document: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema())
    errors = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
        # Inside if/then/else the useful message is the deepest one.
        leaf = error
        while leaf.context:
            leaf = sorted(leaf.context, key=lambda e: len(e.absolute_path))[-1]
        errors.append(f"{_pretty_path(document, leaf.absolute_path)}: {leaf.message}")
    return errors


def to_decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(value) from None
    if not number.is_finite():
        raise ValueError(value)
    return number


def _walk(section: Mapping[str, Any], path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    yield path, section
    for child in section.get("children", []):
        child_path = f"{path}/{child.get('key')}"
        if "children" in child:
            yield from _walk(child, child_path)
        else:
            yield child_path, child


def _question(data: Mapping[str, Any]) -> scoring.Question:
    tags = data.get("tags", {})
    linear = data.get("linear")
    return scoring.Question(
        key=data["key"],
        type=scoring.QuestionType(data["type"]),
        weight=to_decimal(data.get("weight", 1)) or Decimal(1),
        choices=tuple(
            scoring.Choice(c["key"], to_decimal(c["value"]) or Decimal(0), c.get("label", ""))
            for c in data.get("choices", [])
        ),
        min_value=to_decimal(data.get("min")),
        max_value=to_decimal(data.get("max")),
        bands=tuple(
            scoring.Band(
                value=to_decimal(b["value"]) or Decimal(0),
                lower=to_decimal(b.get("lower")),
                upper=to_decimal(b.get("upper")),
            )
            for b in data.get("bands", [])
        ),
        linear=scoring.LinearMapping(
            from_value=to_decimal(linear["from_value"]) or Decimal(0),
            to_value=to_decimal(linear["to_value"]) or Decimal(0),
            from_score=to_decimal(linear.get("from_score", 0)) or Decimal(0),
            to_score=to_decimal(linear.get("to_score", 1)) or Decimal(0),
        )
        if linear
        else None,
        allow_not_applicable=bool(data.get("allow_not_applicable", False)),
        none_option=str(data.get("none_option", "")),
        required=bool(data.get("required", True)),
        level_gate=data.get("level_gate"),
        pass_score=to_decimal(data.get("pass_score")),
        **{axis: tuple(tags.get(axis, [])) for axis in TAG_AXES},
    )


def _section(data: Mapping[str, Any]) -> scoring.Section:
    return scoring.Section(
        key=data["key"],
        aggregation=scoring.Aggregation(data.get("aggregation", "weighted_mean")),
        weight=to_decimal(data.get("weight", 1)) or Decimal(1),
        title=data.get("title", ""),
        children=tuple(
            _section(child) if "children" in child else _question(child)
            for child in data["children"]
        ),
    )


def to_model(document: Mapping[str, Any]) -> scoring.Model:
    """The scoring rules of a (schema-valid) document."""
    return scoring.Model(
        root=_section(document["root"]),
        levels=tuple(
            scoring.Level(level["key"], level["name"], to_decimal(level.get("min_score")))
            for level in document["levels"]
        ),
        level_mode=scoring.LevelMode(document.get("level_mode", "threshold")),
    )


def check(document: Any, *, known_tags: Mapping[str, set[str]]) -> scoring.Model:
    """Every problem of a document, or its scoring model when there is none.

    Raises FormatError listing each problem with the path of the bad element.
    """
    errors = _schema_errors(document)
    if errors:
        raise FormatError(errors)
    model = to_model(document)
    errors = list(scoring.validate_model(model))
    for path, node in _walk(document["root"], document["root"]["key"]):
        for axis, slugs in node.get("tags", {}).items():
            unknown = sorted(set(slugs) - known_tags.get(axis, set()))
            if unknown:
                errors.append(f"{path}/tags/{axis}: unknown {axis}: {', '.join(unknown)}")
    if errors:
        raise FormatError(errors)
    return model


def number(value: Decimal | None) -> int | float | None:
    """A stored decimal written as the shortest YAML/JSON number that reads back exactly."""
    if value is None:
        return None
    normal = value.normalize()
    if normal == normal.to_integral_value():
        return int(normal)
    as_float = float(normal)
    if Decimal(repr(as_float)) != normal:
        raise ValueError(f"{value} cannot be written exactly as a number")
    return as_float


def dump(document: Mapping[str, Any], *, fmt: str = "yaml") -> str:
    if fmt == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(
        dict(document), sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
    )


_DEFAULTS: dict[str, Any] = {
    "level_mode": "threshold",
    "status": "published",
    "aggregation": "weighted_mean",
    "weight": Decimal(1),
    "required": True,
    "allow_not_applicable": False,
    "from_score": Decimal(0),
    "to_score": Decimal(1),
}
_NUMBER_KEYS = frozenset(
    {
        "value",
        "lower",
        "upper",
        "min",
        "max",
        "min_score",
        "pass_score",
        "weight",
        "from_value",
        "to_value",
        "from_score",
        "to_score",
    }
)


def canonical(node: Any, key: str = "") -> Any:
    """A document with defaults left out and numbers made exact, for comparing content.

    Two documents describe the same questionnaire version exactly when their canonical forms
    are equal, however their numbers are spelt and whichever defaults they write out.
    """
    if isinstance(node, dict):
        result = {}
        for name, value in node.items():
            value = canonical(value, name)
            if value in (None, "", [], {}) or _DEFAULTS.get(name, object()) == value:
                continue
            result[name] = value
        return result
    if isinstance(node, list):
        return [canonical(item, key) for item in node]
    if key in _NUMBER_KEYS and node is not None and not isinstance(node, bool):
        try:
            return to_decimal(node)
        except ValueError:
            return node
    return node
