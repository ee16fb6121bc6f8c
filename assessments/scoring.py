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
penalties). A multiple choice question with a `none_option` also accepts the answer
("none",): "none of these apply", a real answer that scores 0 and is never combined with a
choice. A scale, number or percentage question scores through its bands (first matching
band in declared order; lower bound inclusive, upper exclusive), else through its linear
mapping (clamped to its two scores; from_value > to_value means "lower is better"), else the
raw number itself. A question's maximum is the best score it can reach by the same rule.

Section score. A section aggregates its included children (weighted mean, mean, sum, min or
max, with the child's weight where the aggregation uses weights). Its maximum is the SAME
aggregation over the children's maxima, so score / maximum is meaningful at every node.
MEAN_OF_ALL_QUESTIONS is the question-weighted mean over every included question below the
section at any depth (score and maximum alike), ignoring the sections in between. An
informational section is scored like any other but is never included in its parent (nor,
for its questions, in a MEAN_OF_ALL_QUESTIONS above it or in the breakdowns).

Scores given from outside. An answer may carry the question's score itself (`score`) instead of
choices or a number: a score decided outside the engine, derived from several respondents'
answers or recorded by a facilitator. It must be finite and within 0 and the question's maximum,
and it scores exactly that value.

Missing answers. A question answered "not applicable" is excluded: it leaves both the score and
the maximum of its section. A section whose children are all excluded is excluded in turn. An
unanswered question (no answer, or an empty one) is included and scores 0, unless its policy
is SKIP: then it is excluded like "not applicable". The policy is the question's own, else
that of the nearest section above that declares one, else ZERO.

Levels. THRESHOLD mode: the highest level whose lower bound the overall score meets (at least
min_score, or above it when min_score_exclusive). GATED mode: a level is reached when every
question gated at it or at a lower level passes (score at least pass_score, by default the
question's maximum; not applicable passes, unanswered fails, skipped or not) and, if the level
also has a min_score, the overall score meets it; the result is the last level of the
unbroken run of reached levels from the first. A section below the root may carry levels of
its own, read by the THRESHOLD rule from its own score; its node then reports `level`.

Breakdowns. For every tag on the four axes (disciplines, phases, practices, hindrances): the
question-weighted mean of score / maximum over the applicable questions carrying the tag
(questions inside informational sections are left out).

Checks. `validate_model` and `validate_answer` say, in words, what cannot be scored; `score()`
refuses an invalid model or answer (ScoringError) rather than guess. `with_full_marks` prepares
what-if answers: re-scoring them shows the gain if some questions reached full marks.

Arithmetic. Numeric fields take Decimal, int or a decimal string and store a Decimal (a float is
refused: it is inexact already). All computation is exact, over rational numbers; results are
quantized once, on the way out, to 4 decimal places with ROUND_HALF_UP. Three sections each
scoring exactly 1/3 sum to 1.0000, never to 3 x 0.3333.

Speed. A model is validated and compiled once (cached by identity: models are frozen), and the
numbers travel as integer (numerator, denominator) pairs summed per denominator, rather than as
Fractions normalised at every step. `score_full_marks` answers many what-ifs on one set of
answers, recomputing only the sections above the questions each what-if changes. The first,
Fraction-by-Fraction engine is kept as a test oracle (tests/assessments/scoring_reference.py)
and both must agree on generated models.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from math import gcd, lcm

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
    # The question-weighted mean over every question below the section, at any depth.
    MEAN_OF_ALL_QUESTIONS = "mean_of_all_questions"


class Unanswered(enum.StrEnum):
    """What an unanswered question counts as: 0, or nothing (it leaves its section)."""

    ZERO = "zero"
    SKIP = "skip"


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
    # Multiple choice only: the label of the "none of these" answer (NONE_CHOICE), "" = not offered.
    none_option: str = ""
    # Carried for the services (submission checks): the engine scores a missing answer 0 anyway.
    required: bool = True
    level_gate: str | None = None
    pass_score: Decimal | None = None
    disciplines: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()
    practices: tuple[str, ...] = ()
    hindrances: tuple[str, ...] = ()
    # None: as the nearest section above that declares it (ZERO when none does).
    unanswered: Unanswered | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", QuestionType(self.type))
        _coerce_decimals(self, "weight", "min_value", "max_value", "pass_score")
        if self.unanswered is not None:
            object.__setattr__(self, "unanswered", Unanswered(self.unanswered))

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
    # None: as the nearest section above that declares it (ZERO when none does).
    unanswered: Unanswered | None = None
    # Scored and shown, but left out of its parent's score (and of the breakdowns).
    informational: bool = False
    # Named bands of this section's score (threshold rule); the root's are the model's levels.
    levels: tuple[Level, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "aggregation", Aggregation(self.aggregation))
        _coerce_decimals(self, "weight")
        if self.unanswered is not None:
            object.__setattr__(self, "unanswered", Unanswered(self.unanswered))


@dataclass(frozen=True, slots=True)
class Level:
    key: str
    name: str
    min_score: Decimal | None = None
    # True: the level needs a score above min_score, not merely equal to it.
    min_score_exclusive: bool = False

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
    # The question's score decided outside the engine (never with choices, a number or N/A).
    score: Decimal | None = None

    def __post_init__(self) -> None:
        _coerce_decimals(self, "number", "score")

    @property
    def is_empty(self) -> bool:
        """Carries nothing: scored like a missing answer."""
        return (
            not self.choices
            and self.number is None
            and not self.not_applicable
            and self.score is None
        )


@dataclass(frozen=True, slots=True)
class NodeScore:
    key: str
    score: Decimal | None
    max_score: Decimal | None
    percent: Decimal | None
    answered: int
    applicable: int
    total: int
    # Sections with levels of their own: the level reached (None: none).
    level: str | None = None
    has_levels: bool = False
    informational: bool = False

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "key": self.key,
            "score": _str(self.score),
            "max_score": _str(self.max_score),
            "percent": _str(self.percent),
            "answered": self.answered,
            "applicable": self.applicable,
            "total": self.total,
        }
        # Only for the constructs that need them, so older snapshots keep their exact shape.
        if self.has_levels:
            data["level"] = self.level
        if self.informational:
            data["informational"] = True
        return data


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


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _is_finite(value: Decimal | None) -> bool:
    return value is None or value.is_finite()


# --- questions ---------------------------------------------------------------------------------

_YES_NO_CHOICES = (Choice("yes", Decimal(1), "Yes"), Choice("no", Decimal(0), "No"))

# The choice key of a multiple choice question's "none of these" answer (see `none_option`).
NONE_CHOICE = "none"


def _offers_none(question: Question) -> bool:
    return bool(question.none_option) and question.type is QuestionType.MULTIPLE_CHOICE


def _choices(question: Question) -> tuple[Choice, ...]:
    if question.type is QuestionType.YES_NO and not question.choices:
        return _YES_NO_CHOICES
    if _offers_none(question):
        return (*question.choices, Choice(NONE_CHOICE, Decimal(0), question.none_option))
    return question.choices


def answer_choices(question: Question) -> tuple[Choice, ...]:
    """Every choice an answer to `question` may name, in order: the implicit yes/no pair of a
    yes/no question without declared choices, the "none of these" choice last."""
    return _choices(question)


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


def validate_answer(question: Question, answer: Answer) -> list[str]:
    """Why `answer` cannot be stored for `question` (an empty list when it can).

    An empty answer (no choice, no number, not "not applicable") is valid: it means unanswered.
    """
    errors: list[str] = []
    if answer.question != question.key:
        errors.append(f"answer is for question '{answer.question}', not '{question.key}'")
    if answer.score is not None:
        return errors + _score_problems(question, answer)
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
        if NONE_CHOICE in seen and len(answer.choices) > 1 and _offers_none(question):
            errors.append(f"'{NONE_CHOICE}' (none of these) cannot be combined with other choices")
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


def _score_problems(question: Question, answer: Answer) -> list[str]:
    """What is wrong with an answer that gives the question's score directly."""
    errors: list[str] = []
    if answer.choices or answer.number is not None or answer.not_applicable:
        errors.append("a score answer carries no choices, no number and no 'not applicable'")
    value = answer.score
    assert value is not None
    if not value.is_finite():
        errors.append(f"score must be finite, got {value}")
    elif value < 0:
        errors.append(f"score {value} is below the minimum 0")
    else:
        maximum = _question_max(question)
        if _frac(value) > maximum:
            errors.append(f"score {value} is above the question's maximum {_quantize(maximum)}")
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
    if question.none_option and question.type is not QuestionType.MULTIPLE_CHOICE:
        errors.append(
            f"none_option applies only to multiple_choice questions, not to {question.type}"
        )
    seen: set[str] = set()
    for choice in question.choices:
        if _offers_none(question) and choice.key == NONE_CHOICE:
            errors.append(
                f"choice key '{NONE_CHOICE}' is reserved for the none_option; rename the choice"
            )
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
    if question.none_option:
        errors.append(
            f"none_option applies only to multiple_choice questions, not to {question.type}"
        )
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


def _bound_text(min_score: Decimal, exclusive: bool) -> str:
    return f"above {min_score}" if exclusive else f"from {min_score}"


def _level_problems(
    levels: tuple[Level, ...], prefix: str = "levels", *, threshold: bool = True
) -> list[str]:
    """Keys unique, and lower bounds strictly ascending: each level starts above the previous
    one, so no score falls in two levels. "From 60" then "above 60" is ascending (60 itself
    is the first level); the same bound twice, or a lower one, is not."""
    errors: list[str] = []
    seen: set[str] = set()
    previous: tuple[Decimal, bool] | None = None
    for level in levels:
        path = f"{prefix}/{level.key}"
        if not level.key:
            errors.append(f"{prefix}: level key must not be empty")
        elif level.key in seen:
            errors.append(f"{path}: level key is used more than once")
        seen.add(level.key)
        if not _is_finite(level.min_score):
            errors.append(f"{path}: min_score is not a finite number")
            continue
        if level.min_score is None:
            if threshold:
                errors.append(f"{path}: threshold levels need a min_score")
            if level.min_score_exclusive:
                errors.append(f"{path}: min_score_exclusive needs a min_score")
            continue
        bound = (level.min_score, level.min_score_exclusive)
        if previous is not None and bound <= previous and not (bound[1] or previous[1]):
            errors.append(
                f"{path}: min_score {level.min_score} is not above the previous level's "
                f"{previous[0]}; levels go in ascending order"
            )
        elif previous is not None and bound <= previous:
            errors.append(
                f"{path}: {_bound_text(*bound)} does not start above the previous level "
                f"({_bound_text(*previous)}); levels go in ascending order and must not overlap"
            )
        previous = bound
    return errors


def validate_levels(levels: tuple[Level, ...], prefix: str = "levels") -> list[str]:
    """What is wrong with a section's own levels (threshold rule, ascending, no overlap)."""
    return _level_problems(levels, prefix)


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
        elif all(isinstance(c, Section) and c.informational for c in node.children):
            errors.append(f"{path}: every child is informational, so the section has no score")
        elif node.aggregation is Aggregation.MEAN_OF_ALL_QUESTIONS and not any(
            True for _ in _counted_questions(node)
        ):
            errors.append(f"{path}: every question below is in an informational section")
        if node is model.root:
            if node.informational:
                errors.append(f"{path}: the root section cannot be informational")
            if node.levels:
                errors.append(
                    f"{path}: the root section's levels are the questionnaire's levels; "
                    "declare them there"
                )
        else:
            errors += _level_problems(node.levels, f"{path}/levels")
    return errors + _level_problems(model.levels, threshold=model.level_mode is LevelMode.THRESHOLD)


def _counted_questions(section: Section) -> Iterator[Question]:
    """The questions below `section` that count in its score: every one, at any depth, except
    those inside an informational section below it."""
    for child in section.children:
        if isinstance(child, Question):
            yield child
        elif not child.informational:
            yield from _counted_questions(child)


# --- compiled models ---------------------------------------------------------------------------
#
# Scoring is exact, but Fraction arithmetic is slow (every operation normalises through a gcd),
# and the recommender scores the same model dozens of times per submit. So a model is compiled
# once into flat plans (checked by validate_model on the way), and numbers travel as integer
# pairs (numerator, denominator > 0). Sums collect numerators per denominator and meet over the
# least common multiple once, so a section of twenty questions costs one division, not twenty.
# Every figure equals the Fraction computation exactly; quantizing is the only rounding.

_Pair = tuple[int, int]

_ZERO_PAIR: _Pair = (0, 1)

# Question kinds of a compiled plan.
_ONE_CHOICE, _MANY_CHOICES, _NUMBER = 0, 1, 2


def _pair(value: Decimal | Fraction) -> _Pair:
    numerator, denominator = value.as_integer_ratio()
    return numerator, denominator


def _reduced(numerator: int, denominator: int) -> _Pair:
    common = gcd(numerator, denominator)
    return (numerator // common, denominator // common) if common > 1 else (numerator, denominator)


def _less(a: _Pair, b: _Pair) -> bool:
    return a[0] * b[1] < b[0] * a[1]


def _total(buckets: dict[int, int]) -> _Pair:
    """The sum of numerator / denominator over `buckets` (denominator -> summed numerators)."""
    if len(buckets) == 1:
        [(denominator, numerator)] = buckets.items()
        return _reduced(numerator, denominator)
    common = lcm(*buckets)
    return _reduced(
        sum(numerator * (common // denominator) for denominator, numerator in buckets.items()),
        common,
    )


def _divide(a: _Pair, b: _Pair) -> _Pair:
    """a / b for b > 0."""
    return _reduced(a[0] * b[1], a[1] * b[0])


def _combine(aggregation: Aggregation, parts: list[tuple[_Pair, _Pair]]) -> _Pair:
    """Aggregate (weight, value) pairs; `parts` is never empty."""
    if aggregation is Aggregation.MIN or aggregation is Aggregation.MAX:
        best = parts[0][1]
        for _, value in parts:
            if _less(value, best) if aggregation is Aggregation.MIN else _less(best, value):
                best = value
        return best
    sums: dict[int, int] = {}
    if aggregation is Aggregation.MEAN:
        for _, (numerator, denominator) in parts:
            sums[denominator] = sums.get(denominator, 0) + numerator
        return _divide(_total(sums), (len(parts), 1))
    for (weight_n, weight_d), (numerator, denominator) in parts:
        key = weight_d * denominator
        sums[key] = sums.get(key, 0) + weight_n * numerator
    if aggregation is Aggregation.SUM:
        return _total(sums)
    # WEIGHTED_MEAN, and MEAN_OF_ALL_QUESTIONS (whose parts are questions, not children).
    return _divide(_total(sums), _total_weight(weight for weight, _ in parts))


# Quantized figures by exact value: question scores repeat a lot, and quantizing is costly.
_QUANTIZED: dict[_Pair, Decimal] = {}
_QUANTIZED_MAX = 65_536


def _quantized(value: _Pair | None) -> Decimal | None:
    """`value` quantized like `_quantize`; None stays None."""
    if value is None:
        return None
    found = _QUANTIZED.get(value)
    if found is None:
        if len(_QUANTIZED) >= _QUANTIZED_MAX:
            _QUANTIZED.clear()
        found = _QUANTIZED[value] = _quantize(Fraction(*value))
    return found


def _percent_pair(score: _Pair | None, maximum: _Pair | None) -> _Pair | None:
    if score is None or maximum is None or maximum[0] == 0:
        return None
    return _reduced(score[0] * maximum[1] * 100, score[1] * maximum[0])


@dataclass(slots=True, eq=False)
class _QuestionPlan:
    question: Question
    index: int
    ancestors: tuple[int, ...]
    weight: _Pair
    maximum: _Pair
    kind: int
    # Choice questions: the score of each choice (one choice), or its numerator over
    # `choice_denominator` (many choices, summed then clamped to 0..`choice_cap`).
    values: dict[str, _Pair]
    numerators: dict[str, int]
    choice_denominator: int
    choice_cap: int
    offers_none: bool
    bands: tuple[tuple[Decimal | None, Decimal | None, _Pair], ...]
    # from_score + (x - from_value) * slope, clamped to [low_score, high_score].
    linear: tuple[_Pair, _Pair, _Pair, _Pair, _Pair] | None
    low: Decimal | None
    high: Decimal | None
    gate: str | None
    pass_score: _Pair
    full_marks: _Pair
    # weight / maximum, for the question-weighted mean of score / maximum in breakdowns.
    ratio_factor: _Pair
    # Unanswered, it is left out like "not applicable" (policy `skip`), rather than scoring 0.
    skip_unanswered: bool = False

    def accepts(self, answer: Answer) -> bool:
        """True exactly when validate_answer(self.question, answer) finds nothing."""
        if answer.question != self.question.key:
            return False
        if answer.score is not None:
            value = answer.score
            return (
                not answer.choices
                and answer.number is None
                and not answer.not_applicable
                and value.is_finite()
                and value >= 0
                and not _less(self.maximum, _pair(value))
            )
        if answer.not_applicable:
            return (
                self.question.allow_not_applicable and not answer.choices and answer.number is None
            )
        if self.kind != _NUMBER:
            chosen = answer.choices
            if answer.number is not None or (self.kind == _ONE_CHOICE and len(chosen) > 1):
                return False
            known = self.values
            if self.offers_none and len(chosen) > 1 and NONE_CHOICE in chosen:
                return False
            return all(key in known for key in chosen) and len(set(chosen)) == len(chosen)
        if answer.choices:
            return False
        number = answer.number
        if number is None:
            return True
        return (
            number.is_finite()
            and (self.low is None or number >= self.low)
            and (self.high is None or number <= self.high)
        )

    def score(self, answer: Answer) -> _Pair:
        """The exact score of an accepted, non-empty, applicable answer."""
        if answer.score is not None:
            return _pair(answer.score)
        if self.kind == _ONE_CHOICE:
            return self.values[answer.choices[0]]
        if self.kind == _MANY_CHOICES:
            numerators = self.numerators
            total = sum(numerators[key] for key in answer.choices)
            return _reduced(min(max(total, 0), self.choice_cap), self.choice_denominator)
        number = answer.number
        assert number is not None
        if self.bands:
            for lower, upper, value in self.bands:
                if (lower is None or number >= lower) and (upper is None or number < upper):
                    return value
            return _ZERO_PAIR
        if self.linear is not None:
            (start_n, start_d), (from_n, from_d), (slope_n, slope_d), low, high = self.linear
            x_n, x_d = number.as_integer_ratio()
            # from_score + (x - from_value) * slope, over one denominator.
            result = _reduced(
                start_n * x_d * from_d * slope_d
                + start_d * (x_n * from_d - from_n * x_d) * slope_n,
                start_d * x_d * from_d * slope_d,
            )
            if _less(result, low):
                return low
            if _less(high, result):
                return high
            return result
        return _pair(number)


@dataclass(slots=True, eq=False)
class _SectionPlan:
    section: Section
    index: int
    aggregation: Aggregation
    children: tuple[int, ...]
    weights: tuple[_Pair, ...]
    # The maximum when every question below is applicable, and the question count below.
    full_maximum: _Pair
    total: int
    # Informational children: counted in answered/applicable, never in the score.
    uncounted: tuple[int, ...] = ()
    # MEAN_OF_ALL_QUESTIONS: (index, weight) of every counted question below, at any depth.
    questions: tuple[tuple[int, _Pair], ...] = ()
    # The section's own levels: (key, min_score, exclusive), ascending.
    levels: tuple[tuple[str, _Pair | None, bool], ...] = ()


@dataclass(slots=True, eq=False)
class _Plan:
    model: Model
    keys: tuple[str, ...]  # every node in tree order; a node's index is its position
    questions: dict[str, _QuestionPlan]
    sections: tuple[_SectionPlan, ...]  # children before parents
    gated: tuple[_QuestionPlan, ...]
    levels: tuple[tuple[str, _Pair | None, bool], ...]
    # Per axis: tag -> the questions carrying it.
    tagged: dict[str, dict[str, _Tag]]


@dataclass(slots=True, eq=False)
class _Tag:
    indexes: tuple[int, ...]  # node indexes of the questions carrying the tag, in tree order
    weight: _Pair  # their total weight


def _compile_question(question: Question, index: int, ancestors: tuple[int, ...]) -> _QuestionPlan:
    maximum = _pair(_question_max(question))
    choices = _choices(question) if question.type in _CHOICE_TYPES else ()
    values = {choice.key: _pair(choice.value) for choice in choices}
    denominator = lcm(*(value[1] for value in values.values())) if values else 1
    numerators = {key: n * (denominator // d) for key, (n, d) in values.items()}
    kind = _NUMBER
    if question.type in _CHOICE_TYPES:
        kind = _MANY_CHOICES if question.type is QuestionType.MULTIPLE_CHOICE else _ONE_CHOICE
    linear = None
    if question.linear is not None:
        mapping = question.linear
        from_score, to_score = _frac(mapping.from_score), _frac(mapping.to_score)
        slope = (to_score - from_score) / (_frac(mapping.to_value) - _frac(mapping.from_value))
        linear = (
            _pair(from_score),
            _pair(_frac(mapping.from_value)),
            _pair(slope),
            _pair(min(from_score, to_score)),
            _pair(max(from_score, to_score)),
        )
    low, high = _bounds(question) if kind == _NUMBER else (None, None)
    plan = _QuestionPlan(
        question=question,
        index=index,
        ancestors=ancestors,
        weight=_pair(question.weight),
        maximum=maximum,
        kind=kind,
        values=values,
        numerators=numerators,
        choice_denominator=denominator,
        choice_cap=maximum[0] * (denominator // maximum[1]) if kind == _MANY_CHOICES else 0,
        offers_none=_offers_none(question),
        bands=tuple((band.lower, band.upper, _pair(band.value)) for band in question.bands),
        linear=linear,
        low=low,
        high=high,
        gate=question.level_gate,
        pass_score=maximum if question.pass_score is None else _pair(question.pass_score),
        full_marks=_ZERO_PAIR,
        ratio_factor=_divide(_pair(question.weight), maximum),
    )
    plan.full_marks = plan.score(_full_marks_answer(question))
    return plan


def _level_plan(levels: Iterable[Level]) -> tuple[tuple[str, _Pair | None, bool], ...]:
    return tuple(
        (
            level.key,
            None if level.min_score is None else _pair(level.min_score),
            level.min_score_exclusive,
        )
        for level in levels
    )


def _compile(model: Model) -> _Plan:
    keys: list[str] = []
    questions: dict[str, _QuestionPlan] = {}
    sections: list[_SectionPlan] = []
    full: list[_Pair] = []
    # Questions inside an informational section count in no breakdown.
    informational: set[str] = set()

    def visit(
        node: Section | Question,
        ancestors: tuple[int, ...],
        unanswered: Unanswered,
        aside: bool,
    ) -> tuple[_Pair, int]:
        index = len(keys)
        keys.append(node.key)
        full.append(_ZERO_PAIR)
        unanswered = node.unanswered or unanswered
        if isinstance(node, Question):
            plan = questions[node.key] = _compile_question(node, index, ancestors)
            plan.skip_unanswered = unanswered is Unanswered.SKIP
            if aside:
                informational.add(node.key)
            full[index] = plan.maximum
            return plan.maximum, 1
        below = [
            visit(
                child,
                (index, *ancestors),
                unanswered,
                aside or (isinstance(child, Section) and child.informational),
            )
            for child in node.children
        ]
        counted = [
            (_pair(child.weight), maximum)
            for child, (maximum, _) in zip(node.children, below, strict=True)
            if not (isinstance(child, Section) and child.informational)
        ]
        members: tuple[tuple[int, _Pair], ...] = ()
        if node.aggregation is Aggregation.MEAN_OF_ALL_QUESTIONS:
            members = tuple(
                (questions[question.key].index, questions[question.key].weight)
                for question in _counted_questions(node)
            )
            counted = [(weight, full[member]) for member, weight in members]
        maximum = _combine(node.aggregation, counted)
        full[index] = maximum
        sections.append(
            _SectionPlan(
                section=node,
                index=index,
                aggregation=node.aggregation,
                children=(),
                weights=(),
                full_maximum=maximum,
                total=sum(total for _, total in below),
                questions=members,
                levels=_level_plan(node.levels),
            )
        )
        return maximum, sections[-1].total

    visit(model.root, (), model.root.unanswered or Unanswered.ZERO, False)
    position = {key: index for index, key in enumerate(keys)}
    for section_plan in sections:
        children = section_plan.section.children
        counts = [not (isinstance(child, Section) and child.informational) for child in children]
        section_plan.children = tuple(
            position[child.key] for child, count in zip(children, counts, strict=True) if count
        )
        section_plan.weights = tuple(
            _pair(child.weight) for child, count in zip(children, counts, strict=True) if count
        )
        section_plan.uncounted = tuple(
            position[child.key] for child, count in zip(children, counts, strict=True) if not count
        )
    tagged: dict[str, dict[str, list[_QuestionPlan]]] = {axis: {} for axis in AXES}
    for plan in questions.values():
        if plan.question.key in informational:
            continue
        for axis in AXES:
            for tag in dict.fromkeys(plan.question.tags(axis)):
                tagged[axis].setdefault(tag, []).append(plan)
    return _Plan(
        model=model,
        keys=tuple(keys),
        questions=questions,
        sections=tuple(sections),
        gated=tuple(plan for plan in questions.values() if plan.gate is not None),
        levels=_level_plan(model.levels),
        tagged={
            axis: {
                tag: _Tag(
                    tuple(member.index for member in members),
                    _total_weight(member.weight for member in members),
                )
                for tag, members in tags.items()
            }
            for axis, tags in tagged.items()
        },
    )


# Compiled models by identity (the model is kept with its plan, so the id is not reused while
# cached): a frozen model stays valid, and the recommender scores the same model many times.
_PLANS: dict[int, _Plan] = {}
_PLANS_MAX = 256


def _plan(model: Model) -> _Plan:
    plan = _PLANS.get(id(model))
    if plan is not None and plan.model is model:
        return plan
    errors = validate_model(model)
    if errors:
        raise ScoringError(errors)
    plan = _compile(model)
    if len(_PLANS) >= _PLANS_MAX:
        _PLANS.clear()
    _PLANS[id(model)] = plan
    return plan


# --- scoring -----------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class _State:
    """Every node's exact figures, by node index (score None: not applicable / excluded)."""

    scores: list[_Pair | None]
    maxima: list[_Pair | None]
    answered: list[int]
    applicable: list[int]
    complete: list[bool]  # every question below is applicable


def _checked(plan: _Plan, answers: Mapping[str, Answer]) -> None:
    questions = plan.questions
    for key, answer in answers.items():
        question = questions.get(key)
        if question is None or not question.accepts(answer):
            break
    else:
        return
    errors: list[str] = []
    for key, answer in answers.items():
        question = questions.get(key)
        if question is None:
            errors.append(f"{key}: answer for a question the model does not have")
        elif not question.accepts(answer):
            errors += [f"{key}: {error}" for error in validate_answer(question.question, answer)]
    raise ScoringError(errors)


def _evaluate(plan: _Plan, answers: Mapping[str, Answer]) -> _State:
    size = len(plan.keys)
    state = _State(
        scores=[None] * size,
        maxima=[None] * size,
        answered=[0] * size,
        applicable=[0] * size,
        complete=[False] * size,
    )
    scores, maxima, answered, applicable = (
        state.scores,
        state.maxima,
        state.answered,
        state.applicable,
    )
    complete = state.complete
    for key, question in plan.questions.items():
        index = question.index
        answer = answers.get(key)
        if answer is None or (
            not answer.choices
            and answer.number is None
            and not answer.not_applicable
            and answer.score is None
        ):
            if question.skip_unanswered:
                continue
            scores[index] = _ZERO_PAIR
        elif answer.not_applicable:
            answered[index] = 1
            continue
        else:
            scores[index] = question.score(answer)
            answered[index] = 1
        maxima[index] = question.maximum
        applicable[index] = 1
        complete[index] = True
    for section in plan.sections:
        _settle(section, state)
    return state


def _settle(section: _SectionPlan, state: _State) -> None:
    """Compute one section's figures from its children's."""
    scores, maxima = state.scores, state.maxima
    index = section.index
    parts: list[tuple[_Pair, _Pair]] = []
    whole = True
    answered = applicable = 0
    for child, weight in zip(section.children, section.weights, strict=True):
        value = scores[child]
        answered += state.answered[child]
        applicable += state.applicable[child]
        if value is None:
            whole = False
        else:
            parts.append((weight, value))
            whole = whole and state.complete[child]
    for child in section.uncounted:
        answered += state.answered[child]
        applicable += state.applicable[child]
    state.answered[index] = answered
    state.applicable[index] = applicable
    if section.questions:
        _settle_over_questions(section, state)
        return
    state.complete[index] = whole
    if not parts:
        scores[index] = maxima[index] = None
        return
    scores[index] = _combine(section.aggregation, parts)
    if whole:
        maxima[index] = section.full_maximum
    else:
        maxima[index] = _combine(
            section.aggregation,
            [
                (weight, maxima[child])  # type: ignore[misc]
                for child, weight in zip(section.children, section.weights, strict=True)
                if scores[child] is not None
            ],
        )


def _settle_over_questions(section: _SectionPlan, state: _State) -> None:
    """MEAN_OF_ALL_QUESTIONS: the question-weighted mean over the counted questions below."""
    scores, maxima = state.scores, state.maxima
    included: list[tuple[_Pair, _Pair]] = []
    for member, weight in section.questions:
        value = scores[member]
        if value is not None:
            included.append((weight, value))
    index = section.index
    state.complete[index] = whole = len(included) == len(section.questions)
    if not included:
        scores[index] = maxima[index] = None
        return
    scores[index] = _combine(Aggregation.WEIGHTED_MEAN, included)
    if whole:
        maxima[index] = section.full_maximum
    else:
        maxima[index] = _combine(
            Aggregation.WEIGHTED_MEAN,
            [
                (weight, maxima[member])  # type: ignore[misc]
                for member, weight in section.questions
                if scores[member] is not None
            ],
        )


def _passes(question: _QuestionPlan, state: _State) -> bool:
    index = question.index
    if not state.answered[index]:
        return False  # unanswered fails, whether it scores 0 or is skipped
    value = state.scores[index]
    if value is None:
        return True
    return not _less(value, question.pass_score)


def _failed_gates(plan: _Plan, state: _State) -> dict[str, tuple[str, ...]]:
    failed: dict[str, list[str]] = {key: [] for key, _, _ in plan.levels}
    for question in plan.gated:
        if not _passes(question, state):
            failed[question.gate].append(question.question.key)  # type: ignore[index]
    return {level: tuple(keys) for level, keys in failed.items() if keys}


def _meets(value: _Pair, min_score: _Pair | None, exclusive: bool) -> bool:
    if min_score is None:
        return True
    return _less(min_score, value) if exclusive else not _less(value, min_score)


def _band_level(levels: tuple[tuple[str, _Pair | None, bool], ...], value: _Pair) -> str | None:
    """Threshold rule: the last level whose lower bound `value` meets."""
    reached: str | None = None
    for key, min_score, exclusive in levels:
        if _meets(value, min_score, exclusive):
            reached = key
    return reached


def _level(plan: _Plan, overall: _Pair | None, failed: Mapping[str, object]) -> str | None:
    if overall is None:
        return None
    threshold = plan.model.level_mode is LevelMode.THRESHOLD
    reached: str | None = None
    for key, min_score, exclusive in plan.levels:
        meets_score = _meets(overall, min_score, exclusive)
        if threshold:
            if meets_score:
                reached = key
            continue
        if not meets_score or key in failed:
            break
        reached = key
    return reached


def _brief(plan: _Plan, state: _State) -> Result:
    """The overall figures, level and failed gates (no nodes, no breakdowns)."""
    overall, maximum = state.scores[0], state.maxima[0]
    failed = _failed_gates(plan, state) if plan.model.level_mode is LevelMode.GATED else {}
    return Result(
        engine_version=ENGINE_VERSION,
        overall=_quantized(overall),
        overall_max=_quantized(maximum),
        overall_percent=_quantized(_percent_pair(overall, maximum)),
        level=_level(plan, overall, failed),
        failed_gates=failed,
        nodes={},
        breakdowns={},
    )


# A node's three quantized figures by its exact (score, maximum): question nodes repeat a few
# combinations, so most nodes cost one lookup.
_FIGURES: dict[tuple[_Pair | None, _Pair | None], tuple[Decimal | None, ...]] = {}


def _figures(value: _Pair | None, maximum: _Pair | None) -> tuple[Decimal | None, ...]:
    key = (value, maximum)
    found = _FIGURES.get(key)
    if found is None:
        if len(_FIGURES) >= _QUANTIZED_MAX:
            _FIGURES.clear()
        found = _FIGURES[key] = (
            _quantized(value),
            _quantized(maximum),
            _quantized(_percent_pair(value, maximum)),
        )
    return found


def _nodes(plan: _Plan, state: _State) -> dict[str, NodeScore]:
    totals = [1] * len(plan.keys)
    for section in plan.sections:
        totals[section.index] = section.total
    scores, maxima, answered, applicable = (
        state.scores,
        state.maxima,
        state.answered,
        state.applicable,
    )
    nodes: dict[str, NodeScore] = {}
    for index, key in enumerate(plan.keys):
        score, max_score, percent = _figures(scores[index], maxima[index])
        nodes[key] = NodeScore(
            key, score, max_score, percent, answered[index], applicable[index], totals[index]
        )
    for section in plan.sections:
        if section.levels or section.section.informational:
            value = scores[section.index]
            node = nodes[section.section.key]
            nodes[section.section.key] = NodeScore(
                node.key,
                node.score,
                node.max_score,
                node.percent,
                node.answered,
                node.applicable,
                node.total,
                level=None if value is None else _band_level(section.levels, value),
                has_levels=bool(section.levels),
                informational=section.section.informational,
            )
    return nodes


def _tag_tallies(
    plan: _Plan, state: _State
) -> dict[str, dict[str, tuple[_Pair | None, int, int, int]]]:
    """Per axis and tag: the exact percent, answered, applicable and total question counts."""
    scores, answered = state.scores, state.answered
    # Each applicable question's weight * score / maximum, computed once for every tag it has.
    ratios: list[_Pair | None] = [None] * len(scores)
    for question in plan.questions.values():
        value = scores[question.index]
        if value is not None:
            factor = question.ratio_factor
            ratios[question.index] = (value[0] * factor[0], value[1] * factor[1])
    tallies: dict[str, dict[str, tuple[_Pair | None, int, int, int]]] = {}
    for axis, tags in plan.tagged.items():
        by_tag: dict[str, tuple[_Pair | None, int, int, int]] = {}
        for tag, group in tags.items():
            sums: dict[int, int] = {}
            done = counted = 0
            for index in group.indexes:
                done += answered[index]
                ratio = ratios[index]
                if ratio is not None:
                    counted += 1
                    sums[ratio[1]] = sums.get(ratio[1], 0) + ratio[0]
            percent = None
            if counted:
                weight = group.weight
                if counted < len(group.indexes):
                    weight = _total_weight(
                        plan.questions[plan.keys[index]].weight
                        for index in group.indexes
                        if ratios[index] is not None
                    )
                total = _divide(_total(sums), weight)
                percent = _reduced(total[0] * 100, total[1])
            by_tag[tag] = (percent, done, counted, len(group.indexes))
        tallies[axis] = by_tag
    return tallies


def _breakdowns(plan: _Plan, state: _State) -> dict[str, dict[str, AxisScore]]:
    return {
        axis: {
            tag: AxisScore(
                tag=tag,
                percent=_quantized(percent),
                answered=done,
                applicable=counted,
                total=total,
            )
            for tag, (percent, done, counted, total) in tags.items()
        }
        for axis, tags in _tag_tallies(plan, state).items()
    }


def _total_weight(weights: Iterable[_Pair]) -> _Pair:
    sums: dict[int, int] = {}
    for numerator, denominator in weights:
        sums[denominator] = sums.get(denominator, 0) + numerator
    return _total(sums)


def score(model: Model, answers: Mapping[str, Answer], *, detail: bool = True) -> Result:
    """Score `answers` (keyed by question key) against `model`.

    With detail=False only the overall figures, level and failed gates are computed (`nodes`
    and `breakdowns` stay empty): what-if questions need no more, and it is much cheaper.

    Raises ScoringError when the model is invalid, or when an answer is invalid or names a
    question the model does not have.
    """
    plan = _plan(model)
    _checked(plan, answers)
    state = _evaluate(plan, answers)
    brief = _brief(plan, state)
    if not detail:
        return brief
    return Result(
        engine_version=brief.engine_version,
        overall=brief.overall,
        overall_max=brief.overall_max,
        overall_percent=brief.overall_percent,
        level=brief.level,
        failed_gates=brief.failed_gates,
        nodes=_nodes(plan, state),
        breakdowns=_breakdowns(plan, state),
    )


@dataclass(frozen=True, slots=True)
class ExactPercents:
    """A result's percentages before rounding: per node key (None: excluded) and per tag, and
    the overall score and maximum."""

    overall: Fraction | None
    overall_max: Fraction | None
    nodes: dict[str, Fraction | None]
    breakdowns: dict[str, dict[str, Fraction | None]]


def exact_percents(model: Model, answers: Mapping[str, Answer]) -> ExactPercents:
    """The percentages `score()` reports, exactly (for figures derived from them, such as the
    distance to a target, which must not inherit the rounding to 4 places)."""
    plan = _plan(model)
    _checked(plan, answers)
    state = _evaluate(plan, answers)

    def fraction(pair: _Pair | None) -> Fraction | None:
        return None if pair is None else Fraction(*pair)

    return ExactPercents(
        overall=fraction(state.scores[0]),
        overall_max=fraction(state.maxima[0]),
        nodes={
            key: fraction(_percent_pair(state.scores[index], state.maxima[index]))
            for index, key in enumerate(plan.keys)
        },
        breakdowns={
            axis: {tag: fraction(tally[0]) for tag, tally in tags.items()}
            for axis, tags in _tag_tallies(plan, state).items()
        },
    )


# Compiled questions by value (questions are frozen and hashable), for scoring one answer alone.
_QUESTION_PLANS: dict[Question, _QuestionPlan] = {}
_QUESTION_PLANS_MAX = 4096


def _question_plan(question: Question) -> _QuestionPlan:
    plan = _QUESTION_PLANS.get(question)
    if plan is None:
        # Outside a model the levels are unknown, so the question's own gate counts as known.
        errors = _question_problems(question, [question.level_gate or ""])
        if errors:
            raise ScoringError(f"{question.key}: {error}" for error in errors)
        if len(_QUESTION_PLANS) >= _QUESTION_PLANS_MAX:
            _QUESTION_PLANS.clear()
        plan = _QUESTION_PLANS[question] = _compile_question(question, 0, ())
    return plan


def exact_answer_score(question: Question, answer: Answer) -> Fraction | None:
    """The score `score()` gives this one answer, before rounding (None: empty or not
    applicable, as an empty answer's 0 or exclusion depends on the model's policy).

    Raises ScoringError when the question or the answer is invalid.
    """
    plan = _question_plan(question)
    if not plan.accepts(answer):
        raise ScoringError(
            f"{question.key}: {error}" for error in validate_answer(question, answer)
        )
    if answer.is_empty or answer.not_applicable:
        return None
    return Fraction(*plan.score(answer))


def answer_score(question: Question, answer: Answer) -> Decimal | None:
    """The score `score()` gives this one answer, quantized like its figures (None: empty or
    not applicable)."""
    value = exact_answer_score(question, answer)
    return None if value is None else _quantize(value)


def question_maximum(question: Question) -> Decimal:
    """The best score `question` can reach, quantized like the engine's figures."""
    return _quantize(_question_max(question))


def exact_question_maximum(question: Question) -> Fraction:
    """The best score `question` can reach, before rounding."""
    return _question_max(question)


def level_without_gates(model: Model, overall: Decimal | Fraction | None) -> str | None:
    """The level `overall` reaches by the model's levels as if every gate passed: in gated
    mode, what a result with failed gates would have reached without them."""
    if overall is None:
        return None
    return _level(_plan(model), _pair(overall), {})


def score_full_marks(
    model: Model, answers: Mapping[str, Answer], groups: Iterable[Collection[str]]
) -> list[Result]:
    """For each group of question keys, `score(model, with_full_marks(model, answers, group),
    detail=False)`: the overall figures if those questions reached full marks.

    Equal to scoring each what-if from scratch, but the answers are checked and scored once and
    each what-if recomputes only the sections above its questions.
    """
    plan = _plan(model)
    _checked(plan, answers)
    base = _evaluate(plan, answers)
    sections = {section.index: section for section in plan.sections}
    results: list[Result] = []
    for group in groups:
        changed: list[_QuestionPlan] = []
        for key in group:
            question = plan.questions.get(key)
            if question is None:
                raise ScoringError([f"{key}: the model has no such question"])
            changed.append(question)
        state = _State(
            scores=list(base.scores),
            maxima=list(base.maxima),
            answered=list(base.answered),
            applicable=list(base.applicable),
            complete=list(base.complete),
        )
        dirty: set[int] = set()
        for question in changed:
            index = question.index
            state.scores[index] = question.full_marks
            state.maxima[index] = question.maximum
            state.answered[index] = state.applicable[index] = 1
            state.complete[index] = True
            dirty.update(question.ancestors)
        for index in sorted(dirty, reverse=True):
            _settle(sections[index], state)
        results.append(_brief(plan, state))
    return results


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
