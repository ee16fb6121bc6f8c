"""Members, units and invitations of an organisation, and the invitations addressed to you.

Every view under /organisations/{slug}/ is resolved by OrganisationPermission before it runs
(401 without a login, 404 for an organisation you do not belong to, 403 with the reason when
your role falls short), and every queryset starts from `request.organisation`. Views validate,
call organisations.services and serialize; the rules live in the services.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from drf_standardized_errors.openapi_serializers import ErrorResponse403Serializer
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from organisations import access, selectors, services
from organisations.access import Need
from organisations.api import examples
from organisations.api import serializers as s
from organisations.api.permissions import OrganisationPermission
from organisations.models import (
    INVITATION_STATUSES,
    Invitation,
    Membership,
    Organisation,
    OrganisationAPIKey,
    Unit,
)

FORBIDDEN = ErrorResponse403Serializer
CONFLICT = s.ConflictSerializer


class NoQueryOnDetails:
    """Only lists take query parameters (their filters refuse unknown ones): anywhere else a
    query parameter is a 400 rather than silently ignored."""

    request: Any
    action: str | None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if self.action == "list":
            return
        unknown = sorted(set(request.query_params) - {"format"})
        if unknown:
            raise exceptions.ValidationError(
                {name: ["Unknown query parameter: this operation takes none."] for name in unknown}
            )


class OrganisationScoped(NoQueryOnDetails, viewsets.GenericViewSet):
    permission_classes = [OrganisationPermission]
    lookup_value_regex = "[^/]+"

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "show_email": self._is_owner()}

    def _is_owner(self) -> bool:
        grant = getattr(self.request, "access", None)
        return bool(grant is not None and grant.is_owner)

    def _found(self, queryset: QuerySet[Any], **lookup: Any) -> Any:
        found = queryset.filter(**lookup).first()
        if found is None:
            raise Http404(f"No such {queryset.model._meta.verbose_name}.")
        return found


# --- members -----------------------------------------------------------------------------------


class MemberFilter(filters.FilterSet):
    role = filters.ChoiceFilter(choices=Membership.Role.choices)

    class Meta:
        model = Membership
        fields = ["role"]


MEMBER_NOT_OWNER = "Only the organisation's owners add members and change their roles."


@extend_schema_view(
    list=extend_schema(
        tags=["members"],
        summary="Members of the organisation, with their roles",
        description="Owners, editors and viewers read the list. E-mail addresses are shown to "
        "owners only (null for everyone else).",
        responses={200: s.MemberSerializer(many=True), 403: FORBIDDEN},
    ),
    create=extend_schema(
        tags=["members"],
        summary="Add an existing user as a member, at once (owners)",
        description="No invitation and no consent: for people who already have an account. "
        "To ask someone first, or someone without an account, send an invitation instead. "
        "An unknown username is a 400; someone who is already a member a 409 `already_member`.",
        request=s.MemberCreateSerializer,
        responses={201: s.MemberSerializer, 403: FORBIDDEN, 409: CONFLICT},
        examples=[examples.MEMBER_ADD, examples.MEMBER],
    ),
    retrieve=extend_schema(
        tags=["members"],
        summary="One member",
        responses={200: s.MemberSerializer, 403: FORBIDDEN},
    ),
    partial_update=extend_schema(
        tags=["members"],
        summary="Change a member's role (owners)",
        description="The last owner cannot become anything else (409 `last_owner`): make "
        "someone else an owner first. Two owners demoting each other at the same moment are "
        "served one after the other, so one of them stays an owner.",
        request=s.MemberUpdateSerializer,
        responses={200: s.MemberSerializer, 403: FORBIDDEN, 409: CONFLICT},
        examples=[examples.MEMBER_ROLE, examples.LAST_OWNER],
    ),
    destroy=extend_schema(
        tags=["members"],
        summary="Remove a member (owners), or leave (yourself)",
        description="Owners remove anyone; every member may remove themselves. The last owner "
        "cannot go (409 `last_owner`).",
        responses={204: None, 403: FORBIDDEN, 409: CONFLICT},
    ),
)
class MemberViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    OrganisationScoped,
):
    organisation_needs = {
        "list": Need.READ,
        "retrieve": Need.READ,
        "create": Need.OWN,
        "partial_update": Need.OWN,
        "destroy": Need.MEMBER,
    }
    organisation_refusals = {
        "list": "Respondents answer the assessments they are asked to; the list of members is "
        "for owners, editors and viewers.",
        "retrieve": "Respondents answer the assessments they are asked to; the list of members "
        "is for owners, editors and viewers.",
        "create": MEMBER_NOT_OWNER,
        "partial_update": MEMBER_NOT_OWNER,
    }
    serializer_class = s.MemberSerializer
    filterset_class = MemberFilter
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    ordering_fields = ["username", "since"]
    ordering = ["username"]
    lookup_field = "username"
    # Django's usernames: letters, digits and @ . + - _
    lookup_value_regex = r"[\w.@+-]+"

    def get_queryset(self) -> QuerySet[Membership]:
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        return selectors.members(self.request.organisation)

    def get_object(self) -> Membership:
        return self._found(self.get_queryset(), user__username=self.kwargs["username"])  # type: ignore[no-any-return]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = s.MemberCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        username = serializer.validated_data["username"]
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise exceptions.ValidationError({"username": [f"No user '{username}'."]})
        membership = services.membership_add(
            organisation=request.organisation, user=user, role=serializer.validated_data["role"]
        )
        return self._member(membership, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = self.get_object()
        serializer = s.MemberUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_change_role(
            membership=membership, role=serializer.validated_data["role"]
        )
        return self._member(membership)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = self.get_object()
        if membership.user_id != request.user.pk:
            request.access.require(
                Need.OWN,
                "Only the organisation's owners remove other members; you may remove yourself "
                "(leave).",
            )
        services.membership_remove(membership=membership)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _member(self, membership: Membership, code: int = status.HTTP_200_OK) -> Response:
        data = s.MemberSerializer(membership, context=self.get_serializer_context()).data
        return Response(data, status=code)


# --- units -------------------------------------------------------------------------------------


class UnitFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Unit.Kind.choices)
    parent = filters.CharFilter(
        field_name="parent__slug", help_text="Slug of a unit: only the units directly inside it."
    )

    class Meta:
        model = Unit
        fields = ["kind", "parent"]


UNIT_READ_ONLY = "Viewers read the units; owners and editors change them."


@extend_schema_view(
    list=extend_schema(
        tags=["units"],
        summary="Units of the organisation: teams, products, platforms, departments",
        responses={200: s.UnitSerializer(many=True), 403: FORBIDDEN},
    ),
    create=extend_schema(
        tags=["units"],
        summary="Add a unit (owners and editors)",
        description="`parent` names a unit of the same organisation by slug. `targets` are "
        "checked for their shape here and against the questionnaire when an assessment of the "
        "unit starts.",
        request=s.UnitWriteSerializer,
        responses={201: s.UnitSerializer, 403: FORBIDDEN},
        examples=[examples.UNIT_CREATE, examples.UNIT],
    ),
    retrieve=extend_schema(
        tags=["units"],
        summary="One unit",
        responses={200: s.UnitSerializer, 403: FORBIDDEN},
    ),
    partial_update=extend_schema(
        tags=["units"],
        summary="Change a unit: rename, move, retarget (owners and editors)",
        description="A new slug keeps the uuid, so feeds and exports still name the same unit. "
        "A unit cannot move inside itself or one of its own units (400 on `parent`).",
        request=s.UnitUpdateSerializer,
        responses={200: s.UnitSerializer, 403: FORBIDDEN},
        examples=[examples.UNIT_MOVE],
    ),
    destroy=extend_schema(
        tags=["units"],
        summary="Delete a unit nothing refers to (owners and editors)",
        description="A unit that has assessments, or units inside it, is kept: 409 "
        "`unit_in_use`, saying which.",
        responses={204: None, 403: FORBIDDEN, 409: CONFLICT},
        examples=[examples.UNIT_IN_USE],
    ),
)
class UnitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganisationScoped):
    organisation_needs = {
        "list": Need.READ,
        "retrieve": Need.READ,
        "create": Need.EDIT,
        "partial_update": Need.EDIT,
        "destroy": Need.EDIT,
    }
    organisation_refusals = {
        "create": UNIT_READ_ONLY,
        "partial_update": UNIT_READ_ONLY,
        "destroy": UNIT_READ_ONLY,
    }
    serializer_class = s.UnitSerializer
    filterset_class = UnitFilter
    search_fields = ["name", "slug"]
    ordering_fields = ["name", "slug", "created_at"]
    ordering = ["name", "slug"]
    lookup_field = "slug"
    lookup_url_kwarg = "unit_slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"

    def get_queryset(self) -> QuerySet[Unit]:
        if getattr(self, "swagger_fake_view", False):
            return Unit.objects.none()
        return selectors.units(self.request.organisation)

    def get_object(self) -> Unit:
        return self._found(self.get_queryset(), slug=self.kwargs["unit_slug"])  # type: ignore[no-any-return]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = s.UnitWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        unit = services.unit_create(organisation=request.organisation, **serializer.validated_data)
        return Response(s.UnitSerializer(unit).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        unit = self.get_object()
        serializer = s.UnitUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        unit = services.unit_update(unit=unit, **serializer.validated_data)
        return Response(s.UnitSerializer(unit).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.unit_delete(unit=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- invitations of an organisation ------------------------------------------------------------


class InvitationFilter(filters.FilterSet):
    status = filters.ChoiceFilter(
        choices=[(name, name) for name in INVITATION_STATUSES], method="by_status", label="status"
    )

    class Meta:
        model = Invitation
        fields = ["status"]

    def by_status(self, queryset: QuerySet[Invitation], name: str, value: str) -> Any:
        return queryset.with_status(value)  # type: ignore[attr-defined]


INVITATIONS_ARE_FOR_OWNERS = "Only the organisation's owners see and send invitations."


def accept_link(request: Request) -> Any:
    """The absolute accept link for a secret, on the site the request came to."""
    return lambda secret: request.build_absolute_uri(services.ACCEPT_PATH.format(secret=secret))


@extend_schema_view(
    list=extend_schema(
        tags=["invitations"],
        summary="Invitations of the organisation (owners)",
        description="Newest first, in every status; the secrets are never shown again.",
        responses={200: s.InvitationSerializer(many=True), 403: FORBIDDEN},
    ),
    create=extend_schema(
        tags=["invitations"],
        summary="Invite someone by e-mail address or username (owners)",
        description="Give `email` or `username`, not both. The response carries the secret "
        "`key` and the `accept_link` this once; an e-mail with both goes out once the "
        "invitation is saved. It can be accepted once, within 14 days. Someone who already "
        "holds the role or a stronger one is a 409 `already_member`; someone with a pending "
        "invitation a 409 `already_invited` (revoke it to send a new one).",
        request=s.InvitationCreateSerializer,
        responses={201: s.InvitationCreatedSerializer, 403: FORBIDDEN, 409: CONFLICT},
        examples=[examples.INVITATION_CREATE, examples.INVITATION_CREATED],
    ),
    retrieve=extend_schema(
        tags=["invitations"],
        summary="One invitation and its status (owners)",
        responses={200: s.InvitationSerializer, 403: FORBIDDEN},
    ),
    destroy=extend_schema(
        tags=["invitations"],
        summary="Revoke an invitation (owners)",
        description="The invitation stays listed, as revoked; its key stops working. An "
        "accepted invitation cannot be revoked (409 `invitation_used`): remove the member.",
        responses={204: None, 403: FORBIDDEN, 409: CONFLICT},
    ),
)
class InvitationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganisationScoped):
    organisation_needs = dict.fromkeys(["list", "retrieve", "create", "destroy"], Need.OWN)
    organisation_refusals = dict.fromkeys(
        ["list", "retrieve", "create", "destroy"], INVITATIONS_ARE_FOR_OWNERS
    )
    serializer_class = s.InvitationSerializer
    filterset_class = InvitationFilter
    ordering_fields = ["created_at", "expires_at"]
    ordering = ["-created_at", "-id"]
    lookup_field = "uuid"

    def get_queryset(self) -> QuerySet[Invitation]:
        if getattr(self, "swagger_fake_view", False):
            return Invitation.objects.none()
        return selectors.invitations(self.request.organisation)

    def get_object(self) -> Invitation:
        try:
            uuid = UUID(self.kwargs["uuid"])
        except ValueError:
            raise Http404("No such invitation.") from None
        return self._found(self.get_queryset(), uuid=uuid)  # type: ignore[no-any-return]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = s.InvitationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        link = accept_link(request)
        invitation, secret = services.invitation_create(
            organisation=request.organisation,
            invited_by=request.user,
            accept_url=link,
            **serializer.validated_data,
        )
        body = s.InvitationSerializer(invitation).data | {
            "key": secret,
            "accept_url": link(secret),
            "emailed": bool(services.invitation_recipient(invitation)),
        }
        return Response(body, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.invitation_revoke(invitation=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- invitations addressed to you --------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        tags=["invitations"],
        summary="Invitations addressed to you, still open",
        description="Pending invitations that name your username or your account's e-mail "
        "address, newest first: what you are invited to. Accepting one takes the key from its "
        "e-mail (`POST /api/v1/invitations/accept/`).",
    )
)
class MyInvitationsView(ListAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = s.MyInvitationSerializer
    ordering_fields = ["created_at", "expires_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> QuerySet[Invitation]:
        if getattr(self, "swagger_fake_view", False):
            return Invitation.objects.none()
        return selectors.invitations_for(self.request.user)


class AcceptView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=["invitations"],
        summary="Accept an invitation with the key from its e-mail",
        description="As the person invited (the username, or the account with the e-mail "
        "address). You become a member in the invited role, or keep your role when it is "
        "stronger. An unknown key is a 404; an invitation for someone else a 403 "
        "`invitation_not_yours`; one already used, revoked or expired a 409 "
        "(`invitation_used`, `invitation_revoked`, `invitation_expired`).",
        request=s.AcceptSerializer,
        responses={200: s.AcceptedSerializer, 403: s.NotYoursSerializer, 409: CONFLICT},
        examples=[examples.ACCEPT, examples.ACCEPTED],
    )
    def post(self, request: Request) -> Response:
        serializer = s.AcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            invitation = services.invitation_accept(
                secret=serializer.validated_data["key"], user=request.user
            )
        except Invitation.DoesNotExist:
            raise exceptions.NotFound("No invitation with this key.") from None
        except services.InvitationNotYours as refusal:
            raise exceptions.PermissionDenied(str(refusal), code="invitation_not_yours") from None
        organisation = invitation.organisation
        return Response(
            {
                "invitation": invitation.uuid,
                "organisation": {"slug": organisation.slug, "name": organisation.name},
                "role": invitation.membership.role,  # type: ignore[attr-defined]
            }
        )


# --- the organisation itself, its tools in use and its API keys -----------------------------


@extend_schema_view(
    list=extend_schema(tags=["organisations"], summary="Organisations you belong to"),
    retrieve=extend_schema(tags=["organisations"], summary="One of your organisations"),
    create=extend_schema(
        tags=["organisations"],
        summary="Create an organisation (you become its owner)",
        request=s.OrganisationCreateSerializer,
        responses={201: s.OrganisationSerializer},
    ),
)
class OrganisationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [OrganisationPermission]
    organisation_needs = {
        "retrieve": Need.MEMBER,
        "tools:GET": Need.READ,
        "tools:PUT": Need.EDIT,
        "keys": Need.OWN,
        "revoke_key": Need.OWN,
        "partial_update": Need.OWN,
    }
    organisation_refusals = {
        "tools:PUT": "Viewers cannot change the tools in use.",
        "keys": "Only the organisation's owners manage API keys.",
        "revoke_key": "Only the organisation's owners manage API keys.",
        "partial_update": "Only the organisation's owners rename it or change its roll-up rule.",
    }
    serializer_class = s.OrganisationSerializer
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    search_fields = ["name", "slug"]
    ordering_fields = ["name", "slug", "created_at"]
    ordering = ["name", "slug"]

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return Organisation.objects.none()
        return access.member_organisations(self.request.user)

    def get_object(self) -> Any:
        # OrganisationPermission resolved it (with the caller's role) before the view ran.
        organisation = self.request.organisation
        organisation.my_role = self.request.role
        return organisation

    @extend_schema(
        methods=["GET"],
        tags=["organisations"],
        summary="Catalogue tools the organisation already uses",
        responses={200: s.OrganisationToolsSerializer, 403: FORBIDDEN},
    )
    @extend_schema(
        methods=["PUT"],
        tags=["organisations"],
        summary="Replace the list of tools the organisation already uses",
        description="Tools in use are never recommended again and are credited in the "
        "explanation of recommendations made from then on.",
        request=s.OrganisationToolsSerializer,
        responses={200: s.OrganisationToolsSerializer, 403: FORBIDDEN},
    )
    @action(detail=True, methods=["get", "put"], filter_backends=[])
    def tools(self, request: Request, slug: str | None = None) -> Response:
        organisation = self.get_object()
        if request.method == "PUT":
            serializer = s.OrganisationToolsSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            services.organisation_set_tools(
                organisation=organisation, tool_slugs=serializer.validated_data["tools"]
            )
        used = organisation.tool_uses.order_by("tool__slug").values_list("tool__slug", flat=True)
        return Response({"tools": list(used)})

    @extend_schema(
        methods=["GET"],
        tags=["api keys"],
        summary="The organisation's API keys (owners only)",
        responses={200: s.APIKeySerializer(many=True), 403: FORBIDDEN},
    )
    @extend_schema(
        methods=["POST"],
        tags=["api keys"],
        summary="Create a read-only scores key for the organisation (owners only)",
        request=s.APIKeyCreateSerializer,
        responses={201: s.APIKeyCreatedSerializer, 403: FORBIDDEN},
        examples=[examples.KEY_CREATED],
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def keys(self, request: Request, slug: str | None = None) -> Response:
        organisation = self.get_object()
        if request.method == "POST":
            serializer = s.APIKeyCreateSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            key, secret = services.api_key_create(
                organisation=organisation, created_by=request.user, **serializer.validated_data
            )
            body = s.APIKeySerializer(key).data | {"key": secret}
            return Response(body, status=status.HTTP_201_CREATED)
        keys = organisation.api_keys.select_related("organisation").order_by("-created")
        return Response(s.APIKeySerializer(keys, many=True).data)

    @extend_schema(
        tags=["api keys"],
        summary="Revoke an API key for good (owners only)",
        request=None,
        responses={204: None, 403: FORBIDDEN},
    )
    @action(
        detail=True,
        methods=["delete"],
        filter_backends=[],
        url_path=r"keys/(?P<prefix>[A-Za-z0-9]+)",
    )
    def revoke_key(self, request: Request, slug: str | None = None, prefix: str = "") -> Response:
        organisation = self.get_object()
        key = get_object_or_404(organisation.api_keys, prefix=prefix)
        services.api_key_revoke(key=key)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = s.OrganisationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organisation = services.organisation_create(owner=request.user, **serializer.validated_data)
        organisation = self.get_queryset().get(pk=organisation.pk)
        return Response(s.OrganisationSerializer(organisation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["organisations"],
        summary="Rename the organisation or change its portfolio roll-up rule (owners only)",
        description="`portfolio_roll_up` decides how the portfolio combines the units' "
        "percents into the organisation's: `mean`, `median` or `minimum` (the weakest unit). "
        "Fields left out keep their value.",
        request=s.OrganisationUpdateSerializer,
        responses={200: s.OrganisationSerializer, 403: FORBIDDEN},
        examples=[examples.ORGANISATION_UPDATE],
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = s.OrganisationUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organisation = services.organisation_update(
            organisation=self.get_object(), **serializer.validated_data
        )
        return Response(s.OrganisationSerializer(organisation).data)


class StaffKeysView(APIView):
    """Keys that read the scores of every organisation: staff only."""

    permission_classes = [permissions.IsAdminUser]

    @extend_schema(
        tags=["api keys"],
        summary="Keys for all organisations (staff only)",
        responses={200: s.APIKeySerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        keys = OrganisationAPIKey.objects.filter(organisation__isnull=True).order_by("-created")
        return Response(s.APIKeySerializer(keys, many=True).data)

    @extend_schema(
        tags=["api keys"],
        summary="Create a read-only scores key for all organisations (staff only)",
        request=s.APIKeyCreateSerializer,
        responses={201: s.APIKeyCreatedSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = s.APIKeyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key, secret = services.api_key_create(created_by=request.user, **serializer.validated_data)
        body = s.APIKeySerializer(key).data | {"key": secret}
        return Response(body, status=status.HTTP_201_CREATED)
