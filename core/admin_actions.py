"""Django's admin "Delete selected" action, with every record it deletes in the audit log.

A single deletion in the admin writes a ``LogEntry`` with ``save()``, which the audit trail
hears (``audit._admin_logged``); the bulk action writes its entries with ``bulk_create``,
which sends no signal, so records of models without their own audit signals vanished without
a trace. This action keeps Django's confirmation page and permission checks and records
each deletion in the same transaction as the delete.
"""

from __future__ import annotations

from django.contrib.admin import actions
from django.db import transaction

from core import audit


def delete_selected(modeladmin, request, queryset):
    confirmed = bool(request.POST.get("post"))
    doomed = [(obj.pk, str(obj)) for obj in queryset] if confirmed else []
    with transaction.atomic():
        response = actions.delete_selected(modeladmin, request, queryset)
        # Django answers None once it has deleted (back to the list); a page otherwise.
        if response is None and doomed:
            audit.deleted_in_admin(queryset.model, doomed)
    return response


delete_selected.allowed_permissions = actions.delete_selected.allowed_permissions
delete_selected.short_description = actions.delete_selected.short_description
