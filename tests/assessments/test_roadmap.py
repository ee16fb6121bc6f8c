"""The roadmap (order, stages, hindrances, export), checked against figures worked out by hand.

No database, no Django: the recommender and the roadmap are pure.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from assessments import roadmap, scoring
from assessments.recommendations import PracticeInfo, QuestionInfo, recommend
from assessments.scoring import Answer, Level, Model, Question, QuestionType

D = Decimal


def yes_no(key: str, practices: tuple[str, ...], hindrances: tuple[str, ...]) -> Question:
    return Question(
        key,
        QuestionType.YES_NO,
        practices=practices,
        hindrances=hindrances,
        disciplines=("devops",),
        phases=(f"devops-{key}",),
    )


# root = mean of two sections, each the mean of two yes/no questions, so each question is a
# quarter of the overall score. q4 has no practice: a question-level recommendation.
MODEL = Model(
    scoring.Section(
        "root",
        children=(
            scoring.Section(
                "build",
                children=(
                    yes_no("q1", ("vcs",), ("tooling",)),
                    yes_no("q2", ("ci",), ("tooling", "culture")),
                ),
            ),
            scoring.Section(
                "test",
                children=(
                    yes_no("q3", ("tests",), ("culture",)),
                    yes_no("q4", (), ("skills",)),
                ),
            ),
        ),
    ),
    levels=(
        Level("l0", "Start", D(0)),
        Level("l1", "One", D("0.25")),
        Level("l2", "Two", D("0.5")),
        Level("l3", "Three", D(1)),
    ),
)
PRACTICES = {
    "vcs": PracticeInfo("vcs", "Version control", (), "Everything in git", 1),
    "ci": PracticeInfo("ci", "Continuous integration", (), "Green builds", 2, ("vcs",)),
    "tests": PracticeInfo("tests", "Automated tests", (), "Tests gate merges", 1, ("ci",)),
}
INFOS = {"q4": QuestionInfo("q4", "Are testers trained?")}
ORDER = ("skills", "culture", "tooling")


def answers(*yes: str) -> dict[str, Answer]:
    return {
        key: Answer(key, ("yes",) if key in yes else ("no",)) for key in ("q1", "q2", "q3", "q4")
    }


def build(given: dict[str, Answer], goal: roadmap.Goal | None = None) -> roadmap.Roadmap:
    result = scoring.score(MODEL, given)
    steps = recommend(
        model=MODEL,
        answers=given,
        result=result,
        practices=PRACTICES,
        tools=(),
        questions=INFOS,
        limit=None,
    )
    return roadmap.build(
        model=MODEL,
        answers=given,
        result=result,
        recommendations=steps,
        goal=goal,
        hindrance_names={"tooling": "Tooling"},
        hindrance_order=ORDER,
    )


def test_prerequisites_come_first_and_a_valuable_step_pulls_them_forward() -> None:
    # Every step alone gains 25 points and reaches l1. Per effort point: vcs 25, tests 25,
    # ci 12.5, q4 12.5 (a question counts as medium, 2 points). vcs and tests tie on gain for
    # effort; vcs unblocks two steps (ci, tests), tests none: vcs first. tests is next best but
    # requires ci: ci is placed first, then tests, then q4.
    plan = build(answers())
    assert [(s.id, s.recommendation.gain_per_point) for s in plan.steps] == [
        ("vcs", D("25.0000")),
        ("ci", D("12.5000")),
        ("tests", D("25.0000")),
        ("question-q4", D("12.5000")),
    ]
    assert [s.recommendation.depends_on for s in plan.steps] == [(), ("vcs",), ("ci",), ()]
    # Cumulative what-ifs: each step adds a quarter.
    assert [(str(s.overall_after), s.level_after) for s in plan.steps] == [
        ("25.0000", "l1"),
        ("50.0000", "l2"),
        ("75.0000", "l2"),
        ("100.0000", "l3"),
    ]
    assert [str(s.gain_in_sequence) for s in plan.steps] == ["25.0000"] * 4


def stages(plan: roadmap.Roadmap) -> list[tuple[str, str | None, bool, tuple[str, ...]]]:
    return [(s.key, s.goal, s.reached, s.steps) for s in plan.stages]


@pytest.mark.parametrize(
    ("given", "goal", "expected"),
    [
        # No targets: to the next level (l1 after one step), then the rest.
        (
            answers(),
            None,
            [
                ("next-level", "l1", True, ("vcs",)),
                ("later", None, True, ("ci", "tests", "question-q4")),
            ],
        ),
        # Target level l2: reached after two steps.
        (
            answers(),
            roadmap.Goal(level="l2"),
            [
                ("next-level", "l1", True, ("vcs",)),
                ("target", "l2", True, ("ci",)),
                ("later", None, True, ("tests", "question-q4")),
            ],
        ),
        # Target l2 and the test section at 100%: needs q3 and q4 too, so every step.
        (
            answers(),
            roadmap.Goal(level="l2", sections={"test": D(100)}),
            [
                ("next-level", "l1", True, ("vcs",)),
                ("target", "l2", True, ("ci", "tests", "question-q4")),
            ],
        ),
        # A discipline target met by the first stage already: an empty target stage.
        (
            answers(),
            roadmap.Goal(disciplines={"devops": D(25)}),
            [
                ("next-level", "l1", True, ("vcs",)),
                ("target", None, True, ()),
                ("later", None, True, ("ci", "tests", "question-q4")),
            ],
        ),
        # An unknown section can never be met: the target stage takes the rest, not reached.
        (
            answers(),
            roadmap.Goal(sections={"nowhere": D(10)}),
            [
                ("next-level", "l1", True, ("vcs",)),
                ("target", None, False, ("ci", "tests", "question-q4")),
            ],
        ),
        # At l2 (75%), the next level l3 needs 100%: q4, the only step.
        (answers("q1", "q2", "q3"), None, [("next-level", "l3", True, ("question-q4",))]),
        # At the top: nothing to do, no stage.
        (answers("q1", "q2", "q3", "q4"), roadmap.Goal(level="l3"), [("target", "l3", True, ())]),
    ],
)
def test_stages_end_where_their_goal_is_first_met(
    given: dict[str, Answer], goal: roadmap.Goal | None, expected: list[Any]
) -> None:
    assert stages(build(given, goal)) == expected


def test_hindrances_rank_by_points_at_stake_then_gap_then_catalogue_order() -> None:
    # All no: every hindrance at 0%, gap 100. Full marks on tooling's q1 and q2 raise the
    # overall by 50 points, culture's q2 and q3 by 50, skills' q4 by 25. tooling and culture
    # tie on points and gap: the given order puts culture first.
    plan = build(answers())
    assert [
        (h.hindrance, h.name, str(h.percent), str(h.gap), str(h.at_stake), h.steps)
        for h in plan.hindrances
    ] == [
        ("culture", "culture", "0.0000", "100.0000", "50.0000", ("ci", "tests")),
        ("tooling", "Tooling", "0.0000", "100.0000", "50.0000", ("vcs", "ci")),
        ("skills", "skills", "0.0000", "100.0000", "25.0000", ("question-q4",)),
    ]


def test_at_equal_points_at_stake_the_bigger_gap_comes_first() -> None:
    # q1 yes: tooling at 50% (gap 50) still holds q2 back: 25 points at stake; skills at 0%
    # (gap 100) holds 25 too, culture (q2, q3 at 0%) 50. Equal points: the bigger gap first.
    plan = build(answers("q1"))
    assert [(h.hindrance, str(h.gap), str(h.at_stake)) for h in plan.hindrances] == [
        ("culture", "100.0000", "50.0000"),
        ("skills", "100.0000", "25.0000"),
        ("tooling", "50.0000", "25.0000"),
    ]


def test_a_question_without_practice_is_a_step_of_its_own_in_its_own_words() -> None:
    step = build(answers()).steps[3]
    item = step.to_dict()
    assert (item["id"], item["kind"], item["practice"], item["title"]) == (
        "question-q4",
        "question",
        None,
        "Improve the answer to: Are testers trained?",
    )
    assert (
        item["description"]
        == "Next steps:\n- Are testers trained?: from \u201cNo\u201d to \u201cYes\u201d"
    )
    assert (item["effort"], item["effort_points"], item["hindrances"]) == ("medium", 2, ["skills"])


def test_export_rows_carry_the_documented_columns_in_priority_order() -> None:
    rows = roadmap.export_rows(build(answers(), roadmap.Goal(level="l2")).to_dict())
    assert list(rows[0]) == list(roadmap.EXPORT_COLUMNS)
    assert rows[1] == {
        "id": "ci",
        "title": "Continuous integration",
        "description": "Green builds\nNext steps:\n- q2: from \u201cNo\u201d to \u201cYes\u201d",
        "stage": "target",
        "priority": 2,
        "effort": "medium",
        "effort_points": 2,
        "labels": [
            "stage:target",
            "effort:medium",
            "devops",
            "devops-q2",
            "tooling",
            "culture",
        ],
        "depends_on": ["vcs"],
        "gain": "25.0000",
        "overall_after": "50.0000",
    }
    assert [row["priority"] for row in rows] == [1, 2, 3, 4]
