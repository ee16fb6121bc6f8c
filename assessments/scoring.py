"""The scoring engine: turns one assessment's answers into maturity scores.

Pure by design: it imports only the standard library, and a questionnaire version's scoring rules
arrive as plain frozen data (`Model`), so scoring needs no database, settings or clock. Services
build a `Model` and a mapping of `Answer`s from the database and call `score()`.

The model
---------
A `Model` is a tree: a root `Section` whose children are sections or questions, to any depth.

Question score. A single choice or yes/no question scores the chosen choice's value (yes/no
without declared choices means yes=1, no=0). A multiple choice question scores the sum of the
selected values, kept within 0 and the sum of the positive values (negative values act as
penalties). A scale, number or percentage question scores through its bands (first matching
band in declared order; lower bound inclusive, upper exclusive), else through its linear
mapping (clamped to its two scores; from_value > to_value means "lower is better"), else the
raw number itself. A question's maximum is the best score it can reach by the same rule.

Section score. A section aggregates its included children (weighted mean, mean, sum, min or
max, with the child's weight where the aggregation uses weights). Its maximum is the SAME
aggregation over the children's maxima, so score / maximum is meaningful at every node.

Missing answers. A question answered "not applicable" is excluded: it leaves both the score and
the maximum of its section. A section whose children are all excluded is excluded in turn. An
unanswered question (no answer, or an empty one) is included and scores 0.

Levels. THRESHOLD mode: the highest level whose min_score is at most the overall score. GATED
mode: a level is reached when every question gated at it or at a lower level passes (score at
least pass_score, by default the question's maximum; not applicable passes, unanswered fails)
and, if the level also has a min_score, the overall score reaches it; the result is the last
level of the unbroken run of reached levels from the first.

Breakdowns. For every tag on the four axes (disciplines, phases, practices, hindrances): the
question-weighted mean of score / maximum over the applicable questions carrying the tag.

Checks. `validate_model` and `validate_answer` say, in words, what cannot be scored; `score()`
refuses an invalid model or answer (ScoringError) rather than guess. `with_full_marks` prepares
what-if answers: re-scoring them shows the gain if some questions reached full marks.

Arithmetic. Numeric fields take Decimal, int or a decimal string and store a Decimal (a float is
refused: it is inexact already). Every number becomes a `fractions.Fraction` on the way in and
all computation is exact; results are quantized once, on the way out, to 4 decimal places with
ROUND_HALF_UP. Three sections each scoring exactly 1/3 sum to 1.0000, never to 3 x 0.3333.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

# Stored with every result; bump it whenever the same model and answers would score differently.
ENGINE_VERSION = "1.0"

AXES = ("disciplines", "phases", "practices", "hindrances")

_PLACES = 4

_ZERO = Fraction(0)


class Aggregation(enum.StrEnum):
    WEIGHTED_MEAN = "weighted_mean"
    MEAN = "mean"
    SUM = "sum"
    MIN = "min"
    MAX = "max"


class QuestionType(enum.StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    YES_NO = "yes_no"
    SCALE = "scale"
    NUMBER = "number"
    PERCENTAGE = "percentage"


class LevelMode(enum.StrEnum):
    THRESHOLD = "threshold"
    GATED = "gated"


_CHOICE_TYPES = frozenset(
    {QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE, QuestionType.YES_NO}
)


class ScoringError(ValueError):
    """The model or the answers cannot be scored; `errors` says why, one message each."""

    def __init__(self, errors: Iterable[str]) -> None:
        self.errors = tuple(errors)
        super().__init__("; ".join(self.errors))


@dataclass(frozen=True, slots=True)
class Choice:
    key: str
    value: Decimal
    label: str = ""

    def __post_init__(self) -> None:
        _coerce_decimals(self, "value")


@dataclass(frozen=True, slots=True)
class Band:
    """Scores `value` for inputs x with lower <= x < upper (a missing bound is open)."""

    value: Decimal
    lower: Decimal | None = None
    upper: Decimal | None = None

    def __post_init__(self) -> None:
        _coerce_decimals(self, "value", "lower", "upper")


@dataclass(frozen=True, slots=True)
class LinearMapping:
    """Maps from_value -> from_score and to_value -> to_score linearly, clamped to the scores."""

    from_value: Decimal
    to_value: Decimal
    from_score: Decimal = Decimal(0)
    to_score: Decimal = Decimal(1)

    def __post_init__(self) -> None:
        _coerce_decimals(self, "from_value", "to_value", "from_score", "to_score")


@dataclass(frozen=True, slots=True)
class Question:
    key: str
    type: QuestionType
    weight: Decimal = Decimal(1)
    choices: tuple[Choice, ...] = ()
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    bands: tuple[Band, ...] = ()
    linear: LinearMapping | None = None
    allow_not_applicable: bool = False
    # Carried for the services (submission checks): the engine scores a missing answer 0 anyway.
    required: bool = True
    level_gate: str | None = None
    pass_score: Decimal | None = None
    disciplines: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()
    practices: tuple[str, ...] = ()
    hindrances: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", QuestionType(self.type))
        _coerce_decimals(self, "weight", "min_value", "max_value", "pass_score")

    def tags(self, axis: str) -> tuple[str, ...]:
        """The question's tags on one of `AXES`."""
        by_axis = {
            "disciplines": self.disciplines,
            "phases": self.phases,
            "practices": self.practices,
            "hindrances": self.hindrances,
        }
        return by_axis[axis]


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    aggregation: Aggregation = Aggregation.WEIGHTED_MEAN
    weight: Decimal = Decimal(1)
    children: tuple[Section | Question, ...] = ()
    title: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "aggregation", Aggregation(self.aggregation))
        _coerce_decimals(self, "weight")


