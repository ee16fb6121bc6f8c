import re
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from django.http import Http404
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from drf_standardized_errors.openapi_serializers import (
    ErrorResponse401Serializer,
    ErrorResponse403Serializer,
)
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from knox.auth import TokenAuthentication
from knox.models import AuthToken
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import access as assessment_access
from assessments import selectors, services
from assessments.api import examples, rendered, serializers
from assessments.models import (
    Assessment,
    Questionnaire,
    QuestionnaireVersion,
)
from opsassess.core import tokens
from opsassess.core.api.errors import PreconditionRequired
from organisations import access
from organisations.access import Need
from organisations.api.permissions import OrganisationPermission

CONFLICT = serializers.ConflictResponseSerializer
FORBIDDEN = ErrorResponse403Serializer
UNAUTHORISED = ErrorResponse401Serializer
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description="Optional: the ETag last read, or `*` (matches whatever is current); a stale "
    "or empty one is refused with 412.",
)


class TokenView(APIView):
    """Exchange a username and password for an API token; DELETE revokes the token sent."""

    def get_authenticators(self) -> list[Any]:
        # Logging in needs no token, and a stale one left in a client's headers must not
        # stand in the way; revoking needs the token being revoked.
        if getattr(self.request, "method", "POST") == "POST":
            return []
        return [TokenAuthentication()]

    def get_permissions(self) -> list[Any]:
        if getattr(self.request, "method", "POST") == "POST":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_authenticate_header(self, request: Request) -> str:
        return "Token"

    @extend_schema(
        tags=["auth"],
        summary="Get an API token",
        description="At most "
        f"{settings.REST_KNOX['TOKEN_LIMIT_PER_USER']} tokens per user are live: a login "
        "beyond that revokes the user's oldest token. Five failed logins for a username from "
        "one address lock it out (429, code `locked_out`, with Retry-After).",
        request=serializers.TokenRequestSerializer,
        responses={
            200: serializers.TokenResponseSerializer,
            401: UNAUTHORISED,
            429: serializers.LoginRefusedResponseSerializer,
        },
        examples=[examples.TOKEN_REQUEST, examples.TOKEN_RESPONSE, examples.LOCKED_OUT],
    )
    def post(self, request: Request) -> Response:
        serializer = serializers.TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request=request._request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed("Unknown username or wrong password.")
        instance, token = tokens.token_create(user=user)
        return Response({"token": token, "expiry": instance.expiry})

    @extend_schema(
        tags=["auth"],
        summary="Revoke the token this request is made with",
        request=None,
        responses={204: None, 401: UNAUTHORISED},
    )
    def delete(self, request: Request) -> Response:
        return revoke_current_token(request)


def revoke_current_token(request: Request) -> Response:
    """`DELETE auth/token/` and `POST auth/logout/`: the token the request came with stops."""
    if isinstance(request.auth, AuthToken):
        tokens.token_revoke(token=request.auth)
    return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutView(APIView):
    """Revoke the token the request is made with (as `DELETE auth/token/`)."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=["auth"],
        summary="Log out: revoke the token this request is made with",
        request=None,
        responses={204: None, 401: UNAUTHORISED},
    )
    def post(self, request: Request) -> Response:
        return revoke_current_token(request)


class LogoutAllView(APIView):
    """Revoke every token of the caller, e.g. after one may have leaked."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=["auth"],
        summary="Log out everywhere: revoke all of your tokens",
        request=None,
        responses={204: None, 401: UNAUTHORISED},
    )
    def post(self, request: Request) -> Response:
        tokens.token_revoke_all(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(tags=["questionnaires"], summary="List published questionnaires"),
    retrieve=extend_schema(
        tags=["questionnaires"],
        summary="A questionnaire version's full tree",
        description="The whole tree needed to render a form, in the questionnaire format "
        "(docs/questionnaire-format.md): levels, then the root section whose children are "
        "sections (they have `children`) or questions.",
        parameters=[
            OpenApiParameter(
                "version", int, description="Published version number (default: the latest)."
            )
        ],
        responses={200: OpenApiTypes.OBJECT},
    ),
)
@extend_validation_errors(["invalid"], field_name="version", actions=["retrieve"])
class QuestionnaireViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.AllowAny]
    serializer_class = serializers.QuestionnaireSerializer
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    search_fields = ["name", "description"]
    ordering_fields = ["name", "slug"]
    ordering = ["name", "slug"]
    extra_query_parameters = ["version"]

    def get_queryset(self) -> QuerySet[Questionnaire]:
        return selectors.questionnaire_list()

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raw = request.query_params.get("version")
        if raw is not None and not re.fullmatch(r"[0-9]{1,9}", raw):
            raise exceptions.ValidationError({"version": ["Must be a version number."]})
        # One query: the published versions with their questionnaire joined.
        versions = list(
            QuestionnaireVersion.objects.filter(
                questionnaire__slug=kwargs["slug"], status=QuestionnaireVersion.Status.PUBLISHED
            )
            .select_related("questionnaire")
            .order_by("-number")
        )
        if not versions:
            raise exceptions.NotFound("No published questionnaire with this slug.")
        questionnaire = versions[0].questionnaire
        if raw is not None:
            versions = [v for v in versions if v.number == int(raw)]
            if not versions:
                raise exceptions.NotFound(f"'{questionnaire.slug}' has no published version {raw}.")
        version = versions[0]
        if rendered.wants_json(request):
            return rendered.questionnaire_tree(questionnaire, version)
        return Response(rendered.tree_document(version))


