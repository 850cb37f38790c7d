from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tickets.forms import TicketLogForm
from tickets.models import Ticket

DASHBOARD_ROWS = 15


def coming_soon(request: HttpRequest, *, title: str, description: str) -> HttpResponse:
    """A page whose feature has not landed yet says so plainly instead of failing."""
    return render(request, "coming_soon.html", {"title": title, "description": description})


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    open_escalations = Ticket.objects.open().escalated()
    context = {
        "open_escalations": open_escalations.for_list().order_by("opened_at", "id")[
            :DASHBOARD_ROWS
        ],
        "open_escalation_count": open_escalations.count(),
        "recent_tickets": Ticket.objects.for_list().order_by("-id")[:10],
        "form": TicketLogForm(),
        "now": timezone.now(),
    }
    return render(request, "escalations/dashboard.html", context)


@require_GET
def guide(request: HttpRequest) -> HttpResponse:
    return coming_soon(
        request,
        title="Guide",
        description="the three-tier framework, its principles and the scenario language "
        "reference will be readable and editable here.",
    )
