"""Governance thresholds (seed 003 module 4): report when escalations run above a set limit.

"Escalations" here are the Escalate requests made to administrators during an ISO week
(organisation time), including any withdrawn since; Collaborate requests and the requests an
escalation policy makes when it moves an unanswered one to its next level do not count. A
threshold is crossed when a week holds more escalations than its limit. The ``check_sla`` scan
(``escalations.silence.after_scan``) records each crossing once per threshold and week and
then tells every supervisor and manager; the dashboard and the weekly report list them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from admins.models import Service
from core.roles import MANAGER, SUPERVISOR, members
from escalations.handoffs.models import Engagement, EngagementKind
from escalations.notifications import notify
from reports.models import GovernanceThreshold, ThresholdCrossing, ThresholdScope
from reports.weeks import IsoWeek
from tickets.sla.clock import organisation_zone

DEFINITION = (
    "Escalations are the Escalate requests made to administrators during the ISO week "
    "(Monday 00:00 to Monday 00:00, organisation time), including any withdrawn since; "
    "Collaborate requests, and the requests a policy makes when it passes an unanswered one "
    "to its next level, are not counted. A threshold is crossed when the week holds more "
    "escalations than its limit."
)


@dataclass(frozen=True)
class Breach:
    threshold: GovernanceThreshold
    count: int

    def __str__(self) -> str:
        return (
            f"{self.threshold.subject}: {self.count} Escalate requests this week, "
            f"limit {self.threshold.limit}"
        )


def week_counts(start: datetime, end: datetime, scopes: set[str]) -> dict[tuple, int]:
    """Escalations made in [start, end), keyed (scope, id or None): one query whatever the
    scopes asked, grouped by the service and the administrator as far as they are asked and
    added up here (a week holds a few hundred groups at most)."""
    # A policy's moves continue a chain (chain set): one escalation, however many levels.
    made = Engagement.objects.filter(
        kind=EngagementKind.ESCALATE,
        requested_at__gte=start,
        requested_at__lt=end,
        chain__isnull=True,
    )
    by = {ThresholdScope.SERVICE: "ticket__service", ThresholdScope.ADMIN: "admin"}
    fields = [field for scope, field in by.items() if scope in scopes]
    if not fields:
        return {(ThresholdScope.OVERALL, None): made.count()}
    counts: dict[tuple, int] = {}
    for row in made.values(*fields).annotate(n=Count("id")).order_by():
        for scope, field in by.items():
            if field in row:
                key = (scope, row[field])
                counts[key] = counts.get(key, 0) + row["n"]
        if ThresholdScope.OVERALL in scopes:
            key = (ThresholdScope.OVERALL, None)
            counts[key] = counts.get(key, 0) + row["n"]
    return counts


def _key(threshold: GovernanceThreshold) -> tuple:
    if threshold.scope == ThresholdScope.SERVICE:
        return (threshold.scope, threshold.service_id)
    if threshold.scope == ThresholdScope.ADMIN:
        return (threshold.scope, threshold.admin_id)
    return (threshold.scope, None)


def breaches(week: IsoWeek, *, now: datetime | None = None) -> list[Breach]:
    """The thresholds ``week`` has crossed so far, largest excess first. One query when no
    threshold is set, and one more for the counts: flat in the number of tickets."""
    thresholds = list(GovernanceThreshold.objects.select_related("service", "admin"))
    if not thresholds:
        return []
    start, end = week.bounds(organisation_zone())
    if now is not None:
        end = min(end, now)
    counts = week_counts(start, end, {t.scope for t in thresholds})
    found = [
        Breach(t, counts.get(_key(t), 0)) for t in thresholds if counts.get(_key(t), 0) > t.limit
    ]
    found.sort(key=lambda b: (-(b.count - b.threshold.limit), b.threshold.subject))
    return found


def notify_crossings(now: datetime | None = None) -> int:
    """Record and announce this week's new crossings; returns how many. Each threshold is
    announced once a week however many scans run, even at once: the crossing row's unique
    constraint is the claim, and the notices are written in its transaction."""
    now = now or timezone.now()
    week = IsoWeek.containing(timezone.localtime(now, organisation_zone()).date())
    found = breaches(week, now=now)
    if not found:
        return 0
    week_start = week.monday
    done = set(
        ThresholdCrossing.objects.filter(week_start=week_start).values_list(
            "threshold_id", flat=True
        )
    )
    found = [b for b in found if b.threshold.pk not in done]
    if not found:
        return 0
    people = [*members(SUPERVISOR), *members(MANAGER)]
    sent = 0
    for breach in found:
        try:
            with transaction.atomic():
                crossing = ThresholdCrossing.objects.create(
                    threshold=breach.threshold,
                    week_start=week_start,
                    count=breach.count,
                    limit=breach.threshold.limit,
                    crossed_at=now,
                )
                notify.notify(
                    people,
                    template="threshold_crossed",
                    context={
                        "breach": breach,
                        "crossing": crossing,
                        "week": week,
                        "definition": DEFINITION,
                    },
                    url=reverse("reports:week", args=[week]),
                )
        except IntegrityError:
            continue  # another scan recorded it first
        sent += 1
    return sent


def scan_provider(*, now: datetime) -> dict[str, int]:
    return {"governance": notify_crossings(now)}


# The demo's thresholds: one overall, one on a service, so the page and the notices show.
DEMO_THRESHOLDS = [(ThresholdScope.OVERALL, None, 40), (ThresholdScope.SERVICE, "VPN", 3)]


def demo_provider(*, now: datetime) -> dict[str, int]:
    made = 0
    for scope, service_name, limit in DEMO_THRESHOLDS:
        service = Service.objects.filter(name=service_name).first() if service_name else None
        if service_name and service is None:
            continue
        made += GovernanceThreshold.objects.get_or_create(
            scope=scope, service=service, admin=None, defaults={"limit": limit}
        )[1]
    return {"thresholds": made}
