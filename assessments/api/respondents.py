"""Assessments answered by several people: respondents, their own answers, how far they
disagree, and the answers they agreed on.

- `respondents/`: owners and editors add and remove respondents; owners, editors and viewers
  list them.
- `my-answers/`: a respondent reads and saves their own answers (the batch rules of
  `answers/`), with an ETag of their own.
- `disagreement/`: per question and section, how far the respondents' answers spread.
- `consensus/{question_key}/`: owners and editors record the answer the respondents agreed
  on (it overrides the derived one) or clear it.

Every view resolves the assessment and the caller's role through assessments.access; a
respondent reads the assessments they answer, but the respondents, their disagreement and the
consensus are the organisation team's (owners, editors, viewers). Query parameters a view
does not take are a 400.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_standardized_errors.openapi_serializers import ErrorResponse403Serializer
from rest_framework import exceptions, mixins, permissions, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import access as assessment_access
from assessments import selectors, services
from assessments.api import examples, serializers
from assessments.models import Answer, Assessment, Respondent
from opsassess.core.api.filters import StrictFilterBackend
from organisations import services as organisation_services
from organisations.access import Need

CONFLICT = serializers.ConflictResponseSerializer
FORBIDDEN = ErrorResponse403Serializer
TEAM_ONLY = assessment_access.TEAM_ONLY
EDIT_ONLY = "Viewers can read this assessment but not change it; owners and editors can."
RESPONDENT_IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description='Optional: your answers\' ETag as last read (e.g. "respondent-7-r3"), or `*`; '
    "a stale or empty one is refused with 412 and nothing is saved.",
)
ASSESSMENT_IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description='Optional: the assessment\'s ETag as last read (e.g. "assessment-7-r12"), or '
    "`*`. Send it so that a change made meanwhile (another facilitator's consensus, a "
    "respondent's save) is not overridden unseen: a stale or empty one is refused with 412 "
    "and nothing changes. The response's ETag is the assessment's new one.",
)
QUESTION_KEY = OpenApiParameter(
    "question_key", str, OpenApiParameter.PATH, description="The question's key."
)
RESPONDENT_UUID = OpenApiParameter(
    "respondent", str, OpenApiParameter.PATH, description="The respondent's UUID."
)


class _AssessmentPartView(APIView):
    """A part of one assessment, found through assessments.access."""

    permission_classes = [permissions.IsAuthenticated]
    query_parameters: frozenset[str] = frozenset({"format"})

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        unknown = sorted(set(request.query_params) - self.query_parameters)
        if unknown:
            allowed = ", ".join(sorted(self.query_parameters))
            raise exceptions.ValidationError(
                {name: [f"Unknown query parameter. Allowed: {allowed}."] for name in unknown}
            )

    def assessment(self, need: Need, message: str | None = None) -> Assessment:
        request = self.request
        return assessment_access.assessment(
            request,
            self.kwargs["pk"],
            need,
            queryset=selectors.assessments_for(request.user),
            message=message,
        )

    def team_assessment(self, need: Need = Need.READ, message: str = TEAM_ONLY) -> Assessment:
        """The assessment for its organisation's owners, editors and viewers: answering it
        gives no access to the others' answers."""
        request = self.request
        return assessment_access.team_assessment(
            request,
            self.kwargs["pk"],
            need,
            queryset=selectors.assessments_for(request.user),
            message=message,
        )


