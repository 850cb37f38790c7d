"""The hand-off side of the ticket workflow's signals (see ``tickets.signals``)."""

from __future__ import annotations

from django.dispatch import receiver

from escalations.handoffs import services
from tickets import signals


@receiver(signals.ticket_finished, dispatch_uid="handoffs-withdraw-on-finish")
def withdraw_when_finished(sender, *, ticket, reason: str, by=None, **kwargs) -> None:
    services.withdraw_open_requests(ticket, reason=reason, by=by)


@receiver(signals.tier_left, dispatch_uid="handoffs-withdraw-on-tier-left")
def withdraw_when_tier_left(sender, *, ticket, before: str, by, reason: str, **kwargs) -> None:
    services.withdraw_left_behind(ticket, before=before, by=by, reason=reason)


@receiver(signals.clocks_recomputed, dispatch_uid="handoffs-move-answer-deadlines")
def move_answer_deadlines(sender, *, tickets, cal, **kwargs) -> None:
    services.recompute_answer_deadlines(tickets, cal=cal)


@receiver(signals.tdx_synced, dispatch_uid="handoffs-read-tdx-feeds")
def read_tdx_feeds(sender, *, client, now, **kwargs) -> int:
    from escalations.handoffs import tdx_feed

    return tdx_feed.read_answers(client=client, now=now)


@receiver(signals.tdx_responsible_changed, dispatch_uid="handoffs-tdx-responsible-accepts")
def accept_when_responsible(sender, *, ticket, uid: str, at, **kwargs) -> None:
    from escalations.handoffs import tdx_feed

    tdx_feed.accept_responsible(ticket, uid=uid, at=at)
