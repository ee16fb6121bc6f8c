"""One exception handler for the whole API (drf-standardized-errors' format).

Domain rules raise Django's ValidationError (field -> messages) or a Conflict; both become
the same JSON shape as every other error: {"type", "errors": [{"code", "detail", "attr"}]}.
"""

import re
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework import exceptions, status
from rest_framework.response import Response

from opsassess.core.exceptions import Conflict, StaleVersion


class ConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The request conflicts with the current state of the resource."

    def __init__(self, detail: str, code: str = "conflict", extra: dict[str, Any] | None = None):
        super().__init__(detail=detail, code=code)
        self.extra = extra or {}


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_code = "precondition_required"
    default_detail = (
        "Send If-Match with the ETag you last read, so a concurrent change is not overwritten."
    )


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"
    default_detail = (
        "The resource changed since you read it (its ETag differs): read it again and retry."
    )


SURROGATE = re.compile("[\ud800-\udfff]")


def _printable(value: Any) -> Any:
    """Error bodies echo input; a lone surrogate in it cannot be encoded as UTF-8."""
    if isinstance(value, str):
        return SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_printable(k): _printable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_printable(item) for item in value]
    return value


class ApiExceptionHandler(ExceptionHandler):
    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, StaleVersion):
            return PreconditionFailed()
        if isinstance(exc, RequestDataTooBig):
            from opsassess.core.api.parsers import PayloadTooLarge

            return PayloadTooLarge()
        if isinstance(exc, DjangoValidationError):
            if hasattr(exc, "error_dict"):
                return exceptions.ValidationError(
                    {
                        field: [str(m) for m in messages]
                        for field, messages in exc.message_dict.items()
                    }
                )
            return exceptions.ValidationError({"non_field_errors": list(exc.messages)})
        if isinstance(exc, Conflict):
            extra = exc.extra if isinstance(exc.extra, dict) else {}
            return ConflictError(exc.detail, code=exc.code, extra=extra)
        if isinstance(exc, PermissionDenied) and exc.args:
            # organisations.access says why a role falls short: keep the reason.
            return exceptions.PermissionDenied(str(exc.args[0]))
        return super().convert_known_exceptions(exc)

    def get_response(self, exc: exceptions.APIException, data: dict[str, Any]) -> Response:
        if isinstance(exc, ConflictError) and exc.extra:
            data = {**data, **exc.extra}
        return super().get_response(exc, _printable(data))
