"""Log-in lockouts: supervisors see who is locked out and can unlock them before the cool-off."""

from __future__ import annotations

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from core import audit

RECENT = 50


@require_GET
@permission_required("axes.view_accessattempt", raise_exception=True)
def lockouts(request: HttpRequest) -> HttpResponse:
    attempts = AccessAttempt.objects.order_by("-attempt_time")[:RECENT]
    return render(
        request,
        "registration/lockouts.html",
        {
            "attempts": attempts,
            "limit": settings.AXES_FAILURE_LIMIT,
            "cooloff": settings.AXES_COOLOFF_TIME,
        },
    )


@require_POST
@permission_required("axes.delete_accessattempt", raise_exception=True)
def unlock(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = get_object_or_404(AccessAttempt, pk=pk)
    who = f"{attempt.username} from {attempt.ip_address}"
    with transaction.atomic():
        audit.lockout_cleared(attempt)
        attempt.delete()
    messages.success(request, f"Unlocked {who}: the failed attempts are cleared.")
    return redirect("lockouts")
