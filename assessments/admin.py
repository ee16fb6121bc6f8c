from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Max, OuterRef, QuerySet, Subquery
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from assessments import consensus, recheck, report, selectors, services
from assessments.models import (
    Answer,
    Assessment,
    Band,
    Choice,
    MaturityLevel,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Respondent,
    RespondentAnswer,
    Result,
    Section,
)
from opsassess.core.admin import AuditedAdmin, AuditTrailAdmin

DRAFT = QuestionnaireVersion.Status.DRAFT


def _number(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def _start_new_versions(
    modeladmin: admin.ModelAdmin, request: HttpRequest, questionnaires: list[Questionnaire]
) -> None:
    for questionnaire in questionnaires:
        try:
            version = services.questionnaire_new_version(questionnaire=questionnaire)
        except services.Conflict as exc:
            modeladmin.message_user(request, exc.detail, messages.ERROR)
        except ValidationError as exc:
            modeladmin.message_user(
                request, f"{questionnaire}: {' '.join(exc.messages)}", messages.ERROR
            )
        else:
            modeladmin.message_user(
                request,
                f"Started draft version {version.number} of “{questionnaire}”.",
                messages.SUCCESS,
            )


# --- questionnaire preview ---------------------------------------------------------------------


def _band_range(band: Band) -> str:
    if band.lower is None:
        return "anything" if band.upper is None else f"under {_number(band.upper)}"
    if band.upper is None:
        return f"{_number(band.lower)} or more"
    return f"from {_number(band.lower)} to under {_number(band.upper)}"


def _question_html(tree: selectors.VersionTree, question: Question) -> SafeString:
    details = []
    choices = tree.choices.get(question.pk, [])
    if choices:
        details.append(
            format_html(
                "choices: {}",
                format_html_join(", ", "{}={}", ((c.label, _number(c.value)) for c in choices)),
            )
        )
    bands = tree.bands.get(question.pk, [])
    if bands:
        details.append(
            format_html(
                "bands: {}",
                format_html_join(
                    ", ", "{} → {}", ((_band_range(b), _number(b.value)) for b in bands)
                ),
            )
        )
    tags = tree.tags.get(question.pk, {})
    if tags:
        details.append(
            format_html(
                "tags: {}",
                format_html_join(
                    "; ",
                    "{}: {}",
                    ((axis, ", ".join(name for _, name in pairs)) for axis, pairs in tags.items()),
                ),
            )
        )
    gate = tree.level_key(question)
    if gate:
        details.append(format_html("gates level {}", gate))
    return format_html(
        '<li><a href="{}"><code>{}</code></a> <em>{}</em>, weight {}{}: {}{}</li>',
        reverse("admin:assessments_question_change", args=[question.pk]),
        question.key,
        question.get_type_display(),
        _number(question.weight),
        "" if question.required else ", optional",
        question.text,
        format_html_join("", '<div class="quiet">{}</div>', ((d,) for d in details)),
    )


def _section_html(tree: selectors.VersionTree, section: Section) -> SafeString:
    children = format_html_join(
        "",
        "{}",
        (
            (
                _section_html(tree, child)
                if isinstance(child, Section)
                else _question_html(tree, child),
            )
            for child in tree.children(section)
        ),
    )
    return format_html(
        "<li><strong>{}</strong> <code>{}</code> <em>{}</em>, weight {}<ul>{}</ul></li>",
        section.title or section.key,
        section.key,
        section.get_aggregation_display(),
        _number(section.weight),
        children,
    )


def version_preview(version: QuestionnaireVersion) -> SafeString:
    """The version as a nested list, loaded with the fixed queries of `version_tree`."""
    tree = selectors.version_tree(version)
    levels = format_html_join(
        ", ",
        "{} (from {})",
        ((level.name, _number(level.min_score) or "—") for level in tree.levels),
    )
    if not tree.sections:
        return format_html("<p>Levels: {}</p><p>No sections yet.</p>", levels or "none")
    return format_html(
        "<p>Levels: {}</p><ul>{}</ul>", levels or "none", _section_html(tree, tree.root)
    )


# --- questionnaires ----------------------------------------------------------------------------


class VersionInline(admin.TabularInline):
    model = QuestionnaireVersion
    fields = ["number", "status", "published_at"]
    readonly_fields = fields
    ordering = ["-number"]
    extra = 0
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Questionnaire)
class QuestionnaireAdmin(AuditedAdmin):
    list_display = ["name", "slug", "latest_version", "version_count"]
    search_fields = ["name", "slug", "description"]
    fields = ["name", "slug", "description", "created_at"]
    readonly_fields = ["created_at"]
    inlines = [VersionInline]
    actions = ["start_new_version"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Questionnaire]:
        latest = QuestionnaireVersion.objects.filter(questionnaire=OuterRef("pk")).order_by(
            "-number"
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                latest_number=Subquery(latest.values("number")[:1]),
                latest_status=Subquery(latest.values("status")[:1]),
                versions_total=Count("versions"),
            )
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The slug identifies the questionnaire in files and the API, so it stays put.
        return ["slug", "created_at"] if obj else ["created_at"]

    def get_prepopulated_fields(self, request: HttpRequest, obj: Any = None) -> dict[str, Any]:
        return {} if obj else {"slug": ["name"]}

    @admin.display(description="latest version", ordering="latest_number")
    def latest_version(self, questionnaire: Any) -> str:
        if questionnaire.latest_number is None:
            return "—"
        status = QuestionnaireVersion.Status(questionnaire.latest_status).label.lower()
        return f"v{questionnaire.latest_number} ({status})"

    @admin.display(description="versions", ordering="versions_total")
    def version_count(self, questionnaire: Any) -> int:
        return questionnaire.versions_total

    @admin.action(description="Start a new draft version")
    def start_new_version(self, request: HttpRequest, queryset: QuerySet[Questionnaire]) -> None:
        _start_new_versions(self, request, list(queryset))


