"""The roadmap: the recommender's ordered steps grouped into stages, and the hindrances they lift.

Pure like the recommender: plain frozen data in (the model, answers and result that were scored,
the ordered recommendations, the organisation's targets), plain data out, no Django.

Steps. Every recommendation (practice or question-level) in the recommender's order, which puts
prerequisites first and then ranks by gain for effort (assessments.recommendations explains the
order and its tie-breakers). Each step also says where the organisation would stand once it and
every step before it were done: the overall percentage and level of a what-if in which all their
questions reach full marks (`overall_after`, `level_after`), and what this step adds in that
sequence (`gain_in_sequence`, which is less than its own `gain` when an earlier step already
lifted a question they share).

Stages. Scores only go up when questions reach full marks, so along the steps the what-if level
and percentages never fall, and each stage ends at the first step where its goal is met:
- "next-level": from the first step to the one after which the what-if reaches the level above
  the current one (absent at the top level; `reached` is false when even every step would not
  get there, for example a gate on a question no step improves);
- "target": the following steps, up to the one after which every target of the assessment is
  met (its level, section and discipline percentages, compared exactly); absent without targets,
  empty when the targets are met by the end of the first stage;
- "later": every remaining step.

Hindrances. For each hindrance tagged on applicable questions and below 100%: its `gap` (100 minus
its percentage) and the overall percentage points `at_stake` if every question tagged with it
reached full marks: the gap weighted by how much those questions count in the overall score.
Ordered by points at stake, then gap, then the order given (the catalogue's), then slug; each
lists the steps that address it, in roadmap order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from assessments import scoring
from assessments.recommendations import Recommendation, Trigger

NEXT_LEVEL = "next-level"
TARGET = "target"
LATER = "later"

_ZERO = Decimal("0.0000")
_HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Goal:
    """An assessment's targets: a level key and percentages per section and discipline."""

    level: str | None = None
    sections: Mapping[str, Decimal] = field(default_factory=dict)
    disciplines: Mapping[str, Decimal] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return self.level is None and not self.sections and not self.disciplines


@dataclass(frozen=True, slots=True)
class Step:
    recommendation: Recommendation
    stage: str
    overall_after: Decimal | None
    level_after: str | None
    gain_in_sequence: Decimal

    @property
    def id(self) -> str:
        return step_id(self.recommendation.kind, self.recommendation.key)

    def to_dict(self) -> dict[str, object]:
        """Every export column (EXPORT_COLUMNS) with its exported value, then the details."""
        item = self.recommendation
        details = item.to_dict()
        return {
            "id": self.id,
            "title": title(item.kind, item.name),
            "description": description(item.done_well, item.triggers),
            "stage": self.stage,
            "priority": item.rank,
            "effort": item.effort,
            "effort_points": item.effort_points,
            "labels": [
                f"stage:{self.stage}",
                f"effort:{item.effort}",
                *item.labels,
                *item.hindrances,
            ],
            "depends_on": [step_id("practice", slug) for slug in item.depends_on],
            "gain": str(item.expected_gain),
            "overall_after": None if self.overall_after is None else str(self.overall_after),
            "level_after": self.level_after,
            "gain_in_sequence": str(self.gain_in_sequence),
            **{
                key: value
                for key, value in details.items()
                if key not in {"rank", "depends_on", "labels", "effort", "effort_points"}
                and key != "expected_gain"
            },
        }


@dataclass(frozen=True, slots=True)
class Stage:
    key: str
    goal: str | None  # the level key to reach, for "next-level"
    reached: bool
    steps: tuple[str, ...]
    overall_after: Decimal | None
    level_after: str | None

    def to_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "goal": self.goal,
            "reached": self.reached,
            "steps": list(self.steps),
            "overall_after": None if self.overall_after is None else str(self.overall_after),
            "level_after": self.level_after,
        }


@dataclass(frozen=True, slots=True)
class HindranceFocus:
    hindrance: str
    name: str
    percent: Decimal
    gap: Decimal
    at_stake: Decimal
    steps: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "hindrance": self.hindrance,
            "name": self.name,
            "percent": str(self.percent),
            "gap": str(self.gap),
            "at_stake": str(self.at_stake),
            "steps": list(self.steps),
        }


