from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.models import (
    Answer,
    Assessment,
    Questionnaire,
)
from assessments.services import AnswerInput
from opsassess.core.api.serializers import StrictSerializer

MAX_ANSWERS_PER_REQUEST = 500
MAX_CHOICES_PER_ANSWER = 50


class TokenRequestSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")
    expiry = serializers.DateTimeField(allow_null=True)


class VersionSummarySerializer(serializers.Serializer):
    number = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    changelog = serializers.CharField()


class QuestionnaireSerializer(serializers.ModelSerializer):
    latest_version = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField()

    class Meta:
        model = Questionnaire
        fields = ["slug", "name", "description", "latest_version", "versions"]

    @extend_schema_field(VersionSummarySerializer)
    def get_latest_version(self, questionnaire: Questionnaire) -> dict[str, Any]:
        return VersionSummarySerializer(questionnaire.published_versions[0]).data

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_versions(self, questionnaire: Questionnaire) -> list[int]:
        return [version.number for version in questionnaire.published_versions]


class ProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    answered = serializers.IntegerField()
    required = serializers.IntegerField()
    missing_required = serializers.ListField(child=serializers.CharField())
    complete = serializers.BooleanField()


class AnswerSerializer(serializers.ModelSerializer):
    question = serializers.CharField(source="question.key")

    class Meta:
        model = Answer
        fields = [
            "question",
            "choices",
            "number",
            "not_applicable",
            "comment",
            "evidence_url",
            "notes_carried_over",
            "score",
            "source",
            "consensus_note",
            "updated_at",
        ]


_FOUR_PLACES = Decimal("0.0001")


def answer_rows(answers: Iterable[Any]) -> list[dict[str, Any]]:
    """AnswerSerializer's output built by hand: the same body, at a fraction of the cost.

    A 200-answer assessment is rendered on every save, so the per-field machinery of a
    ModelSerializer dominated the response time. AnswerSerializer stays the documented
    schema, and a test checks both give the same rows.
    """
    moments: dict[datetime, str] = {}  # answers saved together share their moment
    rows = []
    for answer in answers:
        updated_at = answer.updated_at
        text = moments.get(updated_at)
        if text is None:
            text = moments[updated_at] = _iso(updated_at)
        number, score = answer.number, answer.score
        rows.append(
            {
                "question": answer.question.key,
                "choices": answer.choices,
                "number": None if number is None else f"{number.quantize(_FOUR_PLACES):f}",
                "not_applicable": answer.not_applicable,
                "comment": answer.comment,
                "evidence_url": answer.evidence_url,
                "notes_carried_over": answer.notes_carried_over,
                "score": None if score is None else f"{score.quantize(_FOUR_PLACES):f}",
                "source": answer.source,
                "consensus_note": answer.consensus_note,
                "updated_at": text,
            }
        )
    return rows


def _iso(moment: datetime) -> str:
    """DRF's DateTimeField rendering, in the current time zone: ISO 8601, UTC as Z."""
    text = timezone.localtime(moment).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class UnitRefSerializer(serializers.Serializer):
    uuid = serializers.UUIDField(read_only=True)
    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)


class AssessmentSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    unit = UnitRefSerializer(
        read_only=True, allow_null=True, help_text="The unit assessed; null: the organisation."
    )
    questionnaire = serializers.CharField(source="version.questionnaire.slug", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)
    created_by = serializers.CharField(source="created_by.get_username", read_only=True)
    level = serializers.SerializerMethodField()
    level_name = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = [
            "id",
            "organisation",
            "unit",
            "questionnaire",
            "version",
            "title",
            "status",
            "level",
            "level_name",
            "copied_from",
            "due_on",
            "created_by",
            "created_at",
            "updated_at",
            "submitted_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_level(self, assessment: Assessment) -> str | None:
        """The key of the level reached, once submitted (as in the result)."""
        result = getattr(assessment, "result", None) if assessment.is_submitted else None
        return (result.level_key or None) if result else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_level_name(self, assessment: Assessment) -> str | None:
        """The name of the level reached, once submitted."""
        result = getattr(assessment, "result", None) if assessment.is_submitted else None
        return (result.level_name or None) if result else None


class TargetAnswerViewSerializer(serializers.Serializer):
    choices = serializers.ListField(child=serializers.CharField(), required=False)
    number = serializers.CharField(required=False)


class TargetsFromAnswersSerializer(serializers.Serializer):
    overall = serializers.CharField(
        allow_null=True, help_text="Overall percentage the target answers lead to."
    )
    level = serializers.CharField(allow_null=True, help_text="Level the target answers reach.")
    level_name = serializers.CharField(allow_null=True)
    sections = serializers.DictField(
        child=serializers.CharField(allow_null=True),
        help_text="Section key -> percentage the target answers lead to (null: excluded).",
    )


class TargetsViewSerializer(serializers.Serializer):
    level = serializers.CharField(allow_null=True, help_text="Key of the level to reach overall.")
    level_name = serializers.CharField(allow_null=True)
    sections = serializers.DictField(
        child=serializers.CharField(), help_text="Section key -> target percentage (0-100)."
    )
    disciplines = serializers.DictField(
        child=serializers.CharField(), help_text="Discipline slug -> target percentage (0-100)."
    )
    answers = serializers.DictField(
        child=TargetAnswerViewSerializer(),
        required=False,
        help_text="Only when set: question key -> the answer to reach.",
    )
    from_answers = TargetsFromAnswersSerializer(
        required=False,
        help_text="Only with target answers: the overall and section targets that follow from "
        "them, by the scoring engine (questions without a target answer keep their current "
        "answer).",
    )


class AssessmentDetailSerializer(AssessmentSerializer):
    targets = TargetsViewSerializer(read_only=True)
    progress = ProgressSerializer(read_only=True)
    answers = AnswerSerializer(many=True, read_only=True, source="answer_rows")

    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "targets", "progress", "answers"]
        read_only_fields = fields


class AssessmentCreateSerializer(StrictSerializer):
    organisation = serializers.SlugField(help_text="Slug of an organisation you can edit.")
    questionnaire = serializers.SlugField(help_text="Slug of a questionnaire.")
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="Published version number (default: the latest)."
    )
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    unit = serializers.SlugField(
        required=False,
        help_text="Slug of the organisation's unit assessed (default: the whole organisation). "
        "The assessment starts with the unit's targets for the questionnaire.",
    )
    due_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Optional: the day (YYYY-MM-DD) by which the respondents should answer; today "
        "or later, at most five years ahead.",
    )


class AnswerInputSerializer(StrictSerializer):
    question = serializers.CharField(max_length=80, help_text="The question's key.")
    choices = serializers.ListField(
        child=serializers.CharField(max_length=80),
        max_length=MAX_CHOICES_PER_ANSWER,
        required=False,
        help_text="Choice keys (one for single choice and yes/no; yes/no keys are yes, no). "
        '["none"] answers "none of these" where the question has a none_option.',
    )
    number = serializers.DecimalField(
        max_digits=14,
        decimal_places=4,
        required=False,
        allow_null=True,
        help_text="For scale, number and percentage questions.",
    )
    not_applicable = serializers.BooleanField(required=False)
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    evidence_url = serializers.URLField(max_length=500, required=False, allow_blank=True)


class AnswersUpdateSerializer(StrictSerializer):
    answers = AnswerInputSerializer(
        many=True,
        allow_empty=False,
        max_length=MAX_ANSWERS_PER_REQUEST,
        help_text=f"1 to {MAX_ANSWERS_PER_REQUEST} answers, each for a different question. "
        "Fields left out keep their saved value.",
    )

    def answer_inputs(self) -> list[AnswerInput]:
        return [
            AnswerInput(
                question=item["question"],
                choices=tuple(item.get("choices", ())),
                number=item.get("number"),
                not_applicable=item.get("not_applicable", False),
                comment=item.get("comment", ""),
                evidence_url=item.get("evidence_url", ""),
                fields=frozenset(item),
            )
            for item in self.validated_data["answers"]
        ]


