"""GET /api/v1/assessments/{id}/report/ and /radar.svg: a stored result for people to look at.

The same access rules as the result endpoint: members of the assessment's organisation (by
token or admin session), 404 for foreign and unknown assessments alike, 404 before submit.
Errors are JSON like everywhere else in the API; the documents themselves carry a strong
ETag computed from their bytes.
"""

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from assessments import access, report, selectors
from assessments.models import Assessment


class DocumentNegotiation(BaseContentNegotiation):
    """The view writes its document itself; the (JSON) renderer is only for errors."""

    def select_parser(self, request: Any, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


class _ResultDocumentView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    renderer_classes: list[type[BaseRenderer]] = [JSONRenderer]
    content_negotiation_class = DocumentNegotiation

    def assessment(self, pk: int) -> Assessment:
        readable = selectors.assessments_for(self.request.user).select_related("result")
        assessment = access.assessment(self.request, pk, queryset=readable)
        if not assessment.is_submitted or getattr(assessment, "result", None) is None:
            raise exceptions.NotFound("This assessment has no result until it is submitted.")
        return assessment


NOT_MODIFIED = OpenApiResponse(description="Not modified: the ETag sent is still current.")


class ReportView(_ResultDocumentView):
    @extend_schema(
        tags=["assessments"],
        summary="A printable HTML report of a submitted assessment",
        description="Scores, level and its description, charts (radar, phase heatmap, "
        "history) as inline SVG, the top recommendations with their reasons and tools, and "
        "targets; laid out for A4. Self-contained: no scripts, fonts or other requests. The "
        "same result always gives the same bytes: send `If-None-Match` with the ETag to get "
        "a 304.",
        responses={
            (200, "text/html"): OpenApiResponse(OpenApiTypes.STR, description="The report."),
            304: NOT_MODIFIED,
        },
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        return report.document_response(
            report.render_report(self.assessment(pk)),
            content_type="text/html; charset=utf-8",
            csp=report.REPORT_CSP,
        )


class RadarView(_ResultDocumentView):
    @extend_schema(
        tags=["assessments"],
        operation_id="v1_assessments_radar_retrieve",
        summary="The radar chart of a submitted assessment (SVG)",
        description="Per-discipline and per-hindrance scores as percentages, with the "
        "targets and the previous result of the same questionnaire as extra series when "
        "there are any. Send `If-None-Match` with the ETag to get a 304.",
        responses={
            (200, "image/svg+xml"): OpenApiResponse(OpenApiTypes.STR, description="The chart."),
            304: NOT_MODIFIED,
        },
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        return report.document_response(
            report.render_radar(self.assessment(pk)),
            content_type="image/svg+xml",
            csp=report.SVG_CSP,
        )
