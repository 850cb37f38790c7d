"""The periodic scan behind ``manage.py check_sla``.

Every piece of work is claimed with a conditional update before anything is sent, so the
scan can run any number of times, and several copies at once, without a second notice or a
second re-routing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.hooks import ContextHooks
from core.roles import SUPERVISOR, members
from escalations import unanswered
from escalations.handoffs import delivery, services
from escalations.handoffs.models import Engagement, EngagementKind, EngagementState
from escalations.notifications import managers, notify
from tickets.models import Ticket
from tickets.sla.clock import due_kind

# At most this many overdue requests, and as many tickets to warn or to tell of a breach, per
# scan: a silence with its move and notices costs about 13 ms, a notice about 5 ms, so a
# backlog (the first scan after a pause) keeps one run within a few seconds at 100,000 tickets
# and is worked off by the next runs (at 500, such a run took 6.9 s; at 250, 5.3 s).
BATCH = 250
logger = logging.getLogger(__name__)

# What a higher layer does on every scan (reports sends the weekly digests): each provider is
# called with ``now`` and returns counts to add to the report, e.g. {"digests": 2}.
after_scan = ContextHooks("check_sla")


@dataclass
class CheckReport:
    silences: int = 0
    rerouted: int = 0
    warned: int = 0
    breached: int = 0
    emailed: int = 0
    not_delivered: int = 0
    digests: int = 0
    clock_escalated: int = 0
    governance: int = 0
    reports_issued: int = 0
    reports_sent: int = 0

    def __str__(self) -> str:
        return (
            f"{self.silences} unanswered request(s) logged as no response, "
            f"{self.rerouted} passed to the next level, {self.warned} due-soon warning(s), "
            f"{self.breached} breach notice(s), {self.emailed} request email(s) and "
            f"reminder(s) sent, {self.not_delivered} not delivered, "
            f"{self.digests} weekly digest(s), "
            f"{self.clock_escalated} ticket(s) escalated for no first response, "
            f"{self.governance} governance threshold(s) crossed, "
            f"{self.reports_issued} finished report(s) issued (weeks, months, quarters), "
            f"{self.reports_sent} report(s) emailed to subscribers."
        )


def run(now: datetime | None = None) -> CheckReport:
    now = now or timezone.now()
    report = CheckReport()
    _overdue_engagements(now, report)
    # After the silences: a request that has just gone unanswered gets no reminder.
    report.emailed, report.not_delivered = delivery.send_due(now)
    # Warned once only the calendar's share of the target is left (due_soon_at), so a
    # two-hour categorisation deadline does not warn the minute the ticket is logged.
    _notify_tickets(
        Ticket.objects.filter(due_soon_at__lte=now, next_due_at__gt=now),
        marker="warned_for",
        template="sla_due_soon",
        report_field="warned",
        report=report,
    )
    _notify_tickets(
        Ticket.objects.filter(next_due_at__lte=now),
        marker="breach_notified_for",
        template="sla_breached",
        report_field="breached",
        report=report,
    )
    report.clock_escalated = unanswered.escalate_unanswered(now)
    try:
        collected = after_scan.collect(now=now)
        report.digests = collected.get("digests", 0)
        report.governance = collected.get("governance", 0)
        report.reports_issued = collected.get("reports_issued", 0)
        report.reports_sent = collected.get("reports_sent", 0)
    except Exception:
        # The digests must not stop the scan's own work from being reported, nor the next run.
        logger.exception("check_sla could not send the weekly digests")
    return report


def _overdue_engagements(now: datetime, report: CheckReport) -> None:
    overdue = (
        Engagement.objects.filter(state=EngagementState.OPEN, answer_due_at__lte=now)
        .select_related("ticket__service", "admin__backup", "chain__admin")
        .order_by("answer_due_at", "id")
    )
    people = None
    plans: dict = {}  # each service's policy, read once per scan
    for engagement in overdue[:BATCH]:
        try:
            # The silence and its notices commit together: never one without the other.
            with transaction.atomic():
                people = people if people is not None else list(members(SUPERVISOR))
                logged, new = _silence(engagement, now, people, plans)
        except Exception:
            # One bad request must not stop the scan for every other one.
            logger.exception("check_sla could not handle engagement %s", engagement.pk)
            continue
        if logged:
            report.silences += 1
            report.rerouted += new is not None


def _silence(
    engagement: Engagement, now: datetime, people: list, plans: dict
) -> tuple[bool, Engagement | None]:
    """Log one overdue request's silence, move it to its policy's next level, and tell the
    supervisors, the silent admin and whoever is asked next; when no level is left, tell the
    supervisors and the first owner's manager that nobody answered (once). Call inside a
    transaction: mail leaves only after it commits."""
    previous_admin = engagement.admin
    result = services.move_on(engagement, now=now, plans=plans)
    if not result.logged:
        return False, None
    new = result.new
    context = {"engagement": engagement, "backup": new.admin if new else None}
    url = engagement.ticket.get_absolute_url()
    notify.notify(
        people, template="no_response", context=context, url=url, ticket=engagement.ticket
    )
    notify.email_admin(previous_admin, template="no_response_admin", context=context, url=url)
    managers.staff_silent(engagement, backup=new.admin if new else None)
    if result.exhausted:
        notify.notify(
            people,
            template="chain_exhausted",
            context={"engagement": engagement, "root": result.root},
            url=url,
            ticket=engagement.ticket,
        )
        managers.chain_exhausted(result.root, last=engagement)
    if new is not None and new.kind == EngagementKind.ESCALATE:
        managers.staff_escalated(new)
    if new is not None:
        notify.email_admin(
            new.admin,
            template="engagement_rerouted",
            context={"engagement": new, "previous": previous_admin},
            url=url,
        )
    return True, new


def _notify_tickets(
    candidates, *, marker: str, template: str, report_field: str, report: CheckReport
) -> None:
    # exclude() on a nullable column keeps the rows where the marker is empty.
    pending = (
        candidates.exclude(**{marker: F("next_due_at")})
        .select_related("agent")
        .order_by("next_due_at", "id")
    )
    for ticket in pending[:BATCH]:
        with transaction.atomic():
            claimed = (
                Ticket.objects.filter(pk=ticket.pk, next_due_at=ticket.next_due_at)
                .exclude(**{marker: F("next_due_at")})
                .update(**{marker: F("next_due_at")})
            )
            if not claimed:
                continue
            kind = due_kind(ticket)
            notify.notify(
                [ticket.agent],
                template=template,
                context={"ticket": ticket, "due_at": ticket.next_due_at, "kind": kind},
                url=ticket.get_absolute_url(),
                ticket=ticket,
            )
        setattr(report, report_field, getattr(report, report_field) + 1)
