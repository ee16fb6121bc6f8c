"""The recommender, checked against hand-computed rankings. No database, no Django."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import pytest

from assessments import scoring
from assessments.recommendations import (
    RECOMMENDER_VERSION,
    PracticeInfo,
    QuestionInfo,
    Recommendation,
    ToolInfo,
    ToolSuggestion,
    Trigger,
    next_step,
    quantity_text,
    recommend,
    render_answer,
)
from assessments.scoring import Answer, Choice, Level, LevelMode, Model, Question, QuestionType

D = Decimal
GATED = LevelMode.GATED


# --- building blocks ---------------------------------------------------------------------------


def yes_no(key: str, *practices: str, **options: Any) -> Question:
    return Question(key, QuestionType.YES_NO, practices=practices, **options)


def section(key: str, *children: scoring.Section | Question, weight: str = "1") -> scoring.Section:
    return scoring.Section(key, weight=D(weight), children=children)


def model(
    *children: scoring.Section | Question,
    levels: tuple[Level, ...] = (),
    level_mode: LevelMode = LevelMode.THRESHOLD,
) -> Model:
    return Model(section("root", *children), levels, level_mode)


def levels(*keys_and_minima: tuple[str, str | None]) -> tuple[Level, ...]:
    return tuple(
        Level(key, key.title(), None if minimum is None else D(minimum))
        for key, minimum in keys_and_minima
    )


def yes(key: str) -> Answer:
    return Answer(key, ("yes",))


def no(key: str) -> Answer:
    return Answer(key, ("no",))


def na(key: str) -> Answer:
    return Answer(key, not_applicable=True)


def num(key: str, value: str) -> Answer:
    return Answer(key, number=D(value))


def answers_of(*answers: Answer) -> dict[str, Answer]:
    return {answer.question: answer for answer in answers}


def catalogue(*slugs: str) -> dict[str, PracticeInfo]:
    return {slug: PracticeInfo(slug, slug.replace("-", " ").title()) for slug in slugs}


PRACTICES = {
    **catalogue("ci", "iac", "monitoring"),
    **catalogue("zeta", "alpha", "beta", "gamma"),
    **catalogue("ops", "other", "done", "skipped"),
    **catalogue("basics", "release", "testing", "observability", "docs"),
}


def run(
    scoring_model: Model,
    *answers: Answer,
    practices: Mapping[str, PracticeInfo] = PRACTICES,
    tools: tuple[ToolInfo, ...] = (),
    **options: Any,
) -> tuple[Recommendation, ...]:
    given = answers_of(*answers)
    result = scoring.score(scoring_model, given)
    return recommend(
        model=scoring_model,
        answers=given,
        result=result,
        practices=practices,
        tools=tools,
        **options,
    )


def summary(recommendations: tuple[Recommendation, ...]) -> list[tuple[str, str | None, str]]:
    """(practice, expected_percent, expected_gain) as the API shows them: the overall
    percentage at full marks and the gain in percentage points (these models' maximum is 1,
    so a score of 0.375 is 37.5%)."""
    return [(r.key, str(r.expected_percent), str(r.expected_gain)) for r in recommendations]


def slugs(recommendations: tuple[Recommendation, ...]) -> list[str]:
    return [r.key for r in recommendations]


# --- ranking by expected gain ------------------------------------------------------------------

# root (weighted mean) = (3*build + 1*run) / 4
# +- build (weight 3): q1 [ci], q2 [iac]       -> mean of the two yes/no
# +- run   (weight 1): q3 [monitoring], q4 [iac]
# Levels (threshold): starting 0, defined 0.6, optimised 1.
WEIGHTED = model(
    section("build", yes_no("q1", "ci"), yes_no("q2", "iac"), weight="3"),
    section("run", yes_no("q3", "monitoring"), yes_no("q4", "iac")),
    levels=levels(("starting", "0"), ("defined", "0.6"), ("optimised", "1")),
)
ALL_NO = (no("q1"), no("q2"), no("q3"), no("q4"))


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        # overall 0, level starting.
        # iac full: build 1/2, run 1/2 -> (3*0.5 + 0.5)/4 = 0.5  (still starting)
        # ci full:  build 1/2          -> 3*0.5/4 = 0.375
        # monitoring full: run 1/2     -> 0.5/4 = 0.125
        (
            ALL_NO,
            [
                ("iac", "50.0000", "50.0000", "starting"),
                ("ci", "37.5000", "37.5000", "starting"),
                ("monitoring", "12.5000", "12.5000", "starting"),
            ],
        ),
        # q1 yes: overall 3*0.5/4 = 0.375; ci is at full marks and drops out.
        # iac full: build 1, run 1/2 -> (3 + 0.5)/4 = 0.875 >= 0.6: defined, gain 0.5
        # monitoring full: run 1/2 -> (1.5 + 0.5)/4 = 0.5, gain 0.125
        (
            (yes("q1"), no("q2"), no("q3"), no("q4")),
            [
                ("iac", "87.5000", "50.0000", "defined"),
                ("monitoring", "50.0000", "12.5000", "starting"),
            ],
        ),
        # q2 yes: overall 0.375.
        # ci full: build 1 -> 0.75, defined: one level up, so first
        # iac full: q4 yes -> (1.5 + 0.5)/4 = 0.5, gain 0.125
        # monitoring full: the same 0.5, gain 0.125; monitoring is at 0% (q3 no) and iac at
        # 50% (q2 yes, q4 no): the weaker practice first, although iac's q2 comes before q3
        (
            (no("q1"), yes("q2"), no("q3"), no("q4")),
            [
                ("ci", "75.0000", "37.5000", "defined"),
                ("monitoring", "50.0000", "12.5000", "starting"),
                ("iac", "50.0000", "12.5000", "starting"),
            ],
        ),
    ],
)
def test_practices_rank_by_levels_gained_then_by_the_weighted_overall_gain_in_points(
    answers: tuple[Answer, ...], expected: list[tuple[str, str, str, str]]
) -> None:
    recommendations = run(WEIGHTED, *answers)
    assert [
        (r.key, str(r.expected_percent), str(r.expected_gain), r.expected_level)
        for r in recommendations
    ] == expected
    assert [r.rank for r in recommendations] == list(range(1, len(expected) + 1))


# Flat mean of q1 [zeta] and q2 [beta, alpha], both answered no: each practice's full marks
# give 1/2, so all gains tie at 0.5.
TIES = model(yes_no("q1", "zeta"), yes_no("q2", "beta", "alpha"))


def test_equal_gains_keep_questionnaire_order_and_then_slug_order() -> None:
    # zeta's first question (q1) comes first; alpha and beta share q2, so the slug decides.
    assert summary(run(TIES, no("q1"), no("q2"))) == [
        ("zeta", "50.0000", "50.0000"),
        ("alpha", "50.0000", "50.0000"),
        ("beta", "50.0000", "50.0000"),
    ]


# q1 [ops, mystery] may be not applicable, q2 [ops], q3 [other], q4 [done], q5 [skipped] may be
# not applicable. "mystery" is not in the catalogue.
NA_MODEL = model(
    yes_no("q1", "ops", "mystery", allow_not_applicable=True),
    yes_no("q2", "ops"),
    yes_no("q3", "other"),
    yes_no("q4", "done"),
    yes_no("q5", "skipped", allow_not_applicable=True),
)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        # q1 and q5 not applicable: overall (q2 0 + q3 0 + q4 1)/3 = 0.3333.
        # ops full lifts q2 only (q1 stays out): (1 + 0 + 1)/3 = 0.6667; had q1 been given full
        # marks too it would be (1 + 1 + 0 + 1)/4 = 0.75. other full: (0 + 1 + 1)/3 = 0.6667.
        # Gains are differences of the shown percentages: 66.6667 - 33.3333 = 33.3334 points.
        # done is at full marks, skipped is all not applicable, mystery is unknown.
        (
            (na("q1"), no("q2"), no("q3"), yes("q4"), na("q5")),
            [("ops", "66.6667", "33.3334"), ("other", "66.6667", "33.3334")],
        ),
        # ops at full marks on its only applicable question: only other is left.
        # overall (1 + 0 + 1)/3 = 0.6667 -> other full: 1.0000
        (
            (na("q1"), yes("q2"), no("q3"), yes("q4"), na("q5")),
            [("other", "100.0000", "33.3333")],
        ),
        # Everything at full marks (or not applicable): nothing to recommend.
        ((yes("q1"), yes("q2"), yes("q3"), yes("q4"), na("q5")), []),
    ],
)
def test_full_marks_not_applicable_and_unknown_practices_are_not_recommended(
    answers: tuple[Answer, ...], expected: list[tuple[str, str, str]]
) -> None:
    assert summary(run(NA_MODEL, *answers)) == expected


# --- gated levels ------------------------------------------------------------------------------

# Flat weighted mean, total weight 1 + 1 + 1 + 4 + 1 + 1 = 9.
# g1 [basics] gates initial; g2a [release, testing] and g2b [release] gate managed;
# h [testing] weighs 4, no gate; g3 [observability] gates optimised; d [docs] no gate.
GATED_MODEL = model(
    yes_no("g1", "basics", level_gate="initial"),
    yes_no("g2a", "release", "testing", level_gate="managed"),
    yes_no("g2b", "release", level_gate="managed"),
    yes_no("h", "testing", weight=D(4)),
    yes_no("g3", "observability", level_gate="optimised"),
    yes_no("d", "docs"),
    levels=levels(("initial", None), ("managed", None), ("optimised", None)),
    level_mode=GATED,
)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        # g1 yes, the rest no or unanswered: overall 1/9 = 0.1111, level initial, next managed.
        # Failing gates up to managed: g2a (unanswered), g2b -> release and testing.
        # release full: g2a g2b -> 3/9 = 0.3333, gain 0.2222, managed reached (+1 level).
        # testing full: g2a h -> 6/9 = 0.6667, gain 0.5556, g2b still fails: initial (+0).
        # observability fails only optimised's gate (beyond the next level); docs has no gate.
        (
            (yes("g1"), no("g2b"), no("h"), no("g3"), no("d")),
            [
                ("release", "33.3333", "22.2222", "managed"),
                ("testing", "66.6667", "55.5556", "initial"),
            ],
        ),
        # g1 no as well: overall 0, no level, the next level is initial: only g1 blocks it.
        # basics full: 1/9 = 0.1111, initial reached.
        (
            (no("g1"), no("g2a"), no("g2b")),
            [("basics", "11.1111", "11.1111", "initial")],
        ),
    ],
)
def test_gated_mode_recommends_practices_failing_the_next_levels_gates_unlockers_first(
    answers: tuple[Answer, ...], expected: list[tuple[str, str, str, str]]
) -> None:
    assert [
        (r.key, str(r.expected_percent), str(r.expected_gain), r.expected_level)
        for r in run(GATED_MODEL, *answers)
    ] == expected


# managed needs an overall 0.75 and has no gate questions.
SCORE_BLOCKED = model(
    yes_no("a", "alpha"),
    yes_no("b", "beta"),
    yes_no("c", "gamma"),
    levels=levels(("initial", None), ("managed", "0.75")),
    level_mode=GATED,
)
# a [alpha] gates the top level managed and passes.
AT_THE_TOP = model(
    yes_no("a", "alpha", level_gate="managed"),
    yes_no("b", "beta"),
    levels=levels(("initial", None), ("managed", None)),
    level_mode=GATED,
)


@pytest.mark.parametrize(
    ("scoring_model", "answers", "expected"),
    [
        # overall 1/3, initial; managed is blocked only by its 0.75 minimum: no failing gate, so
        # every candidate. beta or gamma full: 2/3 = 0.6667 (< 0.75), gain 0.6667 - 0.3333.
        (
            SCORE_BLOCKED,
            (yes("a"), no("b"), no("c")),
            [("beta", "66.6667", "33.3334", "initial"), ("gamma", "66.6667", "33.3334", "initial")],
        ),
        # overall 1/2 at the top level managed: no next level. beta full: 1.0, still managed.
        (AT_THE_TOP, (yes("a"), no("b")), [("beta", "100.0000", "50.0000", "managed")]),
    ],
)
def test_gated_mode_falls_back_to_every_candidate_when_no_gate_blocks_the_next_level(
    scoring_model: Model, answers: tuple[Answer, ...], expected: list[tuple[str, str, str, str]]
) -> None:
    assert [
        (r.key, str(r.expected_percent), str(r.expected_gain), r.expected_level)
        for r in run(scoring_model, *answers)
    ] == expected


# --- tools -------------------------------------------------------------------------------------

# One practice, ci; q1 no: overall 0, level l1 (index 0), next l2: tools paying off from level 2.
TOOLS_MODEL = model(yes_no("q1", "ci"), levels=levels(("l1", "0"), ("l2", "0.5"), ("l3", "1")))
TOOLS = (
    ToolInfo("spinnaker", "Spinnaker", "adopt", 3, ("ci",)),  # pays off from level 3 only
    ToolInfo("tekton", "Tekton", "assess", 1, ("ci",)),
    ToolInfo("travis", "Travis CI", "hold", 1, ("ci",)),  # hold: never recommended
    ToolInfo("jenkins-x", "Jenkins", "adopt", 1, ("ci",)),  # same name as jenkins: slug decides
    ToolInfo("gitlab-ci", "GitLab CI", "adopt", 2, ("ci",)),
    ToolInfo("argo-workflows", "Argo Workflows", "trial", 1, ("ci",)),
    ToolInfo("jenkins", "Jenkins", "adopt", 1, ("ci",)),
    ToolInfo("buildkite", "Buildkite", "adopt", 1, ("cd", "ci")),
    ToolInfo("circleci", "CircleCI", "adopt", 1, ("ci",)),  # used
    ToolInfo("bamboo", "Bamboo", "hold", 1, ("ci",)),  # used, on hold
    ToolInfo("terraform", "Terraform", "adopt", 1, ("iac",)),  # used, another practice
)
USED = ["terraform", "circleci", "bamboo", "in-house"]
# adopt (min 1: Buildkite, Jenkins/jenkins, Jenkins/jenkins-x; min 2: GitLab CI), trial, assess.
ALL_FITTING = ["buildkite", "jenkins", "jenkins-x", "gitlab-ci", "argo-workflows", "tekton"]


@pytest.mark.parametrize(
    ("tools_per_practice", "expected"),
    [(10, ALL_FITTING), (3, ALL_FITTING[:3]), (1, ["buildkite"]), (0, [])],
)
def test_tools_skip_hold_used_and_premature_ones_ordered_by_ring_maturity_and_name(
    tools_per_practice: int, expected: list[str]
) -> None:
    (recommendation,) = run(
        TOOLS_MODEL,
        no("q1"),
        tools=TOOLS,
        used_tools=USED,
        tools_per_practice=tools_per_practice,
    )
    assert [tool.slug for tool in recommendation.tools] == expected
    # used tools supporting ci, whatever their ring; terraform supports iac, in-house is unknown
    assert recommendation.already_using == ("bamboo", "circleci")


def test_a_tool_suggestion_carries_its_ring_and_maturity() -> None:
    (recommendation,) = run(TOOLS_MODEL, no("q1"), tools=TOOLS, used_tools=USED)
    assert recommendation.tools == (
        ToolSuggestion("buildkite", "Buildkite", "adopt", 1),
        ToolSuggestion("jenkins", "Jenkins", "adopt", 1),
        ToolSuggestion("jenkins-x", "Jenkins", "adopt", 1),
    )


# One tool per maturity level 1..5.
LADDER_TOOLS = tuple(ToolInfo(f"m{n}", f"M{n}", "adopt", n, ("ci",)) for n in range(1, 6))


@pytest.mark.parametrize(
    ("count", "start", "answer", "expected_maturities"),
    [
        # 5 levels at 0, 10, .. 40; 0 reaches the first (index 0): next is level 2
        (5, 0, "0", [1, 2]),
        # 25 reaches the third (index 2): next is level 4
        (5, 0, "25", [1, 2, 3, 4]),
        # 45 reaches the top (level 5): no next, the current level 5
        (5, 0, "45", [1, 2, 3, 4, 5]),
        # 3 levels, 25 reaches the top (level 3): tools from level 4 up do not pay off yet
        (3, 0, "25", [1, 2, 3]),
        # 7 levels, 45 reaches the fifth: next is level 6, clamped to 5
        (7, 0, "45", [1, 2, 3, 4, 5]),
        # 2 levels from 10, 5 reaches none: next is level 1
        (2, 10, "5", [1]),
        # no levels at all: no current, no next; clamped up to 1
        (0, 0, "45", [1]),
    ],
)
def test_tools_pay_off_at_the_next_level_or_at_the_top_clamped_to_one_to_five(
    count: int, start: int, answer: str, expected_maturities: list[int]
) -> None:
    ladder = levels(*((f"level{i}", str(start + 10 * i)) for i in range(count)))
    scoring_model = Model(
        section("root", Question("q", QuestionType.NUMBER, max_value=D(100), practices=("ci",))),
        ladder,
    )
    (recommendation,) = run(
        scoring_model, num("q", answer), tools=LADDER_TOOLS, tools_per_practice=5
    )
    assert [tool.min_maturity for tool in recommendation.tools] == expected_maturities


@pytest.mark.parametrize(
    ("ring", "min_maturity", "message"),
    [
        ("Adopt", 1, "ring 'Adopt' is not one of"),
        ("retired", 1, "ring 'retired' is not one of"),
        ("adopt", 0, "min_maturity 0 is not between 1 and 5"),
        ("trial", 6, "min_maturity 6 is not between 1 and 5"),
    ],
)
def test_a_tool_with_an_unknown_ring_or_maturity_is_refused(
    ring: str, min_maturity: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ToolInfo("x", "X", ring, min_maturity)


# --- limit -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit", "expected"),
    [(10, ["iac", "ci", "monitoring"]), (2, ["iac", "ci"]), (1, ["iac"]), (0, [])],
)
def test_limit_keeps_the_best_ranked_practices(limit: int, expected: list[str]) -> None:
    assert slugs(run(WEIGHTED, *ALL_NO, limit=limit)) == expected


@pytest.mark.parametrize("options", [{"limit": -1}, {"tools_per_practice": -1}])
def test_negative_limits_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        run(WEIGHTED, *ALL_NO, **options)


# --- triggers and answers ----------------------------------------------------------------------

TRIGGERS_MODEL = model(
    Question(
        "pipeline",
        QuestionType.SINGLE_CHOICE,
        choices=(Choice("none", D(0), "None"), Choice("some", D(1), "Some"), Choice("all", D(2))),
        practices=("ci",),
    ),
    Question(
        "checks",
        QuestionType.MULTIPLE_CHOICE,
        choices=(
            Choice("unit", D(1), "Unit tests"),
            Choice("e2e", D(1)),
            Choice("lint", D(1), "Linting"),
        ),
        practices=("ci",),
    ),
    Question("coverage", QuestionType.SCALE, min_value=D(0), max_value=D(4), practices=("ci",)),
    yes_no("gate", "ci"),
    yes_no("missing", "ci"),
    yes_no("blank", "ci"),
    yes_no("skipped", "ci", allow_not_applicable=True),
    yes_no("done", "ci"),
)


def test_triggers_list_questions_below_full_marks_in_order_with_their_answers() -> None:
    (recommendation,) = run(
        TRIGGERS_MODEL,
        Answer("pipeline", ("some",)),
        Answer("checks", ("e2e", "unit")),
        num("coverage", "2.5"),
        no("gate"),
        Answer("blank"),
        na("skipped"),
        yes("done"),
    )
    assert recommendation.triggers == (
        # the next choice up is the one with the lowest value above the score; "all" has no
        # label, so its key
        Trigger("pipeline", "", "Some", D("50.0000"), "all", D("100.0000")),
        # declared order; e2e has no label, so its key; the next step adds the best choice left
        Trigger("checks", "", "Unit tests, e2e", D("66.6667"), "also Linting", D("100.0000")),
        # a scale read as "of" its top; a raw number's next step is the top of its range
        Trigger("coverage", "", "2.5 of 4", D("62.5000"), "4 of 4", D("100.0000")),
        Trigger("gate", "", "No", D("0.0000"), "Yes", D("100.0000")),
        Trigger("missing", "", "unanswered", D("0.0000"), "Yes", D("100.0000")),
        Trigger("blank", "", "unanswered", D("0.0000"), "Yes", D("100.0000")),
        # skipped is not applicable and done has full marks: neither is listed
    )


LEAD_TIME = Question(
    "q",
    QuestionType.NUMBER,
    min_value=D(0),
    bands=(
        scoring.Band(D(1), upper=D(1)),
        scoring.Band(D("0.75"), lower=D(1), upper=D(24)),
        scoring.Band(D("0.5"), lower=D(24), upper=D(168)),
        scoring.Band(D(0), lower=D(168)),
    ),
)
LEAD_TIME_INFO = QuestionInfo(
    "q", "Lead time?", "hours", ("Under an hour", "Within a day", "", "Slow")
)
CONFIDENCE = Question(
    "q",
    QuestionType.SCALE,
    min_value=D(1),
    max_value=D(5),
    linear=scoring.LinearMapping(D(1), D(5), D(0), D(1)),
)
SHARE = Question("q", QuestionType.PERCENTAGE, linear=scoring.LinearMapping(D(0), D(100)))
# Lower is better: 0 failures score 1, 40 or more score 0.
FAILURES = Question(
    "q", QuestionType.PERCENTAGE, linear=scoring.LinearMapping(D(40), D(0), D(0), D(1))
)
PICK = Question(
    "q",
    QuestionType.MULTIPLE_CHOICE,
    choices=(Choice("a", D("0.25"), "A"), Choice("b", D("0.5"), "B"), Choice("c", D("0.5"), "C")),
    none_option="None",
)
LADDER = Question(
    "q",
    QuestionType.SINGLE_CHOICE,
    choices=(Choice("x", D(0), "X"), Choice("y", D(1), "Y"), Choice("z", D(1), "Z")),
)


@pytest.mark.parametrize(
    ("question", "info", "answer", "expected"),
    [
        # 48 hours is in the 0.5 band: the next band up is 0.75, "Within a day" (max 1)
        (LEAD_TIME, LEAD_TIME_INFO, num("q", "48"), ("Within a day (1 to under 24 hours)", "75")),
        # from the 0 band the lowest band above is the unlabelled 0.5 one: its range alone
        (LEAD_TIME, LEAD_TIME_INFO, num("q", "400"), ("24 to under 168 hours", "50")),
        (LEAD_TIME, LEAD_TIME_INFO, num("q", "2"), ("Under an hour (under 1 hours)", "100")),
        # 2 of 5 scores 0.25: the next quarter of the scale is 3 (0.5)
        (CONFIDENCE, QuestionInfo("q"), num("q", "2"), ("3 of 5", "50")),
        (CONFIDENCE, QuestionInfo("q"), num("q", "4.5"), ("5 of 5", "100")),
        (CONFIDENCE, QuestionInfo("q"), None, ("2 of 5", "25")),
        (SHARE, QuestionInfo("q", unit="%"), num("q", "30"), ("50%", "50")),
        # 25% scores 0.375; the quarters from 40% down to 0% score 0, 0.25, 0.5, 0.75, 1
        (FAILURES, QuestionInfo("q", unit="%"), num("q", "25"), ("20%", "50")),
        (FAILURES, QuestionInfo("q"), num("q", "5"), ("0%", "100")),
        # the best choice not selected; equal values keep the declared order
        # the maximum is 0.25 + 0.5 + 0.5 = 1.25; a and b make 0.75: 60%
        (PICK, QuestionInfo("q"), Answer("q", ("a",)), ("also B", "60")),
        (PICK, QuestionInfo("q"), Answer("q", ("none",)), ("B", "40")),
        (PICK, QuestionInfo("q"), Answer("q", ("b", "a")), ("also C", "100")),
        # the lowest value above the score; equal values keep the declared order
        (LADDER, QuestionInfo("q"), Answer("q", ("x",)), ("Y", "100")),
    ],
)
def test_next_step_is_the_next_answer_up_in_the_questions_words(
    question: Question,
    info: QuestionInfo,
    answer: Answer | None,
    expected: tuple[str, str],
) -> None:
    given = {} if answer is None else {"q": answer}
    node = scoring.score(Model(section("root", question)), given).nodes["q"]
    text, percent = next_step(question, info, answer, node.score or D(0), node.max_score)
    assert (text, percent) == (expected[0], D(expected[1]).quantize(D("0.0001")))


def test_a_question_at_its_best_answer_has_no_next_step() -> None:
    node = scoring.score(Model(section("root", LADDER)), {"q": Answer("q", ("y",))}).nodes["q"]
    assert next_step(
        LADDER, QuestionInfo("q"), Answer("q", ("y",)), node.score, node.max_score
    ) == (
        "",
        None,
    )


@pytest.mark.parametrize(
    ("question", "unit", "value", "expected"),
    [
        (LEAD_TIME, "hours", "48.0000", "48 hours"),
        (LEAD_TIME, "", "48.0000", "48"),
        (SHARE, "%", "12.5000", "12.5%"),
        (SHARE, "", "30", "30%"),  # a percentage question without a unit still reads as one
        (CONFIDENCE, "", "2.0000", "2 of 5"),
        (CONFIDENCE, "points", "2", "2 points"),
        (LEAD_TIME, "days", "1E+1", "10 days"),
    ],
)
def test_quantities_carry_their_unit_or_scale_never_raw_decimals(
    question: Question, unit: str, value: str, expected: str
) -> None:
    assert quantity_text(question, D(value), unit) == expected


YES_NO = yes_no("q")
ALWAYS_NEVER = Question(
    "q",
    QuestionType.YES_NO,
    choices=(Choice("yes", D(1), "Always"), Choice("no", D(0))),
)
NUMBER = Question("q", QuestionType.NUMBER, max_value=D(10))
CHECKS_OR_NONE = Question(
    "q",
    QuestionType.MULTIPLE_CHOICE,
    choices=(Choice("lint", D("0.5"), "Linting"), Choice("tests", D("0.5"), "Tests")),
    none_option="None of these checks runs",
)


@pytest.mark.parametrize(
    ("question", "answer", "expected"),
    [
        (YES_NO, None, "unanswered"),
        (YES_NO, Answer("q"), "unanswered"),
        (yes_no("q", required=False), None, "left blank (optional, scores 0)"),
        (yes_no("q", required=False), Answer("q"), "left blank (optional, scores 0)"),
        (YES_NO, na("q"), "not applicable"),
        (YES_NO, yes("q"), "Yes"),  # the engine's implicit yes/no choices carry labels
        (ALWAYS_NEVER, yes("q"), "Always"),
        (ALWAYS_NEVER, no("q"), "no"),  # declared without a label: the key
        (CHECKS_OR_NONE, Answer("q", ("none",)), "None of these checks runs"),
        (CHECKS_OR_NONE, Answer("q", ("tests", "lint")), "Linting, Tests"),
        (NUMBER, num("q", "3"), "3"),
        (NUMBER, num("q", "0.50"), "0.5"),
    ],
)
def test_render_answer_says_what_was_answered_in_a_few_words(
    question: Question, answer: Answer | None, expected: str
) -> None:
    assert render_answer(question, answer) == expected


# --- hindrances --------------------------------------------------------------------------------

HINDRANCE_MODEL = model(
    yes_no("q1", "ci", hindrances=("tooling", "skills")),
    yes_no("q2", "ci", hindrances=("data-quality",)),
    yes_no("q3", "ci", hindrances=("infrastructure",)),
    yes_no("q4", "ci", hindrances=("use-cases",), allow_not_applicable=True),
)


@pytest.mark.parametrize(
    ("own", "answers", "expected"),
    [
        # the practice's own first, then q1's and q2's (triggering); skills only once;
        # q3 (full marks) and q4 (not applicable) add nothing
        (
            ("skills", "culture"),
            (no("q1"), yes("q3"), na("q4")),
            ("skills", "culture", "tooling", "data-quality"),
        ),
        # only q2 triggers (unanswered)
        ((), (yes("q1"), yes("q3"), na("q4")), ("data-quality",)),
        # only q1 triggers
        (
            ("culture",),
            (no("q1"), yes("q2"), yes("q3"), na("q4")),
            ("culture", "tooling", "skills"),
        ),
    ],
)
def test_hindrances_merge_the_practices_own_with_its_triggering_questions(
    own: tuple[str, ...], answers: tuple[Answer, ...], expected: tuple[str, ...]
) -> None:
    practices = {"ci": PracticeInfo("ci", "Continuous integration", own)}
    (recommendation,) = run(HINDRANCE_MODEL, *answers, practices=practices)
    assert recommendation.hindrances == expected


# --- output ------------------------------------------------------------------------------------

WEIGHTED_PRACTICES = {
    "ci": PracticeInfo("ci", "Continuous integration", ("skills",)),
    # vcs is not in the questionnaire: a prerequisite, but not one to place first
    "iac": PracticeInfo(
        "iac", "Infrastructure as code", ("tooling",), "Every change is code", 4, ("ci", "vcs")
    ),
    "monitoring": PracticeInfo("monitoring", "Monitoring"),
}
WEIGHTED_TOOLS = (
    ToolInfo("terraform", "Terraform", "adopt", 1, ("iac",)),
    ToolInfo("pulumi", "Pulumi", "trial", 2, ("iac",)),
    ToolInfo("ansible", "Ansible", "adopt", 1, ("iac",)),
)


def test_to_dict_is_json_ready_with_decimals_as_strings_in_a_fixed_order() -> None:
    # q2 yes: overall 0.375 (37.5%), level starting; iac ranks third (see the ranking test).
    # iac's practice percent: q2 1 of 1, q4 0 of 1 -> 50%. Next level defined is level 2.
    recommendations = run(
        WEIGHTED,
        no("q1"),
        yes("q2"),
        no("q3"),
        no("q4"),
        practices=WEIGHTED_PRACTICES,
        tools=WEIGHTED_TOOLS,
        used_tools={"ansible"},
    )
    data = recommendations[2].to_dict()
    assert data == {
        "rank": 3,
        "kind": "practice",
        "key": "iac",
        "practice": "iac",
        "name": "Infrastructure as code",
        "done_well": "Every change is code",
        "effort": "large",
        "effort_points": 4,
        "depends_on": ["ci"],
        "prerequisites": ["ci", "vcs"],
        "current_percent": "50.0000",
        "expected_percent": "50.0000",
        "expected_gain": "12.5000",
        "gain_per_point": "3.1250",
        "expected_level": "starting",
        "labels": [],
        "hindrances": ["tooling"],
        "triggers": [
            {
                "question": "q4",
                "text": "",
                "answer": "No",
                "percent": "0.0000",
                "next_answer": "Yes",
                "next_percent": "100.0000",
            }
        ],
        "tools": [
            {"slug": "terraform", "name": "Terraform", "ring": "adopt", "min_maturity": 1},
            {"slug": "pulumi", "name": "Pulumi", "ring": "trial", "min_maturity": 2},
        ],
        "already_using": ["ansible"],
    }
    assert json.loads(json.dumps(data)) == data
    again = run(
        WEIGHTED,
        no("q1"),
        yes("q2"),
        no("q3"),
        no("q4"),
        practices=WEIGHTED_PRACTICES,
        tools=WEIGHTED_TOOLS,
        used_tools={"ansible"},
    )
    assert json.dumps([r.to_dict() for r in again]) == json.dumps(
        [r.to_dict() for r in recommendations]
    )
    assert RECOMMENDER_VERSION == "2.0"


def test_the_recommender_never_mutates_its_inputs() -> None:
    answers = answers_of(*ALL_NO)
    result = scoring.score(WEIGHTED, answers)
    practices = dict(WEIGHTED_PRACTICES)
    tools = list(WEIGHTED_TOOLS)
    used = ["ansible"]
    before = (dict(answers), result.to_dict(), dict(practices), list(tools), list(used))
    recommendations = recommend(
        model=WEIGHTED,
        answers=MappingProxyType(answers),
        result=result,
        practices=MappingProxyType(practices),
        tools=tools,
        used_tools=used,
    )
    # per effort point: ci 37.5 / 2, iac 50 / 4 (and it requires ci), monitoring 12.5 / 2
    assert slugs(recommendations) == ["ci", "iac", "monitoring"]
    assert (dict(answers), result.to_dict(), dict(practices), list(tools), list(used)) == before


def test_a_result_scored_against_another_model_is_refused() -> None:
    result = scoring.score(TIES, answers_of(no("q1"), no("q2")))
    with pytest.raises(ValueError, match="no score for question"):
        recommend(model=WEIGHTED, answers={}, result=result, practices=PRACTICES, tools=())
