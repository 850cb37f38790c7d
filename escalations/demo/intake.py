"""The demo tickets as the help desk logged them: requester, subject, tier, status, times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from escalations.demo.content import DEPARTMENTS, FIRST, LAST, TITLES
from tickets.models import Category, Classification, Priority, Status, Ticket, Tier


def plan_tickets(
    count: int, *, weeks: int, seed: int, rng, now: datetime, agents: list, services: list
) -> list[Ticket]:
    """``count`` unsaved tickets opened over the ``weeks`` before ``now``, in working hours,
    spread over the active categories, the services and the ``agents``; returned in the order
    they were opened."""
    categories = list(Category.objects.filter(active=True))
    general = list(Priority.objects.filter(category=None, number__lte=4))
    own = {}
    for priority in Priority.objects.exclude(category=None):
        own.setdefault(priority.category_id, []).append(priority)

    span = timedelta(weeks=weeks).total_seconds()
    rows = []
    for index in range(count):
        # Older tickets are more likely done; escalations are rarer than handled tickets.
        age = span * (rng.random() ** 1.3)
        # Tickets arrive in local working hours. Everything after is reckoned in UTC: adding
        # to or subtracting local times of one zone ignores a clock change between them.
        opened = timezone.localtime(now - timedelta(seconds=age))
        opened = opened.replace(hour=8 + int(rng.random() * 9), minute=rng.randrange(60))
        opened = opened.astimezone(UTC)
        if opened > now:
            opened -= timedelta(days=1)
        category = rng.choice(categories) if rng.random() > 0.03 else None
        pool = own.get(category.pk) if category else None
        priority = rng.choice(pool or general) if category else None
        tier = rng.choices([Tier.HANDLE, Tier.COLLABORATE, Tier.ESCALATE], [65, 20, 15])[0]
        days_old = age / 86400
        if days_old > 10 and rng.random() < 0.9:
            status = rng.choice([Status.RESOLVED, Status.CLOSED])
        elif tier == Tier.ESCALATE:
            status = rng.choice([Status.WAITING_ON_ADMIN, Status.IN_PROGRESS, Status.RESOLVED])
        else:
            status = rng.choice(
                [Status.NEW, Status.IN_PROGRESS, Status.WAITING_ON_REQUESTER, Status.RESOLVED]
            )
        resolved_at = closed_at = None
        if status in (Status.RESOLVED, Status.CLOSED):
            resolved_at = min(now, opened + timedelta(hours=rng.uniform(0.5, 120)))
            if status == Status.CLOSED:
                closed_at = min(now, resolved_at + timedelta(hours=rng.uniform(1, 72)))
        first, last = rng.choice(FIRST), rng.choice(LAST)
        rows.append(
            Ticket(
                external_id=str(1_000_000 + seed * 1_000_000 + index),
                title=rng.choice(TITLES),
                classification=rng.choice(list(Classification)),
                category=category,
                priority=priority,
                service=rng.choice(services) if rng.random() < 0.8 else None,
                requestor_name=f"{first} {last}",
                requestor_email=f"{first}.{last}@example.org".lower(),
                department=rng.choice(DEPARTMENTS),
                status=status,
                tier=tier,
                agent=rng.choice(agents),
                opened_at=opened,
                resolved_at=resolved_at,
                closed_at=closed_at,
            )
        )
    # Insert in the order the tickets were opened, as they would have been logged.
    rows.sort(key=lambda t: t.opened_at)
    return rows
