"""The first scoring engine, kept as a test oracle: plain Fraction arithmetic, node by node.

assessments.scoring compiles models and computes over integer pairs for speed; this module is
the slow, obviously-correct version it replaced (engine 1.0 as first released, with the
questionnaire-format constructs added the same plain way: unanswered `skip`, the mean over all
questions, informational sections, section levels and exclusive lower bounds), so
test_scoring_equivalence.py can check that both give the same result on generated models.
Only tests import it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from assessments.scoring import (
    AXES,
    ENGINE_VERSION,
    Aggregation,
    Answer,
    AxisScore,
    LevelMode,
    Model,
    NodeScore,
    Question,
    QuestionType,
    Result,
    ScoringError,
    Section,
    Unanswered,
    _choices,
    _frac,
    _quantize,
    _question_max,
    _walk,
    validate_answer,
    validate_model,
)

_ZERO = Fraction(0)
_CHOICE_TYPES = {QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE, QuestionType.YES_NO}


def _quantize_or_none(value: Fraction | None):
    return None if value is None else _quantize(value)


def _question_score(question: Question, answer: Answer) -> Fraction:
    if question.type in _CHOICE_TYPES:
        values = {choice.key: _frac(choice.value) for choice in _choices(question)}
        picked = [values[key] for key in answer.choices]
        if question.type is QuestionType.MULTIPLE_CHOICE:
            return min(max(sum(picked, _ZERO), _ZERO), _question_max(question))
        return picked[0]
    value = _frac(answer.number)
    if question.bands:
        for band in question.bands:
            if (band.lower is None or value >= _frac(band.lower)) and (
                band.upper is None or value < _frac(band.upper)
            ):
                return _frac(band.value)
        return _ZERO
    if question.linear is not None:
        mapping = question.linear
        from_value, to_value = _frac(mapping.from_value), _frac(mapping.to_value)
        from_score, to_score = _frac(mapping.from_score), _frac(mapping.to_score)
        raw = from_score + (value - from_value) * (to_score - from_score) / (to_value - from_value)
        return min(max(raw, min(from_score, to_score)), max(from_score, to_score))
    return value


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


def _outcome(question: Question, answer: Answer | None, skip: bool) -> _Outcome:
    maximum = _question_max(question)
    if answer is None or answer.is_empty:
        return _Outcome(question, answered=False, score=None if skip else _ZERO, maximum=maximum)
    if answer.not_applicable:
        return _Outcome(question, answered=True, score=None, maximum=maximum)
    return _Outcome(
        question, answered=True, score=_question_score(question, answer), maximum=maximum
    )


def _aggregate(aggregation: Aggregation, parts: list[tuple[Fraction, Fraction]]) -> Fraction:
    """Aggregate (weight, value) pairs; `parts` is never empty."""
    values = [value for _, value in parts]
    if aggregation in (Aggregation.WEIGHTED_MEAN, Aggregation.MEAN_OF_ALL_QUESTIONS):
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
        if node.aggregation is Aggregation.MEAN_OF_ALL_QUESTIONS:
            parts = [(q, tallies[q.key]) for q in _counted_questions(node)]
        else:
            parts = [
                (child, t)
                for child, t in children
                if not (isinstance(child, Section) and child.informational)
            ]
        for child, child_tally in parts:
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


def _counted_questions(section: Section) -> list[Question]:
    found: list[Question] = []
    for child in section.children:
        if isinstance(child, Question):
            found.append(child)
        elif not child.informational:
            found += _counted_questions(child)
    return found


def _meets(level, value: Fraction) -> bool:
    if level.min_score is None:
        return True
    bound = _frac(level.min_score)
    return value > bound if level.min_score_exclusive else value >= bound


def _percent(score: Fraction | None, maximum: Fraction | None) -> Fraction | None:
    if score is None or maximum is None or maximum == 0:
        return None
    return score / maximum * 100


def _node(node: Section | Question, tally: _Tally) -> NodeScore:
    key = node.key
    levels = node.levels if isinstance(node, Section) else ()
    reached = None
    if tally.score is not None:
        for level in levels:
            if _meets(level, tally.score):
                reached = level.key
    return NodeScore(
        key=key,
        score=_quantize_or_none(tally.score),
        max_score=_quantize_or_none(tally.maximum),
        percent=_quantize_or_none(_percent(tally.score, tally.maximum)),
        answered=tally.answered,
        applicable=tally.applicable,
        total=tally.total,
        level=reached,
        has_levels=bool(levels),
        informational=isinstance(node, Section) and node.informational,
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
    if not outcome.answered:
        return False
    if outcome.score is None:
        return True
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
        meets_score = _meets(level, overall)
        if model.level_mode is LevelMode.THRESHOLD:
            if meets_score:
                reached = level.key
            continue
        if not meets_score or level.key in failed:
            break
        reached = level.key
    return reached


def score(model: Model, answers: Mapping[str, Answer], *, detail: bool = True) -> Result:
    errors = validate_model(model)
    if errors:
        raise ScoringError(errors)
    questions = {question.key: question for question in model.questions()}
    for key, answer in answers.items():
        if key not in questions:
            errors.append(f"{key}: answer for a question the model does not have")
        else:
            errors += [f"{key}: {error}" for error in validate_answer(questions[key], answer)]
    if errors:
        raise ScoringError(errors)
    skip: dict[str, bool] = {}
    aside: set[str] = set()

    def policies(section: Section, inherited: Unanswered, informational: bool) -> None:
        policy = section.unanswered or inherited
        for child in section.children:
            if isinstance(child, Question):
                skip[child.key] = (child.unanswered or policy) is Unanswered.SKIP
                if informational:
                    aside.add(child.key)
            else:
                policies(child, policy, informational or child.informational)

    policies(model.root, Unanswered.ZERO, False)
    outcomes = {
        key: _outcome(question, answers.get(key), skip[key]) for key, question in questions.items()
    }
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
            node.key: _node(node, tallies[node.key])
            for _, node in _walk(model.root, model.root.key)
        }
        if detail
        else {},
        breakdowns=_breakdowns(o for k, o in outcomes.items() if k not in aside) if detail else {},
    )
