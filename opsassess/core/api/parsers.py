"""The API reads JSON only, and refuses bodies that are too big, too deeply nested or not text.

JSON may spell a lone UTF-16 surrogate (`"\\ud800"`), which is no character at all, and
NUL. Neither can be a field name nor a key stored in a JSON column (PostgreSQL refuses both
there), so a body with either in any object key is refused whole. In values, each field
refuses them itself and names the field.
"""

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import exceptions, parsers, status

MAX_DEPTH = 20


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"

    def __init__(self) -> None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        super().__init__(f"The request body is larger than the limit of {limit} bytes.")


SURROGATE = re.compile("[\ud800-\udfff]")


def _problem(value: Any) -> str | None:
    """What makes parsed JSON unacceptable (depth, a key that is not text), without recursion."""
    stack = [(value, 1)]
    while stack:
        node, level = stack.pop()
        if level > MAX_DEPTH:
            return f"nested deeper than {MAX_DEPTH} levels."
        if isinstance(node, dict):
            for key, child in node.items():
                if SURROGATE.search(key):
                    return "a key holds a lone surrogate (\\ud800-\\udfff), which is not text."
                if "\x00" in key:
                    return "a key holds a NUL character."
                stack.append((child, level + 1))
        elif isinstance(node, list):
            stack.extend((child, level + 1) for child in node)
    return None


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(
                f"JSON parse error - nested deeper than {MAX_DEPTH} levels."
            ) from None
        except RequestDataTooBig:
            raise PayloadTooLarge() from None
        problem = _problem(data)
        if problem is not None:
            raise exceptions.ParseError(f"JSON parse error - {problem}")
        return data