# Actions that read a result's snapshot; the others leave it unloaded.
SNAPSHOT_ACTIONS = frozenset({"result", "recommendations", "compare"})


def _answers_body(
    tree: selectors.VersionTree, answers: dict[str, selectors.StoredAnswer]
) -> dict[str, Any]:
    """Progress and answer rows, as the answers endpoint and the detail body show them."""
    return {
        "progress": selectors.progress(tree, answers),
        "answers": serializers.answer_rows(answers.values()),
    }


class AssessmentFilter(filters.FilterSet):
    organisation = filters.CharFilter(
        field_name="organisation__slug", help_text="Organisation slug."
    )
    questionnaire = filters.CharFilter(
        field_name="version__questionnaire__slug", help_text="Questionnaire slug."
    )
    unit = filters.CharFilter(
        field_name="unit__slug",
        help_text="Unit slug (combine with organisation: slugs are per organisation).",
    )
    status = filters.ChoiceFilter(choices=Assessment.Status.choices)

    class Meta:
        model = Assessment
        fields = ["organisation", "unit", "questionnaire", "status"]


@extend_schema_view(
    list=extend_schema(tags=["assessments"], summary="Assessments of your organisations"),
    retrieve=extend_schema(
        tags=["assessments"], summary="One assessment with its progress and answers"
    ),
    create=extend_schema(
        tags=["assessments"],
        summary="Start an assessment",
        request=serializers.AssessmentCreateSerializer,
        responses={201: serializers.AssessmentDetailSerializer},
        examples=[examples.ASSESSMENT_CREATE, examples.ASSESSMENT],
    ),
    destroy=extend_schema(
        tags=["assessments"],
        summary="Delete a draft assessment",
        responses={204: None, 403: FORBIDDEN, 409: serializers.ConflictResponseSerializer},
    ),
)
@extend_schema_view(
    partial_update=extend_schema(
        tags=["assessments"],
        summary="Change an assessment's title, or a draft's targets",
        description="Optimistic concurrency: send `If-Match` with the ETag of the assessment "
        "as last read (every read returns it), or `*` for whatever is current. Missing: 428. "
        "Stale or empty: 412, nothing changes. Fields left out, or sent unchanged, keep the "
        "revision (and the ETag).",
        parameters=[
            OpenApiParameter(
                "If-Match",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description='The ETag last read, e.g. "assessment-7-r3".',
            )
        ],
        request=serializers.AssessmentUpdateSerializer,
        responses={
            200: serializers.AssessmentDetailSerializer,
            403: FORBIDDEN,
            409: CONFLICT,
            412: CONFLICT,
            428: CONFLICT,
        },
    ),
)
@extend_validation_errors(["invalid"], field_name="other_id", actions=["compare"])
@extend_validation_errors(["invalid"], field_name="across_units", actions=["compare"])
class AssessmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = AssessmentFilter
    ordering_fields = ["created_at", "updated_at", "submitted_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[Assessment]:
        if getattr(self, "swagger_fake_view", False):
            return Assessment.objects.none()
        queryset = selectors.assessments_for(self.request.user).select_related("result")
        if self.action == "result" and rendered.wants_json(self.request):
            # The snapshot goes out as stored: read as text, never decoded and re-encoded.
            return queryset.defer("result__snapshot").annotate(
                snapshot_text=Cast("result__snapshot", TextField())
            )
        if self.action not in SNAPSHOT_ACTIONS:
            # Lists and details show the level only: a 200-question snapshot is ~100 kB.
            return queryset.defer("result__snapshot")
        return queryset

    def get_serializer_class(self) -> Any:
        if self.action == "list":
            return serializers.AssessmentSerializer
        return serializers.AssessmentDetailSerializer

    def get_object(self, need: Need = Need.READ, message: str | None = None) -> Assessment:
        return assessment_access.assessment(
            self.request, self.kwargs["pk"], need, queryset=self.get_queryset(), message=message
        )

    def _editable(self) -> Assessment:
        return self.get_object(Need.EDIT, "Viewers can read this assessment but not change it.")

    def _detail(
        self, assessment: Assessment, answers: dict[str, selectors.StoredAnswer] | None = None
    ) -> dict[str, Any]:
        """The detail body; `answers` (in form order) when the caller has them already."""
        tree = selectors.version_tree(assessment.version)
        if answers is None:
            answers = selectors.answers_by_key(assessment, tree)
        data = dict(
            serializers.AssessmentSerializer(assessment, context=self.get_serializer_context()).data
        )
        data["targets"] = services.targets_view(assessment.targets, tree, answers)
        return data | _answers_body(tree, answers)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail_response(self.get_object())

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = serializers.AssessmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            organisation = access.organisation(request, data["organisation"], Need.EDIT)
        except (Http404, DjangoPermissionDenied):
            # The same answer for foreign and unknown organisations: slugs don't leak.
            raise exceptions.ValidationError(
                {"organisation": [f"No organisation '{data['organisation']}' you can edit."]}
            ) from None
        versions = QuestionnaireVersion.objects.filter(
            questionnaire__slug=data["questionnaire"],
            status=QuestionnaireVersion.Status.PUBLISHED,
        ).order_by("-number")
        if "version" in data:
            versions = versions.filter(number=data["version"])
        version = versions.first()
        if version is None:
            if "version" in data:
                field = "version"
                detail = f"No published questionnaire '{data['questionnaire']}' version "
                detail += f"{data['version']}."
            else:
                # Say what does exist: a newcomer guessing "devops" learns the real slug.
                field = "questionnaire"
                published = sorted(
                    QuestionnaireVersion.objects.filter(
                        status=QuestionnaireVersion.Status.PUBLISHED
                    )
                    .values_list("questionnaire__slug", flat=True)
                    .distinct()
                )
                detail = f"No published questionnaire '{data['questionnaire']}'. Published: "
                detail += (", ".join(published) or "none") + "."
            raise exceptions.ValidationError({field: [detail]})
        unit = None
        if "unit" in data:
            unit = organisation.organisation.units.filter(slug=data["unit"]).first()
            if unit is None:
                raise exceptions.ValidationError(
                    {"unit": [f"No unit '{data['unit']}' in {organisation.organisation.slug}."]}
                )
        assessment = services.assessment_create(
            organisation=organisation.organisation,
            version=version,
            user=request.user,
            title=data["title"],
            unit=unit,
            due_on=data["due_on"],
        )
        return self._detail_response(assessment, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        assessment = self._editable()
        if_match = request.headers.get("If-Match")
        if if_match is None:
            raise PreconditionRequired()
        serializer = serializers.AssessmentUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.assessment_update(
            assessment=assessment, expected_etag=if_match, **serializer.validated_data
        )
        return self._detail_response(self.get_queryset().get(pk=assessment.pk))

    def _detail_response(
        self,
        assessment: Assessment,
        answers: dict[str, selectors.StoredAnswer] | None = None,
        **kwargs: Any,
    ) -> Response:
        response = Response(self._detail(assessment, answers), **kwargs)
        response["ETag"] = assessment.etag
        return response

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        assessment = self._editable()
        if assessment.is_submitted:
            raise services.Conflict(
                "A submitted assessment is part of the organisation's history and is kept.",
                code="submitted",
            )
        assessment.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["GET"],
        tags=["assessments"],
        summary="Answers saved so far, with progress",
        responses={200: serializers.AnswersResponseSerializer},
    )
    @extend_schema(
        methods=["PATCH"],
        tags=["assessments"],
        summary="Save answers (upsert, partial saves allowed)",
        description="All answers in the request are saved, or none: an invalid answer gets a "
        "400 naming it (`answers.<index>...`) and nothing changes. A submitted assessment "
        "answers 409.",
        request=serializers.AnswersUpdateSerializer,
        parameters=[IF_MATCH],
        responses={
            200: serializers.AnswersResponseSerializer,
            403: FORBIDDEN,
            409: CONFLICT,
            412: CONFLICT,
        },
        examples=[examples.ANSWERS, examples.VALIDATION_ERROR],
    )
    @action(detail=True, methods=["get", "patch"], filter_backends=[])
    def answers(self, request: Request, pk: str | None = None) -> Response:
        assessment = self._editable() if request.method == "PATCH" else self.get_object()
        tree = selectors.version_tree(assessment.version)
        if request.method == "PATCH":
            serializer = serializers.AnswersUpdateSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            saved = services.assessment_save_answers(
                assessment=assessment,
                answers=serializer.answer_inputs(),
                user=request.user,
                expected_etag=request.headers.get("If-Match"),
            )
            assessment, answers = saved.assessment, saved.answers
        else:
            answers = selectors.answers_by_key(assessment, tree)
        response = Response(_answers_body(tree, answers))
        response["ETag"] = assessment.etag
        return response

    @extend_schema(
        tags=["assessments"],
        summary="Submit: score the answers and freeze the result",
        request=None,
        parameters=[IF_MATCH],
        responses={
            200: serializers.AssessmentDetailSerializer,
            403: FORBIDDEN,
            409: CONFLICT,
            412: CONFLICT,
        },
        examples=[examples.INCOMPLETE],
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        submitted = services.assessment_submit_with_answers(
            assessment=self._editable(),
            user=request.user,
            expected_etag=request.headers.get("If-Match"),
        )
        return self._detail_response(
            self.get_queryset().get(pk=submitted.assessment.pk), submitted.answers
        )

    @extend_schema(
        tags=["assessments"],
        summary="The stored result of a submitted assessment",
        description="As computed at submit. `disagreement` is null for an assessment answered "
        "directly; for one answered by respondents it keeps, as `disagreement/` showed it at "
        "submit, how far their answers spread per question and section, the questions that "
        "most need a conversation and the number of respondents. In `answers`, an answer "
        "derived from the respondents or agreed as their consensus names its `source`, and "
        "one that is a score rather than a choice or number carries `score`.",
        responses={200: OpenApiTypes.OBJECT},
        examples=[examples.RESULT],
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def result(self, request: Request, pk: str | None = None) -> Response:
        assessment = self.get_object()
        result = self._result_of(assessment)
        head = {
            "assessment": assessment.pk,
            "organisation": assessment.organisation.slug,
            "questionnaire": assessment.version.questionnaire.slug,
            "version": assessment.version.number,
            "submitted_at": assessment.submitted_at,
            "computed_at": result.computed_at,
        }
        tail = {"peers": selectors.peer_percentiles(result)}
        text = getattr(assessment, "snapshot_text", None)
        if text is not None:
            return rendered.spliced(head, text, tail)
        return Response({**head, **result.snapshot, **tail})

    def _result_of(self, assessment: Assessment) -> Any:
        result = getattr(assessment, "result", None) if assessment.is_submitted else None
        if result is None:
            raise exceptions.NotFound("This assessment has no result until it is submitted.")
        return result

    @extend_schema(
        tags=["assessments"],
        summary="What to improve first and which tools help, with the reasons",
        description="Stored with the result at submit: later catalogue edits do not change "
        "them. The first ten steps of the roadmap (`roadmap/`), in its order: prerequisites "
        "first, then by gain for effort. Each recommendation is a practice, or a question "
        "that no practice covers (`kind`), and names the questions and answers behind it "
        "with the next answer up, what doing it well looks like, its effort, the hindrances "
        "it addresses, the expected overall percentage if its questions reached full marks "
        "and the gain in percentage points, and catalogue tools (never hold-ring ones, never "
        "tools already in use). Every figure is a percentage (0-100) or percentage points; "
        "results stored by recommender 1.0 are converted to this shape.",
        responses={200: OpenApiTypes.OBJECT},
        examples=[examples.RECOMMENDATIONS],
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def recommendations(self, request: Request, pk: str | None = None) -> Response:
        result = self._result_of(self.get_object())
        return Response(
            {
                "assessment": result.assessment_id,
                "recommender_version": result.snapshot.get("recommender_version"),
                "level": result.level_key or None,
                "level_name": result.level_name or None,
                "recommendations": selectors.stored_recommendations(result.snapshot),
            }
        )

    @extend_schema(
        tags=["assessments"],
        summary="Per-node deltas between two submitted assessments of one organisation",
        description="Sections and questions are matched by their stable keys, so assessments "
        "answered on different questionnaire versions can be compared; questions found in only "
        "one of them are listed. `first` is always the earlier submitted of the two and `second` "
        "the later, in whichever order the URL names them: every `delta` is second minus first "
        "in percentage points, positive when the score went up. `units` names the unit of "
        "each (null: the organisation itself). Two assessments of different units (or a unit's "
        "and the organisation's own) are compared only with `across_units=true`; otherwise 400.",
        parameters=[
            OpenApiParameter(
                "across_units",
                bool,
                description="true: compare assessments of different units (default false).",
            )
        ],
        responses={200: OpenApiTypes.OBJECT, 409: CONFLICT},
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        # At most 18 digits: a longer id names nothing and would overflow the query.
        url_path=r"compare/(?P<other_id>[0-9]{1,18})",
    )
    def compare(self, request: Request, pk: str | None = None, other_id: str = "") -> Response:
        across_units = compare_across_units(request)
        first = self.get_object()
        second = get_object_or_404(self.get_queryset(), pk=other_id)
        if first.organisation_id != second.organisation_id:
            raise exceptions.ValidationError(
                {"other_id": ["Only assessments of the same organisation can be compared."]}
            )
        if first.unit_id != second.unit_id and not across_units:
            raise exceptions.ValidationError({"other_id": [DIFFERENT_UNITS]})
        if first.version.questionnaire_id != second.version.questionnaire_id:
            raise exceptions.ValidationError(
                {"other_id": ["Only assessments of the same questionnaire can be compared."]}
            )
        if not (first.is_submitted and second.is_submitted):
            raise services.Conflict(
                "Both assessments must be submitted to be compared.", code="not_submitted"
            )
        body = selectors.compare(first.result, second.result)
        earlier, later = (first, second) if body["first"] == first.pk else (second, first)
        body["units"] = {
            "first": unit_reference(earlier.unit),
            "second": unit_reference(later.unit),
        }
        return Response(body)

    @extend_schema(
        tags=["assessments"],
        summary="Copy a submitted assessment into a new draft (re-assessment)",
        description="The draft is of the same subject (the organisation, or the same unit), on "
        "the questionnaire's latest published version, with the previous targets where they "
        "still fit it (else the unit's own), and the answers that still fit; "
        "`dropped_answers` lists the others with the reason.",
        request=None,
        responses={201: serializers.CopyResponseSerializer, 403: FORBIDDEN, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def copy(self, request: Request, pk: str | None = None) -> Response:
        outcome = services.assessment_copy(assessment=self._editable(), user=request.user)
        copy = self.get_queryset().get(pk=outcome.assessment.pk)
        return Response(
            {"assessment": self._detail(copy), "dropped_answers": outcome.dropped},
            status=status.HTTP_201_CREATED,
        )


@extend_validation_errors(["invalid", "required"], field_name="questionnaire", methods=["get"])
@extend_validation_errors(["invalid"], field_name="unit", methods=["get"])
class OrganisationHistoryView(APIView):
    """An organisation's (or one unit's) submitted results over time: members who read
    results (owners, editors, viewers)."""

    permission_classes = [OrganisationPermission]
    organisation_needs = {"get": Need.READ}

    @extend_schema(
        tags=["organisations"],
        summary="Submitted results over time, per discipline and per hindrance",
        description="The history of one subject: without `unit`, the organisation's own "
        "assessments (of no unit), as before units existed; with `unit`, that unit's. Every "
        "row names its unit (null: the organisation). The portfolio puts units side by side.",
        parameters=[
            OpenApiParameter(
                "questionnaire", str, required=True, description="Questionnaire slug."
            ),
            OpenApiParameter(
                "unit", str, description="A unit's slug: its history instead of the organisation's."
            ),
        ],
        responses={200: serializers.HistoryEntrySerializer(many=True), 403: FORBIDDEN},
    )
    def get(self, request: Request, slug: str) -> Response:
        organisation = request.organisation
        unknown = set(request.query_params) - {"questionnaire", "unit", "format"}
        if unknown:
            raise exceptions.ValidationError(
                {
                    name: ["Unknown query parameter. Allowed: questionnaire, unit."]
                    for name in unknown
                }
            )
        unit = history_unit(organisation, request)
        questionnaire_slug = request.query_params.get("questionnaire", "").strip()
        if not questionnaire_slug:
            raise exceptions.ValidationError({"questionnaire": ["This parameter is required."]})
        questionnaire = Questionnaire.objects.filter(slug=questionnaire_slug).first()
        if questionnaire is None:
            raise exceptions.ValidationError(
                {"questionnaire": [f"No questionnaire '{questionnaire_slug}'."]}
            )
        rows = []
        for result in selectors.history(organisation, questionnaire, unit):
            figures = {"discipline": {}, "hindrance": {}}
            for score in result.plotted:
                figures[score.axis][score.key] = (
                    None if score.percent is None else str(score.percent)
                )
            rows.append(
                {
                    "assessment": result.assessment_id,
                    "title": result.assessment.title,
                    "version": result.assessment.version.number,
                    "submitted_at": result.assessment.submitted_at,
                    "overall": None if result.overall is None else str(result.overall),
                    "overall_percent": None
                    if result.overall_percent is None
                    else str(result.overall_percent),
                    "level": result.level_key or None,
                    "level_name": result.level_name or None,
                    "disciplines": figures["discipline"],
                    "hindrances": figures["hindrance"],
                    "unit": unit_reference(result.assessment.unit),
                }
            )
        return Response(rows)


# --- units in history and compare (issue 15) -------------------------------------------------

DIFFERENT_UNITS = (
    "These assessments are of different units (or one of a unit and one of the organisation "
    "itself). Pass across_units=true to compare them anyway."
)


def unit_reference(unit: Any) -> dict[str, Any] | None:
    """A unit as history and compare rows name it (None: the organisation itself)."""
    if unit is None:
        return None
    return {"uuid": str(unit.uuid), "slug": unit.slug, "name": unit.name}


def history_unit(organisation: Any, request: Request) -> Any:
    """The unit named by `?unit=` (a slug of this organisation), or None for the organisation's
    own history; a blank or unknown slug is a 400 naming `unit`."""
    if "unit" not in request.query_params:
        return None
    slug = request.query_params["unit"].strip()
    if not slug:
        raise exceptions.ValidationError({"unit": ["This parameter may not be blank."]})
    unit = organisation.units.filter(slug=slug).first()
    if unit is None:
        raise exceptions.ValidationError({"unit": [f"No unit '{slug}' in {organisation.slug}."]})
    return unit


def compare_across_units(request: Request) -> bool:
    """`?across_units=true|false`; any other parameter or value is a 400 naming it."""
    errors = {
        name: ["Unknown query parameter. Allowed: across_units."]
        for name in request.query_params
        if name not in {"across_units", "format"}
    }
    values = request.query_params.getlist("across_units")
    if len(values) > 1 or any(value not in {"true", "false"} for value in values):
        errors["across_units"] = ["Must be true or false, given once."]
    if errors:
        raise exceptions.ValidationError(errors)
    return values == ["true"]
