"""The compiled engine gives exactly what the first, Fraction-by-Fraction engine gave.

assessments.scoring compiles a model once and computes over integer pairs; the oracle in
scoring_reference.py is the straightforward engine it replaced. Hypothesis generates valid
models of every question type, aggregation and level mode, with answers that mix full,
partial, empty, unanswered and not-applicable ones, and both engines must agree on every figure
(after quantizing, which is the only rounding), including the what-if scores the recommender
asks for. Derandomised with a fixed number of examples, so every run checks the same cases.
No database.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments import scoring
from assessments.scoring import (
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
    Section,
    Unanswered,
)
from tests.assessments import scoring_reference

D = Decimal
SETTINGS = settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
LEVEL_KEYS = ("one", "two", "three")
POLICIES = st.sampled_from([None, None, Unanswered.ZERO, Unanswered.SKIP])
SECTION_LEVELS: tuple[tuple[Level, ...], ...] = (
    (),
    (Level("low", "Low", D(0)), Level("high", "High", D("0.5"), True)),
    (Level("some", "Some", D(0), True), Level("half", "Half", D("0.5")), Level("all", "All", D(1))),
)
WEIGHTS = st.sampled_from([D(1), D(2), D("0.5"), D("1.5"), D(3), D("0.3333")])
TAGS = st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=3)
HOURS = (
    Band(D(3), upper=D(1)),
    Band(D(2), lower=D(1), upper=D(24)),
    Band(D("0.5"), lower=D(24), upper=D(168)),
    Band(D(0), lower=D(168)),
)


@st.composite
def questions(draw: st.DrawFn, key: str, gated: bool) -> Question:
    kind = draw(st.sampled_from(list(QuestionType)))
    fields: dict[str, object] = {}
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        pool = [D(0), D("0.25"), D("0.5"), D(1), D(3), D("0.3333")]
        if kind is QuestionType.MULTIPLE_CHOICE:
            pool.append(D("-0.5"))
        values = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=4))
        values.append(D(1))  # at least one positive value: the maximum must be above 0
        fields["choices"] = tuple(
            Choice(f"c{n}", value, f"Choice {n}") for n, value in enumerate(values)
        )
    elif kind is QuestionType.NUMBER:
        if draw(st.booleans()):
            fields.update(min_value=D(0), bands=HOURS)
        else:
            fields.update(min_value=D(0), max_value=draw(st.sampled_from([D(10), D("7.5")])))
    elif kind is QuestionType.SCALE:
        start, end = draw(st.sampled_from([(D(1), D(5)), (D(5), D(1)), (D(0), D(10))]))
        scores = draw(st.sampled_from([(D(0), D(1)), (D(1), D(0)), (D("0.5"), D(4))]))
        fields.update(
            min_value=D(1),
            max_value=D(5),
            linear=LinearMapping(start, end, scores[0], scores[1]),
        )
    elif kind is QuestionType.PERCENTAGE and draw(st.booleans()):
        fields["linear"] = LinearMapping(D(0), D(100), D(0), D(1))
    if gated and draw(st.booleans()):
        fields["level_gate"] = draw(st.sampled_from(LEVEL_KEYS))
    return Question(
        key,
        kind,
        unanswered=draw(POLICIES),
        weight=draw(WEIGHTS),
        allow_not_applicable=draw(st.booleans()),
        disciplines=tuple(draw(TAGS)),
        practices=tuple(draw(TAGS)),
        **fields,  # type: ignore[arg-type]
    )


@st.composite
def models(draw: st.DrawFn) -> Model:
    mode = draw(st.sampled_from(list(LevelMode)))
    counter = iter(range(10_000))

    def section(depth: int) -> Section:
        children: list[Section | Question] = []
        for _ in range(draw(st.integers(1, 4))):
            if depth < 2 and draw(st.integers(0, 3)) == 0:
                children.append(section(depth + 1))
            else:
                children.append(draw(questions(f"q{next(counter)}", gated=mode is LevelMode.GATED)))
        if all(isinstance(child, Section) and child.informational for child in children):
            children[0] = replace(children[0], informational=False)  # type: ignore[type-var]
        nested = depth > 0
        return Section(
            f"s{next(counter)}",
            aggregation=draw(st.sampled_from(list(Aggregation))),
            weight=draw(WEIGHTS),
            children=tuple(children),
            unanswered=draw(POLICIES),
            informational=nested and draw(st.integers(0, 3)) == 0,
            levels=SECTION_LEVELS[draw(st.integers(0, 2))] if nested else (),
        )

    if mode is LevelMode.THRESHOLD:
        minima = [D(0), D("0.4"), draw(st.sampled_from([D("0.4"), D("0.75"), D(1)]))]
    else:
        minima = [None, draw(st.sampled_from([None, D("0.3")])), None]
    # Exclusive bounds: always on the third threshold level (so 0.4 twice is "from 0.4" then
    # "above 0.4"), sometimes on the second.
    exclusive = [
        False,
        draw(st.booleans()) and minima[1] is not None and minima[2] != D("0.4"),
        minima[2] is not None,
    ]
    levels = tuple(
        Level(key, key.title(), low, above)
        for key, low, above in zip(LEVEL_KEYS, minima, exclusive, strict=True)
    )
    return Model(root=section(0), levels=levels, level_mode=mode)


@st.composite
def answers(draw: st.DrawFn, model: Model) -> dict[str, Answer]:
    given: dict[str, Answer] = {}
    for question in model.questions():
        form = draw(st.integers(0, 9))
        if form == 0:
            continue  # unanswered
        if form == 1:
            given[question.key] = Answer(question.key)  # empty
            continue
        if form == 2 and question.allow_not_applicable:
            given[question.key] = Answer(question.key, not_applicable=True)
            continue
        if question.type is QuestionType.YES_NO and not question.choices:
            keys = ["yes", "no"]
        else:
            keys = [choice.key for choice in question.choices]
        if question.type is QuestionType.MULTIPLE_CHOICE:
            picked = draw(st.lists(st.sampled_from(keys), unique=True))
            given[question.key] = Answer(question.key, tuple(picked))
        elif keys:
            given[question.key] = Answer(question.key, (draw(st.sampled_from(keys)),))
        else:
            low, high = scoring._bounds(question)
            low = D(0) if low is None else low
            high = D(2000) if high is None else high
            pool = [low, high, (low + high) / 2, D("3.14159"), D(1), D(24), D("0.001")]
            number = draw(st.sampled_from([n for n in pool if low <= n <= high]))
            given[question.key] = Answer(question.key, number=number)
    return given


@st.composite
def cases(draw: st.DrawFn) -> tuple[Model, dict[str, Answer]]:
    model = draw(models())
    return model, draw(answers(model))


def test_generated_models_are_valid() -> None:
    # The generator is only useful if its models can be scored at all.
    @SETTINGS
    @given(models())
    def check(model: Model) -> None:
        assert scoring.validate_model(model) == []

    check()


@SETTINGS
@given(cases())
def test_the_compiled_engine_scores_like_the_reference(
    case: tuple[Model, dict[str, Answer]],
) -> None:
    model, given = case
    expected = scoring_reference.score(model, given)
    actual = scoring.score(model, given)
    assert actual.to_dict() == expected.to_dict()
    assert actual == expected
    brief = scoring.score(model, given, detail=False)
    assert brief == scoring_reference.score(model, given, detail=False)


@SETTINGS
@given(cases(), st.data())
def test_what_if_scores_equal_scoring_the_full_marks_answers_from_scratch(
    case: tuple[Model, dict[str, Answer]], data: st.DataObject
) -> None:
    model, given = case
    keys = [question.key for question in model.questions()]
    groups = [data.draw(st.lists(st.sampled_from(keys), unique=True, max_size=4)) for _ in range(3)]
    actual = scoring.score_full_marks(model, given, groups)
    expected = [
        scoring_reference.score(model, scoring.with_full_marks(model, given, group), detail=False)
        for group in groups
    ]
    assert actual == expected


SHIPPED = sorted((Path(__file__).parents[2] / "fixtures" / "questionnaires").glob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.stem)
@pytest.mark.parametrize("variant", range(4))
def test_the_shipped_questionnaires_score_like_the_reference(path: Path, variant: int) -> None:
    from assessments import questionnaire_format

    model = questionnaire_format.to_model(questionnaire_format.parse(path.read_text()))
    given: dict[str, Answer] = {}
    for index, question in enumerate(model.questions()):
        turn = index + variant
        if question.allow_not_applicable and turn % 5 == 0:
            given[question.key] = Answer(question.key, not_applicable=True)
        elif turn % 7 == 3:
            continue
        elif question.choices:
            picked = question.choices[turn % len(question.choices)].key
            given[question.key] = Answer(question.key, (picked,))
        elif question.type is QuestionType.YES_NO:
            given[question.key] = Answer(question.key, ("yes" if turn % 2 else "no",))
        else:
            low = scoring._bounds(question)[0] or D(0)
            given[question.key] = Answer(question.key, number=low + turn % 3)
    assert scoring.score(model, given) == scoring_reference.score(model, given)
    keys = sorted(given)
    groups = [keys[:3], keys[-2:], []]
    assert scoring.score_full_marks(model, given, groups) == [
        scoring_reference.score(model, scoring.with_full_marks(model, given, group), detail=False)
        for group in groups
    ]
