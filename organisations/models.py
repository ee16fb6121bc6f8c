"""Tenancy: organisations, who belongs to them and in which role, their tools and machine keys.

Everything else (assessments, results, feeds) hangs off an organisation; this app imports
none of it. Changes that other apps must react to are announced by signals (`signals`).
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from rest_framework_api_key.models import AbstractAPIKey
from simple_history.models import HistoricalRecords

from . import signals


class Organisation(models.Model):
    uuid = models.UUIDField(
        default=uuid4,
        unique=True,
        editable=False,
        help_text="Stable public identifier: never changes, travels with exports.",
    )
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="organisations"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "slug"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Feed rows carry the slug and the name: a rename re-sends them, in the transaction
        # that renames, so the rows are never served before the new values are committed.
        with transaction.atomic(savepoint=False):
            renamed = (
                self.pk is not None
                and Organisation.objects.filter(pk=self.pk)
                .exclude(slug=self.slug, name=self.name)
                .exists()
            )
            super().save(*args, **kwargs)
            if renamed:
                signals.organisation_renamed.send(sender=Organisation, organisation_id=self.pk)


class OrganisationTool(models.Model):
    """A catalogue tool an organisation already uses: never recommended to it again."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="tool_uses"
    )
    tool = models.ForeignKey("catalog.Tool", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation", "tool__name"]
        verbose_name = "tool in use"
        verbose_name_plural = "tools in use"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "tool"], name="organisation_tool_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} uses {self.tool}"


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        EDITOR = "editor", "Editor"
        VIEWER = "viewer", "Viewer"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation", "user"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="membership_unique"),
            models.CheckConstraint(
                condition=Q(role__in=["owner", "editor", "viewer"]), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.organisation}"

    @property
    def can_edit(self) -> bool:
        return self.role in {self.Role.OWNER, self.Role.EDITOR}


class OrganisationAPIKey(AbstractAPIKey):
    """A machine credential that reads scores: of one organisation, or (staff only) of all.

    Only a hash is stored; the key itself is shown once, when it is created.
    """

    class Scope(models.TextChoices):
        ORGANISATION = "organisation", "Scores of one organisation"
        ALL_ORGANISATIONS = "all_organisations", "Scores of all organisations (staff only)"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="api_keys"
    )
    scope = models.CharField(max_length=20, choices=Scope.choices, default=Scope.ORGANISATION)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API key"
        verbose_name_plural = "API keys"
        constraints = [
            models.CheckConstraint(
                condition=Q(scope="organisation", organisation__isnull=False)
                | Q(scope="all_organisations", organisation__isnull=True),
                name="api_key_scope_matches_organisation",
                violation_error_message="A key for one organisation names it; a key for all "
                "organisations names none.",
            )
        ]
