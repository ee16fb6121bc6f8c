"""What the members, units and invitations endpoints take and give.

Input serializers are strict (opsassess.core.api.serializers): a field they do not declare, or
a value of the wrong JSON type, is a 400 naming the field. References are slugs and usernames
the services resolve within the caller's organisation only.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from opsassess.core.api.serializers import StrictModelSerializer, StrictSerializer
from organisations import targets
from organisations.models import (
    INVITATION_STATUSES,
    ROLE_DESCRIPTIONS,
    Invitation,
    Membership,
    Organisation,
    Unit,
)

ROLE_HELP = "; ".join(f"{role}: {text}" for role, text in ROLE_DESCRIPTIONS.items()) + "."
PERCENT_SCHEMA = {
    "oneOf": [
        {"type": "number", "minimum": 0, "maximum": 100},
        {"type": "string", "pattern": r"^[0-9]{1,3}(\.[0-9]{1,4})?$"},
    ]
}
TARGETS_SCHEMA = {
    "type": "object",
    "description": "Goals per questionnaire, keyed by questionnaire slug. New assessments of "
    "the unit start from the goals for their questionnaire, which are then checked against it.",
    "additionalProperties": {
        "type": "object",
        "properties": {
            "level": {"type": "string", "description": "Key of the level to reach overall."},
            "sections": {
                "type": "object",
                "description": "Section key -> percentage to reach (0-100).",
                "additionalProperties": PERCENT_SCHEMA,
            },
            "disciplines": {
                "type": "object",
                "description": "Discipline slug -> percentage to reach (0-100).",
                "additionalProperties": PERCENT_SCHEMA,
            },
        },
        "additionalProperties": False,
    },
}


# --- members -----------------------------------------------------------------------------------


class MemberSerializer(serializers.Serializer):
    username = serializers.CharField(source="user.username")
    name = serializers.SerializerMethodField(help_text="First and last name; may be empty.")
    email = serializers.SerializerMethodField(
        help_text="The e-mail address of the member's account (empty when it has none), shown "
        "to owners only (they invite and manage members); null for everyone else."
    )
    role = serializers.ChoiceField(choices=Membership.Role.choices, help_text=ROLE_HELP)
    since = serializers.DateTimeField(source="created_at", help_text="When they joined.")

    def get_name(self, membership: Membership) -> str:
        return str(membership.user.get_full_name())

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_email(self, membership: Membership) -> str | None:
        return membership.user.email if self.context.get("show_email") else None


class MemberCreateSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150, help_text="An existing user's username.")
    role = serializers.ChoiceField(
        choices=Membership.Role.choices, default=Membership.Role.VIEWER, help_text=ROLE_HELP
    )


class MemberUpdateSerializer(StrictSerializer):
    role = serializers.ChoiceField(choices=Membership.Role.choices, help_text=ROLE_HELP)


# --- units -------------------------------------------------------------------------------------


@extend_schema_field(TARGETS_SCHEMA)
class TargetsField(serializers.JSONField):
    """A unit's targets: the shape is checked here (organisations.targets), the keys when an
    assessment starts."""

    def to_internal_value(self, data: Any) -> Any:
        problems = targets.problems(data)
        if problems:
            raise serializers.ValidationError(_nested(problems))
        return targets.normalised(data)


def _nested(problems: dict[str, str]) -> Any:
    """{"targets.a.b": m} as the error of the `targets` field: {"a.b": [m]} (or [m] when the
    whole value is at fault), so the 400's `attr` reads "targets.a.b"."""
    if "targets" in problems:
        return [problems["targets"]]
    return {key.removeprefix("targets."): [message] for key, message in problems.items()}


class UnitSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="Slug of the unit this one sits in; null: directly under the organisation.",
    )
    targets = TargetsField(read_only=True)

    class Meta:
        model = Unit
        fields = ["uuid", "slug", "name", "kind", "parent", "targets", "created_at"]
        read_only_fields = fields


class UnitWriteSerializer(StrictSerializer):
    slug = serializers.SlugField(
        max_length=80, help_text="Unique within the organisation; may change (the uuid never)."
    )
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=Unit.Kind.choices, default=Unit.Kind.TEAM)
    parent = serializers.SlugField(
        max_length=80,
        allow_null=True,
        required=False,
        help_text="Slug of a unit of the same organisation to sit in; null: at the top.",
    )
    targets = TargetsField(required=False)


class UnitUpdateSerializer(UnitWriteSerializer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, partial=True, **kwargs)


# --- invitations -------------------------------------------------------------------------------


