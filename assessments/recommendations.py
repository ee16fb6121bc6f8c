"""The recommender: which practices to improve next, what that would earn, and which tools help.

Pure like the scoring engine it builds on: it imports only the standard library and
`assessments.scoring`, and the catalogue (practices, tools) arrives as plain frozen data, so it
needs no database, settings or clock. Services pass the same model, answers and result they scored.

Candidates. A practice is a candidate when it is tagged on at least one question of the model, is
known in the catalogue passed in (unknown tags are skipped), and at least one of its applicable
questions is below full marks (unanswered counts as 0, and an optional question left blank triggers
as "left blank (optional, scores 0)"; a question answered "not applicable" is ignored entirely: it
neither triggers nor is improved). "Below full marks" compares the question's
score and maximum as the result reports them.

Relevance. With THRESHOLD levels every candidate is relevant. With GATED levels a candidate is
relevant when one of its questions is gated at the next level or below and fails its gate (as the
result's `failed_gates` records: unanswered fails, not applicable passes). When no candidate is
relevant that way (the next level is blocked only by its min_score, or there is no next level),
every candidate is relevant.

Expected gain. Each relevant practice is scored again as if all its applicable questions had full
marks (`scoring.score_full_marks`); the what-if overall score and level are the practice's
expected_overall and expected_level, and expected_gain = expected_overall - overall (a missing
score counts as 0).

Ranking. Most levels gained first (index of expected_level minus index of the current level; no
level counts as -1), then the largest expected_gain, then questionnaire order (the practice's first
tagged question), then slug. Ranks start at 1; at most `limit` recommendations are returned.

Tools. For each recommended practice, the catalogue tools supporting it, never on the "hold"
ring, not already used by the organisation, and paying off at the target maturity: min_maturity
at most the next level's number (1-based), or the current level's number at the top, clamped to
1..5 because a questionnaire may have more or fewer than five levels. Ordered adopt, trial,
assess, then by min_maturity, name and slug; at most `tools_per_practice`. Tools already used
that support the practice (on any ring) are credited in `already_using` instead.

Hindrances. The practice's own, then those tagged on its triggering questions, each once, in
order of first appearance.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from assessments import scoring

# Stored with every recommendation set; bump it whenever the same inputs would rank differently.
RECOMMENDER_VERSION = "1.0"

_RINGS = ("adopt", "trial", "assess", "hold")

# Lower sorts first; "hold" is absent because it is never recommended.
_RING_ORDER = {"adopt": 0, "trial": 1, "assess": 2}

_MATURITY_RANGE = range(1, 6)

_ZERO = Decimal("0.0000")


@dataclass(frozen=True, slots=True)
class PracticeInfo:
    slug: str
    name: str
    hindrances: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ToolInfo:
    slug: str
    name: str
    ring: str
    # The lowest maturity level (1-based) at which adopting the tool pays off.
    min_maturity: int
    practices: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.ring not in _RINGS:
            raise ValueError(f"tool '{self.slug}': ring '{self.ring}' is not one of {_RINGS}")
        if self.min_maturity not in _MATURITY_RANGE:
            raise ValueError(
                f"tool '{self.slug}': min_maturity {self.min_maturity} is not between 1 and 5"
            )


@dataclass(frozen=True, slots=True)
class Trigger:
    """A question of the practice below full marks, with the answer that keeps it there."""

    question: str
    answer: str
    score: Decimal | None
    max_score: Decimal | None

    def to_dict(self) -> dict[str, object]:
        return {
            "question": self.question,
            "answer": self.answer,
            "score": _str(self.score),
            "max_score": _str(self.max_score),
        }


@dataclass(frozen=True, slots=True)
class ToolSuggestion:
    slug: str
    name: str
    ring: str
    min_maturity: int

    def to_dict(self) -> dict[str, object]:
        return {
            "slug": self.slug,
            "name": self.name,
            "ring": self.ring,
            "min_maturity": self.min_maturity,
        }


@dataclass(frozen=True, slots=True)
class Recommendation:
    rank: int
    practice: str
    practice_name: str
    current_percent: Decimal | None
    expected_overall: Decimal | None
    expected_gain: Decimal
    expected_level: str | None
    hindrances: tuple[str, ...]
    triggers: tuple[Trigger, ...]
    tools: tuple[ToolSuggestion, ...]
    already_using: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready primitives (Decimals as strings), keys in a fixed order."""
        return {
            "rank": self.rank,
            "practice": self.practice,
            "practice_name": self.practice_name,
            "current_percent": _str(self.current_percent),
            "expected_overall": _str(self.expected_overall),
            "expected_gain": str(self.expected_gain),
            "expected_level": self.expected_level,
            "hindrances": list(self.hindrances),
            "triggers": [trigger.to_dict() for trigger in self.triggers],
            "tools": [tool.to_dict() for tool in self.tools],
            "already_using": list(self.already_using),
        }


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def render_answer(question: scoring.Question, answer: scoring.Answer | None) -> str:
    """A short human-readable rendering of `answer` to `question`."""
    if answer is None or answer.is_empty:
        # An optional question may be left blank, and then scores 0 like any unanswered one.
        return "unanswered" if question.required else "left blank (optional, scores 0)"
    if answer.not_applicable:
        return "not applicable"
    if answer.number is not None:
        return str(answer.number)
    labels = {choice.key: choice.label or choice.key for choice in scoring.answer_choices(question)}
    # Declared order, so the same selection always reads the same.
    order = {key: position for position, key in enumerate(labels)}
    picked = sorted(answer.choices, key=lambda key: order.get(key, len(order)))
    return ", ".join(labels.get(key, key) for key in picked)


