"""The hand-off side of the ticket workflow's signals (see ``tickets.signals``)."""

from __future__ import annotations

from django.dispatch import receiver

from escalations.handoffs import services
from tickets import signals


@receiver(signals.ticket_finished, dispatch_uid="handoffs-withdraw-on-finish")
def withdraw_when_finished(sender, *, ticket, reason: str, **kwargs) -> None:
    services.withdraw_open_requests(ticket, reason=reason)


@receiver(signals.clocks_recomputed, dispatch_uid="handoffs-move-answer-deadlines")
def move_answer_deadlines(sender, *, tickets, cal, **kwargs) -> None:
    services.recompute_answer_deadlines(tickets, cal=cal)
