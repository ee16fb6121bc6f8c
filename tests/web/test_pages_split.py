"""web.pages: how a questionnaire splits into pages and how far each page is (no database)."""

import pytest

from assessments.scoring import Model, Question, QuestionType, Section
from web import pages


def q(key: str) -> Question:
    return Question(key=key, type=QuestionType.YES_NO)


def s(key: str, *children: Section | Question, title: str = "") -> Section:
    return Section(key=key, title=title, children=children)


@pytest.mark.parametrize(
    ("root", "expected"),
    [
        # One page per section under the root, titled by the section (or its key).
        (
            s("root", s("plan", q("a"), q("b"), title="Plan"), s("build", q("c"))),
            [("plan", "Plan", ["a", "b"]), ("build", "build", ["c"])],
        ),
        # Questions directly under the root share a first page.
        (
            s("root", q("x"), s("plan", q("a"), title="Plan"), q("y")),
            [("root", "General", ["x", "y"]), ("plan", "Plan", ["a"])],
        ),
        # A root with a title names that page after it.
        (s("root", q("x"), title="Basics"), [("root", "Basics", ["x"])]),
        # Deeper sections stay on their page, depth first in authored order.
        (
            s("root", s("ops", q("a"), s("deep", q("b"), s("deeper", q("c"))), q("d"))),
            [("ops", "ops", ["a", "b", "c", "d"])],
        ),
        # A section without any question is no page.
        (s("root", s("empty"), s("plan", q("a"))), [("plan", "plan", ["a"])]),
    ],
)
def test_split(root: Section, expected: list[tuple[str, str, list[str]]]) -> None:
    found = pages.split(Model(root=root))
    assert [(p.key, p.title, list(p.question_keys)) for p in found] == expected


def test_subsections_become_headings_with_their_depth() -> None:
    model = Model(root=s("root", s("ops", q("a"), s("deep", q("b"), title="Deep"))))
    (page,) = pages.split(model)
    assert [(e.kind, e.key, e.title, e.depth) for e in page.entries] == [
        ("question", "a", "", 0),
        ("heading", "deep", "Deep", 0),
        ("question", "b", "", 1),
    ]


TWO_PAGES = pages.split(Model(root=s("root", s("p1", q("a"), q("b"), q("c")), s("p2", q("d")))))


@pytest.mark.parametrize(
    ("answered", "required", "expected"),
    [
        (set(), {"a", "b", "c", "d"}, [(0, 3, ("a", "b", "c")), (0, 1, ("d",))]),
        ({"a", "d"}, {"a", "b", "c", "d"}, [(1, 3, ("b", "c")), (1, 1, ())]),
        # An optional question counts as answered when it is, never as missing.
        ({"c"}, {"a", "b"}, [(1, 3, ("a", "b")), (0, 1, ())]),
        # Answers to questions of no page are ignored.
        ({"zz"}, set(), [(0, 3, ()), (0, 1, ())]),
    ],
)
def test_progress_per_page(
    answered: set[str], required: set[str], expected: list[tuple[int, int, tuple[str, ...]]]
) -> None:
    found = pages.progress(TWO_PAGES, answered, required)
    assert [(p.answered, p.total, p.missing_required) for p in found] == expected
    assert [p.complete for p in found] == [not e[2] for e in expected]


@pytest.mark.parametrize(("key", "expected"), [("p1", (None, "p2")), ("p2", ("p1", None))])
def test_neighbours(key: str, expected: tuple[str | None, str | None]) -> None:
    before, after = pages.neighbours(TWO_PAGES, key)
    assert (before and before.key, after and after.key) == expected


@pytest.mark.parametrize(("question", "page"), [("a", "p1"), ("d", "p2"), ("nope", None)])
def test_page_of(question: str, page: str | None) -> None:
    found = pages.page_of(TWO_PAGES, question)
    assert (found.key if found else None) == page
