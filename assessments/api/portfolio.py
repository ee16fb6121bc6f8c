"""GET /api/v1/organisations/{slug}/portfolio/ and its printable page, .../portfolio/report/.

Who reads it: the organisation's owners, editors and viewers (by token or admin session),
and machine keys, since dashboards pull it: a key of that organisation or a key for all
organisations. Respondents get a 403 with the reason; anyone else, and a key of another
organisation, a 404 exactly as for an organisation that does not exist.

What it shows and the rules behind every figure: assessments.portfolio_selectors and
docs/portfolio.md.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import knox.auth
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_serializers import ErrorResponse403Serializer
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions, serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import charts, portfolio_selectors, report
from assessments.api.report import NOT_MODIFIED, DocumentNegotiation
from assessments.models import QuestionnaireVersion
from organisations.access import Need
from organisations.api.permissions import OrganisationPermission
from organisations.authentication import APIKeyAuthentication, api_key_of
from organisations.models import Organisation, OrganisationAPIKey, Unit

REFUSAL = (
    "Respondents answer the assessments they are asked to; the portfolio of every unit is "
    "for the organisation's owners, editors and viewers."
)
QUERY_PARAMETERS = frozenset({"questionnaire", "format"})


class PortfolioPermission(OrganisationPermission):
    """A user's access as everywhere (organisations.access); a machine key reads the portfolio
    of its own organisation, or of any organisation when it is a key for all of them."""

    def has_permission(self, request: Request, view: Any) -> bool:
        key = api_key_of(request)
        if key is None:
            return super().has_permission(request, view)
        found = Organisation.objects.filter(slug=view.kwargs["slug"])
        if key.scope != OrganisationAPIKey.Scope.ALL_ORGANISATIONS:
            found = found.filter(pk=key.organisation_id)
        organisation = found.first()
        if organisation is None:
            raise Http404("No such organisation.")
        request.organisation = organisation
        return True


def wanted_questionnaire(request: Request) -> str | None:
    """The `questionnaire` filter, after refusing unknown, blank and repeated parameters and a
    slug that names no published questionnaire (one query, only when the filter is given)."""
    errors: dict[str, list[str]] = {}
    for name in request.query_params:
        values = request.query_params.getlist(name)
        if name not in QUERY_PARAMETERS:
            errors[name] = ["Unknown query parameter. Allowed: questionnaire."]
        elif any(not value.strip() for value in values):
            errors[name] = ["This parameter may not be blank."]
        elif len(values) > 1:
            errors[name] = ["Give this parameter once."]
    if errors:
        raise exceptions.ValidationError(errors)
    slug = request.query_params.get("questionnaire")
    if slug is None:
        return None
    published = (
        QuestionnaireVersion.objects.filter(status=QuestionnaireVersion.Status.PUBLISHED)
        .values_list("questionnaire__slug", flat=True)
        .distinct()
    )
    known = sorted(set(published))
    if slug not in known:
        raise exceptions.ValidationError(
            {
                "questionnaire": [
                    f"No published questionnaire '{slug}'. Published: "
                    + (", ".join(known) or "none")
                    + "."
                ]
            }
        )
    return slug


class _PortfolioBase(APIView):
    authentication_classes = [
        APIKeyAuthentication,
        knox.auth.TokenAuthentication,
        SessionAuthentication,
    ]
    permission_classes = [PortfolioPermission]
    organisation_needs = {"get": Need.READ}
    organisation_refusals = {"get": REFUSAL}

    def portfolio(self, request: Request) -> dict[str, Any]:
        questionnaire = wanted_questionnaire(request)
        return portfolio_selectors.portfolio_of(request.organisation, questionnaire)


# --- the JSON body, for the schema -----------------------------------------------------------


class _SectionSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()


class _DisciplineSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class _RollUpSerializer(serializers.Serializer):
    rule = serializers.ChoiceField(
        choices=["mean", "median", "minimum"], help_text="The organisation's roll-up rule."
    )
    units = serializers.IntegerField(help_text="Units with a scored result of their own.")
    overall_percent = serializers.CharField(
        allow_null=True, help_text="Their overall percents rolled up (2 places); null: none."
    )
    sections = serializers.ListField(
        child=serializers.CharField(allow_null=True),
        help_text="Per column of `sections`, the units' section percents rolled up.",
    )


class _PercentilesSerializer(serializers.Serializer):
    shown = serializers.BooleanField()
    scored_units = serializers.IntegerField()
    reason = serializers.CharField(allow_null=True, help_text="Why percentiles are hidden.")


class _QuestionnaireSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    version = serializers.IntegerField(help_text="The newest published version.")
    discipline = _DisciplineSerializer(
        allow_null=True,
        help_text="The discipline that tags most of its questions; it places the "
        "questionnaire in the catalogue's order of disciplines.",
    )
    sections = _SectionSerializer(
        many=True, help_text="The heatmap's columns: the top-level sections."
    )
    roll_up = _RollUpSerializer()
    percentiles = _PercentilesSerializer()


class _CellSerializer(serializers.Serializer):
    assessment = serializers.IntegerField(allow_null=True)
    assessment_uuid = serializers.UUIDField(allow_null=True)
    title = serializers.CharField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField(allow_null=True)
    overall_percent = serializers.CharField(allow_null=True)
    level = serializers.CharField(allow_null=True)
    level_name = serializers.CharField(allow_null=True)
    sections = serializers.ListField(
        child=serializers.CharField(allow_null=True),
        help_text="Percent per column of the questionnaire's `sections` (a heatmap row).",
    )
    percentile = serializers.CharField(
        allow_null=True, help_text="Mid-rank percentile among the scored units (1 place)."
    )
    rolled_up = serializers.BooleanField(
        help_text="True: no result of its own; the units below it, rolled up."
    )
    from_units = serializers.ListField(
        child=serializers.UUIDField(), help_text="The units rolled up (their uuids)."
    )


def _results_field(help_text: str) -> serializers.DictField:
    return serializers.DictField(
        child=_CellSerializer(allow_null=True),
        help_text=help_text,
    )


class _UnitSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Unit.Kind.choices)
    parent = serializers.UUIDField(allow_null=True)
    depth = serializers.IntegerField(help_text="0 for units directly under the organisation.")
    results = _results_field("Questionnaire slug -> the unit's latest result, or null.")


class _OrganisationSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    slug = serializers.CharField()
    name = serializers.CharField()


class PortfolioSerializer(serializers.Serializer):
    organisation = _OrganisationSerializer()
    roll_up_rule = serializers.ChoiceField(choices=["mean", "median", "minimum"])
    minimum_units_for_percentile = serializers.IntegerField()
    questionnaires = _QuestionnaireSerializer(many=True)
    organisation_results = _results_field(
        "Questionnaire slug -> the latest result of the organisation as a whole (its "
        "assessments of no unit), or null."
    )
    units = _UnitSerializer(many=True, help_text="Depth first; siblings by name.")


def _example_cell(
    assessment: int | None, overall: str, sections: list[str], percentile: str | None = None
) -> dict[str, Any]:
    return {
        "assessment": assessment,
        "assessment_uuid": None
        if assessment is None
        else f"6f1c2a9e-3b4d-4c5e-8f70-{assessment:012d}",
        "title": None if assessment is None else "Spring review",
        "submitted_at": None if assessment is None else "2026-11-20T09:30:00Z",
        "version": None if assessment is None else 2,
        "overall_percent": overall,
        "level": None if assessment is None else "defined",
        "level_name": None if assessment is None else "Defined",
        "sections": sections,
        "percentile": percentile,
        "rolled_up": assessment is None,
        "from_units": []
        if assessment is not None
        else ["0b8e7d6c-5a4f-4e3d-9c2b-000000000002", "0b8e7d6c-5a4f-4e3d-9c2b-000000000003"],
    }


PORTFOLIO_EXAMPLE = OpenApiExample(
    "A department of two teams",
    response_only=True,
    value={
        "organisation": {
            "uuid": "0b8e7d6c-5a4f-4e3d-9c2b-1a0f9e8d7c6b",
            "slug": "acme",
            "name": "Acme",
        },
        "roll_up_rule": "mean",
        "minimum_units_for_percentile": 5,
        "questionnaires": [
            {
                "slug": "devops-maturity",
                "name": "DevOps maturity",
                "version": 2,
                "discipline": {"slug": "devops", "name": "DevOps"},
                "sections": [{"key": "plan", "title": "Plan"}, {"key": "build", "title": "Build"}],
                "roll_up": {
                    "rule": "mean",
                    "units": 2,
                    "overall_percent": "55.00",
                    "sections": ["50.00", "60.00"],
                },
                "percentiles": {
                    "shown": False,
                    "scored_units": 2,
                    "reason": "Hidden: only 2 unit(s) have a result of this questionnaire; "
                    "percentiles are shown from 5 on, so that a few units' ranks do not single "
                    "any of them out.",
                },
            }
        ],
        "organisation_results": {"devops-maturity": None},
        "units": [
            {
                "uuid": "0b8e7d6c-5a4f-4e3d-9c2b-000000000001",
                "slug": "engineering",
                "name": "Engineering",
                "kind": "department",
                "parent": None,
                "depth": 0,
                "results": {"devops-maturity": _example_cell(None, "55.00", ["50.00", "60.00"])},
            },
            {
                "uuid": "0b8e7d6c-5a4f-4e3d-9c2b-000000000002",
                "slug": "payments",
                "name": "Payments",
                "kind": "team",
                "parent": "0b8e7d6c-5a4f-4e3d-9c2b-000000000001",
                "depth": 1,
                "results": {
                    "devops-maturity": _example_cell(41, "60.0000", ["50.0000", "70.0000"])
                },
            },
            {
                "uuid": "0b8e7d6c-5a4f-4e3d-9c2b-000000000003",
                "slug": "search",
                "name": "Search",
                "kind": "team",
                "parent": "0b8e7d6c-5a4f-4e3d-9c2b-000000000001",
                "depth": 1,
                "results": {
                    "devops-maturity": _example_cell(42, "50.0000", ["50.0000", "50.0000"])
                },
            },
        ],
    },
)

QUESTIONNAIRE_PARAMETER = OpenApiParameter(
    "questionnaire",
    str,
    description="Only this questionnaire (a published questionnaire's slug).",
)
PORTFOLIO_DESCRIPTION = (
    "For every unit (depth first, with its parent) and every published questionnaire: the "
    "unit's latest submitted result, its top-level section percents (a row of the "
    "questionnaire's heatmap, columns in `sections`) and its percentile among the units "
    "scored. Questionnaires come in the catalogue's order of disciplines (DevOps, MLOps, "
    "AIOps), each placed by the discipline that tags most of its questions. Per "
    "questionnaire, the organisation's roll-up of the units' overall and section percents by "
    "its declared rule (`roll_up_rule`: mean, median or minimum; owners change it with PATCH "
    "on the organisation). Percentiles are hidden, with the reason, while fewer than "
    "`minimum_units_for_percentile` units have a result. A unit without a result of its own "
    "shows the units below it rolled up (`rolled_up`, `from_units`); it counts once, through "
    "them, in the roll-up. The organisation's own assessments (of no unit) are "
    "`organisation_results`, beside the roll-up, not in it. Readable with an API key of the "
    "organisation or for all organisations (`Authorization: Api-Key <key>`)."
)


@extend_validation_errors(["invalid"], field_name="questionnaire", methods=["get"])
class PortfolioView(_PortfolioBase):
    renderer_classes = [JSONRenderer]

    @extend_schema(
        tags=["portfolio"],
        operation_id="v1_organisations_portfolio_retrieve",
        summary="Every unit's latest result side by side, with roll-ups and percentiles",
        description=PORTFOLIO_DESCRIPTION,
        parameters=[QUESTIONNAIRE_PARAMETER],
        responses={200: PortfolioSerializer, 403: ErrorResponse403Serializer},
        examples=[PORTFOLIO_EXAMPLE],
    )
    def get(self, request: Request, slug: str) -> Response:
        return Response(self.portfolio(request))


@extend_validation_errors(["invalid"], field_name="questionnaire", methods=["get"])
class PortfolioReportView(_PortfolioBase):
    renderer_classes: list[type[BaseRenderer]] = [JSONRenderer]
    content_negotiation_class = DocumentNegotiation

    @extend_schema(
        tags=["portfolio"],
        operation_id="v1_organisations_portfolio_report_retrieve",
        summary="The portfolio as a printable HTML page (A4)",
        description="The same figures as the portfolio, for people: per questionnaire, the "
        "units' overall scores, levels and percentiles (or why they are hidden), the unit x "
        "section heatmap as a table with the roll-up row, and the rule used. Self-contained "
        "(no scripts, fonts or other requests). The same figures always give the same bytes: "
        "send `If-None-Match` with the ETag to get a 304.",
        parameters=[QUESTIONNAIRE_PARAMETER],
        responses={
            (200, "text/html"): OpenApiResponse(OpenApiTypes.STR, description="The page."),
            304: NOT_MODIFIED,
            403: ErrorResponse403Serializer,
        },
    )
    def get(self, request: Request, slug: str) -> HttpResponse:
        body = render_to_string(
            "assessments/portfolio_report.html", report_context(self.portfolio(request))
        )
        return report.document_response(
            body, content_type="text/html; charset=utf-8", csp=report.REPORT_CSP
        )


# --- the printable page ------------------------------------------------------------------


def _places(percent: str | None, places: int) -> str | None:
    """A decimal string to `places` places (half to even), for the page; None stays None."""
    if percent is None:
        return None
    return str(Decimal(percent).quantize(Decimal(1).scaleb(-places), ROUND_HALF_EVEN))


def _heat(percent: str | None) -> dict[str, Any]:
    """A heatmap cell: its text, and a background from white to the report's blue by percent
    with the ink that reads best on it."""
    share = None if percent is None else float(percent) / 100
    return {"text": _places(percent, 1), "style": charts.heat_style(share)}


def report_context(body: dict[str, Any]) -> dict[str, Any]:
    """The portfolio body arranged for the printable page: one block per questionnaire, every
    figure already written out (template filters per cell cost more than the rest)."""
    names = {unit["uuid"]: unit["name"] for unit in body["units"]}
    blocks = []
    for index, questionnaire in enumerate(body["questionnaires"]):
        slug = questionnaire["slug"]
        subjects = [(body["organisation"]["name"], 0, "organisation",
                     body["organisation_results"].get(slug))]  # fmt: skip
        subjects += [
            (unit["name"], unit["depth"], unit["kind"], unit["results"].get(slug))
            for unit in body["units"]
        ]
        empty = [None] * len(questionnaire["sections"])
        rows = []
        for position, (name, depth, kind, cell) in enumerate(subjects):
            if position == 0 and cell is None:
                continue  # the organisation's row only when it has a result of its own
            rows.append(
                {
                    "name": name,
                    "kind": kind,
                    "indent": f"padding-left:{6 + 10 * depth}pt",
                    "cell": cell,
                    "overall": _places(cell["overall_percent"], 2) if cell else None,
                    "heat": [_heat(percent) for percent in (cell["sections"] if cell else empty)],
                    "from_units": [names[uuid] for uuid in cell["from_units"]] if cell else [],
                }
            )
        blocks.append(
            {
                "questionnaire": questionnaire,
                "rows": rows,
                "roll_up_overall": _places(questionnaire["roll_up"]["overall_percent"], 2),
                "roll_up_heat": [_heat(p) for p in questionnaire["roll_up"]["sections"]],
                "page_break": index > 0,
            }
        )
    return {
        "organisation": body["organisation"],
        "rule": body["roll_up_rule"],
        "rule_text": RULE_TEXT[body["roll_up_rule"]],
        "minimum": body["minimum_units_for_percentile"],
        "blocks": blocks,
        "has_units": bool(body["units"]),
        "questionnaire_names": [q["name"] for q in body["questionnaires"]],
    }


RULE_TEXT = {
    "mean": "the mean of the units' percents",
    "median": "the median of the units' percents (the middle one, or the mean of the two "
    "middle ones)",
    "minimum": "the weakest unit's percent",
}
