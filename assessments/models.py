"""Questionnaires (versioned, frozen once published) and the assessments of organisations.

A questionnaire version is a tree of sections and questions plus maturity levels: the rules
the pure engine (assessments.scoring) needs. Publishing freezes a version; the freeze is
enforced by the models here and by database triggers (migration 0002), so neither the API,
the admin nor a stray `.update()` can change what stored results were computed from.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import uuid4

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import connections, models, transaction
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from simple_history.models import HistoricalRecords

from catalog.models import Discipline, Hindrance, LifecyclePhase, Practice

from . import consensus, questionnaire_format, scoring

DECIMAL = {"max_digits": 14, "decimal_places": 4}


class FrozenVersionError(ValidationError):
    def __init__(self) -> None:
        super().__init__(
            "This questionnaire version is published and can no longer change. "
            "Start a new version to make changes.",
            code="published",
        )


class Questionnaire(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "slug"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Feed rows carry the questionnaire's slug: a new slug re-sends them (same transaction).
        with transaction.atomic(savepoint=False):
            renamed = (
                self.pk is not None
                and Questionnaire.objects.filter(pk=self.pk).exclude(slug=self.slug).exists()
            )
            super().save(*args, **kwargs)
            if renamed:
                feed_rows_changed(Assessment.objects.filter(version__questionnaire_id=self.pk))

    def natural_key(self) -> tuple[str]:
        return (self.slug,)

    def latest_published(self) -> QuestionnaireVersion | None:
        return (
            self.versions.filter(status=QuestionnaireVersion.Status.PUBLISHED)
            .order_by("-number")
            .first()
        )


class QuestionnaireVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    level_mode = models.CharField(
        max_length=10,
        choices=[(mode.value, mode.value.title()) for mode in scoring.LevelMode],
        default=scoring.LevelMode.THRESHOLD.value,
        help_text="Threshold: levels by minimum overall score. Gated: levels reached only "
        "when every question gated at that level or below passes.",
    )
    changelog = models.TextField(blank=True)
    derivation = models.CharField(
        max_length=12,
        choices=[(rule.value, rule.value.title()) for rule in consensus.Rule],
        default=consensus.Rule.MEAN.value,
        help_text="How an assessment answered by several respondents gets its answer to each "
        "question: the mean, median or minimum of their scores, or a facilitator decides.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["questionnaire__name", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "number"], name="version_unique_number"
            ),
            models.UniqueConstraint(
                fields=["questionnaire"],
                condition=Q(status="draft"),
                name="version_one_draft_per_questionnaire",
                violation_error_message="This questionnaire already has a draft version; "
                "edit or publish that one first.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published"]), name="version_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="draft", published_at__isnull=True)
                | Q(status="published", published_at__isnull=False),
                name="version_published_at_iff_published",
            ),
            models.CheckConstraint(
                condition=Q(derivation__in=[rule.value for rule in consensus.Rule]),
                name="version_derivation_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire} v{self.number} ({self.get_status_display().lower()})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = QuestionnaireVersion.objects.filter(pk=self.pk).values("status").first()
            if stored and stored["status"] == self.Status.PUBLISHED:
                raise FrozenVersionError()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.is_published:
            raise FrozenVersionError()
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class FrozenQuerySet(models.QuerySet):
    """Bulk writes are refused for rows of published versions (triggers back this up)."""

    version_path = "version"

    def _published(self) -> bool:
        return self.filter(**{f"{self.version_path}__status": "published"}).exists()

    def update(self, **kwargs: Any) -> int:
        if self._published():
            raise FrozenVersionError()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self._published():
            raise FrozenVersionError()
        return super().delete()


class VersionPartQuerySet(FrozenQuerySet):
    version_path = "version"


class QuestionPartQuerySet(FrozenQuerySet):
    version_path = "question__version"


class VersionPart(models.Model):
    """A row that belongs to one questionnaire version and freezes with it."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._check_not_frozen()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        self._check_not_frozen()
        return super().delete(*args, **kwargs)

    def owning_version_id(self) -> int | None:
        raise NotImplementedError

    def _check_not_frozen(self) -> None:
        version_ids = {self.owning_version_id()}
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).first()
            if stored is not None:
                version_ids.add(stored.owning_version_id())
        if QuestionnaireVersion.objects.filter(
            pk__in=[pk for pk in version_ids if pk is not None], status="published"
        ).exists():
            raise FrozenVersionError()


