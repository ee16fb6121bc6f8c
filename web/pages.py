"""How a questionnaire is split into answer pages, and how far each page is: pure, no Django.

Each section directly under the root is one page; questions placed directly under the root
share a first page of their own. Deeper sections stay on their page as headed groups, in
the authored order. Works on the scoring engine's model (plain frozen dataclasses), so the
rules here are tested without a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from assessments import scoring

GENERAL_TITLE = "General"


@dataclass(frozen=True)
class Entry:
    """A line of a page: a subsection heading or a question, with its nesting depth."""

    kind: Literal["heading", "question"]
    key: str
    title: str
    depth: int


@dataclass(frozen=True)
class Page:
    key: str
    title: str
    entries: tuple[Entry, ...]

    @property
    def question_keys(self) -> tuple[str, ...]:
        return tuple(entry.key for entry in self.entries if entry.kind == "question")


@dataclass(frozen=True)
class PageProgress:
    page: Page
    answered: int
    total: int
    missing_required: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.missing_required


def _entries(section: scoring.Section, depth: int) -> list[Entry]:
    entries: list[Entry] = []
    for child in section.children:
        if isinstance(child, scoring.Section):
            entries.append(Entry("heading", child.key, child.title or child.key, depth))
            entries.extend(_entries(child, depth + 1))
        else:
            entries.append(Entry("question", child.key, "", depth))
    return entries


def split(model: scoring.Model) -> tuple[Page, ...]:
    """The pages of a questionnaire, in order; sections without questions are left out."""
    root = model.root
    loose = tuple(
        Entry("question", child.key, "", 0)
        for child in root.children
        if isinstance(child, scoring.Question)
    )
    pages = [Page(root.key, root.title or GENERAL_TITLE, loose)] if loose else []
    for child in root.children:
        if isinstance(child, scoring.Section):
            page = Page(child.key, child.title or child.key, tuple(_entries(child, 0)))
            if page.question_keys:
                pages.append(page)
    return tuple(pages)


def progress(
    pages: Sequence[Page], answered: Iterable[str], required: Iterable[str]
) -> list[PageProgress]:
    """Per page: answered questions out of all, and the required ones still unanswered."""
    done, needed = set(answered), set(required)
    return [
        PageProgress(
            page=page,
            answered=sum(1 for key in page.question_keys if key in done),
            total=len(page.question_keys),
            missing_required=tuple(
                key for key in page.question_keys if key in needed and key not in done
            ),
        )
        for page in pages
    ]


def neighbours(pages: Sequence[Page], key: str) -> tuple[Page | None, Page | None]:
    """The pages before and after the page `key` (None at either end)."""
    index = next(i for i, page in enumerate(pages) if page.key == key)
    before = pages[index - 1] if index > 0 else None
    after = pages[index + 1] if index + 1 < len(pages) else None
    return before, after


def page_of(pages: Sequence[Page], question_key: str) -> Page | None:
    return next((page for page in pages if question_key in page.question_keys), None)
