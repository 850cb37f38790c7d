"""A known week: 2026-W20, Monday 11 May to Monday 18 May 2026, America/Los_Angeles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from escalations.handoffs.models import Channel, Outcome
from tests.factories import AdministratorFactory, AgentFactory, EngagementFactory, TicketFactory
from tickets.models import Category, Priority, Status, Tier

LA = ZoneInfo("America/Los_Angeles")
WEEK = "2026-W20"
PREVIOUS = "2026-W19"
# Long after the week: nothing in it is still running.
LATER = datetime(2026, 6, 3, 12, 0, tzinfo=LA)


def may(day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 5, day, hour, minute, second, tzinfo=LA)


@dataclass
class Week:
    dana: object
    lee: object
    old: object
    tickets: dict


def _ticket(agent, **fields):
    return TicketFactory(agent=agent, **fields)


def _escalate(ticket, admin, at):
    return EngagementFactory(
        ticket=ticket, admin=admin, kind="escalate", reason="Needs the owner", requested_at=at
    )


def _respond(engagement, outcome, at, channel=Channel.TICKET):
    engagement.record_response(
        outcome=outcome,
        channel="" if outcome == Outcome.NO_RESPONSE else channel,
        responded_at=at,
        by=engagement.requested_by,
    )


@pytest.fixture
def frozen():
    with time_machine.travel(LATER, tick=False):
        yield LATER


@pytest.fixture
def known_week(db, frozen) -> Week:
    """Eight tickets around 2026-W20 with known times; the expected figures are worked out
    in tests/reports/test_figures.py."""
    agent = AgentFactory(username="known_agent")
    dana = AdministratorFactory(name="Dana Whitfield")
    lee = AdministratorFactory(name="Lee Marsh")
    old = AdministratorFactory(name="Old Timer")
    break_fix = Category.objects.get(number=1)
    security = Category.objects.get(number=2)
    high = Priority.objects.get(name="High", category=None)
    emergency = Priority.objects.get(name="Emergency", category=None)
    t = {}
    # T1: handled and resolved within its targets.
    t[1] = _ticket(
        agent,
        external_id="9001",
        opened_at=may(11, 9),
        category=break_fix,
        priority=high,
        status=Status.RESOLVED,
        first_responded_at=may(11, 9, 30),
        response_due_at=may(11, 10),
        resolved_at=may(12, 9),
        resolution_due_at=may(12, 17),
    )
    # T2: escalated two hours after opening, answered in an hour, both targets breached;
    # escalated again the next day (not a second "first" escalation), resolved on the 13th.
    t[2] = _ticket(
        agent,
        external_id="9002",
        opened_at=may(11, 10),
        category=break_fix,
        priority=emergency,
        tier=Tier.ESCALATE,
        status=Status.RESOLVED,
        first_responded_at=may(11, 11),
        response_due_at=may(11, 10, 30),
        resolved_at=may(13, 10),
        resolution_due_at=may(11, 14),
    )
    _respond(_escalate(t[2], dana, may(11, 12)), Outcome.ACCEPTED, may(11, 13))
    _escalate(t[2], lee, may(12, 9))
    # T3: collaboration answered in three hours by direct message (off-policy); still open.
    t[3] = _ticket(
        agent,
        external_id="9003",
        opened_at=may(12, 8),
        category=security,
        priority=high,
        tier=Tier.COLLABORATE,
        status=Status.IN_PROGRESS,
    )
    collaboration = EngagementFactory(ticket=t[3], admin=lee, requested_at=may(12, 9))
    _respond(collaboration, Outcome.GAVE_INPUT, may(12, 12), channel=Channel.DIRECT_MESSAGE)
    # T4: uncategorised, escalated after four hours, silence logged on the 15th.
    t[4] = _ticket(
        agent,
        external_id="9004",
        opened_at=may(13),
        category=None,
        priority=None,
        tier=Tier.ESCALATE,
        status=Status.WAITING_ON_ADMIN,
    )
    _respond(_escalate(t[4], dana, may(13, 4)), Outcome.NO_RESPONSE, may(15, 4))
    # T5: escalated two hours after opening on Sunday night; unanswered when the week ends.
    t[5] = _ticket(
        agent,
        external_id="9005",
        opened_at=may(17, 20),
        tier=Tier.ESCALATE,
        status=Status.WAITING_ON_ADMIN,
    )
    _escalate(t[5], dana, may(17, 22))
    # T6: the week before; escalated after a day, declined without redirect on Monday.
    t[6] = _ticket(
        agent,
        external_id="9006",
        opened_at=may(6, 10),
        tier=Tier.ESCALATE,
        status=Status.WAITING_ON_ADMIN,
    )
    _respond(_escalate(t[6], old, may(7, 10)), Outcome.DECLINED, may(11, 10))
    # T7 is the last second of the week; T8 the first of the next.
    t[7] = _ticket(agent, external_id="9007", opened_at=may(17, 23, 59, 59))
    t[8] = _ticket(agent, external_id="9008", opened_at=may(18))
    # T9: opened the week before, resolved in the week, after its resolution target.
    t[9] = _ticket(
        agent,
        external_id="9009",
        opened_at=may(5, 9),
        priority=high,
        status=Status.RESOLVED,
        first_responded_at=may(5, 10),
        response_due_at=may(5, 12),
        resolved_at=may(12, 15),
        resolution_due_at=may(12, 12),
    )
    return Week(dana=dana, lee=lee, old=old, tickets=t)