@dataclass(frozen=True, slots=True)
class Level:
    key: str
    name: str
    min_score: Decimal | None = None

    def __post_init__(self) -> None:
        _coerce_decimals(self, "min_score")


@dataclass(frozen=True, slots=True)
class Model:
    root: Section
    levels: tuple[Level, ...] = ()
    level_mode: LevelMode = LevelMode.THRESHOLD

    def __post_init__(self) -> None:
        object.__setattr__(self, "level_mode", LevelMode(self.level_mode))

    def questions(self) -> Iterator[Question]:
        """Every question, in tree order."""
        for _, node in _walk(self.root, self.root.key):
            if isinstance(node, Question):
                yield node


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    choices: tuple[str, ...] = ()
    number: Decimal | None = None
    not_applicable: bool = False

    def __post_init__(self) -> None:
        _coerce_decimals(self, "number")

    @property
    def is_empty(self) -> bool:
        """Carries nothing: scored like a missing answer."""
        return not self.choices and self.number is None and not self.not_applicable


@dataclass(frozen=True, slots=True)
class NodeScore:
    key: str
    score: Decimal | None
    max_score: Decimal | None
    percent: Decimal | None
    answered: int
    applicable: int
    total: int

    def to_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "score": _str(self.score),
            "max_score": _str(self.max_score),
            "percent": _str(self.percent),
            "answered": self.answered,
            "applicable": self.applicable,
            "total": self.total,
        }


@dataclass(frozen=True, slots=True)
class AxisScore:
    tag: str
    percent: Decimal | None
    answered: int
    applicable: int
    total: int

    def to_dict(self) -> dict[str, object]:
        return {
            "tag": self.tag,
            "percent": _str(self.percent),
            "answered": self.answered,
            "applicable": self.applicable,
            "total": self.total,
        }


