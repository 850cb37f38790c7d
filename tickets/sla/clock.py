"""SLA clocks on tickets and answer deadlines on engagements, in business time.

``refresh`` recomputes a ticket's clock whenever what it depends on changes (status,
category, priority, the opened time); the workflows call it inside their transactions. The
state shown on pages is read from the stored columns by ``state``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from core import requestcache
from core.conditions import matches
from tickets.models import Priority, SlaState, Status, Ticket, sla_conditions
from tickets.sla.calendar import Calendar, add_business_seconds, business_seconds_between
from tickets.sla.calendar import to_seconds as target_seconds
from tickets.sla.models import BusinessCalendar, Closure, MaintenanceWindow, ServiceTarget

# The prioritisation SOP: an uncategorised request is categorised within two hours.
CATEGORISE_WITHIN = 2 * 3600
# Waiting on the requester or on a vendor stops the clock.
PAUSED_STATUSES = (Status.WAITING_ON_REQUESTER, Status.WAITING_ON_VENDOR)
# Maintenance windows older than this no longer affect any open clock.
WINDOW_HORIZON = timedelta(days=400)


def load_calendar(now: datetime | None = None) -> Calendar:
    """The business calendar as plain values for the arithmetic: three small queries."""
    now = now or timezone.now()
    settings = BusinessCalendar.current()
    return Calendar(
        tz=ZoneInfo(settings.time_zone),
        workdays=frozenset(settings.workday_numbers),
        opens=settings.opens,
        closes=settings.closes,
        closed_dates=frozenset(Closure.objects.values_list("day", flat=True)),
        windows=tuple(
            MaintenanceWindow.objects.filter(ends_at__gte=now - WINDOW_HORIZON).values_list(
                "starts_at", "ends_at"
            )
        ),
    )


def page_settings() -> tuple[str, int]:
    """(time zone name, due-soon percent) from the calendar. Every page reads them, so they
    are kept in the cache for a minute; saving the calendar clears it."""
    values = requestcache.get(BusinessCalendar.PAGE_SETTINGS_CACHE_KEY)
    if values is None:
        calendar = BusinessCalendar.current()
        values = (calendar.time_zone, calendar.due_soon_percent)
        requestcache.set_many({BusinessCalendar.PAGE_SETTINGS_CACHE_KEY: values}, 60)
    return values


def organisation_zone() -> ZoneInfo:
    """The organisation's one time zone, set on the business calendar: the SLA clocks run in
    it, pages show times in it and the weekly reports cut weeks in it."""
    return ZoneInfo(page_settings()[0])


def due_soon_share() -> float:
    """The share of a target left when a ticket turns "due soon" (0.25 = the last quarter)."""
    return page_settings()[1] / 100


def target_for(ticket: Ticket) -> ServiceTarget | None:
    if ticket.category_id is None or ticket.priority_id is None:
        return None
    return ServiceTarget.objects.filter(
        category_id=ticket.category_id, priority_id=ticket.priority_id
    ).first()


def target_lookup() -> Callable[[Ticket], ServiceTarget | None]:
    """``target_for`` for a batch of tickets: every target read in one query, then each
    ticket's found without one."""
    by_pair = {(t.category_id, t.priority_id): t for t in ServiceTarget.objects.all()}
    return lambda ticket: by_pair.get((ticket.category_id, ticket.priority_id))


def target_lengths(
    ticket: Ticket, *, target: ServiceTarget | None, cal: Calendar
) -> tuple[int | None, int | None]:
    """Response and resolution targets in business seconds; None for no defined SLA. A
    ticket without both a category and a priority has one target: being categorised."""
    if ticket.is_uncategorised:
        response, resolution = CATEGORISE_WITHIN, None
    elif target is None:
        response = resolution = None
    else:
        response = (
            None
            if target.response is None
            else target_seconds(target.response, target.response_unit, cal)
        )
        resolution = (
            None
            if target.resolution is None
            else target_seconds(target.resolution, target.resolution_unit, cal)
        )
    return response, resolution


def _after(ticket: Ticket, seconds: int | None, cal: Calendar) -> datetime | None:
    """``seconds`` of business time after the ticket opened, plus the time spent paused."""
    if seconds is None:
        return None
    try:
        return add_business_seconds(cal, ticket.opened_at, seconds + ticket.sla_paused_seconds)
    except ValueError:
        # A calendar with no working time ahead (closures for years): no due time can be
        # given, which is what the page then says, rather than failing every save.
        return None


def due_times(
    ticket: Ticket, *, target: ServiceTarget | None, cal: Calendar
) -> tuple[datetime | None, datetime | None]:
    """Response and resolution due times from the opened time, the target and the time the
    clock has spent paused. An uncategorised ticket is due to be categorised."""
    response, resolution = target_lengths(ticket, target=target, cal=cal)
    return _after(ticket, response, cal), _after(ticket, resolution, cal)


def _pending(ticket: Ticket) -> tuple[bool, bool]:
    """Whether the response and the resolution due times still count."""
    if not ticket.is_open or ticket.sla_paused_at is not None:
        return False, False
    # Until it is categorised, a ticket's response target is its categorisation deadline,
    # whatever its status.
    return ticket.first_responded_at is None or ticket.is_uncategorised, True