class MaturityLevel(VersionPart):
    version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.CASCADE, related_name="levels"
    )
    key = models.SlugField(max_length=80)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    min_score = models.DecimalField(
        **DECIMAL,
        null=True,
        blank=True,
        help_text="Lower bound on the overall score (required in threshold mode); inclusive "
        "unless min_score_exclusive.",
    )
    min_score_exclusive = models.BooleanField(
        default=False, help_text="The level needs a score above min_score, not equal to it."
    )

    objects = VersionPartQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["version", "position", "id"]
        verbose_name = "maturity level"
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="level_unique_key"),
        ]

    def __str__(self) -> str:
        return self.name

    def owning_version_id(self) -> int | None:
        return self.version_id


UNANSWERED_CHOICES = [
    (scoring.Unanswered.ZERO.value, "scores 0"),
    (scoring.Unanswered.SKIP.value, "left out, like not applicable"),
]
UNANSWERED_HELP = (
    "What an unanswered question counts as. Blank: as the section above declares (at the root: "
    "scores 0)."
)


class Section(VersionPart):
    version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.CASCADE, related_name="sections"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="subsections"
    )
    key = models.CharField(max_length=80)
    title = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    aggregation = models.CharField(
        max_length=30,
        choices=[(a.value, a.value.replace("_", " ")) for a in scoring.Aggregation],
        default=scoring.Aggregation.WEIGHTED_MEAN.value,
    )
    weight = models.DecimalField(**DECIMAL, default=Decimal(1))
    position = models.PositiveIntegerField(
        default=0, help_text="Order among the parent's children (sections and questions)."
    )
    unanswered = models.CharField(
        max_length=4,
        choices=UNANSWERED_CHOICES,
        blank=True,
        help_text=UNANSWERED_HELP,
    )
    informational = models.BooleanField(
        default=False,
        help_text="Scored and shown, but not counted in the parent section's score (nor in "
        "the breakdowns).",
    )
    levels = models.JSONField(
        default=list,
        blank=True,
        help_text='Named bands of this section\'s score, ascending: [{"key": "basic", "name": '
        '"Basic", "min_score": "0"}, {"key": "good", "name": "Good", "min_score": "0.5", '
        '"min_score_exclusive": true}]. Not on the root (its levels are the maturity levels).',
    )

    objects = VersionPartQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["version", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="section_unique_key"),
            models.UniqueConstraint(
                fields=["version"],
                condition=Q(parent__isnull=True),
                name="section_one_root",
                violation_error_message="A version has exactly one root section (no parent); "
                "give this section a parent.",
            ),
            models.CheckConstraint(condition=Q(weight__gt=0), name="section_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.title or self.key

    def clean(self) -> None:
        problems = questionnaire_format.section_level_problems(self.levels or [])
        if problems:
            raise ValidationError({"levels": problems})

    def owning_version_id(self) -> int | None:
        return self.version_id


class Question(VersionPart):
    version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.CASCADE, related_name="questions"
    )
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    key = models.CharField(
        max_length=80, help_text="Stable identifier, kept across versions of the questionnaire."
    )
    type = models.CharField(
        max_length=20, choices=[(t.value, t.value.replace("_", " ")) for t in scoring.QuestionType]
    )
    text = models.TextField()
    help_text = models.TextField(blank=True)
    unit = models.CharField(max_length=40, blank=True)
    weight = models.DecimalField(**DECIMAL, default=Decimal(1))
    position = models.PositiveIntegerField(default=0)
    required = models.BooleanField(default=True)
    allow_not_applicable = models.BooleanField(default=False)
    unanswered = models.CharField(
        max_length=4, choices=UNANSWERED_CHOICES, blank=True, help_text=UNANSWERED_HELP
    )
    none_option = models.CharField(
        max_length=300,
        blank=True,
        help_text='Multiple choice only: label of the answer "none of these" (choice key "none", '
        "scores 0). Leave blank to not offer it.",
    )
    min_value = models.DecimalField(**DECIMAL, null=True, blank=True)
    max_value = models.DecimalField(**DECIMAL, null=True, blank=True)
    linear_from_value = models.DecimalField(**DECIMAL, null=True, blank=True)
    linear_to_value = models.DecimalField(**DECIMAL, null=True, blank=True)
    linear_from_score = models.DecimalField(**DECIMAL, null=True, blank=True)
    linear_to_score = models.DecimalField(**DECIMAL, null=True, blank=True)
    level_gate = models.ForeignKey(
        MaturityLevel,
        # A level can go only together with the questions gated at it (e.g. a whole draft).
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="gated_questions",
        help_text="Gated mode: the question must pass to reach this level.",
    )
    pass_score = models.DecimalField(**DECIMAL, null=True, blank=True)
    disciplines = models.ManyToManyField(Discipline, blank=True, related_name="questions")
    phases = models.ManyToManyField(LifecyclePhase, blank=True, related_name="questions")
    practices = models.ManyToManyField(Practice, blank=True, related_name="questions")
    hindrances = models.ManyToManyField(Hindrance, blank=True, related_name="questions")

    objects = VersionPartQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[disciplines, phases, practices, hindrances])

    class Meta:
        ordering = ["version", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="question_unique_key"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="question_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.text[:60]}"

    def owning_version_id(self) -> int | None:
        return self.version_id


class Choice(VersionPart):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    key = models.CharField(max_length=80)
    label = models.CharField(max_length=300)
    value = models.DecimalField(**DECIMAL)
    position = models.PositiveIntegerField(default=0)

    objects = QuestionPartQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["question", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["question", "key"], name="choice_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.value})"

    def owning_version_id(self) -> int | None:
        return _version_of_question(self.question_id)


class Band(VersionPart):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="bands")
    lower = models.DecimalField(
        **DECIMAL, null=True, blank=True, help_text="Inclusive; empty means open."
    )
    upper = models.DecimalField(
        **DECIMAL, null=True, blank=True, help_text="Exclusive; empty = open."
    )
    value = models.DecimalField(**DECIMAL)
    label = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)

    objects = QuestionPartQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["question", "position", "id"]

    def __str__(self) -> str:
        return f"[{self.lower}, {self.upper}) -> {self.value}"

    def owning_version_id(self) -> int | None:
        return _version_of_question(self.question_id)


