"""Deterministic demo data: the same seed always gives the same database.

Built with bulk inserts so that 100,000 tickets take seconds, not minutes. Names are invented
for the demo; none refers to a real person or organisation.

Besides tickets the demo has what the hand-off workflows write: purview declarations (with
deliberate gaps), engagements with their checklists, the administrators' responses and
silences, the timeline entries for each, and a few procedures captured from the answers.

Every ticket carries the SLA clock ``sla.refresh`` would have left on it, and the history reads
as if ``check_sla`` had been running all along: past notices are marked as sent and overdue
requests logged as no response, except a few recent ones, so the first scan after seeding has
a little real work to do. A few urgent requests and notifications fill the pages a supervisor
and an agent see first.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from core.roles import MANAGER, SUPERVISOR
from escalations.demo.bulk import insert
from escalations.demo.clocks import Clocks
from escalations.demo.content import SHOWCASE_MIN_TICKETS, UNLOGGED_SILENCES, UNSENT_NOTICES
from escalations.demo.handoffs import Handoffs, capture_procedures
from escalations.demo.intake import plan_tickets
from escalations.demo.notices import create_notifications, silence_notices, sla_notices
from escalations.demo.people import (
    DEMO_PASSWORD,
    DEMO_USERS,
    declare_purview,
    ensure_administrators,
    ensure_demo_users,
    ensure_services,
    personalities,
)
from escalations.demo.policies import ensure_policies
from escalations.demo.unanswered import after_seed, mark_clock_escalations, name_service_managers
from escalations.demo.urgent import urgent_requests
from escalations.handoffs.models import (
    AdminResponse,
    ChecklistAnswer,
    ChecklistItem,
    Engagement,
    EngagementKind,
)
from escalations.handoffs.services import stamp_first_escalation
from tickets.models import EventKind, Ticket, TicketEvent

__all__ = [
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "SHOWCASE_MIN_TICKETS",
    "UNLOGGED_SILENCES",
    "UNSENT_NOTICES",
    "DemoResult",
    "ensure_demo_users",
    "seed",
]


@dataclass(frozen=True)
class DemoResult:
    """What one seed created, as ``seed_demo`` reports it."""

    users: int
    tickets: int
    engagements: int = 0
    responses: int = 0
    purviews: int = 0
    procedures: int = 0
    urgent_requests: int = 0
    urgent_open: int = 0
    notifications: int = 0
    # SLA badge → number of tickets showing it at the seed's ``now``.
    sla_states: dict[str, int] = field(default_factory=dict)
    clock_escalated: int = 0
    thresholds: int = 0


@transaction.atomic
def seed(*, tickets: int, weeks: int, seed: int, now: datetime | None = None) -> DemoResult:
    """Fill an empty database with demo users, administrators, services, purview, tickets and
    their hand-offs. Every engagement, response and timeline entry is in the past of ``now``
    and keeps the invariants the real workflows keep."""
    rng = random.Random(seed)
    # Purview and hand-offs draw from streams of their own, so the tickets of a seed stay the
    # same when the hand-off data changes, and hand-offs do not depend on whether the
    # purview was already declared.
    handoff_rng = random.Random(f"{seed}:handoffs")
    sla_rng = random.Random(f"{seed}:sla")
    now = (now or timezone.now()).astimezone(UTC)
    users = ensure_demo_users()
    agents = [u for u, (_, role, _) in zip(users, DEMO_USERS, strict=True) if role != MANAGER]
    supervisor = next(
        u for u, (_, role, _) in zip(users, DEMO_USERS, strict=True) if role == SUPERVISOR
    )

    admins, former = ensure_administrators()
    services = ensure_services()
    ensure_policies(now=now)
    purviews = declare_purview(
        services,
        {a.name: a for a in admins + former},
        by=supervisor,
        rng=random.Random(f"{seed}:purview"),
        now=now,
    )

    rows = plan_tickets(
        tickets, weeks=weeks, seed=seed, rng=rng, now=now, agents=agents, services=services
    )

    clocks = Clocks(rng=sla_rng, now=now)
    for ticket in rows:
        # May move resolved_at, which bounds the hand-offs, so it runs before them.
        clocks.start(ticket)
    notified = clocks.mark_notified(rows, unsent=sla_rng.randint(*UNSENT_NOTICES))

    handoffs = Handoffs(
        rng=handoff_rng,
        now=now,
        admins=admins,
        personalities=personalities(admins),
        items=list(ChecklistItem.objects.filter(active=True)),
        cal=clocks.cal,
        no_response_hours=clocks.no_response_hours,
    )
    for ticket in rows:
        # Sets the ticket's admin too, so it has to run before the tickets are inserted.
        handoffs.plan(ticket)
    silences = handoffs.log_overdue(unlogged=sla_rng.randint(*UNLOGGED_SILENCES))

    created = insert(Ticket, rows)
    insert(
        TicketEvent,
        [TicketEvent(ticket=t, at=t.opened_at, by=t.agent, kind=EventKind.LOGGED) for t in created]
        + handoffs.events,
    )
    insert(ChecklistAnswer, handoffs.answers)
    insert(Engagement, handoffs.engagements)
    stamp_first_escalation(
        Ticket.objects.filter(
            Exists(Engagement.objects.filter(ticket=OuterRef("pk"), kind=EngagementKind.ESCALATE))
        )
    )
    name_service_managers()
    clock_escalated = mark_clock_escalations(now=now, cal=clocks.cal)
    insert(AdminResponse, handoffs.responses)
    if handoffs.responses:
        # logged_at is set on insert; the agent logged each response when it came.
        AdminResponse.objects.filter(
            pk__gte=handoffs.responses[0].pk, pk__lte=handoffs.responses[-1].pk
        ).update(logged_at=F("responded_at"))
    procedures = capture_procedures(handoffs.tips, rng=handoff_rng, now=now)
    requests, notifications = [], []
    if tickets >= SHOWCASE_MIN_TICKETS:
        people = {username: u for u, (username, _, _) in zip(users, DEMO_USERS, strict=True)}
        requests, notices = urgent_requests(
            rows,
            manager=people["manager"],
            supervisor=supervisor,
            cal=clocks.cal,
            rng=sla_rng,
            now=now,
        )
        notices += sla_notices(notified, agent=people["agent"], rng=sla_rng, now=now)
        notices += silence_notices(silences, supervisor=supervisor)
        notifications = create_notifications(notices, rng=sla_rng, now=now)
    return DemoResult(
        users=len(users),
        tickets=len(created),
        engagements=len(handoffs.engagements),
        responses=len(handoffs.responses),
        purviews=purviews,
        procedures=procedures,
        urgent_requests=len(requests),
        urgent_open=sum(r.closed_at is None for r in requests),
        notifications=len(notifications),
        sla_states=clocks.states(rows),
        clock_escalated=clock_escalated,
        thresholds=after_seed.collect(now=now).get("thresholds", 0),
    )
