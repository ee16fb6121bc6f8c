"""Who else relies on a catalogue row, so that deleting it can be refused with a reason.

The catalogue knows nothing of the apps built on it: they register a checker here (from
their AppConfig.ready) that describes the uses of a row that must keep it alive.
"""

from collections.abc import Callable

from django.db.models import Model

Checker = Callable[[Model], list[str]]

_checkers: list[Checker] = []


def register(checker: Checker) -> None:
    if checker not in _checkers:
        _checkers.append(checker)


def uses_of(row: Model) -> list[str]:
    """Human-readable descriptions of what keeps `row` from being deleted."""
    return [use for checker in _checkers for use in checker(row)]