def _version_of_question(question_id: int | None) -> int | None:
    return Question.objects.filter(pk=question_id).values_list("version_id", flat=True).first()


class Assessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    uuid = models.UUIDField(
        default=uuid4,
        unique=True,
        editable=False,
        help_text="Stable public identifier: never changes, travels with exports.",
    )

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="assessments"
    )
    unit = models.ForeignKey(
        "organisations.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments",
        help_text="The unit assessed (a team, product or platform of the organisation); "
        "blank: the organisation as a whole.",
    )
    version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.PROTECT, related_name="assessments"
    )
    title = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    revision = models.PositiveIntegerField(
        default=1,
        help_text="Goes up with every change (fields, answers, submit); the ETag is built on it.",
    )
    targets = models.JSONField(
        default=dict,
        blank=True,
        help_text='Goals as percentages: {"level": key, "sections": {key: 80}, '
        '"disciplines": {slug: 75}}.',
    )
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies"
    )
    due_on = models.DateField(
        null=True, blank=True, help_text="Optional: the day by which the respondents should answer."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "status"], name="assessment_org_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted"]), name="assessment_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="draft", submitted_at__isnull=True)
                | Q(status="submitted", submitted_at__isnull=False),
                name="assessment_submitted_at_iff_submitted",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"Assessment {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A submitted assessment is a feed row: every save of one is a change to send.
        with transaction.atomic(savepoint=False):
            super().save(*args, **kwargs)
            if self.status == self.Status.SUBMITTED:
                record_feed_changes(Assessment.objects.filter(pk=self.pk))

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED

    @property
    def etag(self) -> str:
        """A strong validator of this assessment's current state."""
        return f'"assessment-{self.pk}-r{self.revision}"'


class Respondent(models.Model):
    """A person asked to answer an assessment, with answers of their own.

    Added directly (a member of the organisation) or through an invitation that names the
    assessment, in which case `user` stays empty until the invitation is accepted.
    """

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="respondents")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responses",
    )
    invitation = models.ForeignKey(
        "organisations.Invitation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="respondents",
    )
    revision = models.PositiveIntegerField(
        default=1, help_text="Goes up with every save of this respondent's answers."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "user"],
                condition=Q(user__isnull=False),
                name="respondent_unique_user",
                violation_error_message="This person already answers this assessment.",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(invitation__isnull=False),
                name="respondent_user_or_invitation",
            ),
        ]

    def __str__(self) -> str:
        who = self.user or (
            self.invitation.email or self.invitation.username if self.invitation else "?"
        )
        return f"{who} answering assessment #{self.assessment_id}"

    @property
    def etag(self) -> str:
        """A strong validator of this respondent's own answers."""
        return f'"respondent-{self.pk}-r{self.revision}"'


