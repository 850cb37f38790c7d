"""The escalation funnel: how far the tickets logged in a period got, and where they wait.

Stages, in order: logged, collaborate (an administrator was asked for input or ownership),
escalate (ownership was asked for), answered (an administrator answered a request on the
ticket), resolved. A ticket may skip a stage (escalated straight away, resolved without any
request); each stage counts the tickets that reached it.

``stages`` is pure arithmetic on per-ticket times; ``funnel`` reads those times for the
period's tickets in two queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Min, Q

from escalations.handoffs.models import Engagement, EngagementKind
from reports import metrics
from reports.scalars import EpochMicroseconds, epoch_microseconds
from tickets.models import Ticket

STAGES = [
    ("logged", "Logged"),
    ("collaborate", "Collaborate"),
    ("escalate", "Escalate"),
    ("answered", "Answered"),
    ("resolved", "Resolved"),
]


@dataclass(frozen=True)
class Path:
    """When one ticket reached each stage (None: not by the end of the period)."""

    logged: datetime
    collaborate: datetime | None = None
    escalate: datetime | None = None
    answered: datetime | None = None
    resolved: datetime | None = None


def stages(paths: list[Path], *, as_of: datetime) -> dict:
    """Per stage: tickets that reached it, the share of those logged, the median time spent
    in it (to the next stage the ticket reached, or to ``as_of`` for a ticket still there),
    and how many still sit there at ``as_of``. ``stall`` names the unfinished stage where
    most tickets sit (ties: the later stage), with their median wait so far."""
    keys = [key for key, _ in STAGES]
    rows = [
        tuple(
            None if at is None else epoch_microseconds(at)
            for at in map(path.__getattribute__, keys)
        )
        for path in paths
    ]
    return _stages(rows, as_of=epoch_microseconds(as_of))


def _stages(rows: Iterable[tuple[int | None, ...]], *, as_of: int) -> dict:
    """``stages`` on each ticket's stage times as microseconds since 1970 (``STAGES`` order),
    so that the thousands of tickets of a busy week cost integer arithmetic only."""
    keys = [key for key, _ in STAGES]
    last = len(keys) - 1  # resolved: a ticket spends no time in it
    reached = [0] * len(keys)
    spent: list[list[float]] = [[] for _ in keys]
    waiting: list[list[float]] = [[] for _ in keys]
    for row in rows:
        if row[1] is None and row[2] is None and row[3] is None:
            # Most tickets never had a request: the same steps as below, without the sort.
            logged, resolved = row[0], row[last]
            if resolved is not None and resolved <= as_of:
                reached[last] += 1
            else:
                resolved = None
            if logged is not None and logged <= as_of:
                reached[0] += 1
                if resolved is None or resolved < logged:
                    seconds = (as_of - logged) / 1_000_000
                    waiting[0].append(seconds)
                else:
                    seconds = (resolved - logged) / 1_000_000
                spent[0].append(max(0.0, seconds))
            continue
        # A request logged before the ticket's opening time (an import) counts from opening:
        # stages in time order, the order of STAGES between equal times.
        times = sorted((at, n) for n, at in enumerate(row) if at is not None and at <= as_of)
        following = None
        # From the last stage reached back to the first: each one's time runs to the next.
        for at, n in reversed(times):
            reached[n] += 1
            if n != last:
                if following is None:
                    seconds = (as_of - at) / 1_000_000
                    waiting[n].append(seconds)
                else:
                    seconds = (following - at) / 1_000_000
                spent[n].append(max(0.0, seconds))
            following = at
    logged = reached[0]
    result = [
        {
            "key": key,
            "label": label,
            "tickets": reached[n],
            "share": metrics.rate(reached[n], logged),
            "median_seconds": metrics.median(spent[n]) if n != last else None,
            "still_here": len(waiting[n]),
        }
        for n, (key, label) in enumerate(STAGES)
    ]
    open_rows = [(n, r) for n, r in enumerate(result) if n != last and r["still_here"]]
    stall = None
    if open_rows:
        n, worst = max(open_rows, key=lambda pair: (pair[1]["still_here"], pair[0]))
        stall = {
            "key": worst["key"],
            "label": worst["label"],
            "tickets": worst["still_here"],
            "median_wait_seconds": metrics.median(waiting[n]),
        }
    return {"stages": result, "stall": stall}


def funnel(start: datetime, end: datetime, *, as_of: datetime) -> dict:
    """``stages`` for the tickets logged in [start, end), as of ``as_of``.

    Two queries, the week's tickets and the first requests of those that had one, each time
    read as an integer (``EpochMicroseconds``): reading a busy week's tens of thousands of
    datetimes through Django's converters cost more than the queries, and the requests grouped
    once per ticket are cheaper than three subqueries per ticket."""
    tickets = (
        Ticket.objects.filter(opened_at__gte=start, opened_at__lt=end)
        .order_by()
        .annotate(logged=EpochMicroseconds("opened_at"), resolved=EpochMicroseconds("resolved_at"))
        .values_list("pk", "logged", "resolved")
    )
    requests = (
        Engagement.objects.filter(
            ticket__opened_at__gte=start, ticket__opened_at__lt=end, requested_at__lt=as_of
        )
        .order_by()
        .values("ticket")
        .annotate(
            request=EpochMicroseconds(Min("requested_at")),
            escalate=EpochMicroseconds(Min("requested_at", filter=Q(kind=EngagementKind.ESCALATE))),
            answer=EpochMicroseconds(
                Min("first_response_at", filter=Q(first_response_at__lt=as_of))
            ),
        )
        .values_list("ticket", "request", "escalate", "answer")
    )
    asked = {ticket: rest for ticket, *rest in requests}
    nothing = (None, None, None)
    rows = [(logged, *asked.get(pk, nothing), resolved) for pk, logged, resolved in tickets]
    return _stages(rows, as_of=epoch_microseconds(as_of))
