from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from opsassess.core.admin import AuditedAdmin, AuditTrailAdmin
from organisations.models import Membership, Organisation, OrganisationAPIKey


class MembershipInline(admin.TabularInline):
    model = Membership
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
