"""Log lines never carry the secrets that travel in paths.

An invitation's key is the last part of its accept link (/invitations/accept/<key>/), and a
password reset's token the last parts of its link; Django logs paths (the development
server's request lines, "Not Found: <path>" warnings for 4xx answers), and the key also
travels inside a sign-in page's `?next=`. This filter replaces what follows each configured
prefix, plain or percent-encoded, by "[hidden]" before any handler sees the record.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable


class HideSecretPaths(logging.Filter):
    def __init__(self, prefixes: Iterable[str] = ()) -> None:
        super().__init__()
        alternatives = []
        for prefix in prefixes:
            parts = [re.escape(part) for part in prefix.split("/")]
            # "/" may be percent-encoded (%2F) when the path is a query value.
            alternatives.append("(?:/|%2[Ff])".join(parts))
        self.pattern = re.compile(
            "(" + "|".join(alternatives) + r")[^\s?&#\"'<>]+" if alternatives else r"(?!)"
        )

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = self.pattern.sub(r"\1[hidden]", message)
        if hidden != message:
            record.msg, record.args = hidden, None
        return True