class RespondentsView(mixins.ListModelMixin, _AssessmentPartView, GenericAPIView):  # type: ignore[misc]
    filter_backends = [StrictFilterBackend]
    query_parameters = frozenset({"format", "page", "page_size"})

    def get_serializer_class(self) -> Any:
        return serializers.RespondentSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Respondent.objects.none()
        assessment = self.team_assessment()
        self.tree = selectors.version_tree(assessment.version)
        return selectors.respondents_of(assessment)

    def get_serializer_context(self) -> dict[str, Any]:
        tree = getattr(self, "tree", None)
        required = tree.required_count if tree is not None else 0
        return {**super().get_serializer_context(), "required": required}

    @extend_schema(
        tags=["respondents"],
        summary="The people asked to answer an assessment",
        description="Owners, editors and viewers. First added first, each with how far they "
        "are: `invited` (their invitation is not accepted yet), `answering`, or `done` "
        "(every required question answered), the number of questions answered and when they "
        "last saved.",
        responses={200: serializers.RespondentSerializer(many=True), 403: FORBIDDEN},
        examples=[examples.RESPONDENTS],
    )
    def get(self, request: Request, pk: int) -> Response:
        return self.list(request)

    @extend_schema(
        tags=["respondents"],
        summary="Ask someone to answer an assessment",
        description="Owners and editors, on a draft. A member of the organisation (any role), "
        "named by `username`, becomes a respondent at once and answers with `my-answers/`. "
        "Anyone else, named by the username of their account or by `email`, is invited to the "
        "organisation as a respondent of this assessment: the e-mail carries the link, and "
        "`invitation.key` is in this response only. They answer once they accept. The first "
        "respondent of an assessment that already has answers turns those answers into the "
        "answers of the people who gave them, each a respondent from then on, so nothing is "
        "lost (docs/respondents.md). Someone already answering, or invited to, is a 409.",
        request=serializers.RespondentCreateSerializer,
        responses={
            201: serializers.RespondentCreatedSerializer,
            403: FORBIDDEN,
            409: CONFLICT,
        },
        examples=[examples.RESPONDENT_ADD, examples.RESPONDENT_INVITE, examples.RESPONDENT],
    )
    def post(self, request: Request, pk: int) -> Response:
        assessment = self.assessment(Need.EDIT, EDIT_ONLY)
        serializer = serializers.RespondentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)

        def accept_url(secret: str) -> str:
            return request.build_absolute_uri(
                organisation_services.ACCEPT_PATH.format(secret=secret)
            )

        added = services.respondent_add(
            assessment=assessment,
            added_by=request.user,
            accept_url=accept_url,
            **serializer.validated_data,
        )
        tree = selectors.version_tree(assessment.version)
        required = tree.required_count
        shown = selectors.respondents_of(assessment).get(pk=added.respondent.pk)
        body = dict(serializers.RespondentSerializer(shown, context={"required": required}).data)
        invitation = added.invitation
        body["invitation"] = (
            None
            if invitation is None
            else serializers.RespondentInvitationSerializer(
                {
                    "uuid": invitation.uuid,
                    "key": added.secret,
                    "accept_url": accept_url(added.secret),
                    "emailed": bool(organisation_services.invitation_recipient(invitation)),
                    "expires_at": invitation.expires_at,
                }
            ).data
        )
        return Response(body, status=status.HTTP_201_CREATED)


