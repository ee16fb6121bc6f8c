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


_BOOLEAN_HINT = {
    True: "YAML reads an unquoted yes, on or true as the boolean true",
    False: "YAML reads an unquoted no, off or false as the boolean false",
}


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes/true" if value else "no/false"
    return repr(value)


def _plain_message(error: jsonschema.ValidationError) -> str:
    """The reason of one schema error in words a catalogue manager reads (no regex text)."""
    definitions = schema()["$defs"]
    value = error.instance
    if isinstance(value, bool) and error.validator in ("type", "pattern", "oneOf", "enum"):
        quoted = '"yes"' if value else '"no"'
        return f"{_shown(value)} is a boolean here; {_BOOLEAN_HINT[value]}: quote it ({quoted})"
    if error.validator == "additionalProperties" and isinstance(value, dict):
        allowed = set(error.schema.get("properties", {}))
        unknown = [name for name in value if name not in allowed]
        booleans = [name for name in unknown if isinstance(name, bool)]
        message = (
            f"unknown field{'s' if len(unknown) > 1 else ''}: {', '.join(map(_shown, unknown))}"
        )
        if booleans:
            message += f" ({_BOOLEAN_HINT[booleans[0]]}: quote it)"
        return message
    if error.schema == definitions["number"]:
        return f'{value!r} is not a number (write it like 0.5 or "0.5", with a point)'
    if error.schema == definitions["positive_number"]:
        return f"{value!r} is not a number above 0"
    if error.schema in (definitions["key"], definitions["slug"]) and isinstance(value, str):
        if error.validator == "maxLength":
            return f"{value!r} is longer than {error.validator_value} characters"
        return (
            f"{value!r} is not a valid key: use lower-case letters and digits, "
            "separated by single '-', '_' (or '.' in keys)"
        )
    if error.validator == "enum":
        return f"{value!r} is not one of: {', '.join(map(str, error.validator_value))}"
    if error.validator == "type":
        wanted = _TYPE_NAMES.get(str(error.validator_value), str(error.validator_value))
        return f"{value!r} is not {wanted}"
    return error.message


_TYPE_NAMES = {
    "string": "a text",
    "object": "a mapping (key: value lines)",
    "array": "a list",
    "boolean": "true or false",
    "integer": "a whole number",
    "number": "a number",
}


_NUMBER_DEFS = ("number", "positive_number")


def _schema_errors(document: Any) -> list[tuple[list[Any], str]]:
    """Each schema error as (JSON path, message), in document order."""
    validator = jsonschema.Draft202012Validator(schema())
    numbers = [schema()["$defs"][name] for name in _NUMBER_DEFS]
    errors = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
        # Inside oneOf the useful message is the deepest one, except for a number's two
        # spellings (a number or a numeric string), which are explained as one.
        leaf = error
        while leaf.context and leaf.schema not in numbers:
            leaf = sorted(leaf.context, key=lambda e: len(e.absolute_path))[-1]
        errors.append((list(leaf.absolute_path), _plain_message(leaf)))
    return errors


def section_level_problems(items: Any) -> list[str]:
    """Why a section's `levels` (as stored on the section, or written in a file) are not
    usable: the schema's rules for each level, then the engine's (ascending, no overlap).
    The admin's section form and the file check both use it."""
    validator = jsonschema.Draft202012Validator(
        {
            "$defs": schema()["$defs"],
            "type": "array",
            "items": {"$ref": "#/$defs/section_level"},
        }
    )
    errors = [
        f"levels/{'/'.join(map(str, error.absolute_path))}: {_plain_message(error)}".replace(
            "levels/: ", "levels: "
        )
        for error in sorted(validator.iter_errors(items), key=lambda e: list(e.absolute_path))
    ]
    if errors:
        return errors
    return scoring.validate_levels(_levels(items))


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
    """Every node of a section tree with its path; items that are not mappings are skipped."""
    yield path, section
    children = section.get("children")
    for child in children if isinstance(children, list) else ():
        if not isinstance(child, Mapping):
            continue
        child_path = f"{path}/{child.get('key')}"
        if "children" in child:
            yield from _walk(child, child_path)
        else:
            yield child_path, child


def _number_or(value: Any, default: Decimal | None) -> Decimal | None:
    """The exact number, or `default` for a missing or unreadable one (reported by the schema)."""
    try:
        number = to_decimal(value)
    except ValueError:
        return default
    return default if number is None else number


def _mappings(items: Any) -> list[Mapping[str, Any]]:
    return [item for item in items if isinstance(item, Mapping)] if isinstance(items, list) else []


def _strings(items: Any) -> tuple[str, ...]:
    return tuple(str(item) for item in items) if isinstance(items, list) else ()


def _unanswered(data: Mapping[str, Any]) -> scoring.Unanswered | None:
    policy = data.get("unanswered")
    return scoring.Unanswered(policy) if policy in set(scoring.Unanswered) else None


def _levels(items: Any) -> tuple[scoring.Level, ...]:
    return tuple(
        scoring.Level(
            str(level.get("key", "")),
            str(level.get("name", "")),
            _number_or(level.get("min_score"), None),
            level.get("min_score_exclusive") is True,
        )
        for level in _mappings(items)
    )


