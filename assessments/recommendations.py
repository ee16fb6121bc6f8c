"""The recommender: which practices (and untagged questions) to improve next, in what order,
what that would earn, and which tools help.

Pure like the scoring engine it builds on: it imports only the standard library and
`assessments.scoring`, and the catalogue (practices, tools) and the questions' wording arrive as
plain frozen data, so it needs no database, settings or clock. Services pass the same model,
answers and result they scored.

Candidates. A practice is a candidate when it is tagged on at least one question of the model, is
known in the catalogue passed in (unknown tags are skipped), and at least one of its applicable
questions is below full marks (unanswered counts as 0, and an optional question left blank triggers
as "left blank (optional, scores 0)"; a question answered "not applicable" is ignored entirely: it
neither triggers nor is improved). A question below full marks that carries no known practice is
a candidate of its own (a question-level recommendation, kind "question"), so nothing a
questionnaire asks is left without advice. "Below full marks" compares the question's score and
maximum as the result reports them.

Relevance. With THRESHOLD levels every candidate is relevant. With GATED levels a candidate is
relevant when one of its questions is gated at the next level or below and fails its gate (as the
result's `failed_gates` records: unanswered fails, not applicable passes). When no candidate is
relevant that way (the next level is blocked only by its min_score, or there is no next level),
every candidate is relevant.

Expected gain. Each relevant candidate is scored again as if all its applicable questions had full
marks (`scoring.score_full_marks`), on its own; the what-if overall percentage and level are its
expected_percent and expected_level, and expected_gain = expected_percent - overall percent, in
percentage points (a missing score counts as 0). Every figure is a percentage (0-100) or a
difference of percentages: no figure is on the engine's raw score scale.

Effort. A practice's effort in points (1 small, 2 medium, 4 large) from the catalogue; a
question-level candidate counts as medium (2). gain_per_point = expected_gain / effort points.

Order (the roadmap order; `rank` is the position in it). Repeatedly: take the best unplaced
candidate by the priority below; while it requires a practice that is also a candidate and not yet
placed, move to the best such prerequisite; place that one. So a practice never precedes one it
requires when both are recommended, and a valuable step pulls its prerequisites forward instead of
waiting behind them. Priority, each a tie-breaker of the ones before:
  1. the more levels it gains on its own (index of expected_level minus that of the current
     level; no level counts as -1): a step that alone unlocks the next level comes first;
  2. the larger gain_per_point (gain for effort);
  3. the larger expected_gain (of two equally efficient steps, the bigger one);
  4. the more candidates that require it, directly or through others (it unblocks more work);
  5. the lower current percentage of the practice or question (the weaker one first);
  6. questionnaire order (the candidate's first question in the form);
  7. kind (a practice before a question), then the slug or question key.
Only (7) can separate two candidates whose figures are all equal: they are truly tied.

Next steps. For every triggering question, the next answer up, in the question's own words: the
choice with the lowest value above the current score (declared order breaks ties; for select-all
questions, the best choice not yet selected), the band with the lowest score above the current
one (its label and range, with the unit), or on a linear scale the next quarter of the scale
("4 of 5", "50%", "12 hours"). With the question's percentage now and at that step.

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
from dataclasses import dataclass, field, replace
from decimal import Decimal

from assessments import scoring

# Stored with every recommendation set; bump it whenever the same inputs would rank differently.
# 2.0: figures as percentages, effort and prerequisites, next steps, question-level candidates.
RECOMMENDER_VERSION = "2.0"

_RINGS = ("adopt", "trial", "assess", "hold")

# Lower sorts first; "hold" is absent because it is never recommended.
_RING_ORDER = {"adopt": 0, "trial": 1, "assess": 2}

_MATURITY_RANGE = range(1, 6)

EFFORTS = {1: "small", 2: "medium", 4: "large"}
QUESTION_EFFORT = 2

_ZERO = Decimal("0.0000")
_PLACES = Decimal("0.0001")
_HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class PracticeInfo:
    slug: str
    name: str
    hindrances: tuple[str, ...] = ()
    done_well: str = ""
    # Effort in points: 1 small, 2 medium, 4 large.
    effort: int = QUESTION_EFFORT
    prerequisites: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.effort not in EFFORTS:
            raise ValueError(f"practice '{self.slug}': effort {self.effort} is not 1, 2 or 4")


@dataclass(frozen=True, slots=True)
class QuestionInfo:
    """How a question reads: what the engine's Question does not carry."""

    key: str
    text: str = ""
    unit: str = ""
    # The label of each of the question's bands, in the bands' order ("" when unlabelled).
    band_labels: tuple[str, ...] = ()


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
    """A question below full marks, the answer that keeps it there, and the next answer up."""

    question: str
    text: str
    answer: str
    percent: Decimal | None
    next_answer: str
    next_percent: Decimal | None

    def to_dict(self) -> dict[str, object]:
        return {
            "question": self.question,
            "text": self.text,
            "answer": self.answer,
            "percent": _str(self.percent),
            "next_answer": self.next_answer,
            "next_percent": _str(self.next_percent),
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
    kind: str  # "practice" or "question"
    key: str  # the practice slug, or the question key of a question-level recommendation
    name: str
    done_well: str
    effort_points: int
    current_percent: Decimal | None
    expected_percent: Decimal | None
    expected_gain: Decimal
    gain_per_point: Decimal
    expected_level: str | None
    hindrances: tuple[str, ...]
    triggers: tuple[Trigger, ...]
    tools: tuple[ToolSuggestion, ...]
    already_using: tuple[str, ...]
    # The recommended practices it requires (placed before it), and all it requires.
    depends_on: tuple[str, ...] = ()
    prerequisites: tuple[str, ...] = ()
    # Disciplines and phases of its questions, in questionnaire order.
    labels: tuple[str, ...] = ()
    # Every applicable question it would bring to full marks.
    questions: tuple[str, ...] = field(default=(), repr=False)

    @property
    def practice(self) -> str | None:
        return self.key if self.kind == "practice" else None

    @property
    def effort(self) -> str:
        return EFFORTS[self.effort_points]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready primitives (Decimals as strings), keys in a fixed order."""
        return {
            "rank": self.rank,
            "kind": self.kind,
            "key": self.key,
            "practice": self.practice,
            "name": self.name,
            "done_well": self.done_well,
            "effort": self.effort,
            "effort_points": self.effort_points,
            "depends_on": list(self.depends_on),
            "prerequisites": list(self.prerequisites),
            "current_percent": _str(self.current_percent),
            "expected_percent": _str(self.expected_percent),
            "expected_gain": str(self.expected_gain),
            "gain_per_point": str(self.gain_per_point),
            "expected_level": self.expected_level,
            "labels": list(self.labels),
            "hindrances": list(self.hindrances),
            "triggers": [trigger.to_dict() for trigger in self.triggers],
            "tools": [tool.to_dict() for tool in self.tools],
            "already_using": list(self.already_using),
        }


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# --- answers in words ----------------------------------------------------------------------------


def number_text(value: Decimal) -> str:
    """48, 12.5, 0.25: never 48.0000 nor 4.8E+1."""
    text = f"{value.normalize():f}"
    return text


def quantity_text(question: scoring.Question, value: Decimal, unit: str = "") -> str:
    """A number as the question measures it: "48 hours", "30%", "2 of 5" on a 1-5 scale."""
    shown = number_text(value)
    if unit:
        return f"{shown}{unit}" if unit == "%" else f"{shown} {unit}"
    if question.type is scoring.QuestionType.PERCENTAGE:
        return f"{shown}%"
    if question.type is scoring.QuestionType.SCALE:
        top = _scale_top(question)
        if top is not None:
            return f"{shown} of {number_text(top)}"
    return shown


def _scale_top(question: scoring.Question) -> Decimal | None:
    if question.max_value is not None:
        return question.max_value
    if question.linear is not None:
        return max(question.linear.from_value, question.linear.to_value)
    return None


def render_answer(question: scoring.Question, answer: scoring.Answer | None, unit: str = "") -> str:
    """A short human-readable rendering of `answer` to `question`, numbers with their unit."""
    if answer is None or answer.is_empty:
        # An optional question may be left blank, and then scores 0 like any unanswered one.
        return "unanswered" if question.required else "left blank (optional, scores 0)"
    if answer.not_applicable:
        return "not applicable"
    if answer.score is not None:
        # Derived from several respondents' answers, or agreed on: a score, not a choice.
        maximum = scoring.question_maximum(question)
        return f"score {number_text(answer.score)} of {number_text(maximum)}"
    if answer.number is not None:
        return quantity_text(question, answer.number, unit)
    labels = {choice.key: choice.label or choice.key for choice in scoring.answer_choices(question)}
    # Declared order, so the same selection always reads the same.
    order = {key: position for position, key in enumerate(labels)}
    picked = sorted(answer.choices, key=lambda key: order.get(key, len(order)))
    return ", ".join(labels.get(key, key) for key in picked)


def _percent(score: Decimal, maximum: Decimal | None) -> Decimal | None:
    if not maximum:
        return None
    return (min(score, maximum) / maximum * _HUNDRED).quantize(_PLACES)


def _band_range(band: scoring.Band, question: scoring.Question, unit: str) -> str:
    def q(value: Decimal) -> str:
        return quantity_text(question, value, unit)

    if band.lower is None and band.upper is not None:
        return f"under {q(band.upper)}"
    if band.upper is None and band.lower is not None:
        return f"{q(band.lower)} or more"
    if band.lower is not None and band.upper is not None:
        # "1 to under 24 hours", but "5% to under 15%" as people write percentages.
        low = q(band.lower) if q(band.lower).endswith("%") else number_text(band.lower)
        return f"{low} to under {q(band.upper)}"
    return "any value"


def _linear_score(linear: scoring.LinearMapping, value: Decimal) -> Decimal:
    span = linear.to_value - linear.from_value
    share = (value - linear.from_value) / span if span else Decimal(1)
    score = linear.from_score + share * (linear.to_score - linear.from_score)
    low, high = sorted((linear.from_score, linear.to_score))
    return min(max(score, low), high)


def next_step(
    question: scoring.Question,
    info: QuestionInfo,
    answer: scoring.Answer | None,
    score: Decimal,
    maximum: Decimal | None,
) -> tuple[str, Decimal | None]:
    """The next answer up from `score` in the question's words, and its percentage."""
    unit = info.unit
    if question.type is scoring.QuestionType.MULTIPLE_CHOICE:
        chosen = set(answer.choices) if answer is not None else set()
        missing = [c for c in question.choices if c.value > 0 and c.key not in chosen]
        if not missing:
            return "", None
        best = max(missing, key=lambda c: c.value)  # max keeps the first of equal values
        text = best.label or best.key
        if chosen - {scoring.NONE_CHOICE}:
            text = f"also {text}"
        return text, _percent(score + best.value, maximum)
    if question.type in (scoring.QuestionType.SINGLE_CHOICE, scoring.QuestionType.YES_NO):
        above = [c for c in scoring.answer_choices(question) if c.value > score]
        if not above:
            return "", None
        step = min(above, key=lambda c: c.value)  # min keeps the first of equal values
        return step.label or step.key, _percent(step.value, maximum)
    if question.bands:
        labels = info.band_labels
        bands_above = [
            (band.value, index, band)
            for index, band in enumerate(question.bands)
            if band.value > score
        ]
        if not bands_above:
            return "", None
        value, index, band = min(bands_above, key=lambda item: (item[0], item[1]))
        label = labels[index] if index < len(labels) else ""
        span = _band_range(band, question, unit)
        if not label or span in label:
            return label or span, _percent(value, maximum)
        return f"{label} ({span})", _percent(value, maximum)
    if question.linear is not None:
        linear = question.linear
        # The scale in quarters from one end to the other; the lowest-scoring point grid_above now.
        grid = [
            linear.from_value + (linear.to_value - linear.from_value) * quarter / 4
            for quarter in range(5)
        ]
        grid_above = [
            (stepped, quarter, value)
            for quarter, value in enumerate(grid)
            if (stepped := _linear_score(linear, value)) > score
        ]
        if not grid_above:
            return "", None
        stepped, _, value = min(grid_above)
        return quantity_text(question, value, unit), _percent(stepped, maximum)
    if maximum is not None and maximum > score:
        return quantity_text(question, maximum, unit), _percent(maximum, maximum)
    return "", None


# --- candidates and their order ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Candidate:
    kind: str
    key: str
    name: str
    info: PracticeInfo | None
    position: int
    questions: tuple[scoring.Question, ...]
    applicable: tuple[scoring.Question, ...]
    triggering: tuple[scoring.Question, ...]

    @property
    def effort(self) -> int:
        return self.info.effort if self.info is not None else QUESTION_EFFORT


@dataclass(frozen=True, slots=True)
class _Ranked:
    candidate: _Candidate
    what_if: scoring.Result
    gain: Decimal
    per_point: Decimal
    current: Decimal | None
    level_gain: int
    dependants: int = 0

    def priority(self) -> tuple[object, ...]:
        """Lower sorts first; see the module docstring for what each part means."""
        current = self.current if self.current is not None else Decimal(-1)
        return (
            -self.level_gain,
            -self.per_point,
            -self.gain,
            -self.dependants,
            current,
            self.candidate.position,
            self.candidate.kind != "practice",
            self.candidate.key,
        )


def _level_index(levels: Sequence[str], key: str | None) -> int:
    if key is None:
        return -1
    if key not in levels:
        raise ValueError(f"level '{key}' is not one of the model's levels")
    return levels.index(key)


def _below_full_marks(node: scoring.NodeScore) -> bool:
    return node.score is not None and node.max_score is not None and node.score < node.max_score


def _candidates(
    questions: Sequence[scoring.Question],
    result: scoring.Result,
    practices: Mapping[str, PracticeInfo],
    infos: Mapping[str, QuestionInfo],
) -> list[_Candidate]:
    tagged: dict[str, list[tuple[int, scoring.Question]]] = {}
    untagged: list[tuple[int, scoring.Question]] = []
    for position, question in enumerate(questions):
        known = [slug for slug in dict.fromkeys(question.practices) if slug in practices]
        for slug in known:
            tagged.setdefault(slug, []).append((position, question))
        if not known:
            untagged.append((position, question))
    candidates: list[_Candidate] = []
    for slug, members in tagged.items():
        own = tuple(question for _, question in members)
        applicable = tuple(q for q in own if result.nodes[q.key].score is not None)
        triggering = tuple(q for q in applicable if _below_full_marks(result.nodes[q.key]))
        if triggering:
            info = practices[slug]
            candidates.append(
                _Candidate(
                    "practice", slug, info.name, info, members[0][0], own, applicable, triggering
                )
            )
    for position, question in untagged:
        if _below_full_marks(result.nodes[question.key]):
            info_text = infos.get(question.key)
            name = info_text.text if info_text and info_text.text else question.key
            one = (question,)
            candidates.append(
                _Candidate("question", question.key, name, None, position, one, one, one)
            )
    return candidates


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


def _requirements(ranked: Sequence[_Ranked]) -> dict[str, tuple[str, ...]]:
    """Practice slug -> the practices among the candidates it requires directly."""
    present = {r.candidate.key for r in ranked if r.candidate.kind == "practice"}
    return {
        r.candidate.key: tuple(
            slug
            for slug in dict.fromkeys(r.candidate.info.prerequisites)
            if slug in present and slug != r.candidate.key
        )
        for r in ranked
        if r.candidate.info is not None
    }


def _dependants(requires: Mapping[str, tuple[str, ...]]) -> dict[str, int]:
    """Practice slug -> how many candidates require it, directly or through others."""
    required_by: dict[str, set[str]] = {}
    for slug, needs in requires.items():
        for need in needs:
            required_by.setdefault(need, set()).add(slug)
    counts: dict[str, int] = {}
    for slug in requires:
        seen: set[str] = set()
        todo = list(required_by.get(slug, ()))
        while todo:
            other = todo.pop()
            if other not in seen and other != slug:
                seen.add(other)
                todo.extend(required_by.get(other, ()))
        counts[slug] = len(seen)
    return counts


def _in_order(ranked: list[_Ranked], requires: Mapping[str, tuple[str, ...]]) -> list[_Ranked]:
    """Best first, but never before a prerequisite that is also a candidate."""
    by_key = {(r.candidate.kind, r.candidate.key): r for r in ranked}
    unplaced = sorted(ranked, key=_Ranked.priority)
    placed: set[str] = set()
    ordered: list[_Ranked] = []
    while unplaced:
        step = unplaced[0]
        seen: set[str] = set()
        while True:
            waiting = [
                by_key[("practice", slug)]
                for slug in requires.get(step.candidate.key, ())
                if step.candidate.kind == "practice" and slug not in placed
            ]
            # The graph has no cycles (the catalogue refuses them); `seen` guards regardless.
            if not waiting or step.candidate.key in seen:
                break
            seen.add(step.candidate.key)
            step = min(waiting, key=_Ranked.priority)
        ordered.append(step)
        unplaced.remove(step)
        if step.candidate.kind == "practice":
            placed.add(step.candidate.key)
    return ordered


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
    tags = [*(candidate.info.hindrances if candidate.info is not None else ())]
    for question in candidate.triggering:
        tags += question.hindrances
    return tuple(dict.fromkeys(tags))


def _labels(candidate: _Candidate) -> tuple[str, ...]:
    tags: list[str] = []
    for question in candidate.questions:
        tags += question.disciplines
    for question in candidate.questions:
        tags += question.phases
    return tuple(dict.fromkeys(tags))


def _trigger(
    question: scoring.Question,
    answers: Mapping[str, scoring.Answer],
    node: scoring.NodeScore,
    infos: Mapping[str, QuestionInfo],
) -> Trigger:
    info = infos.get(question.key) or QuestionInfo(question.key)
    answer = answers.get(question.key)
    score = node.score if node.score is not None else _ZERO
    following, following_percent = next_step(question, info, answer, score, node.max_score)
    return Trigger(
        question=question.key,
        text=info.text,
        answer=render_answer(question, answer, info.unit),
        percent=node.percent,
        next_answer=following,
        next_percent=following_percent,
    )


def recommend(
    *,
    model: scoring.Model,
    answers: Mapping[str, scoring.Answer],
    result: scoring.Result,
    practices: Mapping[str, PracticeInfo],
    tools: Sequence[ToolInfo],
    used_tools: Collection[str] = (),
    questions: Mapping[str, QuestionInfo] | None = None,
    limit: int | None = 10,
    tools_per_practice: int = 3,
) -> tuple[Recommendation, ...]:
    """Order the practices and untagged questions worth improving for `result` (the score of
    `answers` against `model`); the first `limit` of them (all with limit=None).

    `practices` is keyed by practice slug, `questions` (how questions read) by question key.
    Raises ValueError when `result` does not belong to `model` or a limit is negative, and
    scoring.ScoringError when the model or answers cannot be scored.
    """
    if (limit is not None and limit < 0) or tools_per_practice < 0:
        raise ValueError("limit and tools_per_practice must not be negative")
    infos = questions or {}
    all_questions = tuple(model.questions())
    missing = [question.key for question in all_questions if question.key not in result.nodes]
    if missing:
        raise ValueError(f"the result has no score for question(s): {', '.join(missing)}")
    levels = [level.key for level in model.levels]
    current = _level_index(levels, result.level)
    next_index = current + 1 if current + 1 < len(levels) else None
    target = (next_index if next_index is not None else current) + 1
    target = min(max(target, _MATURITY_RANGE.start), _MATURITY_RANGE.stop - 1)

    overall = result.overall_percent if result.overall_percent is not None else _ZERO
    candidates = _candidates(all_questions, result, practices, infos)
    relevant = _relevant(model, result, candidates, next_index)
    what_ifs = scoring.score_full_marks(
        model, answers, [[question.key for question in c.applicable] for c in relevant]
    )
    breakdown = result.breakdowns.get("practices", {})
    ranked: list[_Ranked] = []
    for candidate, what_if in zip(relevant, what_ifs, strict=True):
        expected = what_if.overall_percent if what_if.overall_percent is not None else _ZERO
        gain = expected - overall
        if candidate.kind == "practice":
            tally = breakdown.get(candidate.key)
            now = None if tally is None else tally.percent
        else:
            now = result.nodes[candidate.key].percent
        per_point = (gain / candidate.effort).quantize(_PLACES)
        level_gain = _level_index(levels, what_if.level) - current
        ranked.append(_Ranked(candidate, what_if, gain, per_point, now, level_gain))
    requires = _requirements(ranked)
    dependants = _dependants(requires)
    ranked = [replace(r, dependants=dependants.get(r.candidate.key, 0)) for r in ranked]
    ordered = _in_order(ranked, requires)

    used = frozenset(used_tools)
    recommendations: list[Recommendation] = []
    chosen = ordered if limit is None else ordered[:limit]
    for rank, entry in enumerate(chosen, start=1):
        candidate = entry.candidate
        suggestions: tuple[ToolSuggestion, ...] = ()
        already: tuple[str, ...] = ()
        if candidate.kind == "practice":
            suggestions, already = _tools(candidate.key, tools, used, target, tools_per_practice)
        info = candidate.info
        recommendations.append(
            Recommendation(
                rank=rank,
                kind=candidate.kind,
                key=candidate.key,
                name=candidate.name,
                done_well=info.done_well if info is not None else "",
                effort_points=candidate.effort,
                current_percent=entry.current,
                expected_percent=entry.what_if.overall_percent,
                expected_gain=entry.gain,
                gain_per_point=entry.per_point,
                expected_level=entry.what_if.level,
                hindrances=_hindrances(candidate),
                triggers=tuple(
                    _trigger(question, answers, result.nodes[question.key], infos)
                    for question in candidate.triggering
                ),
                tools=suggestions,
                already_using=already,
                depends_on=requires.get(candidate.key, ()) if info is not None else (),
                prerequisites=info.prerequisites if info is not None else (),
                labels=_labels(candidate),
                questions=tuple(question.key for question in candidate.applicable),
            )
        )
    return tuple(recommendations)
