"""GET /api/v1/assessments/{id}/roadmap/: the stored roadmap, as JSON or as CSV for trackers.

The same access rules as the recommendations endpoint: members of the assessment's
organisation, whatever their role; 404 for foreign and unknown assessments alike and before
submit. `format=csv` (or `Accept: text/csv`) gives the steps as issue-tracker rows; `format`
wins over Accept; an unknown `format` is a 400 naming it. Errors are always JSON.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions, permissions
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import access, roadmap, selectors
from assessments.api import examples
from assessments.feed import safe_cell
from assessments.models import Assessment


class RoadmapCSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: Any = None, context: Any = None) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(roadmap.EXPORT_COLUMNS)
        for row in data:
            writer.writerow(
                safe_cell(", ".join(value) if isinstance(value, list) else value)
                for value in row.values()
            )
        return buffer.getvalue().encode()


def csv_description() -> str:
    return ", ".join(roadmap.EXPORT_COLUMNS)


@extend_validation_errors(["invalid"], field_name="format", methods=["get"])
class RoadmapView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, RoadmapCSVRenderer]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        wanted = request.query_params.get("format")
        renderers = {renderer.format: renderer for renderer in self.get_renderers()}
        # force=True is DRF rendering an error response: answer it in JSON, don't refuse again.
        if wanted is not None and wanted not in {"json", "csv"} and not force:
            raise exceptions.ValidationError({"format": ["One of: json, csv."]})
        if wanted is not None and not force:
            renderer = renderers[wanted]
            return renderer, renderer.media_type
        return super().perform_content_negotiation(request, force)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        # Errors are JSON whatever format was asked for: a CSV client still gets a clear reason.
        if isinstance(response, Response) and response.status_code >= 400:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def _assessment(self, pk: int) -> Assessment:
        # One query: the assessment (of the caller's organisations) joined with its result.
        readable = selectors.assessments_for(self.request.user).select_related("result")
        assessment = access.assessment(self.request, pk, queryset=readable)
        if not assessment.is_submitted or getattr(assessment, "result", None) is None:
            raise exceptions.NotFound("This assessment has no result until it is submitted.")
        return assessment

    @extend_schema(
        tags=["assessments"],
        summary="The roadmap of a submitted assessment (JSON, or CSV for issue trackers)",
        description="Stored with the result at submit. Steps in the order to do them: "
        "prerequisites first, then by gain for effort (ties broken as docs/roadmap.md says), "
        "grouped into stages: `next-level`, `target` (with targets) and `later`. Each step "
        "says what doing it well looks like and, for every question behind it, the next "
        "answer up. `hindrances` lists the most blocking hindrances with the steps that "
        "address each. Every figure is a percentage (0-100) or percentage points. Results "
        "stored before roadmaps existed answer with `available: false` and a `note`. With "
        "`format=csv` (or `Accept: text/csv`) the steps as rows with the columns "
        + csv_description()
        + " (lists separated by commas); `format` wins over Accept.",
        parameters=[
            OpenApiParameter("format", str, enum=["json", "csv"], description="Default json.")
        ],
        responses={
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT, examples=[examples.ROADMAP]
            ),
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="The steps as issue-tracker rows."
            ),
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        assessment = self._assessment(pk)
        result = assessment.result
        stored = selectors.stored_roadmap(result.snapshot)
        if getattr(request.accepted_renderer, "format", "json") == "csv":
            response = Response(roadmap.export_rows(stored))
            response["Content-Disposition"] = f'attachment; filename="roadmap-{assessment.pk}.csv"'
            return response
        return Response(
            {
                "assessment": assessment.pk,
                "recommender_version": result.snapshot.get("recommender_version"),
                "level_name": result.level_name or None,
                **stored,
            }
        )