# --- questionnaire versions --------------------------------------------------------------------


def _frozen(version: QuestionnaireVersion | None) -> bool:
    return version is not None and version.is_published


class FrozenWithVersionInline(admin.TabularInline):
    """An inline of a version's parts: editable while the version is a draft, then view-only."""

    extra = 0

    def version_of(self, obj: Any) -> QuestionnaireVersion | None:
        return obj

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _frozen(self.version_of(obj)) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _frozen(self.version_of(obj)) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _frozen(self.version_of(obj)) and super().has_delete_permission(request, obj)


class MaturityLevelInline(FrozenWithVersionInline):
    model = MaturityLevel
    fields = ["position", "key", "name", "min_score", "min_score_exclusive", "description"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2})}}


class SectionInlineFormSet(BaseInlineFormSet):
    """Offers the version's own sections as parents (loaded once), refuses loops and roots.

    A version has exactly one root section (no parent). The parent list can only offer saved
    sections, so a tree is authored root first: a save that would leave two sections without
    a parent says so on the rows concerned instead of failing on the database constraint.
    """

    @cached_property
    def parent_queryset(self) -> QuerySet[Section]:
        if self.instance.pk is None:
            return Section.objects.none()
        return Section.objects.filter(version=self.instance)

    @cached_property
    def parent_choices(self) -> list[Any]:
        return list(forms.ModelChoiceField(self.parent_queryset, required=False).choices)

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        field = form.fields.get("parent")
        if field is not None:
            field.queryset = self.parent_queryset
            field.choices = self.parent_choices

    def clean(self) -> None:
        super().clean()
        self._check_one_root()
        stored = list(self.parent_queryset.values_list("pk", "parent_id", "key"))
        parents = {pk: parent_id for pk, parent_id, _ in stored}
        keys = {pk: key for pk, _, key in stored}
        for form in self.forms:
            if form.instance.pk is None or not hasattr(form, "cleaned_data"):
                continue
            parent = form.cleaned_data.get("parent")
            parents[form.instance.pk] = parent.pk if parent else None
        for start in parents:
            node, steps = parents[start], 0
            while node is not None and node != start and steps <= len(parents):
                node, steps = parents.get(node), steps + 1
            if node == start:
                raise ValidationError(
                    f"Section “{keys[start]}” would end up inside itself; pick another parent."
                )

    def _check_one_root(self) -> None:
        kept = [
            form
            for form in self.forms
            if hasattr(form, "cleaned_data")
            and form.cleaned_data
            and not self._should_delete_form(form)
        ]
        in_forms = {form.instance.pk for form in self.forms if form.instance.pk is not None}
        saved_roots = [
            section.key
            for section in self.parent_queryset
            if section.parent_id is None and section.pk not in in_forms
        ]
        saved_roots += [
            form.cleaned_data.get("key") or form.instance.key
            for form in kept
            if form.instance.pk is not None and form.cleaned_data.get("parent") is None
        ]
        new_roots = [
            form
            for form in kept
            if form.instance.pk is None and form.cleaned_data.get("parent") is None
        ]
        if len(saved_roots) > 1:
            unparented = [
                form
                for form in kept
                if form.instance.pk is not None and form.cleaned_data.get("parent") is None
            ]
            moved = [form for form in unparented if "parent" in form.changed_data]
            for form in moved or unparented:
                form.add_error(
                    "parent",
                    f"“{form.instance.key}” needs a parent: only one section of a version "
                    "can be without one (the root).",
                )
        elif saved_roots:
            for form in new_roots:
                form.add_error(
                    "parent",
                    f"Pick a parent: this version already has its root section "
                    f"“{saved_roots[0]}”, the only section without one.",
                )
        elif len(new_roots) > 1:
            for form in new_roots:
                form.add_error(
                    "parent",
                    "Only the root section goes without a parent, and sections added in this "
                    "save cannot be picked as parents yet. Save the root section on its own "
                    "first, then add its subsections and pick it as their parent.",
                )


