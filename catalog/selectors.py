"""Catalogue reads shared by the API and admin, each in a fixed number of queries."""

from django.db.models import Prefetch, QuerySet

from catalog.models import Discipline, Hindrance, LifecyclePhase, Practice, Tool


def discipline_list() -> QuerySet[Discipline]:
    return Discipline.objects.prefetch_related(
        Prefetch("phases", queryset=LifecyclePhase.objects.order_by("order"))
    )


def phase_list() -> QuerySet[LifecyclePhase]:
    return LifecyclePhase.objects.select_related("discipline")


def hindrance_list() -> QuerySet[Hindrance]:
    return Hindrance.objects.all()


def practice_list() -> QuerySet[Practice]:
    return Practice.objects.select_related("phase__discipline").prefetch_related(
        Prefetch("hindrances", queryset=Hindrance.objects.only("id", "slug")),
        Prefetch("tools", queryset=Tool.objects.only("id", "slug").order_by("slug")),
        Prefetch("prerequisites", queryset=Practice.objects.only("id", "slug").order_by("slug")),
    )


def tool_list() -> QuerySet[Tool]:
    return Tool.objects.prefetch_related(
        Prefetch("disciplines", queryset=Discipline.objects.only("id", "slug")),
        Prefetch("practices", queryset=Practice.objects.only("id", "slug").order_by("slug")),
    )
