"""The escalation funnel: how far the tickets logged in a period got, and where they wait.

Stages, in order: logged, collaborate (an administrator was asked for input or ownership),
escalate (ownership was asked for), answered (an administrator answered a request on the
ticket), resolved. A ticket may skip a stage (escalated straight away, resolved without any
request); each stage counts the tickets that reached it.

``stages`` is pure arithmetic on per-ticket times; ``funnel`` reads those times for the
period's tickets in one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Min, OuterRef, Q, Subquery

from escalations.handoffs.models import Engagement, EngagementKind
from reports import metrics
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
    reached = {key: 0 for key in keys}
    spent: dict[str, list[float]] = {key: [] for key in keys}
    waiting: dict[str, list[float]] = {key: [] for key in keys}
    for path in paths:
        times = [(key, getattr(path, key)) for key in keys]
        times = [(key, at) for key, at in times if at is not None and at <= as_of]
        # A request logged before the ticket's opening time (an import) counts from opening.
        times.sort(key=lambda pair: (pair[1], keys.index(pair[0])))
        for n, (key, at) in enumerate(times):
            reached[key] += 1
            if key == "resolved":
                continue
            following = times[n + 1][1] if n + 1 < len(times) else None
            if following is None:
                seconds = (as_of - at).total_seconds()
                waiting[key].append(seconds)
            else:
                seconds = (following - at).total_seconds()
            spent[key].append(max(0.0, seconds))
    logged = reached["logged"]
    rows = [
        {
            "key": key,
            "label": label,
            "tickets": reached[key],
            "share": metrics.rate(reached[key], logged),
            "median_seconds": metrics.median(spent[key]) if key != "resolved" else None,
            "still_here": len(waiting[key]),
        }
        for key, label in STAGES
    ]
    open_rows = [r for r in rows if r["key"] != "resolved" and r["still_here"]]
    stall = None
    if open_rows:
        worst = max(open_rows, key=lambda r: (r["still_here"], keys.index(r["key"])))
        stall = {
            "key": worst["key"],
            "label": worst["label"],
            "tickets": worst["still_here"],
            "median_wait_seconds": metrics.median(waiting[worst["key"]]),
        }
    return {"stages": rows, "stall": stall}


def funnel(start: datetime, end: datetime, *, as_of: datetime) -> dict:
    """``stages`` for the tickets logged in [start, end), as of ``as_of``."""
    requests = Engagement.objects.filter(ticket=OuterRef("pk"), requested_at__lt=as_of).order_by()

    def first(queryset, field: str) -> Subquery:
        return Subquery(queryset.values("ticket").annotate(first=Min(field)).values("first")[:1])

    rows = (
        Ticket.objects.filter(opened_at__gte=start, opened_at__lt=end)
        .order_by()
        .annotate(
            first_request=first(requests, "requested_at"),
            first_escalate=first(requests.filter(kind=EngagementKind.ESCALATE), "requested_at"),
            first_answer=first(
                requests.filter(Q(first_response_at__lt=as_of)), "first_response_at"
            ),
        )
        .values_list("opened_at", "first_request", "first_escalate", "first_answer", "resolved_at")
    )
    paths = [
        Path(
            logged=opened,
            collaborate=request,
            escalate=escalate,
            answered=answer,
            resolved=resolved,
        )
        for opened, request, escalate, answer, resolved in rows
    ]
    return stages(paths, as_of=as_of)
