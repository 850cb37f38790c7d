"""The dashboard: open escalations, the admin response summary, recent tickets, SLA warnings."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from escalations.urgent.models import UrgentRequest
from escalations.urgent.services import open_requests
from reports.summary import DEFAULT_PERIOD, period_start, response_summary, sort_summary
from reports.summary_table import DASHBOARD_KEYS, table_context
from tickets.forms import TicketLogForm
from tickets.models import SlaState, Ticket, sla_conditions

DASHBOARD_ROWS = 15


DASHBOARD_ADMINS = 8


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
    now = context["now"]
    attention = Ticket.objects.open().filter(due_soon_at__lte=now)
    context["sla_attention"] = attention.for_list().order_by("next_due_at", "id")[:DASHBOARD_ROWS]
    # The same rules as the badge and the list's SLA filter, so the numbers agree.
    states = sla_conditions(now=now)
    counts = Ticket.objects.open().aggregate(
        breached=Count("id", filter=states[SlaState.BREACHED]),
        soon=Count("id", filter=states[SlaState.DUE_SOON]),
    )
    context["sla_breached_count"], context["sla_due_soon_count"] = (
        counts["breached"],
        counts["soon"],
    )
    if request.user.has_perm("escalations.view_urgentrequest"):
        urgent = list(open_requests()[:DASHBOARD_ROWS])
        context["urgent_requests"] = urgent
        context["urgent_count"] = (
            len(urgent) if len(urgent) < DASHBOARD_ROWS else UrgentRequest.objects.open().count()
        )
    if request.user.has_perm("admins.view_administrator"):
        rows = [
            s for s in response_summary(since=period_start(DEFAULT_PERIOD)) if s.requests or s.open
        ]
        context["summary"] = sort_summary(rows, "-requests")[0][:DASHBOARD_ADMINS]
        context["summary_table"] = table_context(context["summary"], DASHBOARD_KEYS)
        context["summary_days"] = DEFAULT_PERIOD
    return render(request, "escalations/dashboard.html", context)