@dataclass(frozen=True, slots=True)
class Roadmap:
    overall_percent: Decimal | None
    level: str | None
    stages: tuple[Stage, ...]
    steps: tuple[Step, ...]
    hindrances: tuple[HindranceFocus, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "overall_percent": None if self.overall_percent is None else str(self.overall_percent),
            "level": self.level,
            "stages": [stage.to_dict() for stage in self.stages],
            "steps": [step.to_dict() for step in self.steps],
            "hindrances": [focus.to_dict() for focus in self.hindrances],
        }


def step_id(kind: str, key: str) -> str:
    """A step's stable identifier: the practice slug, or "question-" and the question key."""
    return key if kind == "practice" else f"question-{key}"


def title(kind: str, name: str) -> str:
    return name if kind == "practice" else f"Improve the answer to: {name}"


def description(done_well: str, triggers: Sequence[Trigger]) -> str:
    """What doing it well looks like, then each question's next answer up."""
    lines = [done_well] if done_well else []
    moves = [
        f"- {trigger.text or trigger.question}: from \u201c{trigger.answer}\u201d to "
        f"\u201c{trigger.next_answer}\u201d"
        for trigger in triggers
        if trigger.next_answer
    ]
    if moves:
        lines += ["Next steps:", *moves]
    return "\n".join(lines)


def _level_index(model: scoring.Model, key: str | None) -> int:
    keys = [level.key for level in model.levels]
    return keys.index(key) if key in keys else -1


def _met(
    model: scoring.Model,
    answers: Mapping[str, scoring.Answer],
    group: Sequence[str],
    level: str | None,
    goal: Goal,
) -> bool:
    if goal.level is not None and _level_index(model, level) < _level_index(model, goal.level):
        return False
    if not goal.sections and not goal.disciplines:
        return True
    exact = scoring.exact_percents(model, scoring.with_full_marks(model, answers, group))
    checks = [(exact.nodes.get(key), percent) for key, percent in goal.sections.items()] + [
        (exact.breakdowns.get("disciplines", {}).get(slug), percent)
        for slug, percent in goal.disciplines.items()
    ]
    return all(actual is not None and actual >= Fraction(target) for actual, target in checks)


def _first_met(
    model: scoring.Model,
    answers: Mapping[str, scoring.Answer],
    groups: Sequence[Sequence[str]],
    levels: Sequence[str | None],
    result: scoring.Result,
    goal: Goal,
) -> int | None:
    """The fewest steps after which `goal` is met (0: already), None when never; a binary
    search, as the what-if scores only rise along the steps."""

    def met(count: int) -> bool:
        if count == 0:
            return _met(model, answers, (), result.level, goal)
        return _met(model, answers, groups[count - 1], levels[count - 1], goal)

    if not met(len(groups)):
        return None
    low, high = 0, len(groups)
    while low < high:
        middle = (low + high) // 2
        if met(middle):
            high = middle
        else:
            low = middle + 1
    return low


