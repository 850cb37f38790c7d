"""The SLA clocks of the demo tickets: due times, responses, resolutions and notices sent."""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime, timedelta

from escalations.demo.content import LATE_RESOLUTION, LATE_RESPONSE, WAITING_ON_VENDOR
from tickets.models import SlaState, Status, Ticket, sla_conditions
from tickets.sla import clock as sla
from tickets.sla.models import BusinessCalendar


class Clocks:
    """The SLA columns of the demo tickets, as ``sla.refresh`` would have left them had every
    change gone through the workflows. One calendar and one read of the targets serve every
    ticket."""

    def __init__(self, *, rng, now: datetime):
        self.rng, self.now = rng, now
        self.cal = sla.load_calendar(now)
        settings = BusinessCalendar.current()
        self.share = settings.due_soon_percent / 100
        self.no_response_hours = settings.no_response_hours
        self.target_of = sla.target_lookup()

    def start(self, ticket: Ticket) -> None:
        """Due times, first response, pause and next due time; for a finished ticket with a
        resolution target, a resolution that mostly meets it."""
        rng = self.rng
        if ticket.status == Status.WAITING_ON_REQUESTER and rng.random() < WAITING_ON_VENDOR:
            ticket.status = Status.WAITING_ON_VENDOR
        target = self.target_of(ticket)
        ticket.response_due_at, ticket.resolution_due_at = sla.due_times(
            ticket, target=target, cal=self.cal
        )
        if ticket.status != Status.NEW:
            ticket.first_responded_at = self._first_response(ticket)
        if ticket.resolved_at is not None and ticket.resolution_due_at is not None:
            self._resolve(ticket)
        if ticket.status in sla.PAUSED_STATUSES:
            # The pause began after the first response and is still running.
            since = ticket.first_responded_at
            ticket.sla_paused_at = since + (self.now - since) * rng.uniform(0.1, 0.9)
        ticket.next_due_at = sla.next_due(ticket)
        ticket.due_soon_at = sla.due_soon_from(
            ticket, target=target, cal=self.cal, share=self.share
        )

    def _first_response(self, ticket: Ticket) -> datetime:
        rng, opened, due = self.rng, ticket.opened_at, ticket.response_due_at
        end = ticket.resolved_at or self.now
        if due is not None and due < end and rng.random() < LATE_RESPONSE:
            at = due + timedelta(minutes=rng.uniform(10, 480))
        else:
            at = opened + timedelta(minutes=rng.lognormvariate(math.log(30), 1.0))
        if at > end:
            at = opened + (end - opened) * rng.uniform(0.05, 0.6)
        return at

    def _resolve(self, ticket: Ticket) -> None:
        """Resolved before the resolution due time, or now and then after it; the closing
        keeps its distance from the resolution."""
        rng, now, due = self.rng, self.now, ticket.resolution_due_at
        start = ticket.first_responded_at or ticket.opened_at
        if due < now and rng.random() < LATE_RESOLUTION:
            resolved = due + timedelta(hours=rng.uniform(0.5, 72))
        else:
            resolved = start + max(min(due, now) - start, timedelta(minutes=20)) * rng.uniform(
                0.05, 0.95
            )
        resolved = min(resolved, now)
        if ticket.closed_at is not None:
            ticket.closed_at = min(now, resolved + (ticket.closed_at - ticket.resolved_at))
        ticket.resolved_at = resolved

    def mark_notified(self, tickets: list[Ticket], *, unsent: int) -> list[Ticket]:
        """Mark the warnings and breach notices of the past as sent, as ``check_sla`` marks
        them, but leave the ``unsent`` tickets due nearest to now for its first run. A ticket
        not yet due is only warned: its breach notice is still to come. Returns the tickets
        marked, in the order given."""
        now = self.now
        due = [t for t in tickets if t.due_soon_at is not None and t.due_soon_at <= now]
        left = {id(t) for t in sorted(due, key=lambda t: abs(t.next_due_at - now))[:unsent]}
        marked = []
        for ticket in due:
            breached = ticket.next_due_at <= now
            if id(ticket) in left:
                # Past due: warned when it was due soon; the breach notice is still to come.
                ticket.warned_for = ticket.next_due_at if breached else None
                continue
            ticket.warned_for = ticket.next_due_at
            ticket.breach_notified_for = ticket.next_due_at if breached else None
            marked.append(ticket)
        return marked

    def states(self, tickets: list[Ticket]) -> dict[str, int]:
        """How many tickets show each SLA badge at ``now``, every badge listed."""
        conditions = sla_conditions(now=self.now)
        counts = Counter(sla.state(t, now=self.now, conditions=conditions) for t in tickets)
        return {state.value: counts[state] for state in SlaState}