@dataclass(frozen=True, slots=True)
class Result:
    engine_version: str
    overall: Decimal | None
    overall_max: Decimal | None
    overall_percent: Decimal | None
    level: str | None
    failed_gates: dict[str, tuple[str, ...]]
    nodes: dict[str, NodeScore]
    breakdowns: dict[str, dict[str, AxisScore]]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready primitives (Decimals as strings), keys in a fixed order."""
        return {
            "engine_version": self.engine_version,
            "overall": _str(self.overall),
            "overall_max": _str(self.overall_max),
            "overall_percent": _str(self.overall_percent),
            "level": self.level,
            "failed_gates": {level: list(keys) for level, keys in self.failed_gates.items()},
            "nodes": {key: node.to_dict() for key, node in self.nodes.items()},
            "breakdowns": {
                axis: {tag: tally.to_dict() for tag, tally in tags.items()}
                for axis, tags in self.breakdowns.items()
            },
        }


# --- numbers -----------------------------------------------------------------------------------


def _decimal(value: object) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or not isinstance(value, int | str):
        # A float is already inexact, so exact scoring cannot start from one.
        raise TypeError(f"expected a Decimal, int or str, got {type(value).__name__} {value!r}")
    try:
        return Decimal(value)
    except ArithmeticError:
        raise ValueError(f"{value!r} is not a decimal number") from None


def _coerce_decimals(instance: object, *names: str) -> None:
    """Store int and str values of the named fields as Decimal (in a frozen dataclass)."""
    for name in names:
        value = getattr(instance, name)
        if value is not None and not isinstance(value, Decimal):
            object.__setattr__(instance, name, _decimal(value))


def _frac(value: Decimal) -> Fraction:
    return Fraction(value)


def _quantize(value: Fraction) -> Decimal:
    """`value` as a Decimal with `_PLACES` decimal places, rounded half up, computed exactly."""
    scaled = value * 10**_PLACES
    whole, rest = divmod(abs(scaled.numerator), scaled.denominator)
    if 2 * rest >= scaled.denominator:
        whole += 1
    digits = tuple(int(digit) for digit in str(whole))
    return Decimal((1 if value < 0 and whole else 0, digits, -_PLACES))


def _quantize_or_none(value: Fraction | None) -> Decimal | None:
    return None if value is None else _quantize(value)


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _is_finite(value: Decimal | None) -> bool:
    return value is None or value.is_finite()


# --- questions ---------------------------------------------------------------------------------

_YES_NO_CHOICES = (Choice("yes", Decimal(1), "Yes"), Choice("no", Decimal(0), "No"))


def _choices(question: Question) -> tuple[Choice, ...]:
    if question.type is QuestionType.YES_NO and not question.choices:
        return _YES_NO_CHOICES
    return question.choices


def _bounds(question: Question) -> tuple[Decimal | None, Decimal | None]:
    """The accepted raw input range of a number-like question (None: open)."""
    low, high = question.min_value, question.max_value
    if question.type is QuestionType.PERCENTAGE:
        low = Decimal(0) if low is None else low
        high = Decimal(100) if high is None else high
    elif not question.bands and question.linear is None and low is None:
        # A raw number is its own score, and scores are never negative.
        low = Decimal(0)
    return low, high


def _in_band(band: Band, value: Fraction) -> bool:
    return (band.lower is None or value >= _frac(band.lower)) and (
        band.upper is None or value < _frac(band.upper)
    )


def _linear(mapping: LinearMapping, value: Fraction) -> Fraction:
    from_value, to_value = _frac(mapping.from_value), _frac(mapping.to_value)
    from_score, to_score = _frac(mapping.from_score), _frac(mapping.to_score)
    raw = from_score + (value - from_value) * (to_score - from_score) / (to_value - from_value)
    return min(max(raw, min(from_score, to_score)), max(from_score, to_score))


def _question_max(question: Question) -> Fraction:
    if question.type in _CHOICE_TYPES:
        values = [_frac(choice.value) for choice in _choices(question)]
        if question.type is QuestionType.MULTIPLE_CHOICE:
            return sum((value for value in values if value > 0), _ZERO)
        return max(values, default=_ZERO)
    if question.bands:
        return max(_frac(band.value) for band in question.bands)
    if question.linear is not None:
        return max(_frac(question.linear.from_score), _frac(question.linear.to_score))
    high = _bounds(question)[1]
    return _ZERO if high is None else _frac(high)


def _question_score(question: Question, answer: Answer) -> Fraction:
    """The score of a valid, non-empty, applicable answer."""
    if question.type in _CHOICE_TYPES:
        values = {choice.key: _frac(choice.value) for choice in _choices(question)}
        picked = [values[key] for key in answer.choices]
        if question.type is QuestionType.MULTIPLE_CHOICE:
            return min(max(sum(picked, _ZERO), _ZERO), _question_max(question))
        return picked[0]
    assert answer.number is not None
    value = _frac(answer.number)
    if question.bands:
        for band in question.bands:
            if _in_band(band, value):
                return _frac(band.value)
        return _ZERO
    if question.linear is not None:
        return _linear(question.linear, value)
    return value


def validate_answer(question: Question, answer: Answer) -> list[str]:
    """Why `answer` cannot be stored for `question` (an empty list when it can).

    An empty answer (no choice, no number, not "not applicable") is valid: it means unanswered.
    """
    errors: list[str] = []
    if answer.question != question.key:
        errors.append(f"answer is for question '{answer.question}', not '{question.key}'")
    if answer.not_applicable:
        if not question.allow_not_applicable:
            errors.append("'not applicable' is not allowed for this question")
        if answer.choices or answer.number is not None:
            errors.append("a 'not applicable' answer carries no choices and no number")
        return errors
    if question.type in _CHOICE_TYPES:
        if answer.number is not None:
            errors.append(f"{question.type} question takes choices, not a number")
        if question.type is not QuestionType.MULTIPLE_CHOICE and len(answer.choices) > 1:
            errors.append(f"{question.type} question takes one choice, got {len(answer.choices)}")
        known = [choice.key for choice in _choices(question)]
        seen: set[str] = set()
        for key in answer.choices:
            if key not in known:
                errors.append(f"choice '{key}' is not one of: {', '.join(known)}")
            elif key in seen:
                errors.append(f"choice '{key}' is given more than once")
            seen.add(key)
        return errors
    if answer.choices:
        errors.append(f"{question.type} question takes a number, not choices")
    number = answer.number
    if number is None:
        return errors
    if not _is_finite(number):
        errors.append(f"number must be finite, got {number}")
        return errors
    low, high = _bounds(question)
    if low is not None and number < low:
        errors.append(f"number {number} is below the minimum {low}")
    if high is not None and number > high:
        errors.append(f"number {number} is above the maximum {high}")
    return errors


# --- model validation --------------------------------------------------------------------------


def _walk(node: Section | Question, path: str) -> Iterator[tuple[str, Section | Question]]:
    yield path, node
    if isinstance(node, Section):
        for child in node.children:
            yield from _walk(child, f"{path}/{child.key}")


def _number_in_band(band: Band, low: Decimal | None, high: Decimal | None) -> Decimal | None:
    """A number inside both `band` and the accepted range [low, high], or None if they miss."""
    start = band.lower if low is None else low if band.lower is None else max(band.lower, low)
    if start is None:
        if band.upper is None:
            return Decimal(0) if high is None else high
        below_upper = band.upper - 1
        return below_upper if high is None else min(high, below_upper)
    if (band.upper is not None and start >= band.upper) or (high is not None and start > high):
        return None
    return start


def _band_problems(question: Question) -> list[str]:
    errors: list[str] = []
    low, high = _bounds(question)
    bands = question.bands
    for number, band in enumerate(bands, start=1):
        if band.value < 0:
            errors.append(f"band {number}: value {band.value} is negative")
        if band.lower is not None and band.upper is not None and band.lower >= band.upper:
            errors.append(f"band {number}: lower {band.lower} is not below upper {band.upper}")
            continue
        if _number_in_band(band, low, high) is None:
            errors.append(f"band {number}: no accepted value falls in it")
        if number == 1:
            continue
        previous = bands[number - 2]
        if previous.upper is None or band.lower is None or band.lower < previous.upper:
            errors.append(
                f"bands must be sorted and must not overlap: band {number} starts "
                f"at {_open(band.lower, '-infinity')}, before band {number - 1} ends "
                f"at {_open(previous.upper, 'infinity')}"
            )
        elif band.lower > previous.upper:
            errors.append(
                f"bands leave a gap between {previous.upper} (end of band {number - 1}) "
                f"and {band.lower} (start of band {number})"
            )
    first, last = bands[0], bands[-1]
    if first.lower is not None and (low is None or low < first.lower):
        errors.append(f"bands do not cover accepted values below {first.lower}")
    if last.upper is not None and (high is None or high >= last.upper):
        errors.append(f"bands do not cover accepted values from {last.upper} up")
    return errors


def _open(bound: Decimal | None, name: str) -> str:
    return name if bound is None else str(bound)


def _numbers(question: Question) -> list[tuple[str, Decimal | None]]:
    named: list[tuple[str, Decimal | None]] = [
        ("weight", question.weight),
        ("min_value", question.min_value),
        ("max_value", question.max_value),
        ("pass_score", question.pass_score),
    ]
    named += [(f"choice '{choice.key}' value", choice.value) for choice in question.choices]
    for number, band in enumerate(question.bands, start=1):
        named += [
            (f"band {number} value", band.value),
            (f"band {number} lower", band.lower),
            (f"band {number} upper", band.upper),
        ]
    if question.linear is not None:
        linear = question.linear
        named += [
            ("linear from_value", linear.from_value),
            ("linear to_value", linear.to_value),
            ("linear from_score", linear.from_score),
            ("linear to_score", linear.to_score),
        ]
    return named


def _question_problems(question: Question, level_keys: list[str]) -> list[str]:
    not_finite = [name for name, value in _numbers(question) if not _is_finite(value)]
    if not_finite:
        return [f"{name} is not a finite number" for name in not_finite]
    errors: list[str] = []
    if question.weight <= 0:
        errors.append(f"weight {question.weight} is not positive")
    if question.level_gate is not None and question.level_gate not in level_keys:
        known = ", ".join(level_keys) or "(none)"
        errors.append(f"level_gate '{question.level_gate}' is not one of the levels: {known}")
    if question.type in _CHOICE_TYPES:
        errors += _choice_problems(question)
    else:
        errors += _number_problems(question)
    if errors:
        return errors
    maximum = _question_max(question)
    if maximum <= 0:
        errors.append("the maximum score is 0, so the question can never score")
    if question.pass_score is not None and _frac(question.pass_score) > maximum:
        errors.append(
            f"pass_score {question.pass_score} is above the maximum score {_quantize(maximum)}, "
            "so the question can never pass"
        )
    return errors


def _choice_problems(question: Question) -> list[str]:
    errors: list[str] = []
    if not _choices(question):
        errors.append(f"{question.type} question needs choices")
    seen: set[str] = set()
    for choice in question.choices:
        if not choice.key:
            errors.append("choice key must not be empty")
        elif choice.key in seen:
            errors.append(f"choice '{choice.key}' is declared more than once")
        seen.add(choice.key)
        if question.type is not QuestionType.MULTIPLE_CHOICE and choice.value < 0:
            errors.append(f"choice '{choice.key}' value {choice.value} is negative")
    if (
        question.min_value is not None
        or question.max_value is not None
        or question.bands
        or question.linear is not None
    ):
        errors.append(
            "min_value, max_value, bands and linear apply only to scale, number and "
            f"percentage questions, not to {question.type}"
        )
    return errors


def _number_problems(question: Question) -> list[str]:
    errors: list[str] = []
    if question.choices:
        errors.append(f"choices apply only to choice questions, not to {question.type}")
    low, high = _bounds(question)
    if low is not None and high is not None and low > high:
        errors.append(f"min_value {low} is above max_value {high}")
        return errors
    if question.bands and question.linear is not None:
        errors.append("declare bands or a linear mapping, not both")
    elif question.bands:
        errors += _band_problems(question)
    elif question.linear is not None:
        linear = question.linear
        if linear.from_value == linear.to_value:
            errors.append(f"linear mapping needs from_value != to_value (both {linear.to_value})")
        if linear.from_score < 0 or linear.to_score < 0:
            errors.append("linear mapping scores must not be negative")
    else:
        if high is None:
            errors.append(
                f"a raw-scored {question.type} question needs max_value (or bands, or a linear "
                "mapping)"
            )
        if low is not None and low < 0:
            errors.append(f"a raw-scored question cannot accept negative values (min_value {low})")
    return errors


def _level_problems(model: Model) -> list[str]:
    errors: list[str] = []
    seen: set[str] = set()
    previous_min: Decimal | None = None
    for level in model.levels:
        path = f"levels/{level.key}"
        if not level.key:
            errors.append("levels: level key must not be empty")
        elif level.key in seen:
            errors.append(f"{path}: level key is used more than once")
        seen.add(level.key)
        if not _is_finite(level.min_score):
            errors.append(f"{path}: min_score is not a finite number")
            continue
        if level.min_score is None:
            if model.level_mode is LevelMode.THRESHOLD:
                errors.append(f"{path}: threshold levels need a min_score")
            continue
        if previous_min is not None and level.min_score <= previous_min:
            errors.append(
                f"{path}: min_score {level.min_score} is not above the previous level's "
                f"{previous_min}; levels go in ascending order"
            )
        previous_min = level.min_score
    return errors


def validate_model(model: Model) -> list[str]:
    """Everything that keeps `model` from being scored, each message starting with its path."""
    errors: list[str] = []
    level_keys = [level.key for level in model.levels]
    first_path: dict[str, str] = {}
    for path, node in _walk(model.root, model.root.key):
        if not node.key:
            errors.append(f"{path}: key must not be empty")
        elif "/" in node.key:
            errors.append(f"{path}: key must not contain '/'")
        elif node.key in first_path:
            errors.append(f"{path}: key '{node.key}' is already used at {first_path[node.key]}")
        else:
            first_path[node.key] = path
        if isinstance(node, Question):
            errors += [f"{path}: {error}" for error in _question_problems(node, level_keys)]
            continue
        if not _is_finite(node.weight):
            errors.append(f"{path}: weight is not a finite number")
        elif node.weight <= 0:
            errors.append(f"{path}: weight {node.weight} is not positive")
        if not node.children:
            errors.append(f"{path}: section has no children")
    return errors + _level_problems(model)


# --- scoring -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Outcome:
    """One question's exact result: score None when not applicable."""

    question: Question
    answered: bool
    score: Fraction | None
    maximum: Fraction


