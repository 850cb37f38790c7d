"""The demo's tickets nobody answered, and the managers of two services.

As if ``check_sla`` had been running all along: every demo ticket still without a first
response past its deadline is marked escalated by the clock at that deadline, with its
timeline entry (no notices: those would have gone out long ago). Deterministic, since the
tickets and the calendar are.
"""

from __future__ import annotations

from datetime import datetime

from admins.models import Service
from core.hooks import ContextHooks
from escalations import unanswered
from tickets.models import EventKind, Ticket, TicketEvent
from tickets.sla.calendar import Calendar

# Invented role addresses: the services' managers hear about unanswered tickets.
SERVICE_MANAGERS = {
    "VPN": ("Network services manager", "network.manager@example.org"),
    "Email and calendar": ("Collaboration services manager", "collab.manager@example.org"),
}

# What a higher layer adds to the demo (reports: a governance threshold): each provider is
# called with ``now`` and returns counts for the command's summary.
after_seed = ContextHooks("seed_demo")


def name_service_managers() -> None:
    for name, (manager, email) in SERVICE_MANAGERS.items():
        Service.objects.filter(name=name).update(manager_name=manager, manager_email=email)


def mark_clock_escalations(*, now: datetime, cal: Calendar) -> int:
    """Mark every overdue unanswered ticket escalated by the clock at its deadline."""
    marked = 0
    while batch := unanswered.due(now, cal):
        events = []
        for ticket in batch:
            at = ticket.clock_escalated_at = unanswered.deadline(ticket, cal=cal)
            events.append(
                TicketEvent(
                    ticket=ticket,
                    at=at,
                    kind=EventKind.CLOCK_ESCALATED,
                    field="clock_escalated_at",
                    note="No first response in time; escalated for follow-up.",
                )
            )
        # One write for the batch: every row written also replaces the cached figures'
        # tokens, which per ticket cost more than the update itself.
        Ticket.objects.bulk_update(batch, ["clock_escalated_at"])
        TicketEvent.objects.bulk_create(events)
        marked += len(batch)
    return marked
