"""The inbound mail log, for supervisors in Django's admin: read-only, as a log must be."""

from __future__ import annotations

from django.contrib import admin

from escalations.handoffs.models import InboundMail


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    list_display = ["received_at", "status", "reason", "sender", "recipient", "engagement"]
    list_filter = ["status"]
    search_fields = ["sender", "reason", "message_id"]
    date_hierarchy = "received_at"
    exclude = ["text"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
