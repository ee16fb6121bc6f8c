"""Targets: how far a result is from the goals an organisation set, and how far it came.

Pure: figures arrive as plain mappings of percentages (0-100), exact (Fraction or Decimal), and
every figure below is computed from them exactly and rounded once, half up, to 4 places. A
target names a node of the result (the overall score, a section of the tree, or a discipline)
and the percentage the organisation wants to reach there. All figures are percentages of the
node's maximum score, except `percent_to_target` and `progress`, which are shares in percent:

- distance = target - actual, in percentage points, never below 0 (0 means met)
- percent_to_target = actual / target x 100, capped at 100 (a target of 0 is always met)
- change (against the previous submitted result of the same questionnaire) = actual -
  previous, in percentage points, negative when the score fell
- progress = change / (target - previous) x 100: the share of the gap that was closed since
  the previous result, above 100 when the score overshot the target, negative when it fell;
  None when there was no previous result or the target was already met then.

`previous` is the figure stored with that earlier result (4 places): what was reported then.

Targets may also be given as answers: the answer the organisation wants to reach on some
questions. `from_answers` then runs the scoring engine on those answers (every question without
a target answer keeps its current answer, unanswered staying unanswered), so the overall and
section targets that follow are exactly what the engine would score, with the same aggregation,
weights, policies and levels as the result itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from assessments import scoring

_PLACES = Decimal("0.0001")
_HUNDRED = Fraction(100)

# A node of a result: ("overall", "overall"), ("section", key) or ("discipline", slug).
Node = tuple[str, str]
Number = Fraction | Decimal


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
    change: Decimal | None
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
            "change": text(self.change),
            "progress": text(self.progress),
        }


def _q(value: Fraction) -> Decimal:
    """`value` rounded half up to 4 places, from the exact fraction (no double rounding)."""
    scaled = abs(value) * 10_000
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    if 2 * rest >= scaled.denominator:
        whole += 1
    return (Decimal(-whole if value < 0 else whole) / 10_000).quantize(_PLACES, ROUND_HALF_UP)


def quantize(value: Fraction) -> Decimal:
    """A percentage as shown: rounded half up to 4 places, once, from the exact value."""
    return _q(value)


def _q_or_none(value: Fraction | None) -> Decimal | None:
    return None if value is None else _q(value)


def evaluate(
    targets: Mapping[Node, Number],
    actual: Mapping[Node, Number | None],
    previous: Mapping[Node, Number | None] | None = None,
) -> tuple[TargetProgress, ...]:
    """Distance, percent to target, change and progress for every target, in the order given."""
    rows = []
    for (axis, key), target_value in targets.items():
        target = Fraction(target_value)
        now_value = actual.get((axis, key))
        before_value = previous.get((axis, key)) if previous is not None else None
        before = None if before_value is None else Fraction(before_value)
        if now_value is None:
            rows.append(
                TargetProgress(
                    axis, key, _q(target), None, False, None, None, _q_or_none(before), None, None
                )
            )
            continue
        now = Fraction(now_value)
        to_target = _HUNDRED if target <= 0 else min(now / target * _HUNDRED, _HUNDRED)
        change = progress = None
        if before is not None:
            change = now - before
            if target > before:
                progress = change / (target - before) * _HUNDRED
        rows.append(
            TargetProgress(
                axis=axis,
                key=key,
                target=_q(target),
                actual=_q(now),
                met=now >= target,
                distance=_q(max(target - now, Fraction(0))),
                percent_to_target=_q(to_target),
                previous=_q_or_none(before),
                change=_q_or_none(change),
                progress=_q_or_none(progress),
            )
        )
    return tuple(rows)


@dataclass(frozen=True, slots=True)
class AnswerTargets:
    """What target answers lead to, exactly: percentages of each node's maximum."""

    overall: Fraction | None
    level: str | None
    # Every section below the root (the root is `overall`), in tree order; None: excluded.
    sections: dict[str, Fraction | None]

    def nodes(self) -> dict[Node, Fraction]:
        """As targets for `evaluate`: the overall one first, then each section's."""
        found: dict[Node, Fraction] = {}
        if self.overall is not None:
            found[("overall", "overall")] = self.overall
        for key, percent in self.sections.items():
            if percent is not None:
                found[("section", key)] = percent
        return found


def answer_problems(
    model: scoring.Model, target_answers: Mapping[str, scoring.Answer]
) -> dict[str, list[str]]:
    """Why target answers cannot be used, by question key (empty when they can): each must name
    a question of the model and be a real answer to it (not empty, not "not applicable")."""
    questions = {question.key: question for question in model.questions()}
    problems: dict[str, list[str]] = {}
    for key, answer in target_answers.items():
        question = questions.get(key)
        if question is None:
            problems[key] = [f"'{key}' is not a question of this questionnaire"]
        elif answer.not_applicable:
            problems[key] = ["a target answer is an answer to reach, not 'not applicable'"]
        elif answer.is_empty:
            problems[key] = ["a target answer needs choices or a number"]
        else:
            found = scoring.validate_answer(question, answer)
            if found:
                problems[key] = found
    return problems


def from_answers(
    model: scoring.Model,
    current: Mapping[str, scoring.Answer],
    target_answers: Mapping[str, scoring.Answer],
) -> AnswerTargets:
    """The overall and section targets that follow from `target_answers` (checked with
    `answer_problems` first), the rest of the questions keeping their `current` answers."""
    answers = {**current, **target_answers}
    exact = scoring.exact_percents(model, answers)
    brief = scoring.score(model, answers, detail=False)
    root = model.root.key
    keys = _section_keys(model)
    sections = {key: percent for key, percent in exact.nodes.items() if key != root and key in keys}
    return AnswerTargets(overall=exact.nodes.get(root), level=brief.level, sections=sections)


def _section_keys(model: scoring.Model) -> frozenset[str]:
    keys: set[str] = set()
    stack: list[scoring.Section] = [model.root]
    while stack:
        section = stack.pop()
        keys.add(section.key)
        stack += [child for child in section.children if isinstance(child, scoring.Section)]
    return frozenset(keys)
