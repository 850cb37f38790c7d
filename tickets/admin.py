"""Supervisors maintain categories and priorities in Django's admin (they are staff users).

Tickets themselves are not registered: every change to a ticket goes through the app, so it
lands on the ticket's timeline.
"""

from __future__ import annotations

from django.contrib import admin

from tickets.models import Category, Priority


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "active"]
    list_editable = ["active"]
    search_fields = ["name"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deactivate instead; tickets keep pointing at it


@admin.register(Priority)
class PriorityAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "category", "active"]
    list_filter = ["category", "active"]
    list_editable = ["active"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
