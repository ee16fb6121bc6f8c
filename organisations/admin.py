from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from opsassess.core.admin import AuditedAdmin, AuditTrailAdmin
from opsassess.core.exceptions import Conflict
from organisations import services
from organisations.models import (
    INVITATION_STATUSES,
    Invitation,
    Membership,
    Organisation,
    OrganisationAPIKey,
    Unit,
)


class MembershipFormSet(BaseInlineFormSet):
    """The admin keeps the API's rule: an organisation that has an owner keeps one."""

    def clean(self) -> None:
        super().clean()
        if self.instance.pk is None:
            return
        # Memberships the form leaves out stay as they are; the forms sent change the rest.
        owners = set(
            self.instance.memberships.filter(role=Membership.Role.OWNER).values_list(
                "pk", flat=True
            )
        )
        had_owner = bool(owners)
        for form in self.forms:
            data = form.cleaned_data
            if not data:
                continue
            key = form.instance.pk or id(form)
            if data.get("DELETE") or data.get("role") != Membership.Role.OWNER:
                owners.discard(key)
            else:
                owners.add(key)
        if had_owner and not owners:
            raise ValidationError(
                "An organisation keeps at least one owner: make someone else an owner first."
            )


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["name", "slug", "portfolio_roll_up", "created_at"]
    list_filter = ["portfolio_roll_up"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


admin.site.unregister(APIKey)  # the library's generic key model is not used here


@admin.register(OrganisationAPIKey)
class OrganisationAPIKeyAdmin(APIKeyModelAdmin):
    list_display = [
        "prefix",
        "name",
        "organisation",
        "scope",
        "created",
        "last_used_at",
        "expiry_date",
        "_has_expired",
        "revoked",
    ]
    list_filter = ["scope", "revoked", "organisation"]
    list_select_related = ["organisation"]
    search_fields = ["name", "prefix", "organisation__name"]
    fields = ["prefix", "name", "organisation", "scope", "expiry_date", "revoked", "last_used_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        fields = (*super().get_readonly_fields(request, obj), "last_used_at")
        if obj is not None:
            # The scope of an existing key never changes: revoke it and make another.
            fields = (*fields, "organisation", "scope")
        return fields

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any = None, change: bool = False
    ) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


for audited in (Membership, OrganisationAPIKey):
    admin.site.register(audited.history.model, AuditTrailAdmin)


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ["name", "slug", "organisation", "kind", "parent", "created_at"]
    list_filter = ["organisation", "kind", ("parent", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["organisation", "parent"]
    search_fields = ["name", "slug", "organisation__name", "organisation__slug"]
    readonly_fields = ["uuid", "created_at"]
    fields = ["uuid", "organisation", "parent", "slug", "name", "kind", "targets", "created_at"]
    autocomplete_fields = ["organisation", "parent"]


class InvitationStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(status, status.capitalize()) for status in INVITATION_STATUSES]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in INVITATION_STATUSES:
            return queryset.with_status(self.value())  # type: ignore[attr-defined, no-any-return]
        return queryset


@admin.register(Invitation)
class InvitationAdmin(AuditedAdmin):
    """Invitations are sent through the API (the secret is shown once, to the owner who
    invites); here they are read and revoked."""

    list_display = [
        "organisation",
        "email",
        "username",
        "role",
        "status",
        "invited_by",
        "created_at",
        "expires_at",
    ]
    list_filter = [InvitationStatusFilter, "role", "organisation"]
    list_select_related = ["organisation", "invited_by"]
    search_fields = ["email", "username", "organisation__name", "organisation__slug"]
    fields = [
        "uuid",
        "organisation",
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
        "secret_hash",
    ]
    readonly_fields = fields
    actions = ["revoke"]

    @admin.display(description="status")
    def status(self, invitation: Invitation) -> str:
        return invitation.status

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke the selected invitations", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        revoked, refused = 0, []
        for invitation in queryset:
            try:
                services.invitation_revoke(invitation=invitation)
            except Conflict:
                refused.append(invitation.email or invitation.username)
            else:
                revoked += 1
        self.message_user(request, f"{revoked} invitation(s) revoked.", messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                f"Already accepted, so not revoked: {', '.join(refused)}.",
                messages.WARNING,
            )


for audited_later in (Unit, Invitation):
    admin.site.register(audited_later.history.model, AuditTrailAdmin)
