"""Domain exceptions every app may raise; the API's exception handler turns them into HTTP.

Services raise Django's ValidationError for bad input (400 with field errors), `Conflict` when
the input is valid but the current state forbids it (409, with a machine-readable code) and
`StaleVersion` when the caller's copy is out of date (412).
"""

from __future__ import annotations

from typing import Any


class StaleVersion(Exception):
    """The client's view of the resource is out of date (HTTP 412)."""


class Conflict(Exception):
    """The request is valid but the resource's state forbids it (HTTP 409)."""

    def __init__(self, detail: str, *, code: str = "conflict", extra: Any = None) -> None:
        self.detail = detail
        self.code = code
        self.extra = extra
        super().__init__(detail)
