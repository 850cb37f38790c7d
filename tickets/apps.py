from __future__ import annotations

from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"

    def ready(self) -> None:
        from core import audit, requestcache
        from tickets.forms import prefetch_options
        from tickets.sla.models import BusinessCalendar
        from tickets.timeline import prefetch as prefetch_timeline

        # Every page shows times in the calendar's zone; ticket pages render the form options.
        requestcache.PREFETCH.append(lambda request: [BusinessCalendar.PAGE_SETTINGS_CACHE_KEY])
        requestcache.PREFETCH.append(prefetch_options)
        requestcache.PREFETCH.append(prefetch_timeline)

        # The SLA clock columns are derived from the audited fields and the calendar.
        audit.track(
            "tickets.Ticket",
            ignore={"version", "updated_at", "next_due_at", "warned_for", "breach_notified_for"}
            | {"first_responded_at", "response_due_at", "resolution_due_at", "sla_paused_at"}
            | {"sla_paused_seconds"},
        )
        # Supervisors edit these in Django's admin: a priority's hours move every deadline.
        audit.track("tickets.Category")
        audit.track("tickets.Priority")
        # The SLA's calendar and targets moved here from escalations; their history did not.
        for label, ignore in [
            ("ServiceTarget", {"updated_at"}),
            ("BusinessCalendar", {"updated_at"}),
            ("Closure", set()),
            ("MaintenanceWindow", set()),
        ]:
            audit.track(f"tickets.{label}", ignore=ignore, former_label=f"escalations.{label}")