@dataclass(frozen=True, slots=True)
class _Candidate:
    slug: str
    info: PracticeInfo
    position: int
    questions: tuple[scoring.Question, ...]
    applicable: tuple[scoring.Question, ...]
    triggering: tuple[scoring.Question, ...]


@dataclass(frozen=True, slots=True)
class _Ranked:
    candidate: _Candidate
    what_if: scoring.Result
    level_gain: int
    gain: Decimal


def _level_index(levels: Sequence[str], key: str | None) -> int:
    if key is None:
        return -1
    if key not in levels:
        raise ValueError(f"level '{key}' is not one of the model's levels")
    return levels.index(key)


def _candidates(
    questions: Sequence[scoring.Question],
    result: scoring.Result,
    practices: Mapping[str, PracticeInfo],
) -> list[_Candidate]:
    tagged: dict[str, list[tuple[int, scoring.Question]]] = {}
    for position, question in enumerate(questions):
        for slug in dict.fromkeys(question.practices):
            if slug in practices:
                tagged.setdefault(slug, []).append((position, question))
    candidates: list[_Candidate] = []
    for slug, members in tagged.items():
        own = tuple(question for _, question in members)
        applicable = tuple(q for q in own if result.nodes[q.key].score is not None)
        triggering = tuple(q for q in applicable if _below_full_marks(result.nodes[q.key]))
        if triggering:
            candidates.append(
                _Candidate(slug, practices[slug], members[0][0], own, applicable, triggering)
            )
    return candidates


def _below_full_marks(node: scoring.NodeScore) -> bool:
    return node.score is not None and node.max_score is not None and node.score < node.max_score


def _relevant(
    model: scoring.Model,
    result: scoring.Result,
    candidates: list[_Candidate],
    next_index: int | None,
) -> list[_Candidate]:
    if model.level_mode is scoring.LevelMode.THRESHOLD or next_index is None:
        return candidates
    blocking = {
        key
        for level in model.levels[: next_index + 1]
        for key in result.failed_gates.get(level.key, ())
    }
    gated = [c for c in candidates if any(q.key in blocking for q in c.questions)]
    return gated or candidates