@dataclass(frozen=True, slots=True)
class _Tally:
    score: Fraction | None
    maximum: Fraction | None
    answered: int
    applicable: int
    total: int


def _outcome(question: Question, answer: Answer | None) -> _Outcome:
    maximum = _question_max(question)
    if answer is None or answer.is_empty:
        return _Outcome(question, answered=False, score=_ZERO, maximum=maximum)
    if answer.not_applicable:
        return _Outcome(question, answered=True, score=None, maximum=maximum)
    return _Outcome(
        question, answered=True, score=_question_score(question, answer), maximum=maximum
    )


def _aggregate(aggregation: Aggregation, parts: list[tuple[Fraction, Fraction]]) -> Fraction:
    """Aggregate (weight, value) pairs; `parts` is never empty."""
    values = [value for _, value in parts]
    if aggregation is Aggregation.WEIGHTED_MEAN:
        return sum((w * v for w, v in parts), _ZERO) / sum((w for w, _ in parts), _ZERO)
    if aggregation is Aggregation.MEAN:
        return sum(values, _ZERO) / len(values)
    if aggregation is Aggregation.SUM:
        return sum((w * v for w, v in parts), _ZERO)
    if aggregation is Aggregation.MIN:
        return min(values)
    return max(values)


def _tally(
    node: Section | Question, outcomes: Mapping[str, _Outcome], tallies: dict[str, _Tally]
) -> _Tally:
    if isinstance(node, Question):
        outcome = outcomes[node.key]
        included = outcome.score is not None
        tally = _Tally(
            score=outcome.score,
            maximum=outcome.maximum if included else None,
            answered=int(outcome.answered),
            applicable=int(included),
            total=1,
        )
    else:
        children = [(child, _tally(child, outcomes, tallies)) for child in node.children]
        scores: list[tuple[Fraction, Fraction]] = []
        maxima: list[tuple[Fraction, Fraction]] = []
        for child, child_tally in children:
            if child_tally.score is not None and child_tally.maximum is not None:
                scores.append((_frac(child.weight), child_tally.score))
                maxima.append((_frac(child.weight), child_tally.maximum))
        score = _aggregate(node.aggregation, scores) if scores else None
        maximum = _aggregate(node.aggregation, maxima) if maxima else None
        tally = _Tally(
            score=score,
            maximum=maximum,
            answered=sum(t.answered for _, t in children),
            applicable=sum(t.applicable for _, t in children),
            total=sum(t.total for _, t in children),
        )
    tallies[node.key] = tally
    return tally


