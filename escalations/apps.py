from __future__ import annotations

from django.apps import AppConfig


class EscalationsConfig(AppConfig):
    name = "escalations"

    def ready(self) -> None:
        from admins.views import service_context
        from core import audit, requestcache
        from escalations.handoffs import receivers  # noqa: F401 - connects the signal receivers
        from escalations.handoffs.cards import handoff_context, service_procedures
        from tickets.detail import page_context

        # Pages of the layers below show hand-off records (core.hooks explains why this way).
        page_context.register(handoff_context)
        service_context.register(service_procedures)
        # The navigation's unread count is read with the keys every page needs.
        from escalations.notifications.context_processors import prefetch as unread

        requestcache.PREFETCH.append(unread)
        # Ticket pages show the hand-off forms' admins, wordings and checklist items.
        from escalations.handoffs.reference import prefetch as prefetch_reference

        requestcache.PREFETCH.append(prefetch_reference)

        audit.track("escalations.Engagement", ignore={"answer_due_at", "first_response_seconds"})
        audit.track("escalations.ChecklistAnswer")
        audit.track("escalations.ChecklistItem", ignore={"updated_at"})
        audit.track("escalations.GuideSection", ignore={"body_html", "updated_at"})
        audit.track("escalations.Scenario", ignore={"updated_at"})
        audit.track("escalations.UrgentRequest")
        audit.track("escalations.UrgentStepRecord")
        # Responses and procedures moved here from admins; their history did not.
        audit.track("escalations.Procedure", former_label="admins.Procedure")
        audit.track("escalations.AdminResponse", former_label="admins.AdminResponse")
