"""The supervisors' editor for the pre-escalation checklist."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods

from core.htmx import save_with_author
from escalations.handoffs.forms import ChecklistItemForm
from escalations.handoffs.models import ChecklistItem


@require_GET
@permission_required("escalations.view_checklistitem", raise_exception=True)
def checklist(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "escalations/checklist.html",
        {"items": ChecklistItem.objects.select_related("updated_by")},
    )


@require_http_methods(["GET", "POST"])
@permission_required("escalations.add_checklistitem", raise_exception=True)
def checklist_item_new(request: HttpRequest) -> HttpResponse:
    return _checklist_item_form(request, ChecklistItem())


@require_http_methods(["GET", "POST"])
@permission_required("escalations.change_checklistitem", raise_exception=True)
def checklist_item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _checklist_item_form(request, get_object_or_404(ChecklistItem, pk=pk))


def _checklist_item_form(request: HttpRequest, item: ChecklistItem) -> HttpResponse:
    return save_with_author(
        request,
        ChecklistItemForm(request.POST or None, instance=item),
        template="escalations/checklist_item_form.html",
        context={"item": item},
        saved=lambda obj: f"Checklist item “{obj.text}” saved.",
        then="escalations:checklist",
    )