def next_due(ticket: Ticket) -> datetime | None:
    """The earliest due time still pending; None when paused, finished, or without an SLA."""
    dues = (ticket.response_due_at, ticket.resolution_due_at)
    pending = [
        due
        for due, counts in zip(dues, _pending(ticket), strict=True)
        if counts and due is not None
    ]
    return min(pending) if pending else None


def due_kind(ticket: Ticket) -> str:
    """Which target ``next_due_at`` is, as the due-soon and breach notices name it."""
    if ticket.is_uncategorised:
        # Its one clock: leaving "New" does not stop it; a category and a priority do.
        return "categorisation"
    if ticket.first_responded_at is None and ticket.next_due_at == ticket.response_due_at:
        return "response"
    return "resolution"


def due_soon_from(
    ticket: Ticket, *, target: ServiceTarget | None, cal: Calendar, share: float
) -> datetime | None:
    """When the ticket turns "due soon": the first moment a pending target has only
    ``share`` of its length left, in business time. None when nothing is pending."""
    lengths = target_lengths(ticket, target=target, cal=cal)
    dues = (ticket.response_due_at, ticket.resolution_due_at)
    points = [
        _after(ticket, seconds - round(seconds * share), cal)
        for seconds, due, counts in zip(lengths, dues, _pending(ticket), strict=True)
        if counts and due is not None and seconds is not None
    ]
    points = [point for point in points if point is not None]
    return min(points) if points else None


# The columns ``refresh`` keeps; the rest of the ticket is never written by it.
CLOCK_FIELDS = (
    "first_responded_at",
    "sla_paused_at",
    "sla_paused_seconds",
    "response_due_at",
    "resolution_due_at",
    "next_due_at",
    "due_soon_at",
)


def advance(
    ticket: Ticket,
    *,
    now: datetime,
    cal: Calendar,
    target: ServiceTarget | None,
    share: float,
) -> Ticket:
    """``refresh``'s arithmetic on the instance only, without a query: the batch recompute
    (``tickets.sla.holidays.recompute_marked``) runs it on many tickets, then writes once."""
    if ticket.first_responded_at is None and ticket.status != Status.NEW:
        ticket.first_responded_at = now
    waiting = ticket.is_open and ticket.status in PAUSED_STATUSES
    if waiting and ticket.sla_paused_at is None:
        ticket.sla_paused_at = now
    elif not waiting and ticket.sla_paused_at is not None:
        ticket.sla_paused_seconds += business_seconds_between(cal, ticket.sla_paused_at, now)
        ticket.sla_paused_at = None
    ticket.response_due_at, ticket.resolution_due_at = due_times(ticket, target=target, cal=cal)
    ticket.next_due_at = next_due(ticket)
    ticket.due_soon_at = due_soon_from(ticket, target=target, cal=cal, share=share)
    return ticket


def refresh(
    ticket: Ticket,
    *,
    now: datetime | None = None,
    cal: Calendar | None = None,
    target: ServiceTarget | None | bool = False,
    share: float | None = None,
) -> Ticket:
    """Bring the ticket's clock up to date with its status, category, priority and the
    time: pause on waiting statuses, resume (counting the pause in business time),
    note the first response, recompute the due times and when the ticket turns "due soon"
    (``share`` of the target left; the calendar's setting unless given). Stores only the
    clock columns. A pending recompute mark (``ClockMark``) stays: the batch gives the same
    clock again, and deleting it here would cost every save a query."""
    now = now or timezone.now()
    cal = cal or load_calendar(now)
    if target is False:
        target = target_for(ticket)
    advance(
        ticket,
        now=now,
        cal=cal,
        target=target,
        share=due_soon_share() if share is None else share,
    )
    Ticket.objects.filter(pk=ticket.pk).update(**{f: getattr(ticket, f) for f in CLOCK_FIELDS})
    return ticket


# When a ticket meets more than one condition, the worst news wins.
STATE_ORDER = (
    SlaState.BREACHED,
    SlaState.PAUSED,
    SlaState.DUE_SOON,
    SlaState.ON_TRACK,
    SlaState.MET,
    SlaState.NO_SLA,
)


def state(
    ticket: Ticket, *, now: datetime, conditions: dict[SlaState, Q] | None = None
) -> SlaState:
    """What the SLA badge says, from the stored clock columns only.

    The rule is ``sla_conditions``, the same conditions the ticket filter and the dashboard
    counts run in SQL, here evaluated on the one ticket without a query. A caller reading
    many tickets at one ``now`` passes ``sla_conditions(now=now)`` once: building them costs
    more than evaluating them.
    """
    conditions = conditions or sla_conditions(now=now)
    return next((s for s in STATE_ORDER if matches(conditions[s], ticket)), SlaState.NO_SLA)


def answer_due(
    requested_at: datetime, *, priority: Priority | None, cal: Calendar, default_hours: int
) -> datetime | None:
    """When an admin's silence on a request becomes "no response"; None when the calendar
    has no working time ahead."""
    hours = priority.no_response_hours if priority and priority.no_response_hours else None
    try:
        return add_business_seconds(cal, requested_at, (hours or default_hours) * 3600)
    except ValueError:
        return None
