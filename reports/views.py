from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from escalations.views import coming_soon


@require_GET
def weekly(request: HttpRequest) -> HttpResponse:
    return coming_soon(
        request,
        title="Weekly reports",
        description="pick a week to read its report on screen or download it as a PDF.",
    )