class AnswersResponseSerializer(serializers.Serializer):
    progress = ProgressSerializer()
    answers = AnswerSerializer(many=True)


class CopyResponseSerializer(serializers.Serializer):
    assessment = AssessmentDetailSerializer()
    dropped_answers = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField())
    )


class ConflictErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="submitted, incomplete, not_submitted, ...")
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class LoginRefusedErrorSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=["throttled", "locked_out"],
        help_text="locked_out: too many failed logins for this username from this address.",
    )
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class LoginRefusedResponseSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["client_error"])
    errors = LoginRefusedErrorSerializer(many=True)


class ConflictResponseSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["client_error"])
    errors = ConflictErrorSerializer(many=True)
    missing_required = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="On submit: keys of the required questions still unanswered.",
    )
    awaiting_consensus = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="On submit (code consensus_needed): keys of the questions the respondents "
        "answered that wait for a consensus answer (the facilitator rule).",
    )


class TargetAnswerSerializer(StrictSerializer):
    choices = serializers.ListField(
        child=serializers.CharField(max_length=80),
        max_length=MAX_CHOICES_PER_ANSWER,
        required=False,
        help_text="Choice keys of the answer to reach.",
    )
    number = serializers.DecimalField(
        max_digits=14,
        decimal_places=4,
        required=False,
        help_text="The number to reach (scale, number and percentage questions).",
    )


class TargetsSerializer(StrictSerializer):
    level = serializers.CharField(
        max_length=80, required=False, help_text="Key of the level to reach overall."
    )
    sections = serializers.DictField(
        child=serializers.DecimalField(max_digits=7, decimal_places=4, min_value=0, max_value=100),
        required=False,
        help_text="Section key -> target percentage (0-100).",
    )
    disciplines = serializers.DictField(
        child=serializers.DecimalField(max_digits=7, decimal_places=4, min_value=0, max_value=100),
        required=False,
        help_text="Discipline slug -> target percentage (0-100).",
    )
    answers = serializers.DictField(
        child=TargetAnswerSerializer(),
        required=False,
        help_text="Question key -> the answer to reach. The overall and section targets "
        "follow by scoring them (every other question keeps its current answer); a level or "
        "section target given as well wins for its node.",
    )

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        for group in ("sections", "disciplines"):
            if group in value and len(value[group]) > 200:
                raise serializers.ValidationError({group: ["At most 200 targets."]})
            if group in value:
                value[group] = {k: str(v) for k, v in value[group].items()}
        if "answers" in value:
            if len(value["answers"]) > MAX_ANSWERS_PER_REQUEST:
                raise serializers.ValidationError(
                    {"answers": [f"At most {MAX_ANSWERS_PER_REQUEST} target answers."]}
                )
            value["answers"] = {
                key: {
                    **({"choices": list(a["choices"])} if "choices" in a else {}),
                    **({"number": str(a["number"])} if a.get("number") is not None else {}),
                }
                for key, a in value["answers"].items()
            }
        return value


class AssessmentUpdateSerializer(StrictSerializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    targets = TargetsSerializer(required=False)
    due_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="A draft's deadline for its respondents (YYYY-MM-DD; null removes it): today "
        "or later, at most five years ahead.",
    )


class UnitReferenceSerializer(serializers.Serializer):
    uuid = serializers.UUIDField(help_text="The unit's stable identifier.")
    slug = serializers.CharField()
    name = serializers.CharField()