class RespondentView(_AssessmentPartView):
    @extend_schema(
        tags=["respondents"],
        summary="Take a respondent off an assessment",
        description="Owners and editors, on a draft. The respondent's answers are deleted "
        "(the audit history keeps them) and the assessment's answers they took part in are "
        "derived again from the other respondents' answers.",
        parameters=[RESPONDENT_UUID],
        request=None,
        responses={204: None, 403: FORBIDDEN, 409: CONFLICT},
    )
    def delete(self, request: Request, pk: int, respondent: Any) -> Response:
        assessment = self.assessment(Need.EDIT, EDIT_ONLY)
        found = Respondent.objects.filter(assessment=assessment, uuid=respondent).first()
        if found is None:
            raise exceptions.NotFound("This assessment has no such respondent.")
        found.assessment = assessment
        services.respondent_remove(respondent=found, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyAnswersView(_AssessmentPartView):
    def _respondent(self) -> Respondent:
        assessment = self.assessment(Need.ANSWER)
        respondent = Respondent.objects.filter(
            assessment=assessment, user=self.request.user
        ).first()
        if respondent is None:
            raise exceptions.PermissionDenied("You no longer answer this assessment.")
        respondent.assessment = assessment
        return respondent

    def _response(
        self, respondent: Respondent, answers: dict[str, selectors.StoredAnswer]
    ) -> Response:
        tree = selectors.version_tree(respondent.assessment.version)
        response = Response(
            {
                "respondent": str(respondent.uuid),
                "progress": selectors.progress(tree, answers),
                "answers": serializers.respondent_answer_rows(answers.values()),
            }
        )
        response["ETag"] = respondent.etag
        return response

    @extend_schema(
        tags=["respondents"],
        summary="Your own answers to an assessment you answer",
        description="Only the assessment's respondents. The ETag is your answers' own "
        "(it changes when you save), not the assessment's.",
        responses={200: serializers.MyAnswersResponseSerializer, 403: FORBIDDEN},
    )
    def get(self, request: Request, pk: int) -> Response:
        respondent = self._respondent()
        tree = selectors.version_tree(respondent.assessment.version)
        return self._response(respondent, selectors.respondent_answers_by_key(respondent, tree))

    @extend_schema(
        tags=["respondents"],
        summary="Save your own answers (upsert, partial saves allowed)",
        description="The rules of `answers/`: all answers in the request are saved, or none "
        "(a bad one gets a 400 naming it, `answers.<index>...`); fields left out keep their "
        "saved value; a save that changes nothing keeps the ETag. Each save derives the "
        "assessment's answers to the questions it touches from every respondent's answers "
        "(the questionnaire's rule), so the assessment's ETag changes too. A submitted "
        "assessment answers 409.",
        request=serializers.AnswersUpdateSerializer,
        parameters=[RESPONDENT_IF_MATCH],
        responses={
            200: serializers.MyAnswersResponseSerializer,
            403: FORBIDDEN,
            409: CONFLICT,
            412: CONFLICT,
        },
        examples=[examples.MY_ANSWERS],
    )
    def patch(self, request: Request, pk: int) -> Response:
        respondent = self._respondent()
        serializer = serializers.AnswersUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        saved = services.respondent_save_answers(
            respondent=respondent,
            answers=serializer.answer_inputs(),
            user=request.user,
            expected_etag=request.headers.get("If-Match"),
        )
        saved.respondent.assessment = saved.assessment
        return self._response(saved.respondent, saved.answers)


class DisagreementView(_AssessmentPartView):
    @extend_schema(
        tags=["respondents"],
        summary="How far the respondents' answers spread, per question and section",
        description="Owners, editors and viewers. Per question in form order: how many "
        "respondents answered (and said not applicable), their lowest and highest score as a "
        "percent of the question's maximum, the spread between them in percentage points, "
        "the standard deviation and the distribution of the answers with their labels, and "
        "where the assessment's answer comes from (`status`). Per section: the mean and "
        "largest spread of the questions below it that at least two respondents scored. "
        "`needs_conversation`: the (at most five) questions they disagree on most.",
        responses={200: serializers.DisagreementSerializer, 403: FORBIDDEN},
        examples=[examples.DISAGREEMENT],
    )
    def get(self, request: Request, pk: int) -> Response:
        assessment = self.team_assessment()
        tree = selectors.version_tree(assessment.version)
        return Response({"assessment": assessment.pk, **selectors.disagreement(assessment, tree)})


class ConsensusView(_AssessmentPartView):
    def _editable(self, question_key: str) -> tuple[Assessment, Any]:
        assessment = self.team_assessment(Need.EDIT, EDIT_ONLY)
        tree = selectors.version_tree(assessment.version)
        if question_key not in tree.form_order:
            raise exceptions.NotFound(f"No question '{question_key}' in this questionnaire.")
        return assessment, tree

    @staticmethod
    def _body(question_key: str, answer: Any) -> dict[str, Any]:
        rows = serializers.answer_rows([answer]) if answer is not None else [None]
        return {"question": question_key, "answer": rows[0]}

    @extend_schema(
        tags=["respondents"],
        summary="Record the answer the respondents agreed on",
        description="Owners and editors, on a draft with respondents. The answer (choices, a "
        "number, a score, or not applicable; with an optional comment and evidence) and a "
        "`note` saying why replace the answer derived from the respondents until cleared. "
        "Every call is kept in the audit history, also one that agrees with the derived "
        "answer. Under the facilitator rule this is how a question the respondents answered "
        "gets its answer.",
        parameters=[QUESTION_KEY, ASSESSMENT_IF_MATCH],
        request=serializers.ConsensusSerializer,
        responses={
            200: serializers.ConsensusResponseSerializer,
            403: FORBIDDEN,
            409: CONFLICT,
            412: CONFLICT,
        },
        examples=[examples.CONSENSUS],
    )
    def put(self, request: Request, pk: int, question_key: str) -> Response:
        assessment, _ = self._editable(question_key)
        serializer = serializers.ConsensusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        note = data.pop("note")
        data["choices"] = tuple(data.get("choices", ()))
        answer = services.consensus_set(
            assessment=assessment,
            question_key=question_key,
            answer=services.ConsensusInput(**data),
            note=note,
            user=request.user,
            expected_etag=request.headers.get("If-Match"),
        )
        response = Response(self._body(question_key, answer))
        response["ETag"] = answer.assessment.etag
        return response

    @extend_schema(
        tags=["respondents"],
        summary="Clear a consensus answer: the answer is derived again",
        description="Owners and editors, on a draft with respondents. The answer in place "
        "afterwards (derived from the respondents' answers, or null when none can be) is "
        "returned. A question without a consensus answer is a 404.",
        parameters=[QUESTION_KEY, ASSESSMENT_IF_MATCH],
        request=None,
        responses={
            200: serializers.ConsensusResponseSerializer,
            403: FORBIDDEN,
            409: CONFLICT,
            412: CONFLICT,
        },
    )
    def delete(self, request: Request, pk: int, question_key: str) -> Response:
        assessment, _ = self._editable(question_key)
        try:
            answer = services.consensus_clear(
                assessment=assessment,
                question_key=question_key,
                user=request.user,
                expected_etag=request.headers.get("If-Match"),
            )
        except Answer.DoesNotExist as missing:
            raise exceptions.NotFound(str(missing)) from None
        assessment.refresh_from_db(fields=["revision"])
        response = Response(self._body(question_key, answer))
        response["ETag"] = assessment.etag
        return response
