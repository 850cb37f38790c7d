"""The report's times, each as mean, median and 90th percentile, and the week's other counts.

The means alone let a few slow answers set the figure, so the spread is worked out here from
exact times (seconds, never minutes rounded first). The rows that leave the database are the
week's answered requests, first escalations and resolutions: one short row each, in a fixed
number of queries however many tickets there are.

Everything returned is plain numbers, strings, lists and dicts, so a stored copy of the
figures (an issued week) can be kept as JSON.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime, timedelta

from django.db.models import BigIntegerField, Count, F, Q, Value

from escalations.handoffs.models import (
    AdminResponse,
    Engagement,
    EngagementKind,
    EngagementState,
    Outcome,
)
from escalations.urgent.models import UrgentRequest
from reports import metrics
from reports.scalars import (
    EPOCH,
    EpochMicroseconds,
    SecondsBetween,
    epoch_microseconds,
    one_row,
    total,
)
from tickets.models import EventKind, Ticket, TicketEvent
from tickets.sla import calendar
from tickets.sla.clock import load_calendar

TOP_SERVICES = 10
NO_SERVICE = "No service"
NO_TEAM = "No team"


def _within(field: str, start: datetime, end: datetime) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def business_seconds(cal: calendar.Calendar, pairs: list[tuple[int, int]]) -> list[int]:
    """``calendar.business_seconds_between`` of each (start, end), given as microseconds since
    1970 (``EpochMicroseconds``): whole seconds of business time in [start, end), 0 when end
    <= start.

    The calendar is walked once over the span of all the pairs and its working periods are
    summed as they go, so each pair is two look-ups in that running total instead of its own
    walk day by day (thousands of answers a week, each spanning days)."""
    spans = [(s, e) for s, e in pairs if e > s]
    if not spans:
        return [0] * len(pairs)
    low, high = min(s for s, _ in spans), max(e for _, e in spans)
    starts: list[int] = []
    ends: list[int] = []
    before: list[int] = []  # business microseconds before each period starts
    running = 0
    for period_start, period_end in calendar.working_periods(cal, _at(low), _at(high)):
        starts.append(epoch_microseconds(period_start))
        ends.append(epoch_microseconds(period_end))
        before.append(running)
        running += ends[-1] - starts[-1]

    def up_to(moment: int) -> int:
        n = bisect_right(starts, moment) - 1
        return 0 if n < 0 else before[n] + min(moment, ends[n]) - starts[n]

    return [(up_to(e) - up_to(s)) // 1_000_000 if e > s else 0 for s, e in pairs]


def _at(microseconds: int) -> datetime:
    return EPOCH + timedelta(microseconds=microseconds)


def timings(start: datetime, end: datetime) -> dict[str, dict]:
    """Time to first answer (wall clock and business hours) for the requests made in the week
    that were answered; time to first escalation for the tickets first escalated in the week;
    time to resolve for the tickets resolved in the week. Each as ``metrics.spread``."""
    # One query: the three sets of rows as one UNION ALL, each tagged with what it is. Only
    # the answers need their two times (for business hours), as integers: no datetime is
    # parsed for any row.
    none = Value(None, output_field=BigIntegerField())
    answered = (
        Engagement.objects.filter(_within("requested_at", start, end))
        .filter(first_response_at__isnull=False)
        .order_by()
        .annotate(
            what=Value("answer"),
            began=EpochMicroseconds("requested_at"),
            ended=EpochMicroseconds("first_response_at"),
            seconds=F("first_response_seconds"),
        )
        .values_list("what", "began", "ended", "seconds")
    )
    escalated = (
        Ticket.objects.filter(_within("escalated_at", start, end))
        .order_by()
        .annotate(
            what=Value("escalation"),
            began=none,
            ended=none,
            seconds=SecondsBetween("escalated_at", "opened_at"),
        )
        .values_list("what", "began", "ended", "seconds")
    )
    resolved = (
        Ticket.objects.filter(_within("resolved_at", start, end))
        .order_by()
        .annotate(
            what=Value("resolve"),
            began=none,
            ended=none,
            seconds=SecondsBetween("resolved_at", "opened_at"),
        )
        .values_list("what", "began", "ended", "seconds")
    )
    seconds: dict[str, list[float]] = {"answer": [], "escalation": [], "resolve": []}
    answers: list[tuple[int, int]] = []
    for what, began, ended, spent in answered.union(escalated, resolved, all=True):
        seconds[what].append(max(0.0, float(spent)))
        if what == "answer":
            answers.append((began, ended))
    cal = load_calendar(end)
    return {
        "answer": metrics.spread(seconds["answer"]),
        "answer_business": metrics.spread(business_seconds(cal, answers)),
        "escalation": metrics.spread(seconds["escalation"]),
        "resolve": metrics.spread(seconds["resolve"]),
    }


def activity(start: datetime, end: datetime) -> dict[str, int]:
    """The week's counts managers asked for, in one query (``reports.scalars``).

    ``open_at_end``: tickets opened before the week ended and not resolved by then;
    ``open_breached``: those of them whose resolution was due before the end. ``rerouted``,
    ``deescalated``: those steps on the tickets' timelines during the week; ``withdrawn``:
    requests withdrawn during it, however (resolved, taken back, handed on).
    ``urgent``: urgent requests filed in the week."""
    open_at_end = Ticket.objects.filter(opened_at__lt=end).filter(
        Q(resolved_at__isnull=True) | Q(resolved_at__gte=end)
    )
    events = TicketEvent.objects.filter(_within("at", start, end))
    return one_row(
        open_at_end=total(open_at_end),
        open_breached=total(open_at_end.filter(resolution_due_at__lt=end)),
        rerouted=total(events.filter(kind=EventKind.REROUTED)),
        deescalated=total(events.filter(kind=EventKind.DEESCALATED)),
        withdrawn=total(Engagement.objects.filter(_within("withdrawn_at", start, end))),
        urgent=total(UrgentRequest.objects.filter(_within("filed_at", start, end))),
        redirected=total(
            AdminResponse.objects.filter(
                _within("responded_at", start, end), outcome=Outcome.REDIRECTED
            )
        ),
    )


def escalations_by(start: datetime, end: datetime) -> dict[str, list[dict]]:
    """Escalate requests made in the week, per service of the ticket and per team of the
    administrator asked (the largest first, cut to the top rows). Agents belong to no team in
    the app, so the team is the administrator's."""
    escalate = Engagement.objects.filter(
        _within("requested_at", start, end), kind=EngagementKind.ESCALATE
    ).order_by()
    # One grouped query by (service, team); the few pairs are added up here.
    pairs = escalate.values(service=F("ticket__service__name"), team=F("admin__team")).annotate(
        n=Count("id"), unanswered=Count("id", filter=Q(state=EngagementState.OPEN))
    )
    services: dict[str, dict] = {}
    teams: dict[str, dict] = {}
    for pair in pairs:
        for target, name in (
            (services, pair["service"] or NO_SERVICE),
            (teams, pair["team"] or NO_TEAM),
        ):
            row = target.setdefault(name, {"name": name, "n": 0, "unanswered": 0})
            row["n"] += pair["n"]
            row["unanswered"] += pair["unanswered"]

    def top(rows: dict[str, dict]) -> list[dict]:
        return sorted(rows.values(), key=lambda r: (-r["n"], r["name"]))[:TOP_SERVICES]

    return {"service": top(services), "team": top(teams)}