class HistoryEntrySerializer(serializers.Serializer):
    assessment = serializers.IntegerField()
    title = serializers.CharField()
    version = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    overall = serializers.CharField(allow_null=True)
    overall_percent = serializers.CharField(allow_null=True)
    level = serializers.CharField(allow_null=True)
    level_name = serializers.CharField(allow_null=True)
    disciplines = serializers.DictField(child=serializers.CharField(allow_null=True))
    hindrances = serializers.DictField(child=serializers.CharField(allow_null=True))
    unit = UnitReferenceSerializer(
        allow_null=True, help_text="The unit assessed; null: the organisation itself."
    )


RESPONDENT_STATUSES = ["invited", "answering", "done"]
ANSWER_STATUSES = ["derived", "consensus", "direct", "awaiting_facilitator", "unanswered"]


class RespondentCreateSerializer(StrictSerializer):
    username = serializers.CharField(
        max_length=150,
        required=False,
        help_text="Username of an account: a member of the organisation (any role) answers at "
        "once, anyone else is invited.",
    )
    email = serializers.EmailField(
        max_length=254, required=False, help_text="E-mail address of someone to invite."
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if "username" in data and "email" in data:
            raise serializers.ValidationError(
                {"email": ["Give a username or an e-mail address, not both."]}
            )
        if "username" not in data and "email" not in data:
            raise serializers.ValidationError(
                {"username": ["Give the username of a member, or an e-mail address."]}
            )
        return data


class RespondentSerializer(serializers.Serializer):
    uuid = serializers.UUIDField(help_text="Stable identifier of the respondent.")
    username = serializers.CharField(
        allow_null=True, help_text="Who answers; null while an e-mail invitation is pending."
    )
    email = serializers.CharField(
        allow_null=True, help_text="The address invited, for respondents invited by e-mail."
    )
    status = serializers.ChoiceField(
        choices=RESPONDENT_STATUSES,
        help_text="invited: the invitation is not accepted yet; done: every required question "
        "answered; answering: in between.",
    )
    answered = serializers.IntegerField(help_text="Questions this respondent answered.")
    last_saved = serializers.DateTimeField(
        allow_null=True, help_text="When they last saved an answer (null: never)."
    )
    added_at = serializers.DateTimeField(source="created_at")

    def to_representation(self, respondent: Any) -> dict[str, Any]:
        from assessments import selectors

        invitation = respondent.invitation
        username = respondent.user.get_username() if respondent.user is not None else None
        if username is None and invitation is not None:
            username = invitation.username or None
        return {
            "uuid": str(respondent.uuid),
            "username": username,
            "email": (invitation.email or None) if invitation is not None else None,
            "status": selectors.respondent_status(respondent, self.context["required"]),
            "answered": respondent.answered,
            "last_saved": None if respondent.last_saved is None else _iso(respondent.last_saved),
            "added_at": _iso(respondent.created_at),
        }


class RespondentInvitationSerializer(serializers.Serializer):
    uuid = serializers.UUIDField(help_text="The invitation (GET /api/v1/organisations/{slug}/"
                                 "invitations/{uuid}/).")  # fmt: skip
    key = serializers.CharField(
        help_text="The invitation's secret, shown in this response only: pass it on if the "
        "e-mail cannot reach them."
    )
    accept_url = serializers.URLField(help_text="The link the e-mail carries.")
    emailed = serializers.BooleanField(
        help_text="false: the invited account has no e-mail address; pass the link on yourself."
    )
    expires_at = serializers.DateTimeField()


class RespondentCreatedSerializer(RespondentSerializer):
    invitation = RespondentInvitationSerializer(
        allow_null=True,
        help_text="For someone who is not a member yet: the invitation sent to them. Null for "
        "a member, who answers at once.",
    )


class RespondentAnswerSerializer(serializers.Serializer):
    question = serializers.CharField()
    choices = serializers.ListField(child=serializers.CharField())
    number = serializers.CharField(allow_null=True)
    not_applicable = serializers.BooleanField()
    comment = serializers.CharField()
    evidence_url = serializers.CharField()
    updated_at = serializers.DateTimeField()


def respondent_answer_rows(answers: Iterable[Any]) -> list[dict[str, Any]]:
    """A respondent's own answers as RespondentAnswerSerializer documents them."""
    return [
        {
            "question": answer.question.key,
            "choices": answer.choices,
            "number": None
            if answer.number is None
            else f"{answer.number.quantize(_FOUR_PLACES):f}",
            "not_applicable": answer.not_applicable,
            "comment": answer.comment,
            "evidence_url": answer.evidence_url,
            "updated_at": _iso(answer.updated_at),
        }
        for answer in answers
    ]


class MyAnswersResponseSerializer(serializers.Serializer):
    respondent = serializers.UUIDField(help_text="Your respondent identifier.")
    progress = ProgressSerializer(help_text="How far your own answers are.")
    answers = RespondentAnswerSerializer(many=True)


class CountSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text="A choice key; a number; `score:<n>` for a score given directly; or "
        "`not_applicable`."
    )
    label = serializers.CharField()
    count = serializers.IntegerField()