def _question(data: Mapping[str, Any]) -> scoring.Question:
    tags = data.get("tags") if isinstance(data.get("tags"), Mapping) else {}
    linear = data.get("linear") if isinstance(data.get("linear"), Mapping) else None
    one = Decimal(1)
    return scoring.Question(
        key=str(data["key"]),
        type=scoring.QuestionType(data["type"]),
        weight=_number_or(data.get("weight"), one) or one,
        choices=tuple(
            scoring.Choice(
                str(c.get("key", "")),
                _number_or(c.get("value"), Decimal(0)) or Decimal(0),
                str(c.get("label", "")),
            )
            for c in _mappings(data.get("choices"))
        ),
        min_value=_number_or(data.get("min"), None),
        max_value=_number_or(data.get("max"), None),
        bands=tuple(
            scoring.Band(
                value=_number_or(b.get("value"), Decimal(0)) or Decimal(0),
                lower=_number_or(b.get("lower"), None),
                upper=_number_or(b.get("upper"), None),
            )
            for b in _mappings(data.get("bands"))
        ),
        linear=scoring.LinearMapping(
            from_value=_number_or(linear.get("from_value"), Decimal(0)) or Decimal(0),
            to_value=_number_or(linear.get("to_value"), Decimal(1)) or Decimal(0),
            from_score=_number_or(linear.get("from_score"), Decimal(0)) or Decimal(0),
            to_score=_number_or(linear.get("to_score"), one) or Decimal(0),
        )
        if linear
        else None,
        allow_not_applicable=data.get("allow_not_applicable") is True,
        none_option=str(data.get("none_option") or ""),
        unanswered=_unanswered(data),
        required=data.get("required", True) is not False,
        level_gate=str(data["level_gate"]) if data.get("level_gate") is not None else None,
        pass_score=_number_or(data.get("pass_score"), None),
        **{axis: _strings(tags.get(axis)) for axis in TAG_AXES},
    )


def _section(data: Mapping[str, Any], unbuilt: list[str], path: str) -> scoring.Section:
    """A section of a document; children that cannot be built at all are left out and their
    paths added to `unbuilt` (the schema check has reported why)."""
    children: list[scoring.Section | scoring.Question] = []
    for child in _mappings(data.get("children")):
        child_path = f"{path}/{child.get('key')}"
        try:
            if "children" in child:
                children.append(_section(child, unbuilt, child_path))
            else:
                children.append(_question(child))
        except (KeyError, ValueError, TypeError):
            unbuilt.append(child_path)
    aggregation = data.get("aggregation", "weighted_mean")
    one = Decimal(1)
    return scoring.Section(
        key=str(data.get("key", "")),
        aggregation=scoring.Aggregation(
            aggregation if aggregation in set(scoring.Aggregation) else "weighted_mean"
        ),
        weight=_number_or(data.get("weight"), one) or one,
        title=str(data.get("title", "")),
        children=tuple(children),
        unanswered=_unanswered(data),
        informational=data.get("informational") is True,
        levels=_levels(data.get("levels")),
    )


def _model(document: Mapping[str, Any], unbuilt: list[str]) -> scoring.Model:
    mode = document.get("level_mode", "threshold")
    root = document["root"]
    return scoring.Model(
        root=_section(root, unbuilt, str(root.get("key"))),
        levels=_levels(document.get("levels")),
        level_mode=scoring.LevelMode(mode if mode in set(scoring.LevelMode) else "threshold"),
    )


def to_model(document: Mapping[str, Any]) -> scoring.Model:
    """The scoring rules of a (schema-valid) document."""
    return _model(document, [])


def _node_of(path: str, node_paths: list[str]) -> str:
    """The deepest node path that `path` lies in ("root/s1/q1/choices/0/value" -> "root/s1/q1")."""
    return max(
        (node for node in node_paths if path == node or path.startswith(node + "/")),
        key=len,
        default=path,
    )


def check(document: Any, *, known_tags: Mapping[str, set[str]]) -> scoring.Model:
    """Every problem of a document, or its scoring model when there is none.

    Raises FormatError listing each problem with the path of the bad element: the schema's
    findings and the scoring rules' together, so one run shows everything to fix. A rule is
    not checked on a node the schema already found broken (its message would only repeat).
    """
    found = _schema_errors(document)
    errors = [f"{_pretty_path(document, parts)}: {message}" for parts, message in found]
    root = document.get("root") if isinstance(document, Mapping) else None
    if not isinstance(root, Mapping):
        raise FormatError(errors)
    node_paths = [path for path, _ in _walk(root, str(root.get("key")))]
    broken = {_node_of(error.split(": ")[0], node_paths) for error in errors}
    broken_levels = {
        f"levels/{parts[1]}" for parts, _ in found if parts[:1] == ["levels"] and len(parts) > 1
    }
    unbuilt: list[str] = []
    model = _model(document, unbuilt)
    level_paths = [f"levels/{level.key}" for level in model.levels]
    for error in scoring.validate_model(model):
        path = error.split(": ")[0]
        node = _node_of(path, node_paths)
        if node in broken or any(node.startswith(bad + "/") for bad in broken):
            continue
        if path in level_paths and f"levels/{level_paths.index(path)}" in broken_levels:
            continue
        if error.endswith("section has no children") and any(
            bad.startswith(node + "/") for bad in unbuilt
        ):
            continue
        errors.append(error)
    for path, node in _walk(root, str(root.get("key"))):
        tags = node.get("tags")
        for axis, slugs in tags.items() if isinstance(tags, Mapping) else ():
            if not isinstance(slugs, list) or not all(isinstance(slug, str) for slug in slugs):
                continue
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
    "derivation": "mean",
    "status": "published",
    "aggregation": "weighted_mean",
    "weight": Decimal(1),
    "required": True,
    "allow_not_applicable": False,
    "informational": False,
    "min_score_exclusive": False,
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
