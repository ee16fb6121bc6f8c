"""Deriving one answer from many respondents, and their disagreement, computed by hand.

Pure: no database, no Django.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments import scoring
from assessments.consensus import (
    Count,
    Derived,
    QuestionDisagreement,
    Rule,
    SectionDisagreement,
    derive,
    disagreement,
    needs_conversation,
    section_disagreement,
)
from assessments.scoring import Answer, Choice, Question, QuestionType, ScoringError, Section

D = Decimal

# a, b, c score 1, 2, 3 of 3 (33.33%, 66.67%, 100%); "not applicable" allowed.
ABC = Question(
    "q",
    QuestionType.SINGLE_CHOICE,
    choices=(Choice("a", D(1), "Ad hoc"), Choice("b", D(2), "Repeatable"), Choice("c", D(3))),
    allow_not_applicable=True,
)
# A raw 0..4 scale: the number is the score.
FOUR = Question("q", QuestionType.SCALE, min_value=D(0), max_value=D(4))
# Maximum 1 + 1 = 2; "none" is a real answer scoring 0.
PRACTICES = Question(
    "q",
    QuestionType.MULTIPLE_CHOICE,
    choices=(Choice("x", D(1), "Tests"), Choice("y", D(1), "Reviews"), Choice("z", D(-1))),
    none_option="Neither",
)
# A maximum with five places: 0.12335.
FINE = Question(
    "q",
    QuestionType.MULTIPLE_CHOICE,
    choices=(Choice("a", D("0.12335")), Choice("b", D(0))),
)
YES_NO = Question("q", QuestionType.YES_NO, allow_not_applicable=True)


def pick(*choices: str) -> Answer:
    return Answer("q", choices)


def num(value: str) -> Answer:
    return Answer("q", number=D(value))


def given_score(value: str) -> Answer:
    return Answer("q", score=D(value))


NA = Answer("q", not_applicable=True)
EMPTY = Answer("q")


@pytest.mark.parametrize(
    ("rule", "question", "answers", "expected"),
    [
        # mean of 1, 2, 3 = 2: a number, not anyone's answer (b is only equal to it)
        (Rule.MEAN, ABC, [pick("a"), pick("b"), pick("c")], given_score("2.0000")),
        # median of 3, 1, 2 (odd): 2, b's own answer
        (Rule.MEDIAN, ABC, [pick("c"), pick("a"), pick("b")], pick("b")),
        # median of 1, 3 (even): (1 + 3) / 2 = 2
        (Rule.MEDIAN, ABC, [pick("a"), pick("c")], given_score("2.0000")),
        # median of 1, 2, 2, 3 (even): (2 + 2) / 2 = 2, still the mean of the middle two
        (Rule.MEDIAN, ABC, [pick("a"), pick("b"), pick("b"), pick("c")], given_score("2.0000")),
        # minimum of 2, 1, 3, 1: 1, the first a
        (Rule.MINIMUM, ABC, [pick("b"), pick("a"), pick("c"), pick("a")], pick("a")),
        # identical answers: the answer itself, whatever the rule
        (Rule.MEAN, ABC, [pick("b"), pick("b")], pick("b")),
        (Rule.MEDIAN, ABC, [pick("b"), pick("b")], pick("b")),
        (Rule.MEAN, PRACTICES, [pick("x", "y"), pick("y", "x")], pick("x", "y")),
        # numbers: the median respondent's number; the mean 4/3 quantized to 4 places
        (Rule.MEDIAN, FOUR, [num("3"), num("1"), num("2")], num("2")),
        (Rule.MEAN, FOUR, [num("1"), num("1"), num("2")], given_score("1.3333")),
        # half to even: (0.0001 + 0) / 2 = 0.00005 -> 0.0000; (0.0003 + 0) / 2 -> 0.0002
        (Rule.MEAN, FOUR, [given_score("0.0001"), given_score("0")], given_score("0.0000")),
        (Rule.MEAN, FOUR, [given_score("0.0003"), given_score("0")], given_score("0.0002")),
        # x + z = 1 - 1 = 0 and "none" = 0 tie for the minimum: the first of them
        (Rule.MINIMUM, PRACTICES, [pick("x"), pick("x", "z"), pick("none")], pick("x", "z")),
        # both score the maximum 0.12335; half to even would give 0.1234, above it: 0.1233
        (Rule.MEAN, FINE, [pick("a"), pick("a", "b")], given_score("0.1233")),
        # yes 1, no 0 (the N/A and the empty answer left out): mean 0.5
        (Rule.MEAN, YES_NO, [pick("yes"), NA, EMPTY, pick("no")], given_score("0.5000")),
        (Rule.MINIMUM, YES_NO, [NA, NA, EMPTY], NA),
    ],
)
def test_derive_applies_the_rule_to_the_applicable_scores(
    rule: Rule, question: Question, answers: list[Answer], expected: Answer
) -> None:
    derived = derive(rule, question, answers)
    assert derived.answer == expected
    if expected.score is not None:
        assert str(derived.answer.score) == str(expected.score)  # type: ignore[union-attr]
    assert scoring.validate_answer(question, derived.answer) == []  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("rule", "answers", "expected"),
    [
        (Rule.MEAN, [], Derived(None, 0, 0, False)),
        (Rule.MEDIAN, [EMPTY, EMPTY], Derived(None, 0, 0, False)),
        (Rule.MINIMUM, [NA, EMPTY, NA], Derived(NA, 2, 2, False)),
        (Rule.MEAN, [pick("yes"), NA, EMPTY], Derived(pick("yes"), 2, 1, False)),
        (Rule.FACILITATOR, [pick("yes"), pick("no")], Derived(None, 2, 0, True)),
        (Rule.FACILITATOR, [NA], Derived(None, 1, 1, True)),
        (Rule.FACILITATOR, [EMPTY], Derived(None, 0, 0, False)),
        ("median", [pick("no"), pick("yes"), pick("yes")], Derived(pick("yes"), 3, 0, False)),
    ],
)
def test_derive_counts_respondents_and_leaves_the_facilitator_to_decide(
    rule: Rule, answers: list[Answer], expected: Derived
) -> None:
    assert derive(rule, YES_NO, answers) == expected


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (pick("d"), "q: choice 'd' is not one of: a, b, c"),
        (Answer("other", ("a",)), "q: answer is for question 'other', not 'q'"),
        (given_score("4"), "q: score 4 is above the question's maximum 3.0000"),
    ],
)
def test_derive_and_disagreement_refuse_an_invalid_answer(answer: Answer, message: str) -> None:
    for compute in (lambda: derive(Rule.MEAN, ABC, [pick("a"), answer]),
                    lambda: disagreement(ABC, [pick("a"), answer])):  # fmt: skip
        with pytest.raises(ScoringError) as raised:
            compute()
        assert raised.value.errors == (message,)


def test_an_unknown_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="'average' is not a valid Rule"):
        derive("average", ABC, [pick("a")])  # type: ignore[arg-type]


def counts(*items: tuple[str, str, int]) -> tuple[Count, ...]:
    return tuple(Count(*item) for item in items)


@pytest.mark.parametrize(
    ("question", "answers", "expected"),
    [
        # percents 33.33, 100, 100: spread 66.67; mean 77.7767, squared deviations
        # (44.4467^2 + 2 * 22.2233^2) / 3 = 987.7531, square root 31.4285...
        (
            ABC,
            [pick("a"), pick("c"), NA, EMPTY, pick("c")],
            QuestionDisagreement(
                "q", 4, 1, D("33.33"), D("100.00"), D("66.67"), D("31.43"),
                counts(("a", "Ad hoc", 1), ("b", "Repeatable", 0), ("c", "c", 2),
                       ("not_applicable", "Not applicable", 1)),
            ),
        ),
        # x + y = 2 of 2, x = 1, none = 0: percents 100, 50, 0; stdev sqrt(5000 / 3) = 40.8248...
        (
            PRACTICES,
            [pick("x", "y"), pick("x"), pick("none")],
            QuestionDisagreement(
                "q", 3, 0, D("0.00"), D("100.00"), D("100.00"), D("40.82"),
                counts(("x", "Tests", 2), ("y", "Reviews", 1), ("z", "z", 0),
                       ("none", "Neither", 1)),
            ),
        ),
        # numbers 1, 3, 1.0, 4 of 4: percents 25, 75, 25, 100; mean 56.25, squared deviations
        # 976.5625 + 351.5625 + 976.5625 + 1914.0625 = 4218.75, / 4 = 1054.6875 -> 32.4759...
        (
            FOUR,
            [num("1"), num("3"), num("1.0"), num("4")],
            QuestionDisagreement(
                "q", 4, 0, D("25.00"), D("100.00"), D("75.00"), D("32.48"),
                counts(("1", "1", 2), ("3", "3", 1), ("4", "4", 1)),
            ),
        ),
        # 0.0001 / 4 = 0.0025% -> 0.00 and 0.0003 / 4 = 0.0075% -> 0.01 (half to even); the
        # stdev of 0.00 and 0.01 is 0.005 -> 0.00
        (
            FOUR,
            [given_score("0.0003"), given_score("0.0001"), given_score("0.00010")],
            QuestionDisagreement(
                "q", 3, 0, D("0.00"), D("0.01"), D("0.01"), D("0.00"),
                counts(("score:0.0001", "Score 0.0001", 2), ("score:0.0003", "Score 0.0003", 1)),
            ),
        ),
        # one respondent: no spread at all
        (
            YES_NO,
            [pick("yes")],
            QuestionDisagreement(
                "q", 1, 0, D("100.00"), D("100.00"), D("0.00"), D("0.00"),
                counts(("yes", "Yes", 1), ("no", "No", 0)),
            ),
        ),
        # nobody scored it: every choice listed at zero, no figures
        (
            ABC,
            [EMPTY, NA],
            QuestionDisagreement(
                "q", 1, 1, None, None, None, None,
                counts(("a", "Ad hoc", 0), ("b", "Repeatable", 0), ("c", "c", 0),
                       ("not_applicable", "Not applicable", 1)),
            ),
        ),
        (FOUR, [], QuestionDisagreement("q", 0, 0, None, None, None, None, ())),
    ],
)  # fmt: skip
def test_disagreement_gives_the_spread_and_the_distribution_of_the_answers(
    question: Question, answers: list[Answer], expected: QuestionDisagreement
) -> None:
    found = disagreement(question, answers)
    assert found == expected
    figures = (found.min_percent, found.max_percent, found.spread, found.stdev)
    assert [str(value) for value in figures] == [
        str(value) for value in (expected.min_percent, expected.max_percent,
                                 expected.spread, expected.stdev)
    ]  # fmt: skip


def spread_of(
    key: str, respondents: int, spread: str | None, not_applicable: int = 0
) -> QuestionDisagreement:
    value = None if spread is None else D(spread)
    return QuestionDisagreement(key, respondents, not_applicable, None, None, value, None, ())


def yes_no(key: str) -> Question:
    return Question(key, QuestionType.YES_NO)


# root -> s1 (q1, q2), s2 -> s3 (q3), q4
NESTED = scoring.Model(
    Section(
        "root",
        children=(
            Section("s1", children=(yes_no("q1"), yes_no("q2"))),
            Section("s2", children=(Section("s3", children=(yes_no("q3"),)),)),
            yes_no("q4"),
        ),
    )
)


def test_section_disagreement_summarises_the_questions_two_respondents_scored() -> None:
    per_question = {
        "q1": spread_of("q1", 2, "10.01"),
        "q2": spread_of("q2", 5, "10.02"),
        # one scored answer (the other two not applicable): left out of the spread, not the count
        "q3": spread_of("q3", 3, "0.00", not_applicable=2),
        # q4: nobody answered it
    }
    assert section_disagreement(NESTED, per_question) == {
        # (10.01 + 10.02) / 2 = 10.015 -> 10.02 (half to even)
        "root": SectionDisagreement("root", 2, 5, D("10.02"), D("10.02")),
        "s1": SectionDisagreement("s1", 2, 5, D("10.02"), D("10.02")),
        "s2": SectionDisagreement("s2", 0, 3, None, None),
        "s3": SectionDisagreement("s3", 0, 3, None, None),
    }
    assert list(section_disagreement(NESTED, per_question)) == ["root", "s1", "s2", "s3"]


def test_section_disagreement_without_answers_has_no_figures() -> None:
    assert section_disagreement(NESTED, {})["root"] == SectionDisagreement("root", 0, 0, None, None)


def conversation(key: str, spread: str, stdev: str, scored: int = 3) -> QuestionDisagreement:
    return QuestionDisagreement(key, scored, 0, None, None, D(spread), D(stdev), ())


def test_the_questions_that_most_need_a_conversation_come_first() -> None:
    items = [
        conversation("q-b", "50", "25"),
        conversation("q-c", "50", "20"),
        conversation("q-a", "50", "25"),
        conversation("q-d", "80", "10"),
        conversation("q-e", "0", "0"),  # everyone agrees
        QuestionDisagreement("q-f", 3, 3, None, None, None, None, ()),  # all not applicable
    ]
    ranked = [item.question for item in needs_conversation(items)]
    assert ranked == ["q-d", "q-a", "q-b", "q-c"]  # spread, then stdev, then key
    assert [item.question for item in needs_conversation(items, limit=2)] == ["q-d", "q-a"]
    assert needs_conversation(items, limit=0) == []
    assert needs_conversation([]) == []
    with pytest.raises(ValueError, match="limit must not be negative, got -1"):
        needs_conversation(items, limit=-1)


def test_needs_conversation_lists_at_most_five_by_default() -> None:
    items = [conversation(f"q{n}", str(n), "1") for n in range(1, 8)]
    assert [item.question for item in needs_conversation(items)] == ["q7", "q6", "q5", "q4", "q3"]


QUARTERS = st.lists(
    st.one_of(
        st.integers(0, 16).map(lambda n: num(str(D(n) / 4))),
        st.just(EMPTY),
    ),
    max_size=8,
)
FOUR_NA = Question(
    "q", QuestionType.SCALE, min_value=D(0), max_value=D(4), allow_not_applicable=True
)


@settings(max_examples=50, derandomize=True, deadline=None, database=None)
@given(QUARTERS, st.integers(0, 2))
def test_derived_scores_stay_between_the_lowest_and_highest_respondent(
    answers: list[Answer], not_applicable: int
) -> None:
    answers = [*answers, *[NA] * not_applicable]
    scores = [scoring.answer_score(FOUR_NA, answer) for answer in answers]
    applicable = [value for value in scores if value is not None]
    derived = {rule: derive(rule, FOUR_NA, answers).answer for rule in Rule}
    if not applicable:
        expected = NA if not_applicable else None
        assert all(
            answer == expected for rule, answer in derived.items() if rule is not Rule.FACILITATOR
        )
        return
    value = {
        rule: scoring.answer_score(FOUR_NA, answer) for rule, answer in derived.items() if answer
    }
    assert min(applicable) == value[Rule.MINIMUM]
    assert value[Rule.MINIMUM] <= value[Rule.MEAN] <= max(applicable)  # type: ignore[operator]
    assert value[Rule.MINIMUM] <= value[Rule.MEDIAN] <= max(applicable)  # type: ignore[operator]
    found = disagreement(FOUR_NA, answers)
    assert found.spread == found.max_percent - found.min_percent  # type: ignore[operator]
    # a population standard deviation never exceeds half the range
    assert D(0) <= found.stdev <= found.spread / 2 + D("0.005")  # type: ignore[operator]
    assert sum(count.count for count in found.distribution) == found.respondents


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=40))
def test_the_standard_deviation_is_the_exact_one_rounded_to_two_places(
    hundredths: list[int],
) -> None:
    """The integer computation equals the textbook one in fractions, to the last digit."""
    from decimal import ROUND_HALF_EVEN, Context
    from fractions import Fraction

    from assessments.consensus import _stdev

    percents = [Decimal(value).scaleb(-2) for value in hundredths]
    values = [Fraction(percent) for percent in percents]
    mean = sum(values, Fraction(0)) / len(values)
    variance = sum(((value - mean) ** 2 for value in values), Fraction(0)) / len(values)
    context = Context(prec=40)
    root = context.divide(Decimal(variance.numerator), Decimal(variance.denominator)).sqrt(context)
    assert _stdev(percents) == root.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