class QuestionDisagreementSerializer(serializers.Serializer):
    question = serializers.CharField()
    text = serializers.CharField()
    section = serializers.CharField(help_text="Key of the section the question is in.")
    respondents = serializers.IntegerField(help_text="Respondents who answered it.")
    not_applicable = serializers.IntegerField()
    min_percent = serializers.CharField(
        allow_null=True, help_text="Lowest score given, as a percent of the question's maximum."
    )
    max_percent = serializers.CharField(allow_null=True)
    spread = serializers.CharField(
        allow_null=True, help_text="max_percent - min_percent, in percentage points."
    )
    stdev = serializers.CharField(
        allow_null=True, help_text="Population standard deviation of the percent scores."
    )
    distribution = CountSerializer(many=True)
    status = serializers.ChoiceField(
        choices=ANSWER_STATUSES,
        help_text="Where the assessment's answer comes from.",
    )


class SectionDisagreementSerializer(serializers.Serializer):
    section = serializers.CharField()
    title = serializers.CharField()
    questions = serializers.IntegerField(
        help_text="Questions below it (at any depth) that at least two respondents scored."
    )
    respondents = serializers.IntegerField(help_text="The most respondents any of them had.")
    mean_spread = serializers.CharField(allow_null=True)
    max_spread = serializers.CharField(allow_null=True)


class ConversationSerializer(serializers.Serializer):
    question = serializers.CharField()
    text = serializers.CharField()
    spread = serializers.CharField()
    stdev = serializers.CharField()


class DisagreementSerializer(serializers.Serializer):
    assessment = serializers.IntegerField()
    derivation = serializers.ChoiceField(choices=["mean", "median", "minimum", "facilitator"])
    respondents = serializers.IntegerField(help_text="Respondents of the assessment.")
    questions = QuestionDisagreementSerializer(many=True)
    sections = SectionDisagreementSerializer(many=True)
    needs_conversation = ConversationSerializer(
        many=True,
        help_text="At most five questions with the widest spread (then standard deviation).",
    )


class ConsensusSerializer(StrictSerializer):
    choices = serializers.ListField(
        child=serializers.CharField(max_length=80),
        max_length=MAX_CHOICES_PER_ANSWER,
        required=False,
        help_text="Choice keys, as in answers.",
    )
    number = serializers.DecimalField(
        max_digits=14, decimal_places=4, required=False, allow_null=True
    )
    not_applicable = serializers.BooleanField(required=False)
    score = serializers.DecimalField(
        max_digits=14,
        decimal_places=4,
        required=False,
        allow_null=True,
        help_text="Or a score agreed directly (0 to the question's maximum), without choices "
        "or a number.",
    )
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    evidence_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    note = serializers.CharField(
        max_length=5000, help_text="Required: why the respondents agreed on this answer."
    )


class ConsensusResponseSerializer(serializers.Serializer):
    question = serializers.CharField()
    answer = AnswerSerializer(
        allow_null=True,
        help_text="The assessment's answer to the question now (null: none can be derived).",
    )
