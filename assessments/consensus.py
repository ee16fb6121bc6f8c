"""One answer from many respondents, and how far the respondents disagree.

Pure, like the scoring engine it builds on: it takes questions and answers as the engine's frozen
data and imports nothing of Django.

Deriving. A questionnaire declares how the assessment's answer to a question follows from its
respondents' answers (`Rule`). Empty answers are ignored. When every remaining answer is "not
applicable", so is the derived one. Otherwise the rule works on the scores of the applicable
answers: MEAN takes their mean, MEDIAN their median (the mean of the two middle scores for an
even count), MINIMUM the lowest. When the rule lands on a respondent's own score (MINIMUM, an odd
MEDIAN, or any rule when every applicable answer is the same) the derived answer is that
respondent's answer, the first in input order, so it reads like an answer and not a number.
Otherwise it is a score answer, quantized to 4 places (half to even; downwards in the rare case
where that would pass a maximum with more than 4 places). FACILITATOR derives nothing: a person
decides once someone has answered.

Disagreement. Each applicable answer's score as a percent of the question's maximum (2 places,
half to even), their lowest, highest, spread (highest - lowest, in percentage points) and
population standard deviation, and the distribution of the answers themselves. Sections summarise
the spread of the questions below them that at least two respondents scored.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction
from typing import Any

from assessments import scoring

_SCORE_PLACES = 4
_PERCENT_PLACES = 2


class Rule(enum.StrEnum):
    MEAN = "mean"
    MEDIAN = "median"
    MINIMUM = "minimum"
    FACILITATOR = "facilitator"


@dataclass(frozen=True, slots=True)
class Derived:
    # None: nothing to derive (no one answered) or the facilitator decides.
    answer: scoring.Answer | None
    respondents: int  # respondents with a non-empty answer
    not_applicable: int
    needs_facilitator: bool  # rule FACILITATOR and at least one respondent answered


@dataclass(frozen=True, slots=True)
class Count:
    key: str
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class QuestionDisagreement:
    question: str
    respondents: int
    not_applicable: int
    min_percent: Decimal | None
    max_percent: Decimal | None
    # max_percent - min_percent, in percentage points (0..100).
    spread: Decimal | None
    # Population standard deviation of the percent scores, 2 places.
    stdev: Decimal | None
    # Choice questions: every choice in order, zero counts included ("none" last when offered);
    # numbers: each distinct value, ascending; then scores given directly, ascending; then
    # "not_applicable" when anyone said so.
    distribution: tuple[Count, ...]

    @property
    def scored(self) -> int:
        """Respondents whose answer has a score (not "not applicable")."""
        return self.respondents - self.not_applicable


@dataclass(frozen=True, slots=True)
class SectionDisagreement:
    section: str
    questions: int  # questions below with at least two scored answers
    respondents: int  # the most respondents any question below has
    mean_spread: Decimal | None
    max_spread: Decimal | None


def _rounded(value: Fraction, places: int) -> Decimal:
    """`value` with `places` decimal places, rounded half to even, computed exactly."""
    return Decimal(round(value * 10**places)).scaleb(-places)


def _scored(
    question: scoring.Question, answers: Sequence[scoring.Answer]
) -> tuple[list[tuple[scoring.Answer, Fraction]], int]:
    """The applicable answers with their exact scores, in input order, and the count of
    "not applicable" ones (empty answers are left out of both)."""
    scored: list[tuple[scoring.Answer, Fraction]] = []
    not_applicable = 0
    # Respondents mostly give the same few answers: each distinct one is scored once.
    seen: dict[tuple[Any, ...], Fraction | None] = {}
    for answer in answers:
        same = (answer.question, answer.choices, answer.number, answer.not_applicable, answer.score)
        if same in seen:
            value = seen[same]
        else:
            value = seen[same] = scoring.exact_answer_score(question, answer)
        if value is not None:
            scored.append((answer, value))
        elif answer.not_applicable:
            not_applicable += 1
    return scored, not_applicable


def _median(values: Sequence[Fraction]) -> Fraction:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _same(a: scoring.Answer, b: scoring.Answer) -> bool:
    return (set(a.choices), a.number, a.score) == (set(b.choices), b.number, b.score)


def _own(question: scoring.Question, answer: scoring.Answer) -> scoring.Answer:
    return scoring.Answer(
        question=question.key, choices=answer.choices, number=answer.number, score=answer.score
    )


def _score_answer(question: scoring.Question, value: Fraction) -> scoring.Answer:
    answer = scoring.Answer(question=question.key, score=_rounded(value, _SCORE_PLACES))
    if scoring.validate_answer(question, answer):
        # Half to even went past a maximum that has more than 4 places: round down instead.
        floor = math.floor(value * 10**_SCORE_PLACES)
        answer = scoring.Answer(question=question.key, score=Decimal(floor).scaleb(-_SCORE_PLACES))
    return answer


def derive(rule: Rule, question: scoring.Question, answers: Sequence[scoring.Answer]) -> Derived:
    """The assessment's answer to `question` from its respondents' `answers` by `rule`.

    Raises ScoringError when an answer is invalid for the question.
    """
    rule = Rule(rule)
    scored, not_applicable = _scored(question, answers)
    respondents = len(scored) + not_applicable
    if rule is Rule.FACILITATOR or not respondents:
        return Derived(
            None, respondents, not_applicable, rule is Rule.FACILITATOR and respondents > 0
        )
    if not scored:
        answer = scoring.Answer(question=question.key, not_applicable=True)
        return Derived(answer, respondents, not_applicable, False)
    first = scored[0][0]
    values = [value for _, value in scored]
    picked: Fraction | None = None
    if all(_same(first, other) for other, _ in scored):
        picked = values[0]
    elif rule is Rule.MINIMUM:
        picked = min(values)
    elif rule is Rule.MEDIAN and len(values) % 2:
        picked = _median(values)
    if picked is not None:
        own = next(answer for answer, value in scored if value == picked)
        return Derived(_own(question, own), respondents, not_applicable, False)
    value = _median(values) if rule is Rule.MEDIAN else sum(values, Fraction(0)) / len(values)
    return Derived(_score_answer(question, value), respondents, not_applicable, False)


def _label(choice: scoring.Choice) -> str:
    return choice.label or choice.key


def _plain(value: Decimal) -> str:
    """A number without trailing zeros or an exponent: 2.50 -> "2.5", 1E+2 -> "100"."""
    return format(value.normalize(), "f")


def _distribution(
    question: scoring.Question, answers: Iterable[scoring.Answer], not_applicable: int
) -> tuple[Count, ...]:
    counts: list[Count] = []
    given = [answer for answer in answers if not answer.is_empty and not answer.not_applicable]
    if question.type in (
        scoring.QuestionType.SINGLE_CHOICE,
        scoring.QuestionType.MULTIPLE_CHOICE,
        scoring.QuestionType.YES_NO,
    ):
        for choice in scoring.answer_choices(question):
            count = sum(1 for answer in given if choice.key in answer.choices)
            counts.append(Count(choice.key, _label(choice), count))
    else:
        numbers = sorted({answer.number for answer in given if answer.number is not None})
        for number in numbers:
            count = sum(1 for answer in given if answer.number == number)
            counts.append(Count(_plain(number), _plain(number), count))
    for score in sorted({answer.score for answer in given if answer.score is not None}):
        count = sum(1 for answer in given if answer.score == score)
        counts.append(Count(f"score:{_plain(score)}", f"Score {_plain(score)}", count))
    if not_applicable:
        counts.append(Count("not_applicable", "Not applicable", not_applicable))
    return tuple(counts)


def _stdev(percents: Sequence[Decimal]) -> Decimal:
    """Population standard deviation, 2 places: exact variance, then a square root precise
    far beyond the 2 places kept."""
    # In whole hundredths (the percents have _PERCENT_PLACES places), the variance is a ratio
    # of integers: (n * sum of squares - square of the sum) / n^2, exactly, without fractions.
    units = [int(percent.scaleb(_PERCENT_PLACES)) for percent in percents]
    count, total = len(units), sum(units)
    numerator = count * sum(unit * unit for unit in units) - total * total
    denominator = count * count * 10 ** (2 * _PERCENT_PLACES)
    context = Context(prec=40)
    root = context.divide(Decimal(numerator), Decimal(denominator)).sqrt(context)
    return root.quantize(Decimal(1).scaleb(-_PERCENT_PLACES), rounding=ROUND_HALF_EVEN)


def disagreement(
    question: scoring.Question, answers: Sequence[scoring.Answer]
) -> QuestionDisagreement:
    """How the respondents' `answers` to `question` spread.

    Raises ScoringError when an answer is invalid for the question.
    """
    scored, not_applicable = _scored(question, answers)
    maximum = scoring.exact_question_maximum(question)
    percent_of: dict[Fraction, Decimal] = {}
    for _, value in scored:
        if value not in percent_of:
            percent_of[value] = _rounded(value / maximum * 100, _PERCENT_PLACES)
    percents = [percent_of[value] for _, value in scored]
    low = min(percents, default=None)
    high = max(percents, default=None)
    return QuestionDisagreement(
        question=question.key,
        respondents=len(scored) + not_applicable,
        not_applicable=not_applicable,
        min_percent=low,
        max_percent=high,
        spread=None if low is None or high is None else high - low,
        stdev=_stdev(percents) if percents else None,
        distribution=_distribution(question, answers, not_applicable),
    )


def _sections(root: scoring.Section) -> list[tuple[str, list[str]]]:
    """Every section in tree order, with the keys of the questions below it at any depth."""
    found: list[tuple[str, list[str]]] = []

    def visit(section: scoring.Section) -> list[str]:
        below: list[str] = []
        found.append((section.key, below))
        for child in section.children:
            if isinstance(child, scoring.Question):
                below.append(child.key)
            else:
                below += visit(child)
        return below

    visit(root)
    return found


def section_disagreement(
    model: scoring.Model, per_question: Mapping[str, QuestionDisagreement]
) -> dict[str, SectionDisagreement]:
    """Per section (nested ones included, in tree order): the spread of the questions below it
    at any depth that at least two respondents scored. A question missing from `per_question`
    had no respondents."""
    result: dict[str, SectionDisagreement] = {}
    for key, questions in _sections(model.root):
        present = [per_question[question] for question in questions if question in per_question]
        spreads = [item.spread for item in present if item.scored >= 2 and item.spread is not None]
        result[key] = SectionDisagreement(
            section=key,
            questions=len(spreads),
            respondents=max((item.respondents for item in present), default=0),
            mean_spread=(
                _rounded(sum(map(Fraction, spreads), Fraction(0)) / len(spreads), _PERCENT_PLACES)
                if spreads
                else None
            ),
            max_spread=max(spreads, default=None),
        )
    return result


def _conversation_order(item: QuestionDisagreement) -> tuple[Decimal, Decimal, str]:
    assert item.spread is not None and item.stdev is not None
    return -item.spread, -item.stdev, item.question


def needs_conversation(
    items: Iterable[QuestionDisagreement], limit: int = 5
) -> list[QuestionDisagreement]:
    """The questions whose respondents disagree most: at least two scored answers and a spread
    above 0, by spread, then standard deviation (both highest first), then question key; at
    most `limit` of them."""
    if limit < 0:
        raise ValueError(f"limit must not be negative, got {limit}")
    disputed = [
        item for item in items if item.scored >= 2 and item.spread is not None and item.spread > 0
    ]
    return sorted(disputed, key=_conversation_order)[:limit]
