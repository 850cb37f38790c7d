"""The knowledge loop: does a procedure captured from an administrator's answer let the
support center handle what it used to escalate?

For each procedure captured from an answer (newest first, up to the end of the period), the
tickets logged for its service in the weeks before it and in as many weeks after it (cut at
the report's "as of"), and how many of them were escalated. A lower escalation rate after
than before is the service moving from Escalate towards Handle.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import OuterRef, Q, Value
from django.db.models.functions import Least
from django.utils import timezone

from escalations.handoffs.models import Procedure
from reports import metrics
from reports.scalars import total
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
    One query however many tickets: the procedures, each with its four counts as correlated
    subqueries over its service's tickets (a range of the (service, opened) index each)."""
    at = OuterRef("created_at")
    tickets = Ticket.objects.filter(service_id=OuterRef("service_id"))
    escalated = Q(escalated_at__isnull=False) & Q(escalated_at__lt=as_of)
    windows = {
        "before": tickets.filter(opened_at__gte=at - WINDOW, opened_at__lt=at),
        "after": tickets.filter(opened_at__gte=at, opened_at__lt=Least(at + WINDOW, Value(as_of))),
    }
    counts = {}
    for name, window in windows.items():
        counts[f"{name}_logged"] = total(window)
        counts[f"{name}_escalated"] = total(window.filter(escalated))
    newest = ["-created_at", "-id"]
    captured = Procedure.objects.filter(source__isnull=False, created_at__lt=end).order_by(*newest)
    # The newest few picked first, so only they are counted however many procedures there are.
    procedures = list(
        Procedure.objects.filter(pk__in=captured.values("pk")[:TOP_PROCEDURES])
        .select_related("service")
        .annotate(**counts)
        .order_by(*newest)
    )
    zone = organisation_zone()
    rows = []
    for procedure in procedures:
        before = (procedure.before_logged, procedure.before_escalated)
        after = (procedure.after_logged, procedure.after_escalated)
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
