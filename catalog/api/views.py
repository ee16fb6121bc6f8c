from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, viewsets

from catalog import selectors
from catalog.api import filters, serializers

SLUG_PATTERN = "[-a-zA-Z0-9_]+"


class CatalogueViewSet(viewsets.ReadOnlyModelViewSet):
    """Public, read-only catalogue resources addressed by slug."""

    permission_classes = [permissions.AllowAny]
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN
    search_fields = ["name", "description"]
    case_insensitive_ordering = ["name"]


@extend_schema_view(
    list=extend_schema(summary="List disciplines", tags=["catalogue"]),
    retrieve=extend_schema(summary="One discipline with its lifecycle phases", tags=["catalogue"]),
)
class DisciplineViewSet(CatalogueViewSet):
    serializer_class = serializers.DisciplineSerializer
    queryset = selectors.discipline_list()
    ordering_fields = ["order", "name", "slug"]
    ordering = ["order", "slug"]


@extend_schema_view(
    list=extend_schema(summary="List lifecycle phases", tags=["catalogue"]),
    retrieve=extend_schema(summary="One lifecycle phase", tags=["catalogue"]),
)
class LifecyclePhaseViewSet(CatalogueViewSet):
    serializer_class = serializers.LifecyclePhaseSerializer
    queryset = selectors.phase_list()
    filterset_class = filters.LifecyclePhaseFilter
    ordering_fields = ["order", "name", "slug"]
    ordering = ["discipline__order", "order"]


@extend_schema_view(
    list=extend_schema(summary="List hindrances to mature adoption", tags=["catalogue"]),
    retrieve=extend_schema(summary="One hindrance", tags=["catalogue"]),
)
class HindranceViewSet(CatalogueViewSet):
    serializer_class = serializers.HindranceSerializer
    queryset = selectors.hindrance_list()
    ordering_fields = ["order", "name", "slug"]
    ordering = ["order", "slug"]


@extend_schema_view(
    list=extend_schema(summary="List practices", tags=["catalogue"]),
    retrieve=extend_schema(
        summary="One practice with the tools that support it", tags=["catalogue"]
    ),
)
class PracticeViewSet(CatalogueViewSet):
    serializer_class = serializers.PracticeSerializer
    queryset = selectors.practice_list()
    filterset_class = filters.PracticeFilter
    search_fields = ["name", "description", "done_well"]
    ordering_fields = ["name", "slug", "order"]
    ordering = ["phase__discipline__order", "phase__order", "order", "slug"]


@extend_schema_view(
    list=extend_schema(summary="List tools", tags=["catalogue"]),
    retrieve=extend_schema(summary="One tool", tags=["catalogue"]),
)
class ToolViewSet(CatalogueViewSet):
    serializer_class = serializers.ToolSerializer
    queryset = selectors.tool_list()
    filterset_class = filters.ToolFilter
    search_fields = ["name", "vendor", "description"]
    ordering_fields = ["name", "slug", "vendor", "min_maturity"]
    case_insensitive_ordering = ["name", "vendor"]
    ordering = ["name", "slug"]
