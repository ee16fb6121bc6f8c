import re
from typing import Any

from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request


class PageNumberPagination(pagination.PageNumberPagination):
    """Page numbers with a client-chosen page size that is validated, not silently replaced."""

    page_size_query_param = "page_size"
    max_page_size = 200
    min_page_size = 1

    def get_page_size(self, request: Request) -> int | None:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        # ASCII digits only: int() would also take " 12", "1_0" and Arabic-Indic digits.
        size = int(raw) if re.fullmatch(r"[0-9]{1,9}", raw) else 0
        if not self.min_page_size <= size <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"Must be a whole number from {self.min_page_size} to {self.max_page_size}."
                    ]
                }
            )
        return size

    def get_page_number(self, request: Request, paginator: Any) -> Any:
        raw = request.query_params.get(self.page_query_param)
        is_page = raw is None or raw in self.last_page_strings or re.fullmatch(r"[0-9]{1,9}", raw)
        if not is_page:
            raise ValidationError(
                {self.page_query_param: ["Must be a page number (ASCII digits) or 'last'."]}
            )
        return super().get_page_number(request, paginator)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(
                    {
                        "minimum": self.min_page_size,
                        "maximum": self.max_page_size,
                        "default": self.page_size,
                    }
                )
                parameter["description"] = (
                    f"Rows per page, {self.min_page_size} to {self.max_page_size} "
                    f"(default {self.page_size}). Anything else is a 400."
                )
            elif parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters
