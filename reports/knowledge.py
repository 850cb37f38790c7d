"""The knowledge loop: does a procedure captured from an administrator's answer let the
support center handle what it used to escalate?

For each procedure captured from an answer (newest first, up to the end of the period), the
tickets logged for its service in the weeks before it and in as many weeks after it (cut at
the report's "as of"), and how many of them were escalated. A lower escalation rate after
than before is the service moving from Escalate towards Handle.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from escalations.handoffs.models import Procedure
from reports import metrics
from reports.scalars import one_row, total
from tickets.models import Ticket
from tickets.sla.clock import organisation_zone

WINDOW = timedelta(weeks=4)
TOP_PROCEDURES = 10


def verdict(before: float | None, after: float | None) -> str:
    """In words, which way the escalation rate of a service moved after its procedure."""
    if before is None or after is None:
        return "too early to tell" if after is None else "no tickets before"
    points = round((after - before) * 100)
    if points < 0:
        return "towards Handle"
    if points > 0:
        return "more escalations"
    return "no change"


def knowledge_loop(end: datetime, *, as_of: datetime) -> dict:
    """The procedures captured from answers before ``end`` (at most ``TOP_PROCEDURES``, the
    newest), each with the escalation rate of its service in ``WINDOW`` before and after it.
    Two queries however many tickets: the procedures, then every count as one row."""
    captured = Procedure.objects.filter(source__isnull=False, created_at__lt=end)
    procedures = list(
        captured.select_related("service").order_by("-created_at", "-id")[:TOP_PROCEDURES]
    )
    subqueries = {}
    for n, procedure in enumerate(procedures):
        at = procedure.created_at
        windows = {
            "before": (at - WINDOW, at),
            "after": (at, min(at + WINDOW, as_of)),
        }
        for name, (low, high) in windows.items():
            tickets = Ticket.objects.filter(
                service_id=procedure.service_id, opened_at__gte=low, opened_at__lt=high
            )
            subqueries[f"{name}_logged_{n}"] = total(tickets)
            subqueries[f"{name}_escalated_{n}"] = total(
                tickets.filter(Q(escalated_at__isnull=False) & Q(escalated_at__lt=as_of))
            )
    counts = one_row(**subqueries)
    zone = organisation_zone()
    rows = []
    for n, procedure in enumerate(procedures):
        before = (counts[f"before_logged_{n}"], counts[f"before_escalated_{n}"])
        after = (counts[f"after_logged_{n}"], counts[f"after_escalated_{n}"])
        before_rate = metrics.rate(before[1], before[0])
        after_rate = metrics.rate(after[1], after[0])
        rows.append(
            {
                "service": procedure.service.name,
                "procedure": procedure.title,
                "procedure_id": procedure.pk,
                "captured_at": procedure.created_at.isoformat(),
                "captured_on": f"{timezone.localtime(procedure.created_at, zone):%-d %b %Y}",
                "before_logged": before[0],
                "before_escalated": before[1],
                "before_rate": before_rate,
                "after_logged": after[0],
                "after_escalated": after[1],
                "after_rate": after_rate,
                "verdict": verdict(before_rate, after_rate),
            }
        )
    return {
        "window_weeks": WINDOW.days // 7,
        "procedures": rows,
        "services": len({row["service"] for row in rows}),
    }
