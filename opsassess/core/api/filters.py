"""Query-parameter handling that refuses what it does not understand.

A sync client that misspells a filter must get a 400, not the whole table: by default
django-filter and DRF ignore unknown parameters, blank values and unknown ordering fields.
"""

import re
from typing import Any

from django.db.models import F, OrderBy, QuerySet
from django.db.models.functions import Lower
from django_filters import MultipleChoiceFilter, NumberFilter
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.settings import api_settings

# Parameters every endpoint understands regardless of its filters.
GLOBAL_PARAMETERS = frozenset({"page", "page_size", "format"})
# Number filters take ASCII digits: Django's form fields would also take "1_0" and other
# scripts' digits.
ASCII_NUMBER = re.compile(r"-?[0-9]{1,18}(\.[0-9]{1,18})?", re.ASCII)


class StrictFilterBackend(DjangoFilterBackend):
    def filter_queryset(
        self, request: Request, queryset: QuerySet[Any], view: Any
    ) -> QuerySet[Any]:
        self._reject_unknown_and_blank(request, queryset, view)
        return super().filter_queryset(request, queryset, view)

    def _reject_unknown_and_blank(
        self, request: Request, queryset: QuerySet[Any], view: Any
    ) -> None:
        allowed = set(GLOBAL_PARAMETERS)
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            allowed.update(filterset_class.base_filters)
        if getattr(view, "search_fields", None):
            allowed.add(api_settings.SEARCH_PARAM)
        if getattr(view, "ordering_fields", None):
            allowed.add(api_settings.ORDERING_PARAM)
        allowed.update(getattr(view, "extra_query_parameters", ()))

        repeatable = set()
        numeric = set()
        if filterset_class is not None:
            repeatable = {
                name
                for name, declared in filterset_class.base_filters.items()
                if isinstance(declared, MultipleChoiceFilter)
            }
            numeric = {
                name
                for name, declared in filterset_class.base_filters.items()
                if isinstance(declared, NumberFilter)
            }
        errors: dict[str, list[str]] = {}
        for name in request.query_params:
            values = request.query_params.getlist(name)
            if name not in allowed:
                errors[name] = [
                    "Unknown query parameter. Allowed: " + ", ".join(sorted(allowed)) + "."
                ]
            elif any(value.strip() == "" for value in values):
                errors[name] = ["This parameter may not be blank."]
            elif len(values) > 1 and name not in repeatable:
                errors[name] = ["Give this parameter once."]
            elif name in numeric and not all(ASCII_NUMBER.fullmatch(value) for value in values):
                errors[name] = ["Enter a number in ASCII digits, e.g. 2."]
        if errors:
            raise ValidationError(errors)


class StrictSearchFilter(filters.SearchFilter):
    search_description = "Case-insensitive search in names and descriptions."

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        # Only views that search document `search` (the others refuse it with a 400).
        if not getattr(view, "search_fields", None):
            return []
        return super().get_schema_operation_parameters(view)


class StrictOrderingFilter(filters.OrderingFilter):
    """Ordering that answers 400 for a field it cannot order by instead of ignoring it.

    Fields a view lists in `case_insensitive_ordering` sort by their lower-cased value, so
    "dbt" sits between "Datadog" and "Dynatrace" on SQLite and PostgreSQL alike.
    """

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        folded = set(getattr(view, "case_insensitive_ordering", ()))
        terms: list[Any] = []
        for term in ordering:
            name = term.lstrip("-")
            if name not in folded:
                terms.append(term)
                continue
            expression: Any = Lower(F(name))
            terms.append(OrderBy(expression, descending=term.startswith("-")))
        return queryset.order_by(*terms)

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        params = request.query_params.get(self.ordering_param)
        if params:
            requested = [param.strip() for param in params.split(",")]
            valid = {
                item[0] for item in self.get_valid_fields(queryset, view, {"request": request})
            }
            unknown = [term for term in requested if term.lstrip("-") not in valid]
            if unknown:
                raise ValidationError(
                    {
                        self.ordering_param: [
                            f"Cannot order by {', '.join(unknown)}. "
                            f"Allowed: {', '.join(sorted(valid))} (prefix '-' to reverse)."
                        ]
                    }
                )
        return super().get_ordering(request, queryset, view)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        fields = getattr(view, "ordering_fields", None)
        if fields and fields != "__all__":
            for parameter in parameters:
                parameter["description"] = (
                    f"Sort by {', '.join(fields)}; comma separated, prefix '-' to reverse. "
                    "Anything else is a 400."
                )
        return parameters