def _percent(score: Fraction | None, maximum: Fraction | None) -> Fraction | None:
    if score is None or maximum is None or maximum == 0:
        return None
    return score / maximum * 100


def _node(key: str, tally: _Tally) -> NodeScore:
    return NodeScore(
        key=key,
        score=_quantize_or_none(tally.score),
        max_score=_quantize_or_none(tally.maximum),
        percent=_quantize_or_none(_percent(tally.score, tally.maximum)),
        answered=tally.answered,
        applicable=tally.applicable,
        total=tally.total,
    )


def _breakdowns(outcomes: Iterable[_Outcome]) -> dict[str, dict[str, AxisScore]]:
    grouped: dict[str, dict[str, list[_Outcome]]] = {axis: {} for axis in AXES}
    for outcome in outcomes:
        for axis in AXES:
            for tag in dict.fromkeys(outcome.question.tags(axis)):
                grouped[axis].setdefault(tag, []).append(outcome)
    return {
        axis: {tag: _axis_score(tag, members) for tag, members in tags.items()}
        for axis, tags in grouped.items()
    }


def _axis_score(tag: str, outcomes: list[_Outcome]) -> AxisScore:
    weighted = [
        (_frac(outcome.question.weight), outcome.score / outcome.maximum)
        for outcome in outcomes
        if outcome.score is not None and outcome.maximum > 0
    ]
    percent = None
    if weighted:
        percent = _aggregate(Aggregation.WEIGHTED_MEAN, weighted) * 100
    return AxisScore(
        tag=tag,
        percent=_quantize_or_none(percent),
        answered=sum(outcome.answered for outcome in outcomes),
        applicable=sum(outcome.score is not None for outcome in outcomes),
        total=len(outcomes),
    )


def _passes(outcome: _Outcome) -> bool:
    if outcome.score is None:
        return True
    if not outcome.answered:
        return False
    pass_score = outcome.question.pass_score
    return outcome.score >= (outcome.maximum if pass_score is None else _frac(pass_score))


def _failed_gates(model: Model, outcomes: Iterable[_Outcome]) -> dict[str, tuple[str, ...]]:
    failed: dict[str, list[str]] = {level.key: [] for level in model.levels}
    for outcome in outcomes:
        gate = outcome.question.level_gate
        if gate is not None and not _passes(outcome):
            failed[gate].append(outcome.question.key)
    return {level: tuple(keys) for level, keys in failed.items() if keys}


def _level(model: Model, overall: Fraction | None, failed: Mapping[str, object]) -> str | None:
    if overall is None:
        return None
    reached: str | None = None
    for level in model.levels:
        meets_score = level.min_score is None or _frac(level.min_score) <= overall
        if model.level_mode is LevelMode.THRESHOLD:
            if meets_score:
                reached = level.key
            continue
        if not meets_score or level.key in failed:
            break
        reached = level.key
    return reached


# Models already checked by validate_model, by identity: a frozen model stays valid, and
# the recommender scores the same model dozens of times per submit.
_VALID_MODELS: dict[int, Model] = {}
_VALID_MODELS_MAX = 256


