from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.db.models.functions import Lower
from django.http import HttpRequest
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, JSON

from catalog.models import Discipline, Hindrance, LifecyclePhase, Practice, Tool
from catalog.prerequisites import describe_cycle
from catalog.resources import PracticeResource, ToolResource
from catalog.usage import uses_of
from opsassess.core.admin import AuditedAdmin


class ProtectUsedRowsMixin:
    """Refuse, on the confirmation page, to delete rows other apps still rely on."""

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        deleted, counts, perms_needed, protected = super().get_deleted_objects(  # type: ignore[misc]
            objs, request
        )
        for obj in objs:
            protected = [*protected, *(f"{obj}: {use}" for use in uses_of(obj))]
        return deleted, counts, perms_needed, protected


class LifecyclePhaseInline(admin.TabularInline):
    model = LifecyclePhase
    fields = ["order", "name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    extra = 0
    show_change_link = True


class PracticeInline(admin.StackedInline):
    model = Practice
    fields = [("order", "name", "slug", "effort"), "description", "done_well", "hindrances"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["hindrances"]
    extra = 0
    show_change_link = True


@admin.register(Discipline)
class DisciplineAdmin(ProtectUsedRowsMixin, AuditedAdmin):
    list_display = ["name", "slug", "order", "audience"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [LifecyclePhaseInline]


@admin.register(LifecyclePhase)
class LifecyclePhaseAdmin(ProtectUsedRowsMixin, AuditedAdmin):
    list_display = ["name", "discipline", "order", "slug", "practice_count"]
    list_filter = ["discipline"]
    list_select_related = ["discipline"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PracticeInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[LifecyclePhase]:
        return super().get_queryset(request).annotate(practice_total=Count("practices"))

    @admin.display(description="practices", ordering="practice_total")
    def practice_count(self, phase: Any) -> int:
        return phase.practice_total


@admin.register(Hindrance)
class HindranceAdmin(ProtectUsedRowsMixin, AuditedAdmin):
    list_display = ["name", "slug", "order"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}


class ToolInline(admin.TabularInline):
    model = Tool.practices.through
    verbose_name = "supporting tool"
    verbose_name_plural = "supporting tools"
    autocomplete_fields = ["tool"]
    ordering = [Lower("tool__name")]
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # Each row is labelled "<tool> supports <practice>".
        return super().get_queryset(request).select_related("tool", "practice")


class PracticeAdminForm(forms.ModelForm):
    class Meta:
        model = Practice
        fields = [
            "name",
            "slug",
            "phase",
            "order",
            "description",
            "done_well",
            "effort",
            "prerequisites",
            "hindrances",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        slug = cleaned.get("slug")
        prerequisites = cleaned.get("prerequisites")
        if slug and prerequisites is not None:
            # An existing practice keeps its stored links under its old slug until saved.
            stored = self.instance.slug if self.instance.pk else slug
            cycle = Practice.prerequisite_cycle(stored, prerequisites)
            if cycle:
                self.add_error("prerequisites", describe_cycle(cycle))
        return cleaned


@admin.register(Practice)
class PracticeAdmin(ProtectUsedRowsMixin, AuditedAdmin, ImportExportModelAdmin):
    formats = [CSV, JSON]
    form = PracticeAdminForm
    resource_classes = [PracticeResource]
    list_display = ["name", "phase", "order", "effort", "prerequisite_list", "slug"]
    list_filter = ["phase__discipline", "phase", "effort", "hindrances"]
    list_select_related = ["phase__discipline"]
    search_fields = ["name", "slug", "description", "done_well"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["phase", "prerequisites", "hindrances"]
    inlines = [ToolInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Practice]:
        return super().get_queryset(request).prefetch_related("prerequisites")

    @admin.display(description="requires")
    def prerequisite_list(self, practice: Practice) -> str:
        return ", ".join(sorted(p.name for p in practice.prerequisites.all()))


class ToolAdminForm(forms.ModelForm):
    homepage = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Tool
        fields = [
            "name",
            "slug",
            "vendor",
            "homepage",
            "description",
            "licence",
            "delivery",
            "ring",
            "min_maturity",
            "disciplines",
            "practices",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        disciplines = cleaned.get("disciplines")
        practices = cleaned.get("practices")
        if disciplines is not None and practices is not None:
            outside = Tool.practices_outside_disciplines(
                practices.select_related("phase"), disciplines
            )
            if outside:
                self.add_error(
                    "practices",
                    "These practices belong to a discipline the tool is not linked to: "
                    + ", ".join(outside),
                )
        return cleaned


@admin.register(Tool)
class ToolAdmin(AuditedAdmin, ImportExportModelAdmin):
    formats = [CSV, JSON]
    form = ToolAdminForm
    resource_classes = [ToolResource]
    list_display = ["tool_name", "vendor", "licence", "delivery", "ring", "min_maturity"]
    list_filter = ["ring", "licence", "delivery", "min_maturity", "disciplines"]
    search_fields = ["name", "slug", "vendor", "description"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["disciplines", "practices"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "vendor", "homepage", "description"]}),
        ("Classification", {"fields": ["licence", "delivery", "ring", "min_maturity"]}),
        ("Supports", {"fields": ["disciplines", "practices"]}),
    ]

    @admin.display(description="name", ordering=Lower("name"))
    def tool_name(self, tool: Tool) -> str:
        return tool.name
