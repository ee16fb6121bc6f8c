"""GET /api/v1/scores/: the incremental scores feed and its CSV / JSON Lines exports."""

import re
from datetime import UTC
from typing import Any

import knox.auth
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import http_date
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions, permissions, serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from assessments import feed, selectors
from assessments.api import rendered
from assessments.models import Assessment
from opsassess.core.api.filters import GLOBAL_PARAMETERS, StrictFilterBackend
from organisations.authentication import APIKeyAuthentication, api_key_of
from organisations.models import OrganisationAPIKey

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100


def _figures(slugs: tuple[str, ...], what: str) -> serializers.Serializer:
    fields = {
        slug: serializers.CharField(allow_null=True, help_text=f"{what} '{slug}', percent")
        for slug in slugs
    }
    return type(f"{what.title()}Figures", (serializers.Serializer,), fields)()


class StreamOnlyRenderer(BaseRenderer):
    """Lets content negotiation pick a streamed format; the view streams it itself."""

    def render(self, data: Any, accepted_media_type: Any = None, context: Any = None) -> bytes:
        return JSONRenderer().render(data)


class CSVRenderer(StreamOnlyRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"


class JSONLinesRenderer(StreamOnlyRenderer):
    media_type = "application/jsonl"
    format = "jsonl"


class ScoreRowSerializer(serializers.Serializer):
    assessment = serializers.UUIDField(
        help_text="The assessment's stable identifier (never changes): upsert by it."
    )
    organisation = serializers.CharField(help_text="Organisation slug (can be changed).")
    organisation_uuid = serializers.UUIDField(
        help_text="The organisation's stable identifier (never changes)."
    )
    organisation_name = serializers.CharField()
    questionnaire = serializers.CharField(help_text="Questionnaire slug.")
    version = serializers.IntegerField(help_text="Questionnaire version number.")
    title = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField(help_text="When the row last changed.")
    overall = serializers.CharField(allow_null=True, help_text="Overall score (decimal).")
    overall_percent = serializers.CharField(allow_null=True, help_text="0-100 (decimal).")
    level = serializers.CharField(allow_null=True, help_text="Key of the level reached.")
    level_name = serializers.CharField(allow_null=True)
    disciplines = _figures(feed.DISCIPLINES, "discipline")
    hindrances = _figures(feed.HINDRANCES, "hindrance")
    section_levels = serializers.DictField(
        child=serializers.CharField(),
        help_text="Section key -> key of the level it reached, for the sections of the "
        "questionnaire that have levels of their own (empty for the others).",
    )
    unit_uuid = serializers.UUIDField(
        allow_null=True,
        help_text="The unit assessed (a team, product or platform; its stable identifier, see "
        "/organisations/{slug}/units/); null: the organisation as a whole.",
    )


class ScoresPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page, null at the end.")
    next_cursor = serializers.CharField(
        allow_null=True,
        help_text="Keep it: passing it as `cursor` later returns only rows new or changed since.",
    )
    results = ScoreRowSerializer(many=True)


class MomentField(IsoDateTimeField):
    """An ISO 8601 moment that the database can store, converted to UTC."""

    def clean(self, value: Any) -> Any:
        moment = super().clean(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise DjangoValidationError("This moment is out of range.", code="invalid") from None


class MomentFilter(filters.IsoDateTimeFilter):
    field_class = MomentField


class ScoresFilter(filters.FilterSet):
    organisation = filters.CharFilter(
        field_name="organisation__slug", help_text="Organisation slug."
    )
    questionnaire = filters.CharFilter(
        field_name="version__questionnaire__slug", help_text="Questionnaire slug."
    )
    version = filters.NumberFilter(field_name="version__number", help_text="Version number.")
    discipline = filters.CharFilter(
        method="filter_discipline", help_text="Only results that score this discipline (slug)."
    )
    level = filters.CharFilter(field_name="result__level_key", help_text="Level key reached.")
    submitted_after = MomentFilter(field_name="submitted_at", lookup_expr="gte")
    submitted_before = MomentFilter(field_name="submitted_at", lookup_expr="lt")
    updated_since = MomentFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Rows changed at or after this moment (ISO 8601).",
    )

    class Meta:
        model = Assessment
        fields: list[str] = []

    def filter_discipline(self, queryset: QuerySet[Assessment], name: str, value: str) -> Any:
        return queryset.filter(
            result__scores__axis="discipline",
            result__scores__key=value,
            result__scores__percent__isnull=False,
        )


EXAMPLE_ROW = {
    "assessment": "6f1c2a9e-3b4d-4c5e-8f70-1a2b3c4d5e6f",
    "organisation": "acme",
    "organisation_uuid": "0b8e7d6c-5a4f-4e3d-9c2b-1a0f9e8d7c6b",
    "organisation_name": "Acme",
    "questionnaire": "devops-maturity",
    "version": 1,
    "title": "Q4 review",
    "submitted_at": "2026-11-20T09:30:00Z",
    "updated_at": "2026-11-20T09:30:00Z",
    "overall": "0.6125",
    "overall_percent": "61.2500",
    "level": "managed",
    "level_name": "Managed",
    "disciplines": {"devops": "61.2500", "mlops": None, "aiops": None},
    "hindrances": {
        "skills-gap": "55.0000",
        "data-quality": None,
        "use-cases": "70.0000",
        "culture": "62.5000",
        "infrastructure": "58.3333",
        "tooling": "66.6667",
    },
    "section_levels": {},
    "unit_uuid": "6f1c2a8e-3b4d-4e5f-9a01-23456789abcd",
}


@extend_validation_errors(["invalid"], field_name="page_size", methods=["get"])
@extend_validation_errors(["invalid"], field_name="cursor", methods=["get"])
@extend_validation_errors(["invalid"], field_name="format", methods=["get"])
class ScoresView(GenericAPIView):
    """One flat row per submitted assessment, for dashboards and warehouses."""

    authentication_classes = [
        APIKeyAuthentication,
        knox.auth.TokenAuthentication,
        SessionAuthentication,
    ]
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = ScoresFilter
    filter_backends = [StrictFilterBackend]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer, JSONLinesRenderer]
    pagination_class = None
    extra_query_parameters = ["cursor", "page_size"]

    def get_queryset(self) -> QuerySet[Assessment]:
        if getattr(self, "swagger_fake_view", False):
            return Assessment.objects.none()
        key = api_key_of(self.request)
        submitted = Assessment.objects.filter(status=Assessment.Status.SUBMITTED)
        if key is None:
            return selectors.assessments_for(self.request.user).filter(
                status=Assessment.Status.SUBMITTED
            )
        if key.scope == OrganisationAPIKey.Scope.ALL_ORGANISATIONS:
            return submitted
        return submitted.filter(organisation_id=key.organisation_id)

    def _page_size(self) -> int:
        raw = self.request.query_params.get("page_size")
        if raw is None:
            return DEFAULT_PAGE_SIZE
        # ASCII digits only: "²".isdigit() is true but int("²") fails.
        if not re.fullmatch(r"[0-9]{1,7}", raw) or not 1 <= int(raw) <= MAX_PAGE_SIZE:
            raise exceptions.ValidationError(
                {"page_size": [f"Must be a whole number from 1 to {MAX_PAGE_SIZE}."]}
            )
        return int(raw)

    def _wanted_format(self) -> str:
        return str(getattr(self.request.accepted_renderer, "format", "json"))

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        wanted = request.query_params.get("format")
        renderers = {renderer.format: renderer for renderer in self.get_renderers()}
        # force=True is DRF rendering an error response: answer it in JSON, don't refuse again.
        if wanted is not None and wanted not in renderers and not force:
            raise exceptions.ValidationError({"format": ["One of: json, csv, jsonl."]})
        if wanted is not None and not force:
            # An explicit `format` wins over Accept (`?format=csv` from a JSON client is CSV).
            renderer = renderers[wanted]
            return renderer, renderer.media_type
        return super().perform_content_negotiation(request, force)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        # Errors are JSON whatever format was asked for: a CSV client still gets a clear reason.
        if isinstance(response, Response) and response.status_code >= 400:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def filter_queryset(self, queryset: QuerySet[Assessment]) -> QuerySet[Assessment]:
        # Building the FilterSet costs more than a page of rows: skip it when no filter is asked
        # for and every parameter is one the strict backend would accept as it is.
        plain = GLOBAL_PARAMETERS.union(self.extra_query_parameters)
        if all(
            name in plain and len(values) == 1 and values[0].strip()
            for name, values in self.request.query_params.lists()
        ):
            return queryset
        return super().filter_queryset(queryset)

    def _cursor(self) -> str | None:
        cursor = self.request.query_params.get("cursor")
        if cursor is not None:
            try:
                feed.decode_cursor(cursor)
            except feed.CursorError as exc:
                raise exceptions.ValidationError({"cursor": [str(exc)]}) from None
        return cursor

    @extend_schema(
        tags=["scores"],
        summary="The scores feed (incremental sync, CSV and JSON Lines export)",
        description=(
            "Rows come in the order their changes were committed. Page with `cursor`: store "
            "the `next_cursor` of the last page and pass it next time to get only rows that are "
            "new or changed since; no change is ever skipped. Delivery is at least once: "
            "upsert by `assessment` (a UUID). A cursor is signed: an edited one is a 400. Send "
            "`If-None-Match` with the ETag of the previous answer to get a 304 when nothing "
            "changed. With `format=csv` (or `Accept: text/csv`) or `format=jsonl` the whole "
            "filtered set after `cursor` is streamed instead of a page, each row once, as the "
            "feed stood when the export started; `format` wins over `Accept`. CSV columns: "
            + ", ".join(feed.CSV_COLUMNS)
            + ". Authenticate with `Authorization: Api-Key <key>` or a user token."
        ),
        parameters=[
            OpenApiParameter("cursor", str, description="A `next_cursor` from an earlier page."),
            OpenApiParameter(
                "page_size",
                int,
                description=f"Rows per page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}).",
            ),
            OpenApiParameter(
                "format", str, enum=["json", "csv", "jsonl"], description="Default json."
            ),
            OpenApiParameter(
                "Next-Cursor",
                str,
                OpenApiParameter.HEADER,
                response=[200],
                description="Exports only: the cursor for the next incremental sync. Rows "
                "changed while the export streams come with that sync.",
            ),
        ],
        filters=True,
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="Every row after `cursor`, streamed as CSV."
            ),
            (200, "application/jsonl"): OpenApiResponse(
                OpenApiTypes.STR, description="Every row after `cursor`, one JSON object a line."
            ),
            (200, "application/json"): OpenApiResponse(
                ScoresPageSerializer,
                examples=[
                    OpenApiExample(
                        "A page",
                        value={
                            "next": "http://127.0.0.1:8000/api/v1/scores/?cursor=WzAsNDJd%3A1t",
                            "next_cursor": "WzAsNDJd:1tZq3xV8mKp0aQ4bN7cR2dE5fG6hJ9kLmNoPqRsTuVw",
                            "results": [EXAMPLE_ROW],
                        },
                    )
                ],
            ),
            (304, "application/json"): OpenApiResponse(
                description="Not modified since the ETag or date sent."
            ),
        },
    )
    def get(self, request: Request) -> Any:
        fmt = self._wanted_format()
        queryset = self.filter_queryset(self.get_queryset())
        cursor = self._cursor()
        if fmt in {"csv", "jsonl"}:
            if "page_size" in request.query_params:
                raise exceptions.ValidationError(
                    {"page_size": ["Exports are not paged: they stream every row after `cursor`."]}
                )
            lines = feed.csv_lines if fmt == "csv" else feed.json_lines
            content_type = "text/csv; charset=utf-8" if fmt == "csv" else "application/jsonl"
            resume = feed.resume_cursor(queryset.db, cursor)
            rows = feed.iterate(queryset, start=cursor)
            response = StreamingHttpResponse(lines(rows), content_type=content_type)
            response["Content-Disposition"] = f'attachment; filename="scores.{fmt}"'
            if resume is not None:
                response["Next-Cursor"] = resume
            return response
        size = self._page_size()
        records, more = feed.page(queryset, cursor, size)
        next_cursor = records[-1].cursor() if records else cursor or None
        next_url = None
        if more:
            next_url = replace_query_param(request.build_absolute_uri(), "cursor", next_cursor)
        response: HttpResponse
        if rendered.wants_json(self.request):
            body = feed.page_json(next_url, next_cursor, records)
            response = rendered.json_response(body)
        else:
            results = [record.as_dict() for record in records]
            response = Response({"next": next_url, "next_cursor": next_cursor, "results": results})
        if records:
            newest = max(record.updated_at() for record in records)
            response["Last-Modified"] = http_date(newest.timestamp())
        return response