def _check_model(model: Model) -> None:
    if _VALID_MODELS.get(id(model)) is model:
        return
    errors = validate_model(model)
    if errors:
        raise ScoringError(errors)
    if len(_VALID_MODELS) >= _VALID_MODELS_MAX:
        _VALID_MODELS.clear()
    _VALID_MODELS[id(model)] = model


def score(model: Model, answers: Mapping[str, Answer], *, detail: bool = True) -> Result:
    """Score `answers` (keyed by question key) against `model`.

    With detail=False only the overall figures, level and failed gates are computed (`nodes`
    and `breakdowns` stay empty): what-if questions need no more, and it is much cheaper.

    Raises ScoringError when the model is invalid, or when an answer is invalid or names a
    question the model does not have.
    """
    _check_model(model)
    errors: list[str] = []
    questions = {question.key: question for question in model.questions()}
    for key, answer in answers.items():
        if key not in questions:
            errors.append(f"{key}: answer for a question the model does not have")
        else:
            errors += [f"{key}: {error}" for error in validate_answer(questions[key], answer)]
    if errors:
        raise ScoringError(errors)

    outcomes = {key: _outcome(question, answers.get(key)) for key, question in questions.items()}
    tallies: dict[str, _Tally] = {}
    root = _tally(model.root, outcomes, tallies)
    failed = _failed_gates(model, outcomes.values()) if model.level_mode is LevelMode.GATED else {}
    return Result(
        engine_version=ENGINE_VERSION,
        overall=_quantize_or_none(root.score),
        overall_max=_quantize_or_none(root.maximum),
        overall_percent=_quantize_or_none(_percent(root.score, root.maximum)),
        level=_level(model, root.score, failed),
        failed_gates=failed,
        nodes={
            node.key: _node(node.key, tallies[node.key])
            for _, node in _walk(model.root, model.root.key)
        }
        if detail
        else {},
        breakdowns=_breakdowns(outcomes.values()) if detail else {},
    )


