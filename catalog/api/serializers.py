from rest_framework import serializers

from catalog.models import Discipline, Hindrance, LifecyclePhase, Practice, Tool


def _slugs(**kwargs: object) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="slug", read_only=True, **kwargs)


class PhaseSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = LifecyclePhase
        fields = ["slug", "name", "order"]


class DisciplineSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="discipline-detail", lookup_field="slug")
    phases = PhaseSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Discipline
        fields = ["slug", "url", "name", "description", "audience", "order", "phases"]


class LifecyclePhaseSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="phase-detail", lookup_field="slug")
    discipline = _slugs()

    class Meta:
        model = LifecyclePhase
        fields = ["slug", "url", "name", "description", "discipline", "order"]


class HindranceSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="hindrance-detail", lookup_field="slug")

    class Meta:
        model = Hindrance
        fields = ["slug", "url", "name", "description", "order"]


class PracticeSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="practice-detail", lookup_field="slug")
    discipline = serializers.SlugRelatedField(
        source="phase.discipline", slug_field="slug", read_only=True
    )
    phase = _slugs()
    hindrances = _slugs(many=True)
    tools = _slugs(many=True)
    prerequisites = _slugs(many=True)
    effort = serializers.ChoiceField(
        choices=["small", "medium", "large"], source="effort_name", read_only=True
    )
    effort_points = serializers.IntegerField(source="effort", read_only=True)

    class Meta:
        model = Practice
        fields = [
            "slug",
            "url",
            "name",
            "description",
            "done_well",
            "discipline",
            "phase",
            "order",
            "effort",
            "effort_points",
            "prerequisites",
            "hindrances",
            "tools",
        ]


class ToolSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="tool-detail", lookup_field="slug")
    disciplines = _slugs(many=True)
    practices = _slugs(many=True)

    class Meta:
        model = Tool
        fields = [
            "slug",
            "url",
            "name",
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
