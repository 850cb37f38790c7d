from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from escalations.views import coming_soon


@require_GET
def admin_list(request: HttpRequest) -> HttpResponse:
    return coming_soon(
        request,
        title="Administrators",
        description="administrators, their declared purview and their response record "
        "will be kept here.",
    )
