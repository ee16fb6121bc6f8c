"""The pure scoring engine, checked against hand-computed results. No database, no Django."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.scoring import (
    AXES,
    ENGINE_VERSION,
    Aggregation,
    Answer,
    Band,
    Choice,
    Level,
    LevelMode,
    LinearMapping,
    Model,
    Question,
    QuestionType,
    Result,
    ScoringError,
    Section,
    score,
    validate_answer,
    validate_model,
    with_full_marks,
)
from tests.assessments.test_scoring_equivalence import cases

D = Decimal
SINGLE = QuestionType.SINGLE_CHOICE
MULTIPLE = QuestionType.MULTIPLE_CHOICE
NUMBER = QuestionType.NUMBER
SCALE = QuestionType.SCALE
PERCENTAGE = QuestionType.PERCENTAGE
WEIGHTED_MEAN = Aggregation.WEIGHTED_MEAN
MEAN = Aggregation.MEAN
SUM = Aggregation.SUM
MIN = Aggregation.MIN
MAX = Aggregation.MAX


# --- building blocks ---------------------------------------------------------------------------


def yes_no(key: str, **options: Any) -> Question:
    return Question(key, QuestionType.YES_NO, **options)


def choice(key: str, values: dict[str, str], *, multiple: bool = False, **options: Any) -> Question:
    choices = tuple(Choice(name, D(value)) for name, value in values.items())
    return Question(key, MULTIPLE if multiple else SINGLE, choices=choices, **options)


def scale(key: str, low: str, high: str, **options: Any) -> Question:
    return Question(key, SCALE, min_value=D(low), max_value=D(high), **options)


def section(
    key: str,
    *children: Section | Question,
    aggregation: Aggregation = WEIGHTED_MEAN,
    weight: str = "1",
) -> Section:
    return Section(key, aggregation, D(weight), children)


def model(
    *children: Section | Question,
    aggregation: Aggregation = WEIGHTED_MEAN,
    levels: tuple[Level, ...] = (),
    level_mode: LevelMode = LevelMode.THRESHOLD,
) -> Model:
    return Model(section("root", *children, aggregation=aggregation), levels, level_mode)


def yes(key: str) -> Answer:
    return Answer(key, ("yes",))


def no(key: str) -> Answer:
    return Answer(key, ("no",))


def na(key: str) -> Answer:
    return Answer(key, not_applicable=True)


def pick(key: str, *choices: str) -> Answer:
    return Answer(key, choices)


def num(key: str, value: str) -> Answer:
    return Answer(key, number=D(value))


def run(scoring_model: Model, *answers: Answer) -> Result:
    return score(scoring_model, {answer.question: answer for answer in answers})


def shown(*values: Decimal | None) -> tuple[str | None, ...]:
    """Decimals as the API shows them."""
    return tuple(None if value is None else str(value) for value in values)


def figures(result: Result, key: str) -> tuple[str | None, ...]:
    node = result.nodes[key]
    return shown(node.score, node.max_score, node.percent)


def overall(result: Result) -> tuple[str | None, ...]:
    return shown(result.overall, result.overall_max, result.overall_percent)


# --- aggregation -------------------------------------------------------------------------------

# Three raw 0..4 scales a, b, c with weights 1, 2, 3, answered 4, 2, 1 (each maximum 4).
THREE_SCALES = (
    scale("a", "0", "4", weight=D(1)),
    scale("b", "0", "4", weight=D(2)),
    scale("c", "0", "4", weight=D(3)),
)


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [
        # (1*4 + 2*2 + 3*1) / 6 = 11/6; max (4+8+12)/6 = 4; 11/24 = 45.8333..%
        (WEIGHTED_MEAN, ("1.8333", "4.0000", "45.8333")),
        # (4 + 2 + 1) / 3 = 7/3, weights ignored; max 4; 7/12 = 58.3333..%
        (MEAN, ("2.3333", "4.0000", "58.3333")),
        # 1*4 + 2*2 + 3*1 = 11; max 4 + 8 + 12 = 24; 11/24 = 45.8333..%
        (SUM, ("11.0000", "24.0000", "45.8333")),
        # min(4, 2, 1) = 1, weights ignored; max min(4, 4, 4) = 4; 25%
        (MIN, ("1.0000", "4.0000", "25.0000")),
        # max(4, 2, 1) = 4; max 4; 100%
        (MAX, ("4.0000", "4.0000", "100.0000")),
    ],
)
def test_each_aggregation_combines_children_and_their_maxima_the_same_way(
    aggregation: Aggregation, expected: tuple[str, str, str]
) -> None:
    result = run(
        model(*THREE_SCALES, aggregation=aggregation), num("a", "4"), num("b", "2"), num("c", "1")
    )
    assert overall(result) == expected


# root (weighted mean)
# +- delivery (weight 3, mean)
# |  +- pipeline (sum): q1 weight 1 yes, q2 weight 2 no       -> 1*1 + 2*0 = 1, max 1 + 2 = 3
# |  +- testing (mean)
# |     +- deep (weighted mean): q3 = 3 of 4 (w1), q4 = 1 of 4 (w3) -> (3 + 3)/4 = 1.5, max 4
# |                                                            testing = 1.5, max 4
# |                               delivery = (1 + 1.5)/2 = 1.25, max (3 + 4)/2 = 3.5
# +- operations (weight 1, min): q5 yes, q6 no                -> 0, max 1
# root = (3*1.25 + 1*0)/4 = 0.9375, max (3*3.5 + 1*1)/4 = 2.875, 0.9375/2.875 = 32.6086..%
NESTED = model(
    section(
        "delivery",
        section("pipeline", yes_no("q1"), yes_no("q2", weight=D(2)), aggregation=SUM),
        section(
            "testing",
            section("deep", scale("q3", "0", "4"), scale("q4", "0", "4", weight=D(3))),
            aggregation=MEAN,
        ),
        aggregation=MEAN,
        weight="3",
    ),
    section("operations", yes_no("q5"), yes_no("q6"), aggregation=MIN),
)
NESTED_ANSWERS = (yes("q1"), no("q2"), num("q3", "3"), num("q4", "1"), yes("q5"), no("q6"))


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("root", ("0.9375", "2.8750", "32.6087")),
        ("delivery", ("1.2500", "3.5000", "35.7143")),  # 1.25 / 3.5 = 35.714285..%
        ("pipeline", ("1.0000", "3.0000", "33.3333")),
        ("testing", ("1.5000", "4.0000", "37.5000")),
        ("deep", ("1.5000", "4.0000", "37.5000")),
        ("q3", ("3.0000", "4.0000", "75.0000")),
        ("q2", ("0.0000", "1.0000", "0.0000")),  # a question's own maximum ignores its weight
        ("operations", ("0.0000", "1.0000", "0.0000")),
    ],
)
def test_nested_sections_four_levels_deep_aggregate_with_their_own_rules_and_weights(
    key: str, expected: tuple[str, str, str]
) -> None:
    assert figures(run(NESTED, *NESTED_ANSWERS), key) == expected


def test_nodes_are_listed_in_tree_order_with_question_counts() -> None:
    result = run(NESTED, yes("q1"), no("q2"))
    assert list(result.nodes) == [
        "root",
        "delivery",
        "pipeline",
        "q1",
        "q2",
        "testing",
        "deep",
        "q3",
        "q4",
        "operations",
        "q5",
        "q6",
    ]
    root = result.nodes["root"]
    assert (root.answered, root.applicable, root.total) == (2, 6, 6)


def test_model_questions_iterates_questions_in_tree_order() -> None:
    assert [question.key for question in NESTED.questions()] == [
        "q1",
        "q2",
        "q3",
        "q4",
        "q5",
        "q6",
    ]


# --- not applicable and unanswered -------------------------------------------------------------

NA_MODEL = model(yes_no("q1"), yes_no("q2", allow_not_applicable=True), yes_no("q3"))


@pytest.mark.parametrize(
    ("second_answer", "expected", "counts"),
    [
        # q2 leaves the denominator: (1 + 0) / 2
        (na("q2"), ("0.5000", "1.0000", "50.0000"), (3, 2, 3)),
        # q2 unanswered counts as 0 and stays in: (1 + 0 + 0) / 3
        (None, ("0.3333", "1.0000", "33.3333"), (2, 3, 3)),
        # (1 + 1 + 0) / 3
        (yes("q2"), ("0.6667", "1.0000", "66.6667"), (3, 3, 3)),
        # an empty answer is the same as no answer
        (Answer("q2"), ("0.3333", "1.0000", "33.3333"), (2, 3, 3)),
    ],
)
def test_not_applicable_leaves_the_denominator_while_unanswered_scores_zero(
    second_answer: Answer | None, expected: tuple[str, str, str], counts: tuple[int, int, int]
) -> None:
    answers = [yes("q1"), no("q3")] + ([second_answer] if second_answer else [])
    result = run(NA_MODEL, *answers)
    root = result.nodes["root"]
    assert overall(result) == expected
    assert (root.answered, root.applicable, root.total) == counts


@pytest.mark.parametrize("aggregation", list(Aggregation))
def test_a_section_whose_questions_are_all_not_applicable_is_excluded(
    aggregation: Aggregation,
) -> None:
    scoring_model = model(
        section("kept", yes_no("q1"), yes_no("q2")),
        section(
            "gone",
            yes_no("q3", allow_not_applicable=True),
            yes_no("q4", allow_not_applicable=True),
        ),
        aggregation=aggregation,
    )
    result = run(scoring_model, yes("q1"), yes("q2"), na("q3"), na("q4"))
    # Only "kept" (1 of 1) remains, whatever the aggregation.
    assert overall(result) == ("1.0000", "1.0000", "100.0000")
    gone = result.nodes["gone"]
    assert (gone.score, gone.max_score, gone.percent) == (None, None, None)
    assert (gone.answered, gone.applicable, gone.total) == (2, 0, 2)


def test_an_excluded_root_has_no_overall_score_and_reaches_no_level() -> None:
    scoring_model = model(
        yes_no("q1", allow_not_applicable=True),
        levels=(Level("start", "Start", D(0)),),
    )
    result = run(scoring_model, na("q1"))
    assert overall(result) == (None, None, None)
    assert result.level is None


# --- question types ----------------------------------------------------------------------------

# a=1, b=2, c=-1 (a penalty), d=0.5: the maximum is the positives' sum 1 + 2 + 0.5 = 3.5
MULTI = choice("q", {"a": "1", "b": "2", "c": "-1", "d": "0.5"}, multiple=True)


@pytest.mark.parametrize(
    ("picked", "expected_score"),
    [
        (("a", "b"), "3.0000"),  # 1 + 2
        (("a", "b", "d"), "3.5000"),  # 1 + 2 + 0.5, the maximum
        (("a", "b", "c", "d"), "2.5000"),  # 1 + 2 - 1 + 0.5
        (("b", "c", "d"), "1.5000"),  # 2 - 1 + 0.5
        (("a", "c"), "0.0000"),  # 1 - 1
        (("c",), "0.0000"),  # -1, but never below 0
        ((), "0.0000"),  # nothing ticked: unanswered
    ],
)
def test_multiple_choice_sums_the_selected_values_between_zero_and_the_positives(
    picked: tuple[str, ...], expected_score: str
) -> None:
    result = run(model(MULTI), pick("q", *picked))
    assert figures(result, "q")[:2] == (expected_score, "3.5000")


@pytest.mark.parametrize(
    ("question", "answer", "expected"),
    [
        (yes_no("q"), yes("q"), ("1.0000", "1.0000")),  # implicit yes = 1
        (yes_no("q"), no("q"), ("0.0000", "1.0000")),  # implicit no = 0
        (
            yes_no("q", choices=(Choice("yes", D(2)), Choice("partly", D(1)), Choice("no", D(0)))),
            pick("q", "partly"),
            ("1.0000", "2.0000"),
        ),
        (choice("q", {"low": "1", "high": "5"}), pick("q", "high"), ("5.0000", "5.0000")),
        (scale("q", "1", "5"), num("q", "3"), ("3.0000", "5.0000")),  # raw scale: the number
        (scale("q", "1", "5"), None, ("0.0000", "5.0000")),  # unanswered: 0, below the scale
        (Question("q", PERCENTAGE), num("q", "37.5"), ("37.5000", "100.0000")),  # raw percentage
        (Question("q", NUMBER, max_value=D(10)), num("q", "0"), ("0.0000", "10.0000")),
    ],
)
def test_choice_yes_no_scale_and_raw_number_questions_score_as_declared(
    question: Question, answer: Answer | None, expected: tuple[str, str]
) -> None:
    result = run(model(question), *([answer] if answer else []))
    assert figures(result, "q")[:2] == expected


# Deployments per month: [0, 1) -> 0, [1, 4) -> 1, [4, 30) -> 2, [30, ...) -> 3.
DEPLOYS = Question(
    "q",
    NUMBER,
    min_value=D(0),
    bands=(
        Band(D(0), D(0), D(1)),
        Band(D(1), D(1), D(4)),
        Band(D(2), D(4), D(30)),
        Band(D(3), D(30)),
    ),
)


@pytest.mark.parametrize(
    ("value", "expected_score"),
    [
        ("0", "0.0000"),
        ("0.99", "0.0000"),
        ("1", "1.0000"),  # lower bound is inclusive
        ("3.9999", "1.0000"),
        ("4", "2.0000"),  # upper bound of the previous band is exclusive
        ("29", "2.0000"),
        ("30", "3.0000"),
        ("1000", "3.0000"),  # the last band is open
    ],
)
def test_number_bands_include_the_lower_bound_and_exclude_the_upper(
    value: str, expected_score: str
) -> None:
    assert figures(run(model(DEPLOYS), num("q", value)), "q")[:2] == (expected_score, "3.0000")


# Lead time in days, lower is better: 30 days -> 0, 1 day -> 1.
LEAD_TIME = Question("q", NUMBER, min_value=D(0), linear=LinearMapping(D(30), D(1)))
# Test coverage in percent, higher is better: 20% -> 0, 80% -> 10.
COVERAGE = Question("q", PERCENTAGE, linear=LinearMapping(D(20), D(80), D(0), D(10)))


@pytest.mark.parametrize(
    ("question", "value", "expected_score"),
    [
        (LEAD_TIME, "30", "0.0000"),
        (LEAD_TIME, "1", "1.0000"),
        (LEAD_TIME, "15.5", "0.5000"),  # (15.5 - 30) / (1 - 30) = 14.5/29
        (LEAD_TIME, "8", "0.7586"),  # (8 - 30) / (1 - 30) = 22/29 = 0.75862..
        (LEAD_TIME, "45", "0.0000"),  # beyond the worst end: clamped
        (LEAD_TIME, "0.5", "1.0000"),  # beyond the best end: clamped
        (COVERAGE, "50", "5.0000"),  # (50 - 20) * 10 / 60
        (COVERAGE, "65", "7.5000"),  # (65 - 20) * 10 / 60
        (COVERAGE, "10", "0.0000"),  # clamped
        (COVERAGE, "100", "10.0000"),  # clamped
    ],
)
def test_linear_mappings_work_in_both_directions_and_clamp_to_their_scores(
    question: Question, value: str, expected_score: str
) -> None:
    assert figures(run(model(question), num("q", value)), "q")[0] == expected_score


# --- levels ------------------------------------------------------------------------------------

THRESHOLDS = (
    Level("initial", "Initial", D(0)),
    Level("managed", "Managed", D(50)),
    Level("optimising", "Optimising", D(80)),
)


@pytest.mark.parametrize(
    ("value", "expected_level"),
    [
        ("0", "initial"),
        ("49.9999", "initial"),
        ("50", "managed"),  # exactly on the threshold counts
        ("79.99", "managed"),
        ("80", "optimising"),
        ("100", "optimising"),
    ],
)
def test_threshold_levels_pick_the_highest_level_whose_minimum_is_reached(
    value: str, expected_level: str
) -> None:
    scoring_model = model(Question("q", PERCENTAGE), levels=THRESHOLDS)
    assert run(scoring_model, num("q", value)).level == expected_level


def test_a_score_below_the_first_threshold_reaches_no_level() -> None:
    scoring_model = model(Question("q", PERCENTAGE), levels=(Level("basic", "Basic", D(10)),))
    assert run(scoring_model, num("q", "5")).level is None


def test_thresholds_compare_the_exact_score_not_the_rounded_one() -> None:
    # 2 of 3 yes: exactly 2/3, shown as 0.6667, which is still below a threshold of 0.6667.
    scoring_model = model(
        yes_no("q1"),
        yes_no("q2"),
        yes_no("q3"),
        aggregation=MEAN,
        levels=(Level("low", "Low", D(0)), Level("two-thirds", "Two thirds", D("0.6667"))),
    )
    result = run(scoring_model, yes("q1"), yes("q2"), no("q3"))
    assert str(result.overall) == "0.6667"
    assert result.level == "low"


GATED_LEVELS = (
    Level("initial", "Initial"),
    Level("managed", "Managed"),
    Level("optimised", "Optimised"),
)
GATED = model(
    yes_no("q-a", level_gate="initial"),
    yes_no("q-b", level_gate="managed", allow_not_applicable=True),
    scale("q-s", "0", "5", level_gate="managed", pass_score=D(3)),
    yes_no("q-c", level_gate="optimised"),
    yes_no("q-free"),
    levels=GATED_LEVELS,
    level_mode=LevelMode.GATED,
)
ALL_PASS = {"q-a": yes("q-a"), "q-b": yes("q-b"), "q-s": num("q-s", "5"), "q-c": yes("q-c")}


@pytest.mark.parametrize(
    ("changed", "expected_level", "expected_failed"),
    [
        ({}, "optimised", {}),  # q-free is no gate: unanswered does not matter
        ({"q-a": no("q-a")}, None, {"initial": ("q-a",)}),
        # a failed lower level blocks the higher ones even when their own gates pass
        ({"q-b": no("q-b")}, "initial", {"managed": ("q-b",)}),
        ({"q-b": na("q-b")}, "optimised", {}),  # not applicable passes
        ({"q-c": None}, "managed", {"optimised": ("q-c",)}),  # unanswered fails
        ({"q-s": num("q-s", "3")}, "optimised", {}),  # exactly the pass score passes
        ({"q-s": num("q-s", "2.9")}, "initial", {"managed": ("q-s",)}),
        (
            {"q-b": no("q-b"), "q-s": None, "q-c": no("q-c")},
            "initial",
            {"managed": ("q-b", "q-s"), "optimised": ("q-c",)},
        ),
    ],
)
def test_gated_levels_need_every_gate_at_or_below_the_level_to_pass(
    changed: dict[str, Answer | None],
    expected_level: str | None,
    expected_failed: dict[str, tuple[str, ...]],
) -> None:
    answers = {**ALL_PASS, **changed}
    result = score(GATED, {key: answer for key, answer in answers.items() if answer})
    assert (result.level, result.failed_gates) == (expected_level, expected_failed)


def test_a_first_gated_level_without_gate_questions_is_reached_when_nothing_fails() -> None:
    scoring_model = model(
        yes_no("q1"),
        yes_no("q2", level_gate="defined"),
        levels=(Level("started", "Started"), Level("defined", "Defined")),
        level_mode=LevelMode.GATED,
    )
    result = run(scoring_model, no("q1"), no("q2"))
    assert (result.level, result.failed_gates) == ("started", {"defined": ("q2",)})


def test_a_gated_level_with_a_min_score_also_needs_that_score() -> None:
    # Both gates pass, but the overall mean (1 + 0) / 2 = 0.5 misses managed's 0.75.
    scoring_model = model(
        yes_no("q1", level_gate="initial"),
        yes_no("q2"),
        levels=(Level("initial", "Initial"), Level("managed", "Managed", D("0.75"))),
        level_mode=LevelMode.GATED,
    )
    assert run(scoring_model, yes("q1"), no("q2")).level == "initial"


# --- breakdowns --------------------------------------------------------------------------------

TAGGED = model(
    yes_no("q1", disciplines=("devops",), practices=("ci",), hindrances=("skills",)),
    scale(
        "q2",
        "0",
        "4",
        weight=D(3),
        disciplines=("devops",),
        practices=("ci", "iac"),
        hindrances=("tooling",),
    ),
    yes_no(
        "q3",
        weight=D(2),
        allow_not_applicable=True,
        phases=("monitor",),
        practices=("iac",),
        hindrances=("skills",),
    ),
    yes_no("q4", disciplines=("devops",), practices=("iac",)),
)
# q1 yes = 1 of 1, q2 = 2 of 4 = 0.5, q3 not applicable, q4 unanswered = 0.
TAGGED_RESULT = run(TAGGED, yes("q1"), num("q2", "2"), na("q3"))


@pytest.mark.parametrize(
    ("axis", "tag", "expected"),
    [
        # (1*1 + 3*0.5 + 1*0) / (1 + 3 + 1) = 2.5/5; answered q1 q2; applicable q1 q2 q4
        ("disciplines", "devops", ("50.0000", 2, 3, 3)),
        # only q3 carries it and it is not applicable
        ("phases", "monitor", (None, 1, 0, 1)),
        # (1*1 + 3*0.5) / (1 + 3) = 2.5/4
        ("practices", "ci", ("62.5000", 2, 2, 2)),
        # (3*0.5 + 1*0) / (3 + 1) = 1.5/4; q3 answered (n/a) but not applicable
        ("practices", "iac", ("37.5000", 2, 2, 3)),
        # q1 only: 1/1
        ("hindrances", "skills", ("100.0000", 2, 1, 2)),
        ("hindrances", "tooling", ("50.0000", 1, 1, 1)),
    ],
)
def test_breakdowns_give_each_tag_a_weighted_percent_and_question_counts(
    axis: str, tag: str, expected: tuple[str | None, int, int, int]
) -> None:
    tally = TAGGED_RESULT.breakdowns[axis][tag]
    percent = None if tally.percent is None else str(tally.percent)
    assert (percent, tally.answered, tally.applicable, tally.total) == expected


def test_breakdowns_list_every_axis_and_tags_in_order_of_first_appearance() -> None:
    assert {axis: list(tags) for axis, tags in TAGGED_RESULT.breakdowns.items()} == {
        "disciplines": ["devops"],
        "phases": ["monitor"],
        "practices": ["ci", "iac"],
        "hindrances": ["skills", "tooling"],
    }
    assert tuple(TAGGED_RESULT.breakdowns) == AXES


# --- exact arithmetic --------------------------------------------------------------------------


def test_three_answers_one_zero_zero_average_to_a_third() -> None:
    scoring_model = model(yes_no("q1"), yes_no("q2"), yes_no("q3"), aggregation=MEAN)
    # 1/3 exactly; the percent comes from the exact 1/3 too, not from 0.3333 (-> 33.3300).
    assert overall(run(scoring_model, yes("q1"), no("q2"), no("q3"))) == (
        "0.3333",
        "1.0000",
        "33.3333",
    )


def test_quantizing_happens_once_so_three_thirds_sum_to_exactly_one() -> None:
    thirds = [
        section(name, *(yes_no(f"{name}-{n}") for n in range(3)), aggregation=MEAN)
        for name in ("s1", "s2", "s3")
    ]
    scoring_model = model(*thirds, aggregation=SUM)
    answers = [yes(f"{name}-0") for name in ("s1", "s2", "s3")]
    result = run(scoring_model, *answers)
    # Each section shows 0.3333, but the root sums the exact thirds: 1, not 0.9999.
    assert [str(result.nodes[name].score) for name in ("s1", "s2", "s3")] == ["0.3333"] * 3
    assert overall(result) == ("1.0000", "3.0000", "33.3333")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.12345", "0.1235"),  # half up, where banker's rounding would give 0.1234
        ("0.12355", "0.1236"),
        ("0.12344999", "0.1234"),
        ("0.125", "0.1250"),
        ("1", "1.0000"),
    ],
)
def test_results_are_rounded_half_up_to_four_places(value: str, expected: str) -> None:
    assert str(run(model(scale("q", "0", "1")), num("q", value)).overall) == expected


# --- validation --------------------------------------------------------------------------------

ABC = choice("q", {"a": "1", "b": "2", "c": "3"})


@pytest.mark.parametrize(
    ("question", "answer", "expected"),
    [
        (ABC, pick("q", "b"), []),
        (ABC, Answer("q"), []),  # empty: unanswered, not wrong
        (ABC, pick("q", "x"), ["choice 'x' is not one of: a, b, c"]),
        (ABC, pick("q", "a", "b"), ["single_choice question takes one choice, got 2"]),
        (ABC, num("q", "2"), ["single_choice question takes choices, not a number"]),
        (ABC, na("q"), ["'not applicable' is not allowed for this question"]),
        (ABC, pick("other", "a"), ["answer is for question 'other', not 'q'"]),
        (yes_no("q"), pick("q", "maybe"), ["choice 'maybe' is not one of: yes, no"]),
        (MULTI, pick("q", "a", "a"), ["choice 'a' is given more than once"]),
        (scale("q", "1", "5"), pick("q", "a"), ["scale question takes a number, not choices"]),
        (scale("q", "1", "5"), num("q", "0"), ["number 0 is below the minimum 1"]),
        (scale("q", "1", "5"), num("q", "5.5"), ["number 5.5 is above the maximum 5"]),
        (Question("q", PERCENTAGE), num("q", "101"), ["number 101 is above the maximum 100"]),
        (Question("q", PERCENTAGE), num("q", "-1"), ["number -1 is below the minimum 0"]),
        (scale("q", "1", "5"), num("q", "NaN"), ["number must be finite, got NaN"]),
        (DEPLOYS, num("q", "Infinity"), ["number must be finite, got Infinity"]),
        (DEPLOYS, num("q", "1000000"), []),  # banded with an open top band: no maximum
        (
            yes_no("q", allow_not_applicable=True),
            Answer("q", ("yes",), not_applicable=True),
            ["a 'not applicable' answer carries no choices and no number"],
        ),
    ],
)
def test_validate_answer_explains_what_is_wrong(
    question: Question, answer: Answer, expected: list[str]
) -> None:
    assert validate_answer(question, answer) == expected


def test_a_valid_model_has_no_problems() -> None:
    assert validate_model(NESTED) == []
    assert validate_model(GATED) == []
    assert validate_model(TAGGED) == []


def bands(*specs: tuple[str, str | None, str | None]) -> tuple[Band, ...]:
    return tuple(
        Band(D(value), None if low is None else D(low), None if high is None else D(high))
        for value, low, high in specs
    )


@pytest.mark.parametrize(
    ("scoring_model", "expected"),
    [
        (
            model(section("delivery", yes_no("q1")), section("ops", yes_no("q1"))),
            ["root/ops/q1: key 'q1' is already used at root/delivery/q1"],
        ),
        (model(section("empty"), yes_no("q1")), ["root/empty: section has no children"]),
        (
            model(section("delivery", Question("q-ci", SINGLE))),
            ["root/delivery/q-ci: single_choice question needs choices"],
        ),
        (
            model(choice("q", {"a": "1", "b": "2"}, weight=D(0))),
            ["root/q: weight 0 is not positive"],
        ),
        (
            model(Question("q", SINGLE, choices=(Choice("a", D(1)), Choice("a", D(2))))),
            ["root/q: choice 'a' is declared more than once"],
        ),
        (
            model(Question("q", NUMBER, bands=bands(("1", "0", "5"), ("2", "4", None)))),
            [
                "root/q: bands must be sorted and must not overlap: band 2 starts at 4, "
                "before band 1 ends at 5",
                "root/q: bands do not cover accepted values below 0",
            ],
        ),
        (
            model(
                Question(
                    "q", NUMBER, min_value=D(0), bands=bands(("2", "5", None), ("1", "0", "5"))
                )
            ),
            [
                "root/q: bands must be sorted and must not overlap: band 2 starts at 0, "
                "before band 1 ends at infinity",
                "root/q: bands do not cover accepted values below 5",
                "root/q: bands do not cover accepted values from 5 up",
            ],
        ),
        (
            model(
                Question(
                    "q", NUMBER, min_value=D(0), bands=bands(("1", "0", "5"), ("2", "6", None))
                )
            ),
            ["root/q: bands leave a gap between 5 (end of band 1) and 6 (start of band 2)"],
        ),
        (
            # A percentage band ending at 100 (exclusive) leaves 100 itself unscored.
            model(Question("q", PERCENTAGE, bands=bands(("0", "0", "50"), ("1", "50", "100")))),
            ["root/q: bands do not cover accepted values from 100 up"],
        ),
        (
            model(Question("q", NUMBER, linear=LinearMapping(D(5), D(5)))),
            ["root/q: linear mapping needs from_value != to_value (both 5)"],
        ),
        (
            model(Question("q", NUMBER)),
            [
                "root/q: a raw-scored number question needs max_value "
                "(or bands, or a linear mapping)"
            ],
        ),
        (
            model(scale("q", "5", "1")),
            ["root/q: min_value 5 is above max_value 1"],
        ),
        (
            model(yes_no("q", pass_score=D(2))),
            [
                "root/q: pass_score 2 is above the maximum score 1.0000, "
                "so the question can never pass"
            ],
        ),
        (
            model(yes_no("q", level_gate="gold"), levels=THRESHOLDS),
            ["root/q: level_gate 'gold' is not one of the levels: initial, managed, optimising"],
        ),
        (
            model(
                yes_no("q"),
                levels=(Level("a", "A", D(1)), Level("b", "B", D(1)), Level("c", "C")),
            ),
            [
                "levels/b: min_score 1 is not above the previous level's 1; "
                "levels go in ascending order",
                "levels/c: threshold levels need a min_score",
            ],
        ),
        (
            model(yes_no("q"), levels=(Level("a", "A", D(0)), Level("a", "Again", D(1)))),
            ["levels/a: level key is used more than once"],
        ),
        (
            model(
                yes_no("q"),
                levels=(Level("a", "A"), Level("b", "B", D(2)), Level("c", "C", D(1))),
                level_mode=LevelMode.GATED,
            ),
            [
                "levels/c: min_score 1 is not above the previous level's 2; "
                "levels go in ascending order"
            ],
        ),
        (
            model(
                Question(
                    "q",
                    NUMBER,
                    min_value=D(0),
                    bands=bands(("1", "0", None)),
                    linear=LinearMapping(D(0), D(1)),
                )
            ),
            ["root/q: declare bands or a linear mapping, not both"],
        ),
        (
            model(
                Question(
                    "q",
                    NUMBER,
                    min_value=D(0),
                    bands=bands(("1", "0", "5"), ("2", "5", "5"), ("3", "5", None)),
                )
            ),
            ["root/q: band 2: lower 5 is not below upper 5"],
        ),
        (
            model(Question("q", PERCENTAGE, bands=bands(("1", "0", "200"), ("5", "200", None)))),
            ["root/q: band 2: no accepted value falls in it"],
        ),
        (
            model(Question("q", NUMBER, max_value=D(1), choices=(Choice("a", D(1)),))),
            ["root/q: choices apply only to choice questions, not to number"],
        ),
        (
            model(choice("q", {"a": "1"}, max_value=D(5))),
            [
                "root/q: min_value, max_value, bands and linear apply only to scale, number and "
                "percentage questions, not to single_choice"
            ],
        ),
        (
            model(choice("q", {"good": "1", "bad": "-1"})),
            ["root/q: choice 'bad' value -1 is negative"],
        ),
        (
            model(choice("q", {"a": "0", "b": "0"})),
            ["root/q: the maximum score is 0, so the question can never score"],
        ),
        (model(yes_no("q", weight=D("NaN"))), ["root/q: weight is not a finite number"]),
        (model(yes_no("a/b")), ["root/a/b: key must not contain '/'"]),
    ],
)
def test_validate_model_names_the_path_and_the_problem(
    scoring_model: Model, expected: list[str]
) -> None:
    assert validate_model(scoring_model) == expected


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"q1": pick("q1", "maybe")}, "q1: choice 'maybe' is not one of: yes, no"),
        ({"q9": yes("q9")}, "q9: answer for a question the model does not have"),
    ],
)
def test_score_refuses_answers_it_cannot_score(answers: dict[str, Answer], expected: str) -> None:
    with pytest.raises(ScoringError) as raised:
        score(model(yes_no("q1")), answers)
    assert raised.value.errors == (expected,)


def test_score_refuses_an_invalid_model() -> None:
    with pytest.raises(ScoringError, match="root/empty: section has no children"):
        score(model(section("empty"), yes_no("q1")), {})


def test_numbers_and_enums_may_arrive_as_plain_ints_and_strings() -> None:
    question = Question("q", "scale", weight=2, min_value="0", max_value="4")  # type: ignore[arg-type]
    root = Section("root", "sum", children=(question,))  # type: ignore[arg-type]
    assert (question.type, question.weight, question.max_value) == (SCALE, D(2), D(4))
    # sum: weight 2 * answer 3 = 6 of 2 * 4 = 8
    result = score(Model(root), {"q": Answer("q", number="3")})  # type: ignore[arg-type]
    assert overall(result) == ("6.0000", "8.0000", "75.0000")


@pytest.mark.parametrize(
    ("build", "error"),
    [
        (lambda: Answer("q", number=0.1), TypeError),  # type: ignore[arg-type]
        (lambda: Choice("a", 0.5), TypeError),  # type: ignore[arg-type]
        (lambda: Band(D(1), lower="ten"), ValueError),  # type: ignore[arg-type]
        (lambda: Question("q", "essay"), ValueError),  # type: ignore[arg-type]
    ],
)
def test_floats_malformed_numbers_and_unknown_types_are_refused_on_construction(
    build: Any, error: type[Exception]
) -> None:
    with pytest.raises(error):
        build()


# --- what-if -----------------------------------------------------------------------------------

# Lower is better: under 1 day -> 3, under 7 -> 2, from 7 -> 0. The best band is the first.
RESTORE = Question(
    "restore",
    NUMBER,
    min_value=D(0),
    bands=bands(("3", None, "1"), ("2", "1", "7"), ("0", "7", None)),
)
WHAT_IF = model(
    choice("single", {"none": "0", "some": "2", "all": "1"}),
    choice("multi", {"a": "1", "b": "2", "penalty": "-1"}, multiple=True),
    yes_no("yn"),
    RESTORE,
    Question("lead", NUMBER, min_value=D(0), linear=LinearMapping(D(30), D(1))),
    Question("coverage", PERCENTAGE, linear=LinearMapping(D(20), D(80), D(0), D(10))),
    scale("raw", "1", "5"),
    Question("pct", PERCENTAGE),
)
WHAT_IF_ANSWERS = {
    "single": pick("single", "none"),
    "multi": pick("multi", "a", "penalty"),
    "yn": no("yn"),
    "restore": num("restore", "10"),
    "lead": num("lead", "30"),
    "coverage": num("coverage", "20"),
    "raw": num("raw", "1"),
}


@pytest.mark.parametrize(
    ("key", "expected_answer"),
    [
        ("single", pick("single", "some")),
        ("multi", pick("multi", "a", "b")),
        ("yn", yes("yn")),
        ("restore", num("restore", "0")),  # the best band's lowest accepted value
        ("lead", num("lead", "1")),  # lower is better: the "to" end
        ("coverage", num("coverage", "80")),
        ("raw", num("raw", "5")),
        ("pct", num("pct", "100")),  # unanswered before
    ],
)
def test_with_full_marks_answers_each_question_type_for_its_maximum(
    key: str, expected_answer: Answer
) -> None:
    answers = with_full_marks(WHAT_IF, WHAT_IF_ANSWERS, [key])
    assert answers[key] == expected_answer
    result = score(WHAT_IF, answers)
    node = result.nodes[key]
    assert node.score == node.max_score
    assert {k: a for k, a in answers.items() if k != key} == {
        k: a for k, a in WHAT_IF_ANSWERS.items() if k != key
    }


def test_with_full_marks_raises_the_overall_score_by_the_practice_gain() -> None:
    answers = {answer.question: answer for answer in NESTED_ANSWERS}
    before = score(NESTED, answers)
    after = score(NESTED, with_full_marks(NESTED, answers, ["q2", "q6"]))
    # pipeline 1 + 2 = 3; delivery (3 + 1.5)/2 = 2.25; operations min(1, 1) = 1;
    # root (3*2.25 + 1*1)/4 = 7.75/4 = 1.9375
    assert (before.overall, after.overall) == (D("0.9375"), D("1.9375"))


def test_with_full_marks_overrides_not_applicable_and_rejects_unknown_questions() -> None:
    answers = with_full_marks(NA_MODEL, {"q2": na("q2")}, ["q2"])
    assert answers == {"q2": yes("q2")}
    with pytest.raises(ScoringError, match="nope: the model has no such question"):
        with_full_marks(NA_MODEL, {}, ["nope"])


# --- published-style maturity models -----------------------------------------------------------

# (a) A test-readiness rubric: each item is not done (0), done by hand (0.5) or automated (1);
# items add up within their area and the weakest area is the overall score; levels by threshold
# (lower bound inclusive).
RUBRIC_ITEM = {"none": "0", "manual": "0.5", "automated": "1"}
RUBRIC_AREAS = ("data", "model", "infrastructure", "monitoring")
RUBRIC = Model(
    Section(
        "rubric",
        MIN,
        children=tuple(
            section(area, *(choice(f"{area}-{n}", RUBRIC_ITEM) for n in (1, 2, 3)), aggregation=SUM)
            for area in RUBRIC_AREAS
        ),
    ),
    levels=(
        Level("untested", "Untested", D(0)),
        Level("barely", "Barely tested", D("0.5")),
        Level("first-pass", "First pass at reliability", D(1)),
        Level("reasonable", "Reasonably tested", D(2)),
        Level("strong", "Strongly tested", D(3)),
    ),
)


def rubric_answers(**areas: str) -> dict[str, Answer]:
    """One letter per item: n(one), m(anual), a(utomated)."""
    names = {"n": "none", "m": "manual", "a": "automated"}
    return {
        f"{area}-{n}": pick(f"{area}-{n}", names[letter])
        for area, letters in areas.items()
        for n, letter in enumerate(letters, start=1)
    }


@pytest.mark.parametrize(
    ("answers", "expected_overall", "expected_level"),
    [
        # data 1+0.5+0 = 1.5, model 1+1+0.5 = 2.5, infra 0.5*3 = 1.5, monitoring 1+0+0 = 1
        # min = 1, exactly the "first-pass" threshold; max min(3,3,3,3) = 3; 1/3
        (
            rubric_answers(data="amn", model="aam", infrastructure="mmm", monitoring="ann"),
            ("1.0000", "3.0000", "33.3333"),
            "first-pass",
        ),
        # monitoring 1+0.5+0 = 1.5 is now tied for weakest: min 1.5
        (
            rubric_answers(data="amn", model="aam", infrastructure="mmm", monitoring="amn"),
            ("1.5000", "3.0000", "50.0000"),
            "first-pass",
        ),
        # everything automated: min(3, 3, 3, 3) = 3
        (
            rubric_answers(data="aaa", model="aaa", infrastructure="aaa", monitoring="aaa"),
            ("3.0000", "3.0000", "100.0000"),
            "strong",
        ),
        # monitoring untouched (unanswered = 0) pulls everything down
        (
            rubric_answers(data="aaa", model="aaa", infrastructure="aaa"),
            ("0.0000", "3.0000", "0.0000"),
            "untested",
        ),
        # one manual item in the weakest area: 0.5
        (
            rubric_answers(data="aaa", model="mnn", infrastructure="aam", monitoring="maa"),
            ("0.5000", "3.0000", "16.6667"),
            "barely",
        ),
    ],
)
def test_rubric_model_scores_its_weakest_area(
    answers: dict[str, Answer], expected_overall: tuple[str, str, str], expected_level: str
) -> None:
    assert validate_model(RUBRIC) == []
    result = score(RUBRIC, answers)
    assert (overall(result), result.level) == (expected_overall, expected_level)


# (b) A three-tier model: business functions hold practices, practices hold two streams, each
# stream asks three questions (one per maturity step) answered no / some / half / most.
TIER_ANSWER = {"no": "0", "some": "0.25", "half": "0.5", "most": "1"}
TIERS = {
    "governance": ("strategy", "policy"),
    "design": ("threats", "architecture"),
}


def stream(key: str) -> Section:
    questions = (choice(f"{key}-{step}", TIER_ANSWER) for step in (1, 2, 3))
    return section(key, *questions, aggregation=SUM)


THREE_TIER = Model(
    Section(
        "programme",
        MEAN,
        children=tuple(
            section(
                function,
                *(
                    section(
                        practice, stream(f"{practice}-a"), stream(f"{practice}-b"), aggregation=MEAN
                    )
                    for practice in practices
                ),
                aggregation=MEAN,
            )
            for function, practices in TIERS.items()
        ),
    )
)
THREE_TIER_ANSWERS = {
    f"{stream_key}-{step}": pick(f"{stream_key}-{step}", answer)
    for stream_key, answers in {
        "strategy-a": ("most", "half", "no"),  # 1 + 0.5 + 0 = 1.5
        "strategy-b": ("most", "most", "some"),  # 1 + 1 + 0.25 = 2.25
        "policy-a": ("half", "some", "no"),  # 0.75
        "policy-b": ("no", "no", "no"),  # 0
        "threats-a": ("most", "most", "most"),  # 3
        "threats-b": ("most", "half", "half"),  # 2
        "architecture-a": ("some", "some", "some"),  # 0.75
        "architecture-b": ("half", "no", "no"),  # 0.5
    }.items()
    for step, answer in enumerate(answers, start=1)
}


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("strategy-b", ("2.2500", "3.0000", "75.0000")),
        ("strategy", ("1.8750", "3.0000", "62.5000")),  # (1.5 + 2.25) / 2
        ("policy", ("0.3750", "3.0000", "12.5000")),  # (0.75 + 0) / 2
        ("governance", ("1.1250", "3.0000", "37.5000")),  # (1.875 + 0.375) / 2
        ("threats", ("2.5000", "3.0000", "83.3333")),  # (3 + 2) / 2
        ("architecture", ("0.6250", "3.0000", "20.8333")),  # (0.75 + 0.5) / 2
        ("design", ("1.5625", "3.0000", "52.0833")),  # (2.5 + 0.625) / 2
        # (1.125 + 1.5625) / 2 = 1.34375 -> 1.3438 (half up); 1.34375/3 = 44.791666..%
        ("programme", ("1.3438", "3.0000", "44.7917")),
    ],
)
def test_three_tier_model_sums_streams_and_averages_practices_and_functions(
    key: str, expected: tuple[str, str, str]
) -> None:
    assert validate_model(THREE_TIER) == []
    assert figures(score(THREE_TIER, THREE_TIER_ANSWERS), key) == expected


# (c) Delivery metrics answered as numbers, each put into one of four bands scored 1, 4, 7 or 10
# out of 10, and averaged; performance tiers by threshold.
def metric(
    key: str, edges: tuple[str, str, str], *, lower_is_better: bool, **options: Any
) -> Question:
    scores = ("10", "7", "4", "1") if lower_is_better else ("1", "4", "7", "10")
    limits = ("0", *edges, None)
    return Question(
        key,
        options.pop("type", NUMBER),
        min_value=options.pop("min_value", D(0)),
        bands=bands(*((scores[n], limits[n], limits[n + 1]) for n in range(4))),
        **options,
    )


DELIVERY_METRICS = model(
    metric("deploys-per-month", ("1", "4", "30"), lower_is_better=False),
    metric("lead-time-hours", ("24", "168", "720"), lower_is_better=True),
    metric("restore-hours", ("1", "24", "168"), lower_is_better=True),
    metric("change-failure-percent", ("16", "31", "46"), lower_is_better=True, type=PERCENTAGE),
    aggregation=MEAN,
    levels=(
        Level("low", "Low", D(0)),
        Level("medium", "Medium", D(4)),
        Level("high", "High", D(7)),
        Level("elite", "Elite", D(9)),
    ),
)


@pytest.mark.parametrize(
    ("values", "expected_overall", "expected_level"),
    [
        # 12/month -> 7; 24 h is the start of the second band -> 7; 0.5 h -> 10; 46% -> 1
        # (7 + 7 + 10 + 1) / 4 = 6.25 of 10
        (("12", "24", "0.5", "46"), ("6.2500", "10.0000", "62.5000"), "medium"),
        # 30/month -> 10; 23.99 h -> 10; 0.99 h -> 10; 15.99% -> 10
        (("30", "23.99", "0.99", "15.99"), ("10.0000", "10.0000", "100.0000"), "elite"),
        # 0.5/month -> 1; 720 h -> 1; 168 h -> 1; 100% -> 1
        (("0.5", "720", "168", "100"), ("1.0000", "10.0000", "10.0000"), "low"),
        # 4 -> 7; 100 h -> 7; 2 h -> 7; 20% -> 7: exactly the "high" threshold
        (("4", "100", "2", "20"), ("7.0000", "10.0000", "70.0000"), "high"),
    ],
)
def test_delivery_metrics_model_averages_banded_scores_out_of_ten(
    values: tuple[str, str, str, str], expected_overall: tuple[str, str, str], expected_level: str
) -> None:
    assert validate_model(DELIVERY_METRICS) == []
    keys = [question.key for question in DELIVERY_METRICS.questions()]
    result = score(
        DELIVERY_METRICS, {key: num(key, value) for key, value in zip(keys, values, strict=True)}
    )
    assert (overall(result), result.level) == (expected_overall, expected_level)


# --- presentation ------------------------------------------------------------------------------


def test_to_dict_is_json_ready_with_decimals_as_strings_in_a_fixed_order() -> None:
    data = TAGGED_RESULT.to_dict()
    assert list(data) == [
        "engine_version",
        "overall",
        "overall_max",
        "overall_percent",
        "level",
        "failed_gates",
        "nodes",
        "breakdowns",
    ]
    # weighted mean over the applicable q1 q2 q4 (weights 1, 3, 1):
    # (1*1 + 3*2 + 1*0) / 5 = 7/5, maxima (1*1 + 3*4 + 1*1) / 5 = 14/5: 50%
    assert data["engine_version"] == ENGINE_VERSION == "1.0"
    assert (data["overall"], data["overall_max"], data["overall_percent"]) == (
        "1.4000",
        "2.8000",
        "50.0000",
    )
    assert data["nodes"]["q3"] == {  # type: ignore[index]
        "key": "q3",
        "score": None,
        "max_score": None,
        "percent": None,
        "answered": 1,
        "applicable": 0,
        "total": 1,
    }
    assert json.loads(json.dumps(data)) == data
    assert json.dumps(TAGGED_RESULT.to_dict()) == json.dumps(data)


def test_scoring_without_detail_gives_the_same_overall_and_level_but_no_breakdowns() -> None:
    from assessments import scoring

    model = scoring.Model(
        root=scoring.Section(
            key="root",
            children=(
                scoring.Question("a", scoring.QuestionType.YES_NO, disciplines=("devops",)),
                scoring.Question("b", scoring.QuestionType.YES_NO, weight=Decimal(3)),
            ),
        ),
        levels=(
            scoring.Level("low", "Low", Decimal(0)),
            scoring.Level("high", "High", Decimal("0.7")),
        ),
    )
    answers = {
        "a": scoring.Answer("a", choices=("no",)),
        "b": scoring.Answer("b", choices=("yes",)),
    }
    full = scoring.score(model, answers)
    brief = scoring.score(model, answers, detail=False)
    # (1 * 0 + 3 * 1) / 4 = 0.75 -> "high" either way
    assert (brief.overall, brief.level) == (full.overall, full.level) == (Decimal("0.7500"), "high")
    assert brief.nodes == {} and brief.breakdowns == {}
    assert full.nodes and full.breakdowns["disciplines"]


def test_an_invalid_model_is_refused_every_time_it_is_scored() -> None:
    from assessments import scoring

    broken = scoring.Model(root=scoring.Section(key="root", children=()))
    for _ in range(2):
        with pytest.raises(scoring.ScoringError):
            scoring.score(broken, {})


# --- "none of these" ---------------------------------------------------------------------------

CHECKS = choice("checks", {"lint": "0.5", "tests": "0.5"}, multiple=True)
CHECKS_OR_NONE = Question(
    "checks", MULTIPLE, choices=CHECKS.choices, none_option="None of these checks runs"
)


@pytest.mark.parametrize(
    ("answer", "errors"),
    [
        (pick("checks", "none"), []),
        (pick("checks", "none", "lint"), ["'none' (none of these) cannot be combined with"]),
        (pick("checks", "lint", "tests"), []),
    ],
)
def test_none_of_these_is_an_answer_alone_where_the_question_offers_it(
    answer: Answer, errors: list[str]
) -> None:
    found = validate_answer(CHECKS_OR_NONE, answer)
    assert len(found) == len(errors)
    assert [error[: len(expected)] for error, expected in zip(found, errors, strict=True)] == errors
    if not errors:
        run(model(CHECKS_OR_NONE), answer)
    else:
        with pytest.raises(ScoringError):
            run(model(CHECKS_OR_NONE), answer)


def test_none_of_these_is_refused_where_the_question_does_not_offer_it() -> None:
    assert validate_answer(CHECKS, pick("checks", "none")) == [
        "choice 'none' is not one of: lint, tests"
    ]


def test_none_of_these_scores_zero_counts_as_answered_and_keeps_the_maximum() -> None:
    # checks (max 1) answered "none" and yes (max 1) answered yes: (0 + 1) / 2 = 0.5.
    result = run(model(CHECKS_OR_NONE, yes_no("backups")), pick("checks", "none"), yes("backups"))
    assert figures(result, "checks") == ("0.0000", "1.0000", "0.0000")
    assert result.nodes["checks"].answered == 1
    assert overall(result) == ("0.5000", "1.0000", "50.0000")
    full = with_full_marks(model(CHECKS_OR_NONE), {}, ["checks"])
    assert full["checks"].choices == ("lint", "tests")


@pytest.mark.parametrize(
    ("question", "problem"),
    [
        (
            Question("q", SINGLE, choices=(Choice("a", D(1)),), none_option="None"),
            "none_option applies only to multiple_choice questions, not to single_choice",
        ),
        (
            Question("q", SCALE, max_value=D(4), none_option="None"),
            "none_option applies only to multiple_choice questions, not to scale",
        ),
        (
            Question("q", MULTIPLE, choices=(Choice("none", D(1)),), none_option="None"),
            "choice key 'none' is reserved for the none_option; rename the choice",
        ),
    ],
)
def test_a_none_option_is_refused_where_it_cannot_work(question: Question, problem: str) -> None:
    assert any(problem in error for error in validate_model(model(question)))


@pytest.mark.parametrize(
    ("mode", "overall", "expected"),
    [
        (LevelMode.GATED, "0.49", "initial"),
        (LevelMode.GATED, "0.5", "managed"),  # inclusive, whatever gates say
        (LevelMode.THRESHOLD, "0.9", "optimised"),
        (LevelMode.THRESHOLD, None, None),
    ],
)
def test_the_level_without_gates_is_the_level_the_overall_score_alone_reaches(
    mode: LevelMode, overall: str | None, expected: str | None
) -> None:
    from assessments.scoring import level_without_gates

    levels = (Level("initial", "Initial", D(0)), Level("managed", "Managed", D("0.5")),
              Level("optimised", "Optimised", D("0.8")))  # fmt: skip
    scored = model(yes_no("q", level_gate="managed"), levels=levels, level_mode=mode)
    assert level_without_gates(scored, None if overall is None else D(overall)) == expected


# --- scores given from outside -----------------------------------------------------------------

FOUR = scale("q", "0", "4")  # raw 0..4: the number is the score, maximum 4
THIRDS = Question("q", SCALE, min_value=D(0), max_value=D(3), linear=LinearMapping(D(0), D(3)))


def given_score(key: str, value: str) -> Answer:
    return Answer(key, score=D(value))


@pytest.mark.parametrize(
    ("question", "value", "expected"),
    [
        # score, maximum, percent = score / maximum * 100
        (FOUR, "2.5", ("2.5000", "4.0000", "62.5000")),
        (FOUR, "0", ("0.0000", "4.0000", "0.0000")),
        (FOUR, "4", ("4.0000", "4.0000", "100.0000")),
        # multiple choice: the maximum is the sum of the positive values 1 + 2 + 0.5 = 3.5
        (MULTI, "1.75", ("1.7500", "3.5000", "50.0000")),
        (yes_no("q"), "0.5", ("0.5000", "1.0000", "50.0000")),
        # 0.1 of 3 = 3.3333...%: exact until quantized
        (THIRDS, "0.1", ("0.1000", "1.0000", "10.0000")),
        (DEPLOYS, "1.23456", ("1.2346", "3.0000", "41.1520")),  # 1.23456 / 3 = 41.152%
    ],
)
def test_a_score_answer_scores_exactly_its_value(
    question: Question, value: str, expected: tuple[str, ...]
) -> None:
    assert figures(run(model(question), given_score("q", value)), "q") == expected


def test_a_score_answer_counts_in_its_section_like_any_answer() -> None:
    scored = model(section("s", scale("q1", "0", "4"), yes_no("q2"), scale("q3", "0", "4")))
    result = run(scored, given_score("q1", "3"), yes("q2"), num("q3", "1"))
    # weighted mean, weights 1: (3 + 1 + 1) / 3 = 5/3 of (4 + 1 + 4) / 3 = 3 -> 5/9 = 55.5556%
    assert figures(result, "s") == ("1.6667", "3.0000", "55.5556")
    assert (result.nodes["s"].answered, result.nodes["s"].applicable) == (3, 3)


def test_a_score_answer_is_not_empty_and_passes_a_gate_only_at_the_pass_score() -> None:
    assert not given_score("q", "0").is_empty
    levels = (Level("one", "One"),)
    gated = model(
        scale("q", "0", "4", level_gate="one", pass_score=D(3)),
        levels=levels,
        level_mode=LevelMode.GATED,
    )
    assert run(gated, given_score("q", "3")).level == "one"
    assert run(gated, given_score("q", "2.9999")).failed_gates == {"one": ("q",)}


@pytest.mark.parametrize(
    ("question", "answer", "expected"),
    [
        (FOUR, given_score("q", "4"), []),
        (FOUR, given_score("q", "-1"), ["score -1 is below the minimum 0"]),
        (FOUR, given_score("q", "4.0001"), ["score 4.0001 is above the question's maximum 4.0000"]),
        (MULTI, given_score("q", "3.6"), ["score 3.6 is above the question's maximum 3.5000"]),
        (FOUR, given_score("q", "NaN"), ["score must be finite, got NaN"]),
        (FOUR, given_score("q", "-Infinity"), ["score must be finite, got -Infinity"]),
        (
            ABC,
            Answer("q", ("a",), score=D(1)),
            ["a score answer carries no choices, no number and no 'not applicable'"],
        ),
        (
            FOUR,
            Answer("q", number=D(1), score=D(1)),
            ["a score answer carries no choices, no number and no 'not applicable'"],
        ),
        (
            yes_no("q", allow_not_applicable=True),
            Answer("q", not_applicable=True, score=D(1)),
            ["a score answer carries no choices, no number and no 'not applicable'"],
        ),
        (
            FOUR,
            Answer("other", score=D(9)),
            [
                "answer is for question 'other', not 'q'",
                "score 9 is above the question's maximum 4.0000",
            ],
        ),
    ],
)
def test_validate_answer_explains_what_is_wrong_with_a_score_answer(
    question: Question, answer: Answer, expected: list[str]
) -> None:
    assert validate_answer(question, answer) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (given_score("q", "5"), "q: score 5 is above the question's maximum 4.0000"),
        (given_score("q", "-0.5"), "q: score -0.5 is below the minimum 0"),
        (given_score("q", "NaN"), "q: score must be finite, got NaN"),
    ],
)
def test_score_refuses_a_score_answer_out_of_range(answer: Answer, expected: str) -> None:
    with pytest.raises(ScoringError) as raised:
        run(model(FOUR), answer)
    assert raised.value.errors == (expected,)


def test_a_score_arrives_as_a_string_or_int_but_never_as_a_float() -> None:
    assert Answer("q", score="1.5").score == D("1.5")  # type: ignore[arg-type]
    assert Answer("q", score=2).score == D(2)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Answer("q", score=0.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("question", "answer", "expected"),
    [
        (ABC, pick("q", "b"), D("2.0000")),
        (MULTI, pick("q", "a", "b", "d"), D("3.5000")),  # 1 + 2 + 0.5
        (MULTI, pick("q", "c"), D("0.0000")),  # -1, kept at 0
        (DEPLOYS, num("q", "12"), D("2.0000")),  # band 4 <= x < 30
        (THIRDS, num("q", "1"), D("0.3333")),  # 1/3
        (THIRDS, num("q", "2"), D("0.6667")),  # 2/3, half up like the engine
        (FOUR, given_score("q", "1.23456"), D("1.2346")),
        (yes_no("q", allow_not_applicable=True), na("q"), None),
        (ABC, Answer("q"), None),  # empty: its 0 or exclusion is the model's policy
    ],
)
def test_answer_score_is_the_engines_score_for_one_answer(
    question: Question, answer: Answer, expected: Decimal | None
) -> None:
    from assessments.scoring import answer_score

    value = answer_score(question, answer)
    assert value == expected
    if expected is not None:
        assert str(value) == str(expected)  # 4 places, like the engine's figures
        assert run(model(question), answer).nodes["q"].score == expected


@pytest.mark.parametrize(
    ("question", "answer", "expected"),
    [
        (ABC, pick("q", "x"), "q: choice 'x' is not one of: a, b, c"),
        (FOUR, given_score("q", "5"), "q: score 5 is above the question's maximum 4.0000"),
        (Question("q", NUMBER), num("q", "1"), "q: a raw-scored number question needs max_value"),
    ],
)
def test_answer_score_refuses_invalid_answers_and_questions(
    question: Question, answer: Answer, expected: str
) -> None:
    from assessments.scoring import answer_score

    with pytest.raises(ScoringError) as raised:
        answer_score(question, answer)
    assert raised.value.errors[0].startswith(expected)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (ABC, "3.0000"),
        (MULTI, "3.5000"),  # 1 + 2 + 0.5, the penalty left out
        (yes_no("q"), "1.0000"),
        (Question("q", PERCENTAGE), "100.0000"),
        (DEPLOYS, "3.0000"),  # the best band
        (THIRDS, "1.0000"),
        (choice("q", {"a": "0.12345"}), "0.1235"),
    ],
)
def test_question_maximum_is_the_best_score_as_the_engine_shows_it(
    question: Question, expected: str
) -> None:
    from assessments.scoring import question_maximum

    assert str(question_maximum(question)) == expected


def test_the_engine_version_is_unchanged_as_existing_results_score_the_same() -> None:
    assert ENGINE_VERSION == "1.0"


# --- scores given from outside: properties over generated models --------------------------------

PROPERTY_SETTINGS = settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
SCORE_POOL = ["0", "0.5", "1", "1.0001", "3", "7.5", "10", "10.01", "-0.0001", "NaN", "Infinity"]


@PROPERTY_SETTINGS
@given(cases(), st.data())
def test_score_accepts_a_score_answer_exactly_when_validate_answer_finds_nothing(
    case: tuple[Model, dict[str, Answer]], data: st.DataObject
) -> None:
    # score() checks answers on a fast path; it must agree with validate_answer's words.
    scored_model, _ = case
    for question in scored_model.questions():
        answer = Answer(
            question.key,
            choices=data.draw(st.sampled_from([(), ("c0",)])),
            not_applicable=data.draw(st.booleans()),
            score=D(data.draw(st.sampled_from(SCORE_POOL))),
        )
        problems = validate_answer(question, answer)
        if problems:
            with pytest.raises(ScoringError) as raised:
                score(scored_model, {question.key: answer})
            assert raised.value.errors == tuple(f"{question.key}: {p}" for p in problems)
        else:
            assert score(scored_model, {question.key: answer}).nodes[question.key].score == (
                answer.score.quantize(D("0.0001"))  # type: ignore[union-attr]
            )


@PROPERTY_SETTINGS
@given(cases())
def test_replacing_answers_by_their_answer_score_keeps_every_question_score(
    case: tuple[Model, dict[str, Answer]],
) -> None:
    from assessments.scoring import answer_score

    scored_model, answers = case
    questions = {question.key: question for question in scored_model.questions()}
    replaced = dict(answers)
    for key, answer in answers.items():
        value = answer_score(questions[key], answer)
        if value is not None:
            replaced[key] = Answer(key, score=value)
    before, after = score(scored_model, answers), score(scored_model, replaced)
    for key in questions:
        old, new = before.nodes[key], after.nodes[key]
        assert (new.score, new.max_score, new.answered, new.applicable) == (
            old.score,
            old.max_score,
            old.answered,
            old.applicable,
        )