class InvitationSerializer(serializers.ModelSerializer):
    email = serializers.CharField(
        read_only=True, help_text="The address invited; empty when a username was invited."
    )
    username = serializers.CharField(
        read_only=True, help_text="The user invited; empty when an address was invited."
    )
    status = serializers.ChoiceField(choices=INVITATION_STATUSES, read_only=True)
    invited_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    accepted_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Invitation
        fields = [
            "uuid",
            "email",
            "username",
            "role",
            "purpose",
            "status",
            "invited_by",
            "created_at",
            "expires_at",
            "accepted_at",
            "accepted_by",
            "revoked_at",
        ]
        read_only_fields = fields


class InvitationCreateSerializer(StrictSerializer):
    email = serializers.EmailField(
        max_length=254, required=False, help_text="Invite this address (or give a username)."
    )
    username = serializers.CharField(
        max_length=150, required=False, help_text="Invite this user (or give an e-mail address)."
    )
    role = serializers.ChoiceField(
        choices=Membership.Role.choices,
        default=Membership.Role.VIEWER,
        help_text="The role the invitee gets on accepting. " + ROLE_HELP,
    )


class InvitationCreatedSerializer(InvitationSerializer):
    key = serializers.CharField(
        help_text="The secret that accepts the invitation, shown only in this response (only "
        "a hash is stored)."
    )
    accept_url = serializers.URLField(help_text="The link the e-mail carries.")
    emailed = serializers.BooleanField(
        help_text="Whether an e-mail went out: to the address, or to the invited user's own "
        "address. False when the invited user has none: pass the link on yourself."
    )

    class Meta(InvitationSerializer.Meta):
        fields = [*InvitationSerializer.Meta.fields, "key", "accept_url", "emailed"]
        read_only_fields = fields


class OrganisationRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class MyInvitationSerializer(serializers.ModelSerializer):
    organisation = OrganisationRefSerializer()
    invited_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Invitation
        fields = [
            "uuid",
            "organisation",
            "role",
            "purpose",
            "invited_by",
            "created_at",
            "expires_at",
        ]
        read_only_fields = fields


class AcceptSerializer(StrictSerializer):
    key = serializers.CharField(
        max_length=200, help_text="The secret from the invitation e-mail (the end of its link)."
    )


class AcceptedSerializer(serializers.Serializer):
    invitation = serializers.UUIDField()
    organisation = OrganisationRefSerializer()
    role = serializers.ChoiceField(
        choices=Membership.Role.choices,
        help_text="The role you now hold: the invited one, or the one you had if stronger.",
    )


# --- errors ------------------------------------------------------------------------------------


class CodedErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class ConflictSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["client_error"])
    errors = CodedErrorSerializer(
        many=True,
        help_text="`code`: last_owner, already_member, already_invited, unit_in_use, "
        "invitation_used, invitation_revoked or invitation_expired.",
    )


class NotYoursSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["client_error"])
    errors = CodedErrorSerializer(
        many=True,
        help_text="`code`: invitation_not_yours (the invitation names another username or "
        "e-mail address), or permission_denied.",
    )


# --- the organisation itself, its tools in use and its API keys -----------------------------


class OrganisationSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField(help_text="Your role in the organisation.")

    class Meta:
        model = Organisation
        fields = ["slug", "name", "created_at", "role", "portfolio_roll_up"]
        read_only_fields = ["created_at", "portfolio_roll_up"]

    @extend_schema_field(serializers.ChoiceField(choices=Membership.Role.choices))
    def get_role(self, organisation: Organisation) -> str | None:
        return getattr(organisation, "my_role", None)


class OrganisationCreateSerializer(StrictModelSerializer):
    class Meta:
        model = Organisation
        fields = ["slug", "name"]


class OrganisationToolsSerializer(StrictSerializer):
    tools = serializers.ListField(
        child=serializers.SlugField(max_length=80),
        max_length=500,
        help_text="Slugs of the catalogue tools the organisation already uses.",
    )


class APIKeySerializer(serializers.Serializer):
    prefix = serializers.CharField(help_text="Public identifier: the part before the dot.")
    name = serializers.CharField()
    scope = serializers.CharField()
    organisation = serializers.CharField(source="organisation.slug", allow_null=True, default=None)
    created = serializers.DateTimeField()
    expiry_date = serializers.DateTimeField(allow_null=True)
    last_used_at = serializers.DateTimeField(allow_null=True)
    revoked = serializers.BooleanField()


class APIKeyCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=50, help_text="What uses the key, e.g. 'BI sync'.")
    expiry_date = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Optional; the key stops working then."
    )


class APIKeyCreatedSerializer(APIKeySerializer):
    key = serializers.CharField(
        help_text="The secret, shown only in this response: store it now. "
        "Send it as `Authorization: Api-Key <key>`."
    )


# --- respondents ------------------------------------------------------------------------------


class OrganisationUpdateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200, required=False)
    portfolio_roll_up = serializers.ChoiceField(
        choices=Organisation._meta.get_field("portfolio_roll_up").choices,
        required=False,
        help_text="How the portfolio combines the units' percents into the organisation's: "
        "their mean, their median, or the weakest unit's.",
    )