class RespondentAnswer(models.Model):
    """One respondent's own answer to a question; the assessment's answer derives from these."""

    respondent = models.ForeignKey(Respondent, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="respondent_answers"
    )
    choices = models.JSONField(default=list, blank=True, help_text="Keys of the chosen choices.")
    number = models.DecimalField(**DECIMAL, null=True, blank=True)
    not_applicable = models.BooleanField(default=False)
    comment = models.TextField(blank=True)
    evidence_url = models.URLField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["respondent", "question__position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["respondent", "question"], name="respondent_answer_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"answer to {self.question.key} by respondent #{self.respondent_id}"

    def to_engine(self, question_key: str) -> scoring.Answer:
        return scoring.Answer(
            question=question_key,
            choices=tuple(self.choices),
            number=self.number,
            not_applicable=self.not_applicable,
        )


class Answer(models.Model):
    """The assessment's answer to a question: given directly, derived from its respondents'
    answers by the questionnaire's rule, or recorded as their consensus (with a note)."""

    class Source(models.TextChoices):
        DIRECT = "direct", "Direct"
        DERIVED = "derived", "Derived from the respondents"
        CONSENSUS = "consensus", "Consensus"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    choices = models.JSONField(default=list, blank=True, help_text="Keys of the chosen choices.")
    number = models.DecimalField(**DECIMAL, null=True, blank=True)
    not_applicable = models.BooleanField(default=False)
    comment = models.TextField(blank=True)
    evidence_url = models.URLField(max_length=500, blank=True)
    notes_carried_over = models.BooleanField(
        default=False,
        help_text="The comment and evidence were copied from the assessment this one re-assesses "
        "and not confirmed since: they are cleared when the answer changes.",
    )
    score = models.DecimalField(
        **DECIMAL,
        null=True,
        blank=True,
        help_text="A score decided outside the engine, with no choices or number: the mean or "
        "median of the respondents' scores when that is no one's own answer, or a consensus.",
    )
    source = models.CharField(
        max_length=10,
        choices=Source.choices,
        default=Source.DIRECT,
        help_text="Direct: saved as the assessment's answer. Derived: follows from the "
        "respondents' answers by the questionnaire's rule. Consensus: recorded by an owner or "
        "editor, overriding the derived answer.",
    )
    consensus_note = models.TextField(
        blank=True, help_text="Consensus answers only: why this answer was agreed."
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment", "question__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "question"], name="answer_unique"),
            models.CheckConstraint(
                condition=Q(source__in=["direct", "derived", "consensus"]),
                name="answer_source_valid",
            ),
            models.CheckConstraint(
                condition=(Q(source="consensus") & ~Q(consensus_note=""))
                | (~Q(source="consensus") & Q(consensus_note="")),
                name="answer_consensus_note_iff_consensus",
                violation_error_message="A consensus answer carries a note; other answers none.",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0), name="answer_score_not_negative"
            ),
        ]

    def __str__(self) -> str:
        title = self.assessment.title
        named = f" “{title}”" if title else ""
        return f"answer to {self.question.key} in assessment #{self.assessment_id}{named}"

    def to_engine(self, question_key: str) -> scoring.Answer:
        return scoring.Answer(
            question=question_key,
            choices=tuple(self.choices),
            number=self.number,
            not_applicable=self.not_applicable,
            score=self.score,
        )


class Result(models.Model):
    """The immutable snapshot computed once at submit."""

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="result")
    engine_version = models.CharField(max_length=20)
    overall = models.DecimalField(**DECIMAL, null=True)
    overall_percent = models.DecimalField(**DECIMAL, null=True)
    level_key = models.CharField(max_length=80, blank=True)
    level_name = models.CharField(max_length=120, blank=True)
    snapshot = models.JSONField()
    computed_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-computed_at"]

    def __str__(self) -> str:
        return f"Result of {self.assessment}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValidationError("A stored result is a snapshot and never changes.")
        super().save(*args, **kwargs)


