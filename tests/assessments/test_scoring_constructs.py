"""The questionnaire-format constructs of published models, in the pure engine: unanswered
`skip`, the mean over all questions, informational sections, section levels and exclusive
level bounds, alone and together. Every figure computed by hand. No database, no Django."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from assessments import targets
from assessments.scoring import (
    Aggregation,
    Answer,
    Level,
    LevelMode,
    Model,
    Question,
    QuestionType,
    Section,
    Unanswered,
    score,
    score_full_marks,
    validate_model,
)

D = Decimal
SKIP, ZERO = Unanswered.SKIP, Unanswered.ZERO
ALL = Aggregation.MEAN_OF_ALL_QUESTIONS


def yes_no(key: str, **options: Any) -> Question:
    return Question(key, QuestionType.YES_NO, **options)


def raw(key: str, high: str = "4", **options: Any) -> Question:
    """A raw-scored 0..high scale: the number answered is the score."""
    return Question(key, QuestionType.SCALE, min_value=D(0), max_value=D(high), **options)


def yes(key: str) -> Answer:
    return Answer(key, ("yes",))


def no(key: str) -> Answer:
    return Answer(key, ("no",))


def num(key: str, value: str) -> Answer:
    return Answer(key, number=D(value))


def given(*answers: Answer) -> dict[str, Answer]:
    return {answer.question: answer for answer in answers}


def figures(result: Any, key: str) -> tuple[str | None, str | None, str | None, int, int]:
    node = result.nodes[key]
    return (
        None if node.score is None else str(node.score),
        None if node.max_score is None else str(node.max_score),
        None if node.percent is None else str(node.percent),
        node.answered,
        node.applicable,
    )


# --- unanswered: zero or skip ------------------------------------------------------------------


def two_questions(root: dict[str, Any], a: dict[str, Any], b: dict[str, Any]) -> Model:
    return Model(Section("root", children=(yes_no("a", **a), yes_no("b", **b)), **root))


@pytest.mark.parametrize(
    ("root", "b", "overall_percent", "b_figures"),
    [
        # Default: b unanswered scores 0 -> (1 + 0) / 2.
        ({}, {}, "50.0000", ("0.0000", "1.0000", "0.0000", 0, 1)),
        # b declares skip: it leaves the denominator -> 1 / 1.
        ({}, {"unanswered": SKIP}, "100.0000", (None, None, None, 0, 0)),
        # Inherited from the root.
        ({"unanswered": SKIP}, {}, "100.0000", (None, None, None, 0, 0)),
        # The question's own policy wins over the section's.
        (
            {"unanswered": SKIP},
            {"unanswered": ZERO},
            "50.0000",
            ("0.0000", "1.0000", "0.0000", 0, 1),
        ),
    ],
)
def test_an_unanswered_question_scores_0_or_leaves_its_section_as_declared(
    root: dict[str, Any],
    b: dict[str, Any],
    overall_percent: str,
    b_figures: tuple[Any, ...],
) -> None:
    result = score(two_questions(root, {}, b), given(yes("a")))
    assert str(result.overall_percent) == overall_percent
    assert figures(result, "b") == b_figures
    # The root still counts both questions; one was answered.
    assert result.nodes["root"].answered == 1
    assert result.nodes["root"].total == 2


def test_the_policy_is_inherited_through_nested_sections_and_overridden_below() -> None:
    # root (skip) > outer (zero) > inner (inherits zero) > q2 unanswered scores 0;
    # root > other (inherits skip) > q4 unanswered is left out.
    model = Model(
        Section(
            "root",
            unanswered=SKIP,
            children=(
                Section(
                    "outer",
                    unanswered=ZERO,
                    children=(yes_no("q1"), Section("inner", children=(yes_no("q2"),))),
                ),
                Section("other", children=(yes_no("q3"), yes_no("q4"))),
            ),
        )
    )
    result = score(model, given(yes("q1"), yes("q3")))
    # outer = mean(q1 1, inner 0) = 0.5; other = q3 alone = 1; root = (0.5 + 1) / 2 = 0.75.
    assert figures(result, "inner") == ("0.0000", "1.0000", "0.0000", 0, 1)
    assert figures(result, "outer") == ("0.5000", "1.0000", "50.0000", 1, 2)
    assert figures(result, "other") == ("1.0000", "1.0000", "100.0000", 1, 1)
    assert str(result.overall) == "0.7500"


def test_a_section_whose_questions_are_all_skipped_leaves_its_parent_too() -> None:
    model = Model(
        Section(
            "root",
            unanswered=SKIP,
            children=(
                Section("s1", children=(yes_no("a"),)),
                Section("s2", children=(yes_no("b"),)),
            ),
        ),
        levels=(Level("low", "Low", D(0)),),
    )
    result = score(model, given(no("a")))
    assert figures(result, "s2") == (None, None, None, 0, 0)
    assert str(result.overall_percent) == "0.0000"  # only s1 counts
    nothing = score(model, {})
    assert nothing.overall is None and nothing.overall_percent is None and nothing.level is None


def test_skip_and_not_applicable_leave_the_denominator_alike() -> None:
    model = Model(
        Section(
            "root",
            unanswered=SKIP,
            children=(yes_no("a"), yes_no("b", allow_not_applicable=True), yes_no("c")),
        )
    )
    # a yes, b n/a, c unanswered (skip) -> 1 / 1; answered counts a and b (n/a is an answer).
    result = score(model, given(yes("a"), Answer("b", not_applicable=True)))
    assert figures(result, "root") == ("1.0000", "1.0000", "100.0000", 2, 1)


def test_a_skipped_unanswered_gate_question_still_fails_its_gate() -> None:
    model = Model(
        Section("root", unanswered=SKIP, children=(yes_no("a"), yes_no("b", level_gate="two"))),
        levels=(Level("one", "One"), Level("two", "Two")),
        level_mode=LevelMode.GATED,
    )
    result = score(model, given(yes("a")))
    assert str(result.overall_percent) == "100.0000"
    assert result.level == "one"
    assert result.failed_gates == {"two": ("b",)}


def test_a_full_marks_what_if_on_a_skipped_question_brings_it_back_into_the_score() -> None:
    model = two_questions({"unanswered": SKIP}, {}, {})
    # Today a=no alone: 0%. With b at full marks: (0 + 1) / 2 = 50%.
    [what_if] = score_full_marks(model, given(no("a")), [["b"]])
    assert str(what_if.overall_percent) == "50.0000"


# --- mean over all questions -------------------------------------------------------------------


def tree(aggregation: Aggregation, *, q4_weight: str = "1", s2_weight: str = "1") -> Model:
    return Model(
        Section(
            "root",
            aggregation=aggregation,
            children=(
                Section("s1", children=(yes_no("q1"), yes_no("q2"), yes_no("q3"))),
                Section("s2", weight=D(s2_weight), children=(yes_no("q4", weight=D(q4_weight)),)),
            ),
        )
    )


@pytest.mark.parametrize(
    ("aggregation", "options", "overall"),
    [
        # Sections first: s1 = 1/3, s2 = 1 -> (1/3 + 1) / 2 = 2/3.
        (Aggregation.WEIGHTED_MEAN, {}, "0.6667"),
        # Over the four questions: (1 + 0 + 0 + 1) / 4.
        (ALL, {}, "0.5000"),
        # Question weights count: (1 + 0 + 0 + 3 x 1) / (1 + 1 + 1 + 3) = 4/6.
        (ALL, {"q4_weight": "3"}, "0.6667"),
        # Section weights do not: s2's weight 5 changes nothing.
        (ALL, {"s2_weight": "5"}, "0.5000"),
        # ...while they do for a weighted mean: (1/3 + 5 x 1) / 6 = 16/18.
        (Aggregation.WEIGHTED_MEAN, {"s2_weight": "5"}, "0.8889"),
    ],
)
def test_the_mean_of_all_questions_weighs_every_question_below_not_the_sections(
    aggregation: Aggregation, options: dict[str, str], overall: str
) -> None:
    result = score(tree(aggregation, **options), given(yes("q1"), no("q2"), no("q3"), yes("q4")))
    assert str(result.overall) == overall


def test_the_mean_of_all_questions_reaches_any_depth_and_mixes_scales_through_maxima() -> None:
    # root (all) > s1 > [q1 yes/no, s1a > [q2 raw 0-4]], q3 raw 0-4 weight 2 directly below.
    model = Model(
        Section(
            "root",
            aggregation=ALL,
            children=(
                Section("s1", children=(yes_no("q1"), Section("s1a", children=(raw("q2"),)))),
                raw("q3", weight=D(2)),
            ),
        )
    )
    result = score(model, given(yes("q1"), num("q2", "2"), num("q3", "1")))
    # score = (1 + 2 + 2 x 1) / 4 = 1.25; maximum = (1 + 4 + 2 x 4) / 4 = 3.25; 1.25/3.25 = 38.46%
    assert figures(result, "root") == ("1.2500", "3.2500", "38.4615", 3, 3)
    # s1 stays a weighted mean of its children: q1 1 (max 1), s1a 2 (max 4) -> 1.5 / 2.5.
    assert figures(result, "s1") == ("1.5000", "2.5000", "60.0000", 2, 2)


def test_not_applicable_questions_leave_the_mean_of_all_questions() -> None:
    model = Model(
        Section(
            "root",
            aggregation=ALL,
            children=(
                yes_no("q1"),
                Section("s", children=(yes_no("q2", allow_not_applicable=True), yes_no("q3"))),
            ),
        )
    )
    result = score(model, given(yes("q1"), Answer("q2", not_applicable=True), no("q3")))
    assert figures(result, "root") == ("0.5000", "1.0000", "50.0000", 3, 2)


# --- informational sections --------------------------------------------------------------------


def with_context(
    *, informational: bool, aggregation: Aggregation = Aggregation.WEIGHTED_MEAN
) -> Model:
    return Model(
        Section(
            "root",
            aggregation=aggregation,
            children=(
                Section("core", children=(yes_no("q1", disciplines=("devops",)),)),
                Section(
                    "context",
                    informational=informational,
                    children=(yes_no("q2", disciplines=("devops",), hindrances=("culture",)),),
                ),
            ),
        )
    )


@pytest.mark.parametrize("aggregation", [Aggregation.WEIGHTED_MEAN, ALL, Aggregation.MIN])
def test_an_informational_section_is_scored_but_not_counted_in_its_parent(
    aggregation: Aggregation,
) -> None:
    answers = given(yes("q1"), no("q2"))
    counted = score(with_context(informational=False, aggregation=aggregation), answers)
    aside = score(with_context(informational=True, aggregation=aggregation), answers)
    assert str(counted.overall_percent) == (
        "0.0000" if aggregation is Aggregation.MIN else "50.0000"
    )
    assert str(aside.overall_percent) == "100.0000"
    # Still scored and shown, flagged; still counted in the progress figures.
    assert figures(aside, "context") == ("0.0000", "1.0000", "0.0000", 1, 1)
    assert aside.nodes["context"].to_dict()["informational"] is True
    assert "informational" not in aside.nodes["core"].to_dict()
    assert (aside.nodes["root"].answered, aside.nodes["root"].total) == (2, 2)


def test_informational_questions_count_in_no_breakdown() -> None:
    answers = given(yes("q1"), no("q2"))
    counted = score(with_context(informational=False), answers)
    aside = score(with_context(informational=True), answers)
    assert str(counted.breakdowns["disciplines"]["devops"].percent) == "50.0000"
    assert str(aside.breakdowns["disciplines"]["devops"].percent) == "100.0000"
    assert aside.breakdowns["disciplines"]["devops"].total == 1
    assert "culture" not in aside.breakdowns["hindrances"]


def test_an_informational_section_inside_a_counted_one_leaves_only_its_own_parent() -> None:
    model = Model(
        Section(
            "root",
            children=(
                Section(
                    "outer",
                    children=(
                        yes_no("q1"),
                        Section("aside", informational=True, children=(yes_no("q2"),)),
                    ),
                ),
                yes_no("q3"),
            ),
        )
    )
    result = score(model, given(no("q1"), yes("q2"), yes("q3")))
    # outer = q1 alone = 0; root = (0 + 1) / 2; aside is shown at 100%.
    assert str(result.nodes["outer"].percent) == "0.0000"
    assert str(result.nodes["aside"].percent) == "100.0000"
    assert str(result.overall_percent) == "50.0000"


# --- levels on sections and exclusive lower bounds ---------------------------------------------


def percent_model(levels: tuple[Level, ...], section_levels: tuple[Level, ...] = ()) -> Model:
    """A raw 0-100 question p in section s: the score is the number answered."""
    return Model(
        Section(
            "root", children=(Section("s", levels=section_levels, children=(raw("p", "100"),)),)
        ),
        levels=levels,
    )


BANDS = (
    Level("low", "Low", D(0)),
    Level("mid", "Mid", D(50), min_score_exclusive=True),
    Level("high", "High", D(80)),
)


@pytest.mark.parametrize(
    ("number", "level"),
    [
        ("0", "low"),
        ("50", "low"),
        ("50.5", "mid"),
        ("79.9999", "mid"),
        ("80", "high"),
        ("100", "high"),
    ],
)
def test_an_exclusive_lower_bound_needs_a_score_above_it(number: str, level: str) -> None:
    result = score(percent_model(BANDS), given(num("p", number)))
    assert result.level == level


def test_an_inclusive_bound_is_reached_at_the_bound_itself() -> None:
    levels = (Level("low", "Low", D(0)), Level("mid", "Mid", D(50)))
    assert score(percent_model(levels), given(num("p", "50"))).level == "mid"


def test_exclusive_bounds_hold_in_gated_mode_too() -> None:
    model = Model(
        Section("root", children=(raw("p", "100"),)),
        levels=(Level("one", "One"), Level("two", "Two", D(60), min_score_exclusive=True)),
        level_mode=LevelMode.GATED,
    )
    assert score(model, given(num("p", "60"))).level == "one"
    assert score(model, given(num("p", "61"))).level == "two"


@pytest.mark.parametrize(
    ("number", "section_level"),
    [("10", "low"), ("50", "low"), ("51", "mid"), ("90", "high")],
)
def test_a_section_gets_its_own_level_in_its_node(number: str, section_level: str) -> None:
    result = score(percent_model(BANDS[:1], BANDS), given(num("p", number)))
    node = result.nodes["s"].to_dict()
    assert node["level"] == section_level
    # Sections and questions without levels keep their exact former shape.
    assert "level" not in result.nodes["root"].to_dict()
    assert "level" not in result.nodes["p"].to_dict()
    assert list(result.nodes["p"].to_dict()) == [
        "key",
        "score",
        "max_score",
        "percent",
        "answered",
        "applicable",
        "total",
    ]


def test_a_section_level_is_none_below_its_first_bound_and_when_the_section_is_excluded() -> None:
    levels = (Level("some", "Some", D(0), min_score_exclusive=True),)
    model = Model(
        Section(
            "root",
            children=(
                Section("s", unanswered=SKIP, levels=levels, children=(raw("p", "100"),)),
                yes_no("q"),
            ),
        )
    )
    assert score(model, given(num("p", "0"), yes("q"))).nodes["s"].to_dict()["level"] is None
    assert score(model, given(yes("q"))).nodes["s"].to_dict()["level"] is None
    assert score(model, given(num("p", "1"), yes("q"))).nodes["s"].level == "some"


# --- validation --------------------------------------------------------------------------------


def level(key: str, low: str | None, exclusive: bool = False) -> Level:
    return Level(key, key.title(), None if low is None else D(low), exclusive)


@pytest.mark.parametrize(
    ("levels", "mode", "errors"),
    [
        # "from 50" then "above 50": 50 itself is the first level, no overlap.
        ((level("a", "50"), level("b", "50", True)), LevelMode.THRESHOLD, []),
        ((level("a", "0"), level("b", "50", True), level("c", "50.0001")), LevelMode.THRESHOLD, []),
        (
            (level("a", "50", True), level("b", "50")),
            LevelMode.THRESHOLD,
            [
                "levels/b: from 50 does not start above the previous level (above 50); levels go "
                "in ascending order and must not overlap"
            ],
        ),
        (
            (level("a", "50", True), level("b", "50", True)),
            LevelMode.THRESHOLD,
            [
                "levels/b: above 50 does not start above the previous level (above 50); levels go "
                "in ascending order and must not overlap"
            ],
        ),
        (
            (level("a", None), level("b", None, True)),
            LevelMode.GATED,
            ["levels/b: min_score_exclusive needs a min_score"],
        ),
    ],
)
def test_levels_must_ascend_without_overlap_counting_exclusive_bounds(
    levels: tuple[Level, ...], mode: LevelMode, errors: list[str]
) -> None:
    model = Model(Section("root", children=(yes_no("q"),)), levels=levels, level_mode=mode)
    assert validate_model(model) == errors


@pytest.mark.parametrize(
    ("root", "errors"),
    [
        (
            Section("root", informational=True, children=(yes_no("q"),)),
            ["root: the root section cannot be informational"],
        ),
        (
            Section("root", levels=(level("x", "0"),), children=(yes_no("q"),)),
            ["root: the root section's levels are the questionnaire's levels; declare them there"],
        ),
        (
            Section(
                "root",
                children=(
                    Section("s", informational=True, children=(yes_no("q1"),)),
                    Section("t", informational=True, children=(yes_no("q2"),)),
                ),
            ),
            ["root: every child is informational, so the section has no score"],
        ),
        (
            Section(
                "root",
                children=(
                    Section(
                        "s",
                        aggregation=ALL,
                        children=(
                            Section(
                                "t",
                                children=(
                                    Section("u", informational=True, children=(yes_no("q1"),)),
                                    yes_no("q2"),
                                ),
                            ),
                        ),
                    ),
                ),
            ),
            [],
        ),
        (
            Section(
                "root",
                children=(
                    Section(
                        "s", levels=(level("a", "0.5"), level("b", "0.5")), children=(yes_no("q1"),)
                    ),
                    Section("t", levels=(level("a", None),), children=(yes_no("q2"),)),
                ),
            ),
            [
                "root/s/levels/b: min_score 0.5 is not above the previous level's 0.5; levels go "
                "in ascending order",
                "root/t/levels/a: threshold levels need a min_score",
            ],
        ),
    ],
)
def test_the_constructs_are_validated_with_the_path_of_the_problem(
    root: Section, errors: list[str]
) -> None:
    assert validate_model(Model(root)) == errors


# --- all together ------------------------------------------------------------------------------


def published_style() -> Model:
    """tests/assessments/models/published-style.yaml, built by hand."""
    optional = {"required": False}
    return Model(
        Section(
            "root",
            aggregation=ALL,
            unanswered=SKIP,
            children=(
                Section(
                    "flow",
                    levels=(level("low", "0"), level("high", "3", True)),
                    children=(
                        raw("deploy-freq", **optional),
                        raw("lead-time", weight=D(2), **optional),
                    ),
                ),
                Section(
                    "people",
                    unanswered=ZERO,
                    children=(raw("training", **optional), raw("pairing", **optional)),
                ),
                Section("context", informational=True, children=(raw("team-size", **optional),)),
            ),
        ),
        levels=(level("emerging", "0"), level("practised", "2", True), level("leading", "3")),
    )


@pytest.mark.parametrize(
    ("numbers", "overall", "level", "flow_level"),
    [
        # lead-time skipped, pairing scores 0, team-size aside: (4 + 2 + 0) / 3 = 2, not above 2.
        ({"deploy-freq": "4", "training": "2", "team-size": "1"}, "2.0000", "emerging", "high"),
        # (4 + 3 + 1) / 3 = 8/3: above 2.
        ({"deploy-freq": "4", "training": "3", "pairing": "1"}, "2.6667", "practised", "high"),
        # lead-time 1 (weight 2): (4 + 2 x 1 + 2 + 0) / 5 = 1.6; flow = 6/3 = 2, "low".
        ({"deploy-freq": "4", "lead-time": "1", "training": "2"}, "1.6000", "emerging", "low"),
        # (3 + 2 x 3 + 4 + 4) / 5 = 3.4; flow = 9/3 = 3, not above 3.
        (
            {
                "deploy-freq": "3",
                "lead-time": "3",
                "training": "4",
                "pairing": "4",
                "team-size": "0",
            },
            "3.4000",
            "leading",
            "low",
        ),
        # Nothing in flow: its level is None, and (0 + 0) / 2 over people = 0.
        ({}, "0.0000", "emerging", None),
    ],
)
def test_every_construct_together_scores_as_computed_by_hand(
    numbers: dict[str, str], overall: str, level: str, flow_level: str | None
) -> None:
    result = score(published_style(), given(*(num(key, value) for key, value in numbers.items())))
    assert str(result.overall) == overall
    assert result.level == level
    assert result.nodes["flow"].to_dict()["level"] == flow_level


# --- targets from target answers ---------------------------------------------------------------


def target_model() -> Model:
    return Model(
        Section(
            "root",
            children=(
                Section("s1", children=(yes_no("q1"), yes_no("q2"))),
                Section("s2", children=(raw("q3"),)),
            ),
        ),
        levels=(level("low", "0"), level("good", "2", True)),
    )


def test_targets_follow_from_target_answers_exactly() -> None:
    current = given(no("q1"), yes("q2"), num("q3", "1"))
    derived = targets.from_answers(target_model(), current, given(yes("q1"), num("q3", "3")))
    # s1 = (1 + 1) / 2 = 100%; s2 = 3 / 4 = 75%; root score (1 + 3) / 2 = 2, max (1 + 4) / 2 =
    # 2.5 -> 80%; 2 is not above 2, so the level stays "low".
    assert derived.sections == {"s1": 100, "s2": 75}
    assert derived.overall == 80
    assert derived.level == "low"
    assert derived.nodes() == {
        ("overall", "overall"): 80,
        ("section", "s1"): 100,
        ("section", "s2"): 75,
    }


def test_questions_without_a_target_answer_keep_their_current_answer_or_stay_unanswered() -> None:
    # q2 keeps "no"; q3 has no answer and no target, so it scores 0: s1 = 0.5 of 1 (50%),
    # s2 = 0 of 4; root score (0.5 + 0) / 2 = 0.25 of (1 + 4) / 2 = 2.5 -> 10%.
    derived = targets.from_answers(target_model(), given(no("q2")), given(yes("q1")))
    assert derived.sections == {"s1": 50, "s2": 0}
    assert derived.overall == 10


def test_targets_from_answers_exclude_what_the_engine_excludes() -> None:
    model = Model(
        Section(
            "root",
            children=(Section("s1", unanswered=SKIP, children=(yes_no("q1"),)), yes_no("q2")),
        ),
    )
    derived = targets.from_answers(model, {}, given(yes("q2")))
    assert derived.sections == {"s1": None}
    assert derived.nodes() == {("overall", "overall"): 100}


@pytest.mark.parametrize(
    ("target_answers", "problems"),
    [
        (given(yes("q1"), num("q3", "4")), {}),
        (given(yes("nope")), {"nope": ["'nope' is not a question of this questionnaire"]}),
        (
            given(Answer("q1", not_applicable=True)),
            {"q1": ["a target answer is an answer to reach, not 'not applicable'"]},
        ),
        (given(Answer("q1")), {"q1": ["a target answer needs choices or a number"]}),
        (given(Answer("q1", ("maybe",))), {"q1": ["choice 'maybe' is not one of: yes, no"]}),
        (given(num("q3", "5")), {"q3": ["number 5 is above the maximum 4"]}),
    ],
)
def test_target_answers_are_checked_against_the_questions(
    target_answers: dict[str, Answer], problems: dict[str, list[str]]
) -> None:
    assert targets.answer_problems(target_model(), target_answers) == problems