def build(
    *,
    model: scoring.Model,
    answers: Mapping[str, scoring.Answer],
    result: scoring.Result,
    recommendations: Sequence[Recommendation],
    goal: Goal | None = None,
    hindrance_names: Mapping[str, str] | None = None,
    hindrance_order: Sequence[str] = (),
) -> Roadmap:
    """The roadmap of `recommendations` (all of them, in the recommender's order)."""
    goal = goal or Goal()
    groups: list[list[str]] = []
    done: dict[str, None] = {}
    for item in recommendations:
        done.update(dict.fromkeys(item.questions))
        groups.append(list(done))
    briefs = scoring.score_full_marks(model, answers, groups)
    after = [brief.overall_percent for brief in briefs]
    levels_after = [brief.level for brief in briefs]

    current = _level_index(model, result.level)
    stage_of: list[str] = [LATER] * len(recommendations)
    stages: list[Stage] = []
    end = 0
    if current + 1 < len(model.levels):
        wanted = model.levels[current + 1].key
        reach = next(
            (i + 1 for i, level in enumerate(levels_after) if _level_index(model, level) > current),
            None,
        )
        end = reach if reach is not None else len(recommendations)
        stages.append(
            _stage(
                NEXT_LEVEL,
                wanted,
                reach is not None,
                0,
                end,
                recommendations,
                after,
                levels_after,
                result,
            )
        )
    if not goal.is_empty:
        met = _first_met(model, answers, groups, levels_after, result, goal)
        stop = len(recommendations) if met is None else max(met, end)
        stages.append(
            _stage(
                TARGET,
                goal.level,
                met is not None,
                end,
                stop,
                recommendations,
                after,
                levels_after,
                result,
            )
        )
        end = stop
    if end < len(recommendations):
        stages.append(
            _stage(
                LATER,
                None,
                True,
                end,
                len(recommendations),
                recommendations,
                after,
                levels_after,
                result,
            )
        )
    for stage in stages:
        for index, item in enumerate(recommendations):
            if step_id(item.kind, item.key) in stage.steps:
                stage_of[index] = stage.key

    before: Decimal = result.overall_percent if result.overall_percent is not None else _ZERO
    steps: list[Step] = []
    for index, item in enumerate(recommendations):
        reached = after[index]
        now = reached if reached is not None else _ZERO
        steps.append(Step(item, stage_of[index], after[index], levels_after[index], now - before))
        before = now
    return Roadmap(
        overall_percent=result.overall_percent,
        level=result.level,
        stages=tuple(stages),
        steps=tuple(steps),
        hindrances=_hindrances(
            model, answers, result, steps, hindrance_names or {}, hindrance_order
        ),
    )


def _stage(
    key: str,
    goal: str | None,
    reached: bool,
    start: int,
    stop: int,
    recommendations: Sequence[Recommendation],
    after: Sequence[Decimal | None],
    levels_after: Sequence[str | None],
    result: scoring.Result,
) -> Stage:
    ids = tuple(step_id(item.kind, item.key) for item in recommendations[start:stop])
    # An empty stage ends where the one before it did.
    last = stop - 1 if stop > start else start - 1
    return Stage(
        key=key,
        goal=goal,
        reached=reached,
        steps=ids,
        overall_after=after[last] if last >= 0 else result.overall_percent,
        level_after=levels_after[last] if last >= 0 else result.level,
    )


def _hindrances(
    model: scoring.Model,
    answers: Mapping[str, scoring.Answer],
    result: scoring.Result,
    steps: Sequence[Step],
    names: Mapping[str, str],
    order: Sequence[str],
) -> tuple[HindranceFocus, ...]:
    tallies = result.breakdowns.get("hindrances", {})
    open_gaps = {
        slug: tally.percent
        for slug, tally in tallies.items()
        if tally.percent is not None and tally.percent < _HUNDRED
    }
    slugs = list(open_gaps)
    tagged = [
        [
            q.key
            for q in model.questions()
            if slug in q.hindrances and result.nodes[q.key].score is not None
        ]
        for slug in slugs
    ]
    briefs = scoring.score_full_marks(model, answers, tagged)
    overall = result.overall_percent if result.overall_percent is not None else _ZERO
    position = {slug: index for index, slug in enumerate(order)}
    found = []
    for slug, brief in zip(slugs, briefs, strict=True):
        percent = open_gaps[slug]
        assert percent is not None
        at_stake = (brief.overall_percent or _ZERO) - overall
        found.append(
            HindranceFocus(
                hindrance=slug,
                name=names.get(slug, slug),
                percent=percent,
                gap=_HUNDRED - percent,
                at_stake=at_stake,
                steps=tuple(step.id for step in steps if slug in step.recommendation.hindrances),
            )
        )
    found.sort(
        key=lambda f: (-f.at_stake, -f.gap, position.get(f.hindrance, len(position)), f.hindrance)
    )
    return tuple(found)


EXPORT_COLUMNS = (
    "id",
    "title",
    "description",
    "stage",
    "priority",
    "effort",
    "effort_points",
    "labels",
    "depends_on",
    "gain",
    "overall_after",
)


def export_rows(roadmap: Mapping[str, object]) -> list[dict[str, object]]:
    """A stored roadmap's steps as issue-tracker rows (EXPORT_COLUMNS), in priority order."""
    steps = roadmap.get("steps", [])
    assert isinstance(steps, list)
    return [{column: step.get(column) for column in EXPORT_COLUMNS} for step in steps]