class ResultScore(models.Model):
    """One figure of a result as a row, so peers, history and feeds are queried in SQL."""

    class Axis(models.TextChoices):
        OVERALL = "overall", "Overall"
        DISCIPLINE = "discipline", "Discipline"
        PHASE = "phase", "Lifecycle phase"
        HINDRANCE = "hindrance", "Hindrance"
        SECTION = "section", "Section"

    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="scores")
    axis = models.CharField(max_length=12, choices=Axis.choices)
    key = models.CharField(max_length=80, help_text="Slug or section key; 'overall' for overall.")
    percent = models.DecimalField(**DECIMAL, null=True)
    level = models.CharField(
        max_length=80,
        blank=True,
        help_text="Sections with levels of their own: the key of the level reached (blank: "
        "none). Copied from the snapshot, for the scores feed.",
    )

    class Meta:
        ordering = ["result", "axis", "key"]
        constraints = [
            models.UniqueConstraint(fields=["result", "axis", "key"], name="result_score_unique")
        ]
        indexes = [models.Index(fields=["axis", "key", "percent"], name="result_score_lookup")]

    def __str__(self) -> str:
        return f"{self.axis}:{self.key} = {self.percent}"


class FeedChange(models.Model):
    """One change to a scores-feed row, written in the transaction that makes the change.

    The scores feed (assessments.feed) is served from these rows in (`xid`, `id`) order and
    only below the oldest transaction still writing, so it delivers changes in commit order.
    Rows are only added; a newer row of the same assessment supersedes the older ones.
    """

    id = models.BigAutoField(primary_key=True)
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="+")
    xid = models.BigIntegerField(
        default=0,
        help_text="PostgreSQL: the id of the transaction that wrote the row (pg_current_xact_id). "
        "0 on SQLite, where writers are serialised and `id` alone is commit order.",
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["xid", "id"], name="feed_change_order"),
            models.Index(fields=["assessment", "xid", "id"], name="feed_change_newest"),
        ]

    def __str__(self) -> str:
        return f"change {self.xid}/{self.id} of assessment {self.assessment_id}"


def record_feed_changes(assessments: QuerySet[Assessment]) -> None:
    """Log a change for each submitted assessment of `assessments`, in the caller's transaction.

    One INSERT ... SELECT, whatever the number of rows. On PostgreSQL each row stores the
    writing transaction's id, which the feed compares with the snapshot's xmin.
    """
    using = assessments.db
    connection = connections[using]
    quote = connection.ops.quote_name
    meta = FeedChange._meta
    columns = ", ".join(
        quote(meta.get_field(name).column) for name in ("assessment", "xid", "changed_at")
    )
    xid = "pg_current_xact_id()::text::bigint" if connection.vendor == "postgresql" else "0"
    rows = (
        assessments.filter(status=Assessment.Status.SUBMITTED)
        .annotate(
            change_xid=RawSQL(xid, (), output_field=models.BigIntegerField()),
            change_at=models.Value(timezone.now(), output_field=models.DateTimeField()),
        )
        .order_by("pk")
        .values_list("pk", "change_xid", "change_at")
    )
    sql, params = rows.query.sql_with_params()
    with transaction.atomic(using=using, savepoint=False), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(meta.db_table)} ({columns}) {sql}", params)


def feed_rows_changed(assessments: QuerySet[Assessment]) -> None:
    """Values a feed row shows from another table changed: stamp and re-send those rows."""
    assessments.filter(status=Assessment.Status.SUBMITTED).update(updated_at=timezone.now())
    record_feed_changes(assessments)


def _refuse_tag_changes_on_published(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **_: Any
) -> None:
    if action not in {"pre_add", "pre_remove", "pre_clear"}:
        return
    if reverse:
        # A catalogue row gaining or losing questions: check the questions touched.
        questions = Question.objects.filter(pk__in=pk_set or [])
        if action == "pre_clear":
            questions = instance.questions.all()
        if questions.filter(version__status="published").exists():
            raise FrozenVersionError()
    elif QuestionnaireVersion.objects.filter(pk=instance.version_id, status="published").exists():
        raise FrozenVersionError()


for _field in ("disciplines", "phases", "practices", "hindrances"):
    models.signals.m2m_changed.connect(
        _refuse_tag_changes_on_published,
        sender=getattr(Question, _field).through,
        dispatch_uid=f"freeze-question-{_field}",
    )