class SectionInline(FrozenWithVersionInline):
    model = Section
    formset = SectionInlineFormSet
    fields = [
        "parent",
        "key",
        "title",
        "aggregation",
        "weight",
        "position",
        "unanswered",
        "informational",
        "levels",
    ]


class QuestionnaireVersionForm(forms.ModelForm):
    class Meta:
        model = QuestionnaireVersion
        fields = ["questionnaire", "level_mode", "derivation", "changelog"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "derivation" in self.fields:
            # Left out (an older form, a script): the questionnaire format's default, mean.
            self.fields["derivation"].required = False

    def clean_derivation(self) -> str:
        return self.cleaned_data.get("derivation") or consensus.Rule.MEAN.value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        questionnaire = cleaned.get("questionnaire")
        if (
            self.instance.pk is None
            and questionnaire is not None
            and questionnaire.versions.filter(status=DRAFT).exists()
        ):
            self.add_error(
                "questionnaire", "This questionnaire already has a draft; edit that one instead."
            )
        return cleaned


@admin.register(QuestionnaireVersion)
class QuestionnaireVersionAdmin(AuditedAdmin):
    form = QuestionnaireVersionForm
    list_display = [
        "questionnaire",
        "number",
        "status",
        "level_mode",
        "derivation",
        "published_at",
    ]
    list_filter = ["status", "questionnaire"]
    list_select_related = ["questionnaire"]
    search_fields = ["questionnaire__name", "questionnaire__slug", "changelog"]
    actions = ["publish", "start_new_version"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return [(None, {"fields": ["questionnaire", "level_mode", "derivation", "changelog"]})]
        return [
            (
                None,
                {
                    "fields": [
                        ("questionnaire", "number", "status"),
                        ("level_mode", "derivation"),
                        "changelog",
                        ("created_at", "published_at"),
                    ]
                },
            ),
            ("Preview", {"fields": ["preview"]}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        fixed = ["questionnaire", "number", "status", "created_at", "published_at", "preview"]
        return [*fixed, "level_mode", "derivation", "changelog"] if obj.is_published else fixed

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        return [] if obj is None else [MaturityLevelInline, SectionInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _frozen(obj) and super().has_delete_permission(request, obj)

    def save_model(
        self, request: HttpRequest, obj: QuestionnaireVersion, form: Any, change: bool
    ) -> None:
        if not change:
            latest = obj.questionnaire.versions.aggregate(latest=Max("number"))["latest"]
            obj.number = (latest or 0) + 1
        super().save_model(request, obj, form, change)

    @admin.display(description="questions")
    def preview(self, version: QuestionnaireVersion) -> SafeString | str:
        return version_preview(version) if version.pk else "—"

    @admin.action(description="Publish")
    def publish(self, request: HttpRequest, queryset: QuerySet[QuestionnaireVersion]) -> None:
        for version in queryset.select_related("questionnaire"):
            try:
                services.questionnaire_publish(version=version)
            except services.Conflict as exc:
                self.message_user(request, f"{version.questionnaire}: {exc.detail}", messages.ERROR)
            except ValidationError as exc:
                self.message_user(
                    request,
                    f"{version.questionnaire} v{version.number} can't be published yet: "
                    + "; ".join(exc.messages),
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    f"Published version {version.number} of “{version.questionnaire}”.",
                    messages.SUCCESS,
                )

    @admin.action(description="Start a new draft version")
    def start_new_version(
        self, request: HttpRequest, queryset: QuerySet[QuestionnaireVersion]
    ) -> None:
        questionnaires = Questionnaire.objects.filter(versions__in=queryset).distinct()
        _start_new_versions(self, request, list(questionnaires))


# --- questions ---------------------------------------------------------------------------------


class QuestionPartInline(FrozenWithVersionInline):
    def version_of(self, obj: Any) -> QuestionnaireVersion | None:
        return obj.version if obj is not None else None


class ChoiceInline(QuestionPartInline):
    model = Choice
    fields = ["position", "key", "label", "value"]


class BandInline(QuestionPartInline):
    model = Band
    fields = ["position", "lower", "upper", "value", "label"]


class QuestionAdminForm(forms.ModelForm):
    """A question belongs to its section's version; only draft versions can be picked."""

    class Meta:
        model = Question
        fields = [
            field.name
            for field in Question._meta.get_fields()
            if field.concrete and field.editable and field.name not in {"id", "version"}
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        version_id = self.instance.version_id
        for name, model in [("section", Section), ("level_gate", MaturityLevel)]:
            field = self.fields.get(name)
            if field is None:
                continue
            if version_id is None:
                field.queryset = model.objects.filter(version__status=DRAFT).select_related(
                    "version__questionnaire"
                )
                field.label_from_instance = self._label_with_version
            else:
                field.queryset = model.objects.filter(version_id=version_id)

    @staticmethod
    def _label_with_version(part: Section | MaturityLevel) -> str:
        return f"{part.version.questionnaire} v{part.version.number} / {part}"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        section = cleaned.get("section")
        if section is None:
            return cleaned
        if self.instance.version_id is None:
            self.instance.version = section.version
        gate = cleaned.get("level_gate")
        if gate is not None and gate.version_id != section.version_id:
            self.add_error("level_gate", "Pick a level of the same version as the section.")
        key = cleaned.get("key")
        taken = Question.objects.filter(version_id=section.version_id, key=key)
        if key and taken.exclude(pk=self.instance.pk).exists():
            self.add_error("key", "Another question of this version already uses this key.")
        return cleaned


@admin.register(Question)
class QuestionAdmin(AuditedAdmin):
    form = QuestionAdminForm
    list_display = ["key", "version", "section", "type", "weight", "required"]
    list_filter = ["type", "version__questionnaire", "version__status"]
    list_select_related = ["version__questionnaire", "section"]
    search_fields = ["key", "text"]
    autocomplete_fields = ["disciplines", "phases", "practices", "hindrances"]
    readonly_fields = ["version"]
    inlines = [ChoiceInline, BandInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "version",
                    "section",
                    ("key", "type"),
                    "text",
                    "help_text",
                    ("position", "weight"),
                    ("required", "allow_not_applicable"),
                    "unanswered",
                    "none_option",
                ]
            },
        ),
        (
            "Numbers",
            {
                "description": "For scale, number and percentage questions. Bands, when given, "
                "win over the straight-line mapping.",
                "fields": [
                    ("unit", "min_value", "max_value"),
                    ("linear_from_value", "linear_from_score"),
                    ("linear_to_value", "linear_to_score"),
                ],
            },
        ),
        ("Maturity gate", {"fields": [("level_gate", "pass_score")]}),
        ("Tags", {"fields": ["disciplines", "phases", "practices", "hindrances"]}),
    ]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None:
            return self.fieldsets
        first, *rest = self.fieldsets
        fields = [name for name in first[1]["fields"] if name != "version"]
        return [(None, {"fields": fields}), *rest]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        version = obj.version if obj is not None else None
        return not _frozen(version) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        version = obj.version if obj is not None else None
        return not _frozen(version) and super().has_delete_permission(request, obj)


# --- assessments ---------------------------------------------------------------------------


class AnswerInline(admin.TabularInline):
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
        "answered_by",
        "updated_at",
    ]
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Answer]:
        return super().get_queryset(request).select_related("question", "answered_by")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RespondentInline(admin.TabularInline):
    """Who answers the assessment and how far each is; their answers are in the audit trail."""

    model = Respondent
    fields = ["uuid", "user", "invitation", "answered", "revision", "created_at"]
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Respondent]:
        return (
            super()
            .get_queryset(request)
            .select_related("user", "invitation")
            .annotate(answered_count=Count("answers"))
        )

    @admin.display(description="answers saved")
    def answered(self, respondent: Any) -> int:
        return int(respondent.answered_count)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _result(assessment: Assessment) -> Result | None:
    try:
        return assessment.result
    except Result.DoesNotExist:
        return None


