from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from escalations.handoffs.models import Channel, Outcome
from tests.factories import EngagementFactory


def engage(
    admin, *, days_ago: float, outcome: str | None = None, after=None, channel="", **response
):
    """An engagement requested some days ago, answered `after` the request when an outcome
    is given."""
    engagement = EngagementFactory(
        admin=admin, requested_at=timezone.now() - timedelta(days=days_ago)
    )
    if outcome:
        if outcome != Outcome.NO_RESPONSE and not channel:
            channel = Channel.TICKET
        engagement.record_response(
            outcome=outcome,
            channel=channel,
            responded_at=engagement.requested_at + after,
            by=engagement.requested_by,
            **response,
        )
    return engagement
