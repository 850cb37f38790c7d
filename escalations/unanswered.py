"""Tickets nobody answered: seed 002's built-in escalation, run by ``check_sla``.

A ticket that is still open and still without a first response (it never left "New") when its
response target passes escalates on its own, once. A ticket whose category and priority set no
response target (no defined SLA, or not categorised yet) gets ``UNANSWERED_TICKET_DAYS``
working days from when it was logged, in business time.

Escalating by the clock marks the ticket (``Ticket.clock_escalated_at``, claimed with a
conditional update so concurrent scans do it once), puts it on the timeline, tells the
supervisors in the app (and the ticket's agent when no breach notice told them already), and
emails the service's manager when one is on record. It does not move the ticket's tier:
an agent still picks the admin and gives the reason.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import audit
from core.roles import SUPERVISOR, members
from escalations.notifications import notify
from escalations.notifications.models import NoticeKind
from escalations.notifications.notices import render, send_once
from tickets.models import CATEGORISED, OPEN_STATUSES, UNCATEGORISED, EventKind, Ticket
from tickets.sla.calendar import Calendar, add_business_seconds, to_seconds
from tickets.sla.clock import load_calendar, organisation_zone

BATCH = 500
logger = logging.getLogger(__name__)


def default_seconds(cal: Calendar) -> int:
    """The default response window in business seconds: the setting's working days."""
    return to_seconds(settings.UNANSWERED_TICKET_DAYS, "days", cal)


def deadline(ticket: Ticket, *, cal: Calendar) -> datetime | None:
    """When ``ticket`` escalates if nobody responds: its response target when it has one,
    else the default number of working days after it was logged. Pure, given the calendar."""
    if ticket.response_due_at is not None and not ticket.is_uncategorised:
        return ticket.response_due_at
    try:
        return add_business_seconds(cal, ticket.opened_at, default_seconds(cal))
    except ValueError:  # no working time ahead in the calendar
        return None


def pending() -> Q:
    """Open, never responded to, not yet escalated by the clock."""
    return Q(status__in=OPEN_STATUSES, first_responded_at=None, clock_escalated_at=None)


def due(now: datetime, cal: Calendar) -> list[Ticket]:
    """The tickets to escalate at ``now``, at most ``BATCH``, in two queries whatever the
    number of tickets. Those with a response target are a range query on it; the others are
    due a fixed business time after they were opened, which grows with the opened time, so
    the candidates are read oldest first and the first one not yet due ends the list."""
    with_target = list(
        Ticket.objects.filter(pending(), CATEGORISED, response_due_at__lte=now)
        .select_related("agent", "service")
        .order_by("response_due_at", "id")[:BATCH]
    )
    # Business time never runs faster than the wall clock: a lower bound for the query.
    earliest = now - timezone.timedelta(seconds=default_seconds(cal))
    without_target = []
    for ticket in (
        Ticket.objects.filter(pending(), UNCATEGORISED | Q(response_due_at=None))
        .filter(opened_at__lte=earliest)
        .select_related("agent", "service")
        .order_by("opened_at", "id")[: BATCH - len(with_target)]
    ):
        when = deadline(ticket, cal=cal)
        if when is None or when > now:
            break
        without_target.append(ticket)
    return with_target + without_target


def escalate_unanswered(now: datetime | None = None) -> int:
    """Escalate every ticket whose response time ran out without a first response; returns
    how many. Safe to run any number of times, several at once: each ticket once."""
    now = now or timezone.now()
    cal = load_calendar(now)
    tickets = due(now, cal)
    if not tickets:
        return 0
    supervisors = list(members(SUPERVISOR))
    escalated = 0
    for ticket in tickets:
        try:
            with transaction.atomic():
                escalated += escalate_one(ticket, now=now, cal=cal, supervisors=supervisors)
        except Exception:
            # One bad ticket must not stop the scan for every other one.
            logger.exception("check_sla could not escalate unanswered ticket %s", ticket.pk)
    return escalated


def escalate_one(ticket: Ticket, *, now: datetime, cal: Calendar, supervisors: list) -> bool:
    """Escalate one ticket read as due, unless another scan already did: call inside a
    transaction; the notices leave when it commits. Returns whether this call did it."""
    # The claim: only the scan whose update lands goes on; the others see 0 rows.
    claimed = Ticket.objects.filter(pk=ticket.pk).filter(pending()).update(clock_escalated_at=now)
    if not claimed:
        return False
    ticket.clock_escalated_at = now
    target = deadline(ticket, cal=cal)
    has_target = ticket.response_due_at is not None and not ticket.is_uncategorised
    why = (
        "its response target"
        if has_target
        else f"{settings.UNANSWERED_TICKET_DAYS} working days (no response target)"
    )
    note = f"No first response within {why}; escalated for follow-up."
    ticket.events.create(
        at=now,
        by=None,
        kind=EventKind.CLOCK_ESCALATED,
        field="clock_escalated_at",
        after=timezone.localtime(now, organisation_zone()).strftime("%Y-%m-%d %H:%M"),
        note=note,
    )
    audit.changed(ticket, {"clock_escalated_at": (None, now)})
    context = {"ticket": ticket, "due_at": target, "has_target": has_target, "why": why}
    url = ticket.get_absolute_url()
    # With a response target the agent has just been told it was missed (the breach notice);
    # without one, this is the only word they get.
    told = [*supervisors] if has_target else [*supervisors, ticket.agent]
    notify.notify(
        list(dict.fromkeys(told)),
        template="ticket_unanswered",
        context=context,
        url=url,
        ticket=ticket,
    )
    service = ticket.service
    if service is not None and service.manager_email:
        with timezone.override(organisation_zone()):  # times as the organisation reads them
            rendered = render(
                "manager_unanswered",
                {**context, "manager_name": service.manager_name, "service": service},
                url=url,
            )
        send_once(NoticeKind.MANAGER_UNANSWERED, to=service.manager_email, rendered=rendered)
    return True