@admin.register(Assessment)
class AssessmentAdmin(AuditedAdmin):
    list_display = [
        "id",
        "organisation",
        "unit",
        "version",
        "title",
        "status",
        "submitted_at",
        "level",
    ]
    list_filter = [
        "status",
        "organisation",
        "unit__kind",
        "version__questionnaire",
        "result__level_name",
    ]
    list_select_related = ["organisation", "unit", "version__questionnaire", "result"]
    search_fields = ["title", "organisation__name", "unit__name", "unit__slug"]
    readonly_fields = ["overall", "overall_percent", "level", "engine_version", "computed_at"]
    inlines = [AnswerInline, RespondentInline]
    actions = ["recompute_dry_run"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("organisation", "unit", "version"),
                    "title",
                    ("status", "copied_from"),
                    ("created_by", "created_at", "updated_at"),
                    ("submitted_by", "submitted_at"),
                ]
            },
        ),
        (
            "Result",
            {
                "description": "Computed once at submit and never changed afterwards.",
                "fields": [
                    ("overall", "overall_percent", "level"),
                    ("engine_version", "computed_at"),
                ],
            },
        ),
    ]

    def get_urls(self) -> list[Any]:
        # Before the admin's own "<object_id>/" catch-all, which would swallow it.
        report_url = path(
            "<path:object_id>/report/",
            self.admin_site.admin_view(self.report_view),
            name="assessments_assessment_report",
        )
        return [report_url, *super().get_urls()]

    def _submitted(self, request: HttpRequest, object_id: str) -> Assessment | None:
        assessment = self.get_object(request, unquote(object_id))
        if assessment is None or not self.has_view_permission(request, assessment):
            return None
        if not assessment.is_submitted or _result(assessment) is None:
            return None
        return assessment

    def report_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The printable report, for staff who may view the assessment (members or not)."""
        assessment = self._submitted(request, object_id)
        if assessment is None:
            raise Http404("No submitted assessment with this id.")
        return report.document_response(
            report.render_report(assessment),
            content_type="text/html; charset=utf-8",
            csp=report.REPORT_CSP,
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = dict(extra_context or {})
        assessment = self._submitted(request, object_id)
        if assessment is not None:
            url = reverse("admin:assessments_assessment_report", args=[assessment.pk])
            extra_context["report_url"] = url
            extra_context["result_view"] = report.render_admin_result(assessment, url)
        else:
            draft = self.get_object(request, unquote(object_id))
            if draft is not None and not draft.is_submitted and draft.respondents.exists():
                # Where the respondents stand so far (the result keeps it once submitted).
                extra_context["team_view"] = report.disagreement_in_words(draft)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Recompute (dry run) and compare with stored result")
    def recompute_dry_run(self, request: HttpRequest, queryset: QuerySet[Assessment]) -> None:
        for assessment in queryset.select_related("result", "version").order_by("pk"):
            result = _result(assessment) if assessment.is_submitted else None
            label = f"#{assessment.pk} “{assessment}”"
            if result is None:
                self.message_user(
                    request,
                    f"{label}: not submitted, so there is no result to check.",
                    messages.INFO,
                )
                continue
            recomputed = services.assessment_recompute(assessment=assessment)
            found = recheck.result_differences(result, recomputed)
            engine = ""
            if recomputed.engine_version != result.engine_version:
                engine = (
                    f" (stored by engine {result.engine_version}, recomputed with "
                    f"{recomputed.engine_version})"
                )
            if not found:
                self.message_user(
                    request,
                    f"{label}: match. Recomputing from its answers gives the stored result "
                    f"(overall {_number(result.overall)}, level "
                    f"{result.level_name or result.level_key or 'none'}){engine}.",
                    messages.SUCCESS,
                )
                continue
            shown = ", ".join(found[:25]) + (
                f" and {len(found) - 25} more" if len(found) > 25 else ""
            )
            self.message_user(
                request,
                f"{label}: MISMATCH. Recomputing from its answers differs from the stored "
                f"result in {len(found)} place(s): {shown}{engine}. Nothing was changed.",
                messages.ERROR,
            )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # View-only everywhere, also on the history pages (which build a form from these).
        return list(flatten_fieldsets(self.fieldsets))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_submitted:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description="overall score")
    def overall(self, assessment: Assessment) -> str:
        result = _result(assessment)
        return _number(result.overall) if result else ""

    @admin.display(description="overall %")
    def overall_percent(self, assessment: Assessment) -> str:
        result = _result(assessment)
        return _number(result.overall_percent) if result else ""

    @admin.display(description="level")
    def level(self, assessment: Assessment) -> str:
        result = _result(assessment)
        return (result.level_name or result.level_key) if result else ""

    @admin.display(description="engine version")
    def engine_version(self, assessment: Assessment) -> str:
        result = _result(assessment)
        return result.engine_version if result else ""

    @admin.display(description="computed at")
    def computed_at(self, assessment: Assessment) -> Any:
        result = _result(assessment)
        return result.computed_at if result else None


def _assessment_label(assessment_id: int, assessment: Assessment | None) -> str:
    if assessment is None:
        return f"assessment #{assessment_id} (deleted)"
    title = f" “{assessment.title}”" if assessment.title else ""
    return f"assessment #{assessment_id}{title} of {assessment.organisation}"


class AssessmentAuditTrailAdmin(AuditTrailAdmin):
    list_select_related = ["history_user", "organisation"]
    search_fields = [*AuditTrailAdmin.search_fields, "title", "organisation__slug"]

    @admin.display(description="record")
    def record(self, historical: Any) -> str:
        title = f" “{historical.title}”" if historical.title else ""
        return f"assessment #{historical.id}{title} of {historical.organisation}"


class AnswerAuditTrailAdmin(AuditTrailAdmin):
    """Names the question and the assessment of each answer row, in a fixed number of queries."""

    list_select_related = ["history_user", "question", "assessment__organisation"]
    search_fields = [*AuditTrailAdmin.search_fields, "question__key", "assessment__title"]

    @admin.display(description="record")
    def record(self, historical: Any) -> str:
        assessment = _assessment_label(historical.assessment_id, historical.assessment)
        return f"answer to {historical.question.key} in {assessment}"


admin.site.register(Assessment.history.model, AssessmentAuditTrailAdmin)
admin.site.register(Answer.history.model, AnswerAuditTrailAdmin)
for audited in (QuestionnaireVersion,):
    admin.site.register(audited.history.model, AuditTrailAdmin)


class RespondentAuditTrailAdmin(AuditTrailAdmin):
    """Respondents added and removed, with the assessment they answer."""

    list_select_related = ["history_user", "assessment__organisation", "user"]
    search_fields = [*AuditTrailAdmin.search_fields, "user__username", "assessment__title"]

    @admin.display(description="record")
    def record(self, historical: Any) -> str:
        who = historical.user.get_username() if historical.user_id else "an invitee"
        assessment = _assessment_label(historical.assessment_id, historical.assessment)
        return f"{who} answering {assessment}"


class RespondentAnswerAuditTrailAdmin(AuditTrailAdmin):
    """Respondents' own answers, each naming its question and respondent."""

    list_select_related = ["history_user", "question"]
    search_fields = [*AuditTrailAdmin.search_fields, "question__key"]

    @admin.display(description="record")
    def record(self, historical: Any) -> str:
        return f"answer to {historical.question.key} by respondent #{historical.respondent_id}"


admin.site.register(Respondent.history.model, RespondentAuditTrailAdmin)
admin.site.register(RespondentAnswer.history.model, RespondentAnswerAuditTrailAdmin)
