from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin


class AuditedAdmin(SimpleHistoryAdmin):
    """Shows each object's history; the history itself can be read, never replayed.

    SIMPLE_HISTORY_REVERT_DISABLED only hides the revert button: a POST to a history page
    would still save the old state over the current one, so such POSTs are refused here.
    """

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        if request.method != "GET":
            raise PermissionDenied("The audit trail is read-only.")
        return super().history_form_view(request, object_id, version_id, extra_context)


class AuditTrailAdmin(admin.ModelAdmin):
    """A read-only view of one model's history: who did what, and when."""

    list_display = [
        "history_date",
        "history_type",
        "history_user",
        "record",
        "history_change_reason",
    ]
    list_filter = ["history_type", "history_date"]
    search_fields = ["history_user__username", "history_change_reason"]
    list_select_related = ["history_user"]
    date_hierarchy = "history_date"

    @admin.display(description="record")
    def record(self, historical: Any) -> str:
        return f"{historical.instance_type._meta.verbose_name} #{historical.id}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
