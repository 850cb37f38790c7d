from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from escalations.views import coming_soon


@require_GET
def ticket_list(request: HttpRequest) -> HttpResponse:
    return coming_soon(request, title="All tickets", description="every logged ticket.")


@permission_required("tickets.add_ticket", raise_exception=True)
def ticket_new(request: HttpRequest) -> HttpResponse:
    return coming_soon(request, title="Log a ticket", description="the ticket form.")