def _tools(
    slug: str,
    tools: Sequence[ToolInfo],
    used: frozenset[str],
    target: int,
    limit: int,
) -> tuple[tuple[ToolSuggestion, ...], tuple[str, ...]]:
    supporting = [tool for tool in tools if slug in tool.practices]
    fitting = sorted(
        (
            tool
            for tool in supporting
            if tool.ring != "hold" and tool.slug not in used and tool.min_maturity <= target
        ),
        key=lambda tool: (_RING_ORDER[tool.ring], tool.min_maturity, tool.name, tool.slug),
    )
    suggestions = tuple(
        ToolSuggestion(tool.slug, tool.name, tool.ring, tool.min_maturity)
        for tool in fitting[:limit]
    )
    already = tuple(sorted({tool.slug for tool in supporting if tool.slug in used}))
    return suggestions, already


def _hindrances(candidate: _Candidate) -> tuple[str, ...]:
    tags = [*candidate.info.hindrances]
    for question in candidate.triggering:
        tags += question.hindrances
    return tuple(dict.fromkeys(tags))


def recommend(
    *,
    model: scoring.Model,
    answers: Mapping[str, scoring.Answer],
    result: scoring.Result,
    practices: Mapping[str, PracticeInfo],
    tools: Sequence[ToolInfo],
    used_tools: Collection[str] = (),
    limit: int = 10,
    tools_per_practice: int = 3,
) -> tuple[Recommendation, ...]:
    """Rank the practices worth improving for `result` (the score of `answers` against `model`).

    `practices` is keyed by practice slug. Raises ValueError when `result` does not belong to
    `model` or a limit is negative, and scoring.ScoringError when the model or answers cannot be
    scored.
    """
    if limit < 0 or tools_per_practice < 0:
        raise ValueError("limit and tools_per_practice must not be negative")
    questions = tuple(model.questions())
    missing = [question.key for question in questions if question.key not in result.nodes]
    if missing:
        raise ValueError(f"the result has no score for question(s): {', '.join(missing)}")
    levels = [level.key for level in model.levels]
    current = _level_index(levels, result.level)
    next_index = current + 1 if current + 1 < len(levels) else None
    target = (next_index if next_index is not None else current) + 1
    target = min(max(target, _MATURITY_RANGE.start), _MATURITY_RANGE.stop - 1)

    overall = result.overall if result.overall is not None else _ZERO
    ranked: list[_Ranked] = []
    candidates = _candidates(questions, result, practices)
    relevant = _relevant(model, result, candidates, next_index)
    what_ifs = scoring.score_full_marks(
        model, answers, [[question.key for question in c.applicable] for c in relevant]
    )
    for candidate, what_if in zip(relevant, what_ifs, strict=True):
        expected = what_if.overall if what_if.overall is not None else _ZERO
        level_gain = _level_index(levels, what_if.level) - current
        ranked.append(_Ranked(candidate, what_if, level_gain, expected - overall))
    ranked.sort(key=lambda r: (-r.level_gain, -r.gain, r.candidate.position, r.candidate.slug))

    used = frozenset(used_tools)
    breakdown = result.breakdowns.get("practices", {})
    recommendations: list[Recommendation] = []
    for rank, entry in enumerate(ranked[:limit], start=1):
        candidate = entry.candidate
        suggestions, already = _tools(candidate.slug, tools, used, target, tools_per_practice)
        tally = breakdown.get(candidate.slug)
        recommendations.append(
            Recommendation(
                rank=rank,
                practice=candidate.slug,
                practice_name=candidate.info.name,
                current_percent=None if tally is None else tally.percent,
                expected_overall=entry.what_if.overall,
                expected_gain=entry.gain,
                expected_level=entry.what_if.level,
                hindrances=_hindrances(candidate),
                triggers=tuple(
                    Trigger(
                        question=question.key,
                        answer=render_answer(question, answers.get(question.key)),
                        score=result.nodes[question.key].score,
                        max_score=result.nodes[question.key].max_score,
                    )
                    for question in candidate.triggering
                ),
                tools=suggestions,
                already_using=already,
            )
        )
    return tuple(recommendations)
