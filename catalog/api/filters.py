import django_filters

from catalog.models import Discipline, Hindrance, LifecyclePhase, MaturityLevel, Practice, Tool


def _by_slug(queryset: object, field_name: str, help_text: str) -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        queryset=queryset,
        field_name=field_name,
        to_field_name="slug",
        distinct=True,
        help_text=help_text,
    )


class LifecyclePhaseFilter(django_filters.FilterSet):
    discipline = _by_slug(
        Discipline.objects.all(), "discipline", "Only phases of this discipline (slug)."
    )

    class Meta:
        model = LifecyclePhase
        fields = ["discipline"]


class PracticeFilter(django_filters.FilterSet):
    discipline = _by_slug(
        Discipline.objects.all(), "phase__discipline", "Only practices of this discipline (slug)."
    )
    phase = _by_slug(LifecyclePhase.objects.all(), "phase", "Only practices of this phase (slug).")
    hindrance = _by_slug(
        Hindrance.objects.all(), "hindrances", "Only practices that address this hindrance (slug)."
    )
    tool = _by_slug(Tool.objects.all(), "tools", "Only practices this tool supports (slug).")

    class Meta:
        model = Practice
        fields = ["discipline", "phase", "hindrance", "tool"]


class ToolFilter(django_filters.FilterSet):
    discipline = _by_slug(
        Discipline.objects.all(), "disciplines", "Only tools for this discipline (slug)."
    )
    phase = _by_slug(
        LifecyclePhase.objects.all(),
        "practices__phase",
        "Only tools supporting a practice of this phase (slug).",
    )
    practice = _by_slug(
        Practice.objects.all(), "practices", "Only tools supporting this practice (slug)."
    )
    licence = django_filters.MultipleChoiceFilter(
        choices=Tool.Licence.choices, help_text="Licence; repeat the parameter to allow several."
    )
    delivery = django_filters.MultipleChoiceFilter(
        choices=Tool.Delivery.choices,
        help_text="Delivery model; repeat the parameter to allow several.",
    )
    ring = django_filters.MultipleChoiceFilter(
        choices=Tool.Ring.choices, help_text="Adoption ring; repeat the parameter to allow several."
    )
    pays_off_at = django_filters.TypedChoiceFilter(
        field_name="min_maturity",
        lookup_expr="lte",
        choices=MaturityLevel.choices,
        coerce=int,
        help_text="Only tools that already pay off at this maturity level (1-5).",
    )

    class Meta:
        model = Tool
        fields = ["discipline", "phase", "practice", "licence", "delivery", "ring", "pays_off_at"]
