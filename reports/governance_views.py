"""The governance thresholds page: supervisors set them, managers read them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from reports import governance
from reports.forms import ThresholdForm
from reports.models import GovernanceThreshold, ThresholdCrossing
from reports.weekly import current_week


def _page(request: HttpRequest, form: ThresholdForm, *, status: int = 200) -> HttpResponse:
    week = current_week()
    return render(
        request,
        "reports/thresholds.html",
        {
            "thresholds": GovernanceThreshold.objects.select_related("service", "admin"),
            "breaches": governance.breaches(week, now=timezone.now()),
            "crossings": ThresholdCrossing.objects.select_related(
                "threshold__service", "threshold__admin"
            )[:20],
            "week": week,
            "form": form,
            "definition": governance.DEFINITION,
        },
        status=status,
    )


@require_GET
@permission_required("reports.view_governancethreshold", raise_exception=True)
def thresholds(request: HttpRequest) -> HttpResponse:
    return _page(request, ThresholdForm())


@require_POST
@permission_required("reports.add_governancethreshold", raise_exception=True)
def threshold_new(request: HttpRequest) -> HttpResponse:
    form = ThresholdForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=200 if request.htmx else 400)
    with transaction.atomic():
        threshold = form.save(commit=False)
        threshold.created_by = request.user
        threshold.save()
    messages.success(request, f"Threshold set: {threshold}.")
    return redirect("reports:thresholds")


@require_POST
@permission_required("reports.delete_governancethreshold", raise_exception=True)
def threshold_delete(request: HttpRequest, pk: int) -> HttpResponse:
    with transaction.atomic():
        threshold = GovernanceThreshold.objects.select_for_update().filter(pk=pk).first()
        if threshold is None:
            messages.info(request, "That threshold had already been removed.")
            return redirect("reports:thresholds")
        text = str(threshold)
        threshold.delete()
    messages.success(request, f"Threshold removed: {text}. Its past crossings go with it.")
    return redirect("reports:thresholds")
