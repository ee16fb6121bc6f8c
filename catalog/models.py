"""The practice and tool catalogue: what mature DevOps, MLOps and AIOps look like.

Slugs are the stable public identifiers (and natural keys) of every catalogue row, so
fixtures, the API and imports refer to rows by slug, never by database id.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import ProtectedError, Q
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from catalog.prerequisites import cycle_through


class MaturityLevel(models.IntegerChoices):
    """A generic five-step maturity scale shared by the catalogue."""

    INITIAL = 1, "1 - Initial"
    REPEATABLE = 2, "2 - Repeatable"
    DEFINED = 3, "3 - Defined"
    MANAGED = 4, "4 - Managed"
    OPTIMISING = 5, "5 - Optimising"


class SlugManager(models.Manager):
    def get_by_natural_key(self, slug: str) -> models.Model:
        return self.get(slug=slug)


class CatalogueModel(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)

    objects = SlugManager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        from catalog.usage import uses_of

        uses = uses_of(self)
        if uses:
            raise ProtectedError(
                f"'{self}' cannot be deleted: it is used by " + "; ".join(uses), set()
            )
        return super().delete(*args, **kwargs)

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


class Discipline(CatalogueModel):
    audience = models.CharField(
        max_length=200, blank=True, help_text="The people who practise this discipline day to day."
    )
    order = models.PositiveSmallIntegerField(default=1, help_text="Position in lists.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "slug"]


class LifecyclePhase(CatalogueModel):
    discipline = models.ForeignKey(Discipline, on_delete=models.PROTECT, related_name="phases")
    order = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1)],
        help_text="Position of the phase in the discipline's lifecycle, starting at 1.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["discipline__order", "order"]
        verbose_name = "lifecycle phase"
        constraints = [
            models.UniqueConstraint(
                fields=["discipline", "order"], name="phase_unique_order_per_discipline"
            ),
            models.CheckConstraint(condition=Q(order__gte=1), name="phase_order_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.discipline.name} / {self.name}"


class Hindrance(CatalogueModel):
    order = models.PositiveSmallIntegerField(
        default=1, help_text="Position in lists (the order the survey reported them)."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "slug"]


class Practice(CatalogueModel):
    class Effort(models.IntegerChoices):
        # The number is the effort in points: how roadmaps weigh a gain against its cost.
        SMALL = 1, "Small (1 point): weeks, within one team"
        MEDIUM = 2, "Medium (2 points): a quarter, a few teams"
        LARGE = 4, "Large (4 points): several quarters, changes across the organisation"

    phase = models.ForeignKey(LifecyclePhase, on_delete=models.PROTECT, related_name="practices")
    order = models.PositiveSmallIntegerField(
        default=1, help_text="Position of the practice within its phase."
    )
    done_well = models.TextField(
        "done well looks like", blank=True, help_text="What an organisation that masters it shows."
    )
    hindrances = models.ManyToManyField(
        Hindrance,
        blank=True,
        related_name="practices",
        help_text="The hindrances that adopting this practice helps to overcome.",
    )
    effort = models.PositiveSmallIntegerField(
        choices=Effort.choices,
        default=Effort.MEDIUM,
        help_text="How much work adopting the practice takes, in points (1, 2 or 4).",
    )
    prerequisites = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="required_by",
        help_text="Practices that must be in place first: a roadmap never puts this practice "
        "before them. No cycles.",
    )
    history = HistoricalRecords(m2m_fields=[hindrances, prerequisites])

    class Meta:
        ordering = ["phase__discipline__order", "phase__order", "order", "slug"]
        constraints = [
            models.CheckConstraint(condition=Q(effort__in=[1, 2, 4]), name="practice_effort_valid"),
        ]

    @property
    def discipline(self) -> Discipline:
        return self.phase.discipline

    @property
    def effort_name(self) -> str:
        """small, medium or large."""
        return Practice.Effort(self.effort).name.lower()

    @staticmethod
    def prerequisite_cycle(slug: str, prerequisites: Iterable[Practice]) -> list[str]:
        """The cycle these prerequisites would close for practice `slug` ([] when none).

        The one rule on prerequisites; admin forms and imports both call it. Reads every stored
        prerequisite link in one query.
        """
        graph: dict[str, list[str]] = {}
        rows = Practice.prerequisites.through.objects.values_list(
            "from_practice__slug", "to_practice__slug"
        )
        for practice, required in rows:
            graph.setdefault(practice, []).append(required)
        return cycle_through(slug, [p.slug for p in prerequisites], graph)


class Tool(CatalogueModel):
    class Licence(models.TextChoices):
        OPEN_SOURCE = "open_source", "Open source"
        COMMERCIAL = "commercial", "Commercial"

    class Delivery(models.TextChoices):
        SAAS = "saas", "SaaS"
        SELF_HOSTED = "self_hosted", "Self-hosted"
        MANAGED_CLOUD = "managed_cloud", "Managed cloud service"

    class Ring(models.TextChoices):
        # Ordered from "use it" to "avoid it", as in a technology radar.
        ADOPT = "adopt", "Adopt"
        TRIAL = "trial", "Trial"
        ASSESS = "assess", "Assess"
        HOLD = "hold", "Hold"

    vendor = models.CharField(max_length=120, blank=True)
    homepage = models.URLField(blank=True)
    licence = models.CharField(max_length=20, choices=Licence.choices)
    delivery = models.CharField(max_length=20, choices=Delivery.choices)
    ring = models.CharField(
        "adoption ring", max_length=10, choices=Ring.choices, default=Ring.ASSESS
    )
    min_maturity = models.PositiveSmallIntegerField(
        "pays off from maturity level",
        choices=MaturityLevel.choices,
        default=MaturityLevel.INITIAL,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="The lowest maturity level at which adopting the tool is worth its cost.",
    )
    disciplines = models.ManyToManyField(Discipline, related_name="tools")
    practices = models.ManyToManyField(Practice, blank=True, related_name="tools")
    history = HistoricalRecords(m2m_fields=[disciplines, practices])

    class Meta:
        ordering = [Lower("name"), "slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(licence__in=["open_source", "commercial"]), name="tool_licence_valid"
            ),
            models.CheckConstraint(
                condition=Q(delivery__in=["saas", "self_hosted", "managed_cloud"]),
                name="tool_delivery_valid",
            ),
            models.CheckConstraint(
                condition=Q(ring__in=["adopt", "trial", "assess", "hold"]), name="tool_ring_valid"
            ),
            models.CheckConstraint(
                condition=Q(min_maturity__gte=1, min_maturity__lte=5),
                name="tool_min_maturity_range",
            ),
        ]

    @staticmethod
    def practices_outside_disciplines(
        practices: Iterable[Practice], disciplines: Iterable[Discipline]
    ) -> list[str]:
        """Slugs of practices whose discipline the tool does not claim to support.

        The one rule tying a tool's two links together; admin forms and imports both call it.
        """
        allowed = {discipline.pk for discipline in disciplines}
        return sorted(
            practice.slug for practice in practices if practice.phase.discipline_id not in allowed
        )


# The link rows Django creates for these many-to-many fields show in admin inlines and in the
# history; without a label of their own they read "Tool_practices object (132)".
def _tool_practice_label(link: Any) -> str:
    return f"{link.tool} supports {link.practice.name}"


def _tool_discipline_label(link: Any) -> str:
    return f"{link.tool} is used in {link.discipline}"


def _practice_hindrance_label(link: Any) -> str:
    return f"{link.practice} helps with {link.hindrance}"


def _practice_prerequisite_label(link: Any) -> str:
    return f"{link.from_practice} requires {link.to_practice}"


Tool.practices.through.__str__ = _tool_practice_label  # type: ignore[assignment]
Tool.disciplines.through.__str__ = _tool_discipline_label  # type: ignore[assignment]
Practice.hindrances.through.__str__ = _practice_hindrance_label  # type: ignore[assignment]
Practice.prerequisites.through.__str__ = _practice_prerequisite_label  # type: ignore[assignment]