# --- what-if -----------------------------------------------------------------------------------


def _full_marks_answer(question: Question) -> Answer:
    """The answer that earns `question` its maximum score."""
    if question.type in _CHOICE_TYPES:
        choices = _choices(question)
        if question.type is QuestionType.MULTIPLE_CHOICE:
            return Answer(question.key, tuple(c.key for c in choices if c.value > 0))
        best = max(choices, key=lambda choice: choice.value)
        return Answer(question.key, (best.key,))
    low, high = _bounds(question)
    if question.bands:
        for band in sorted(question.bands, key=lambda band: band.value, reverse=True):
            number = _number_in_band(band, low, high)
            if number is not None:
                return Answer(question.key, number=number)
    if question.linear is not None:
        linear = question.linear
        best_end = linear.from_value if linear.from_score >= linear.to_score else linear.to_value
        if low is not None:
            best_end = max(best_end, low)
        if high is not None:
            best_end = min(best_end, high)
        return Answer(question.key, number=best_end)
    return Answer(question.key, number=high)


def with_full_marks(
    model: Model, answers: Mapping[str, Answer], question_keys: Iterable[str]
) -> dict[str, Answer]:
    """`answers` with the named questions answered for full marks (what-if scoring)."""
    questions = {question.key: question for question in model.questions()}
    result = dict(answers)
    for key in question_keys:
        if key not in questions:
            raise ScoringError([f"{key}: the model has no such question"])
        result[key] = _full_marks_answer(questions[key])
    return result
