"""Tenancy: organisations, who belongs to them and in which role, their tools and machine keys.

Everything else (assessments, results, feeds) hangs off an organisation; this app imports
none of it. Changes that other apps must react to are announced by signals (`signals`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
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
    portfolio_roll_up = models.CharField(
        max_length=8,
        choices=[("mean", "Mean"), ("median", "Median"), ("minimum", "Minimum")],
        default="mean",
        help_text="How the portfolio combines the units' scores into the organisation's: the "
        "mean, the median, or the weakest unit's.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="organisations"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(portfolio_roll_up__in=["mean", "median", "minimum"]),
                name="organisation_roll_up_valid",
            ),
        ]

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
        RESPONDENT = "respondent", "Respondent"

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
                condition=Q(role__in=["owner", "editor", "viewer", "respondent"]),
                name="membership_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.organisation}"

    @property
    def can_edit(self) -> bool:
        return self.role in EDIT_ROLES


# Who reads all of an organisation's assessments and results, and who changes them. A
# respondent is neither: they answer (and read) only the assessments they are asked to.
READ_ROLES = frozenset({Membership.Role.OWNER, Membership.Role.EDITOR, Membership.Role.VIEWER})
EDIT_ROLES = frozenset({Membership.Role.OWNER, Membership.Role.EDITOR})
# Strongest first: an invitation accepted by a member never weakens their role.
ROLE_STRENGTH: dict[str, int] = {
    Membership.Role.OWNER: 3,
    Membership.Role.EDITOR: 2,
    Membership.Role.VIEWER: 1,
    Membership.Role.RESPONDENT: 0,
}


def stronger_role(first: str, second: str) -> str:
    """The stronger of two roles (the first when they are equal)."""
    return second if ROLE_STRENGTH[second] > ROLE_STRENGTH[first] else first


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


class Unit(models.Model):
    """A part of an organisation that is assessed on its own: a team, a product, a platform.

    Units nest (a team inside a department). The UUID names a unit outside the system
    (feed rows, exports, links); the slug is unique within the organisation and may change.
    """

    class Kind(models.TextChoices):
        TEAM = "team", "Team"
        PRODUCT = "product", "Product"
        PLATFORM = "platform", "Platform"
        DEPARTMENT = "department", "Department"

    uuid = models.UUIDField(
        default=uuid4,
        unique=True,
        editable=False,
        help_text="Stable public identifier: never changes, travels with exports and feeds.",
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="units")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The unit this one belongs to (blank: directly under the organisation).",
    )
    slug = models.SlugField(max_length=80, help_text="Unique within the organisation.")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.TEAM)
    targets = models.JSONField(
        default=dict,
        blank=True,
        help_text='Goals of this unit per questionnaire, as percentages: {"devops": {"level": '
        '"defined", "sections": {"delivery": 80}}}. New assessments of the unit start from them.',
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation", "name", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="unit_unique_slug"),
            models.CheckConstraint(
                condition=Q(kind__in=["team", "product", "platform", "department"]),
                name="unit_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    def clean(self) -> None:
        from organisations import targets

        problems = targets.problems(self.targets)
        if problems:
            # Forms know the field only: the place inside it leads each message.
            raise ValidationError(
                {"targets": [f"{where}: {message}" for where, message in problems.items()]}
            )
        if self.parent_id is None:
            return
        parent = Unit.objects.filter(pk=self.parent_id).values("organisation_id").first()
        if parent is None or parent["organisation_id"] != self.organisation_id:
            raise ValidationError(
                {"parent": "The parent unit must belong to the same organisation."}
            )
        if self.pk is not None and self.pk in self.ancestor_ids():
            raise ValidationError(
                {"parent": "A unit cannot sit inside itself or its own children."}
            )

    def ancestor_ids(self) -> list[int]:
        """Ids from the parent up to the top (stops at a cycle, which clean() refuses)."""
        parents = dict(
            Unit.objects.filter(organisation_id=self.organisation_id).values_list("pk", "parent_id")
        )
        seen: list[int] = []
        current = self.parent_id
        while current is not None and current not in seen:
            seen.append(current)
            current = parents.get(current)
        return seen


INVITATION_LIFETIME = timedelta(days=14)
# What `Invitation.status` can be.
INVITATION_STATUSES = ["pending", "accepted", "revoked", "expired"]


def _invitation_expiry() -> Any:
    return timezone.now() + INVITATION_LIFETIME


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> InvitationQuerySet:
        """Neither accepted, revoked nor expired: the invitations that can still be accepted."""
        return self.with_status("pending")

    def with_status(self, status: str) -> InvitationQuerySet:
        """The invitations whose `status` is `status` (one of INVITATION_STATUSES)."""
        now = timezone.now()
        unused = Q(accepted_at__isnull=True, revoked_at__isnull=True)
        rule = {
            "pending": unused & Q(expires_at__gt=now),
            "accepted": Q(accepted_at__isnull=False),
            "revoked": Q(accepted_at__isnull=True, revoked_at__isnull=False),
            "expired": unused & Q(expires_at__lte=now),
        }[status]
        return self.filter(rule)


class Invitation(models.Model):
    """An offer to join an organisation in a role, sent by e-mail or to a known username.

    Single use and expiring. Only a hash of the secret is stored; the secret itself goes to
    the invitee once. Other apps may attach things to an invitation (an assessment to answer)
    and hear of its acceptance by the `invitation_accepted` signal.
    """

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(blank=True)
    username = models.CharField(max_length=150, blank=True)
    role = models.CharField(
        max_length=10, choices=Membership.Role.choices, default=Membership.Role.RESPONDENT
    )
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    purpose = models.CharField(
        max_length=300,
        blank=True,
        help_text="One sentence the e-mail adds, when the invitation asks for more than "
        "joining (e.g. to answer an assessment). Blank: an invitation to join the organisation.",
    )
    history = HistoricalRecords()

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(email="") & ~Q(username="")) | (~Q(email="") & Q(username="")),
                name="invitation_email_xor_username",
                violation_error_message="Invite by e-mail address or by username, not both.",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["owner", "editor", "viewer", "respondent"]),
                name="invitation_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"invitation of {self.email or self.username} to {self.organisation}"

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"
