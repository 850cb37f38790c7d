"""Issued reports: a finished period's report (an ISO week, a month or a quarter), stored
once and served unchanged from then on.

A period is issued only by the periodic job: the first ``check_sla`` scan after it ended
(``scan_provider``, from ``escalations.silence.after_scan``) or the scheduled send
(``reports.subscriptions``, also what ``weekly_report --email`` runs). Opening the page or
downloading the PDF never issues it: a GET writes no issue, and until the job has run, the
period shows its live figures, marked as not issued. The partial unique constraint on the
current issue of a (kind, period) lets two servers race and keep one. A supervisor may re-issue
an issued period with a reason: the earlier issue is kept, marked superseded, and the change is
audited.

The figures are stored as a flat {"group.name": number} dict read generically from the
report's headline figures, so figures added to the report later are compared as well.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from numbers import Number

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from core import audit
from core.claims import claim
from core.models import AuditAction
from escalations.handoffs.models import AdminResponse, Engagement
from reports import pdf
from reports.models import IssuedReport, PeriodKind
from reports.periods import Month, Period, Quarter
from reports.scalars import one_row, total
from reports.weekly import TIME_LABELS, WeeklyReport, build, current_week, within, zone
from tickets.models import Ticket

logger = logging.getLogger(__name__)


KINDS = {"week": PeriodKind.WEEKLY, "month": PeriodKind.MONTHLY, "quarter": PeriodKind.QUARTERLY}


def kind_of(period: Period) -> PeriodKind:
    """The kind an issue (or a download) of ``period`` is stored under."""
    return KINDS[period.kind]


def ended(period: Period, now: datetime | None = None) -> bool:
    return period.bounds(zone())[1] <= (now or timezone.now())


def figures_of(report: WeeklyReport) -> dict:
    """Every number among the report's headline figures, as {"group.name": value}, plus the
    headline as displayed ({label: display}) for the email."""
    values: dict[str, float | None] = {}
    for group, figures in vars(report.current).items():
        if not isinstance(figures, dict):
            continue
        for name, value in figures.items():
            if value is None or (isinstance(value, Number) and not isinstance(value, bool)):
                values[f"{group}.{name}"] = value
    # The counts and times below the headline change with late answers and edits too.
    for name, value in report.activity.items():
        values[f"activity.{name}"] = value
    for key, spread in report.timings.items():
        for measure, value in spread.items():
            values[f"times.{key}.{measure}"] = value
    headline = [
        [f.label, f.display, f.change.text if f.change else "", f.previous_display]
        for f in report.figures
    ]
    return {"values": values, "headline": headline}


def current_issue(period: Period) -> IssuedReport | None:
    return IssuedReport.objects.filter(
        period_kind=kind_of(period), period=str(period), is_current=True
    ).first()


def _rendered(period: Period, now: datetime) -> dict:
    """Everything an issue stores, made before any row is written (WeasyPrint is slow)."""
    report = build(period, now=now)
    content = pdf.render_html(report)
    sha = hashlib.sha256(content.encode()).hexdigest()
    document = pdf.html_to_pdf(pdf.render_html(report, issued={"issued_at": now, "sha256": sha}))
    with timezone.override(zone()):
        page = render_to_string("reports/weekly_report.html#report", pdf.context(report))
    return {
        "figures": figures_of(report),
        "html": page,
        "pdf": document,
        "sha256": sha,
        "pdf_sha256": hashlib.sha256(document).hexdigest(),
    }


def issue(period: Period, *, now: datetime | None = None) -> IssuedReport:
    """The period's current issue, issuing it now if it has none. Only for a finished week,
    month or quarter, and only from the periodic job and the scheduled send, never from a page
    view (views read ``current_issue``)."""
    existing = current_issue(period)
    if existing is not None:
        return existing
    # None: another server (or scan) issued it first, and theirs is the issue.
    return claim_issue(period, now=now) or current_issue(period)


def claim_issue(period: Period, *, now: datetime | None = None) -> IssuedReport | None:
    """Issue the period now; None when another run's issue got in first (the partial unique
    constraint on the current issue keeps one), so each issue is counted by one run only."""
    now = now or timezone.now()
    fields = _rendered(period, now)
    return claim(
        IssuedReport, period_kind=kind_of(period), period=str(period), issued_at=now, **fields
    )


class ReissueConflict(Exception):
    pass


class NotIssued(Exception):
    """The period has no issue yet: there is nothing to re-issue until the periodic job has
    issued it."""


def reissue(period: Period, *, by, reason: str, now: datetime | None = None) -> IssuedReport:
    """A new current issue with today's figures; the earlier one is kept and points to it.
    Raises ``NotIssued`` for a period the periodic job has not issued yet: re-issuing is a
    correction of an issue, never the way a period is first issued."""
    now = now or timezone.now()
    earlier = current_issue(period)
    if earlier is None:
        raise NotIssued(str(period))
    fields = _rendered(period, now)
    try:
        with transaction.atomic():
            claimed = IssuedReport.objects.filter(pk=earlier.pk, is_current=True).update(
                is_current=False
            )
            if not claimed:
                raise ReissueConflict
            new = IssuedReport.objects.create(
                period_kind=kind_of(period),
                period=str(period),
                issued_at=now,
                issued_by=by,
                reason=reason,
                **fields,
            )
            IssuedReport.objects.filter(pk=earlier.pk).update(superseded_by=new)
            audit.record(
                AuditAction.CREATED,
                target=new,
                label=f"Re-issued report {period}",
                user=by,
                changes={
                    "reason": [None, reason],
                    "supersedes": [None, earlier.pk],
                    "sha256": [earlier.sha256, new.sha256],
                },
            )
            audit.changed(earlier, {"is_current": (True, False), "superseded_by": (None, new.pk)})
    except IntegrityError as error:
        raise ReissueConflict from error
    return new


# The page's own names for the figures (reports/definitions.py defines each).
LABELS = {
    "tickets.logged": "Tickets logged",
    "tickets.resolved": "Tickets resolved",
    "tickets.escalated": "Logged tickets escalated",
    "tickets.clock_escalated": "Tickets escalated by the clock",
    "tickets.response_met": "Response SLA met",
    "tickets.response_breached": "Response SLA breached",
    "tickets.resolution_met": "Resolution SLA met",
    "tickets.resolution_breached": "Resolution SLA breached",
    "engagements.requested": "Requests to administrators",
    "engagements.collaborate": "Collaborate",
    "engagements.escalate": "Escalate requests",
    "engagements.answered": "Answered so far",
    "engagements.still_open": "Still awaiting an answer",
    "engagements.mtta_seconds": "MTTA (seconds)",
    "mtte.count": "Tickets first escalated",
    "mtte.mtte_seconds": "MTTE (seconds)",
    "responses.total": "Responses logged",
    "responses.accepted": "Accepted",
    "responses.gave_input": "Gave input",
    "responses.redirected": "Redirected",
    "responses.declined": "Declined without redirect",
    "responses.no_response": "No response",
    "responses.off_policy": "Off-policy direct messages",
}


ACTIVITY = {
    "open_at_end": "Open at the end",
    "open_breached": "Breached among them",
    "rerouted": "Re-routed",
    "redirected": "Redirected",
    "deescalated": "De-escalated",
    "withdrawn": "Withdrawn",
    "urgent": "Urgent requests",
}
MEASURES = {"count": "over", "mean": "mean", "median": "median", "p90": "90th percentile"}


def label(key: str) -> str:
    if key in LABELS:
        return LABELS[key]
    group, _, rest = key.partition(".")
    if group == "activity" and rest in ACTIVITY:
        return ACTIVITY[rest]
    if group == "times":
        what, _, measure = rest.partition(".")
        unit = "" if measure == "count" else " (seconds)"
        return f"{TIME_LABELS.get(what, what)}: {MEASURES.get(measure, measure)}{unit}"
    group, _, name = key.partition(".")
    return f"{group.capitalize()}: {name.replace('_', ' ')}"


@dataclass
class Change:
    key: str
    label: str
    issued: float | None
    live: float | None

    @property
    def delta(self) -> float | None:
        if self.issued is None or self.live is None:
            return None
        return self.live - self.issued

    @property
    def delta_display(self) -> str:
        d = self.delta
        if d is None:
            return "—"
        d = round(d) if float(d).is_integer() or abs(d) >= 10 else round(d, 1)
        return f"{d:+,}"


def changes(issued: dict, live: dict) -> list[Change]:
    """Field by field: every figure the issue holds whose value differs now (an issue made
    before a figure was added is not compared on it)."""
    before, after = issued.get("values", {}), live.get("values", {})
    keys = list(before) if before else list(after)
    return [
        Change(key, label(key), before.get(key), after.get(key))
        for key in keys
        if before.get(key) != after.get(key)
    ]


def reasons(period: Period, since: datetime) -> list[str]:
    """What was recorded after ``since`` that touches the period, in words; one query."""
    start, end = period.bounds(zone())
    late = AdminResponse.objects.filter(logged_at__gt=since)
    changed = Ticket.objects.filter(updated_at__gt=since)
    counts = one_row(
        late_answers=total(
            late.filter(
                within("engagement__requested_at", start, end) | within("responded_at", start, end)
            )
        ),
        # The tickets logged or resolved in the period, as two disjoint counts: each reads
        # its own index (ticket_opened_updated, ticket_resolved_updated) alone, where the OR
        # of the two ranges read some 40,000 rows of a busy month from the table.
        logged_changed=total(changed.filter(within("opened_at", start, end))),
        resolved_changed=total(
            changed.filter(within("resolved_at", start, end)).exclude(
                within("opened_at", start, end)
            )
        ),
        withdrawn=total(
            Engagement.objects.filter(within("requested_at", start, end), withdrawn_at__gt=since)
        ),
    )
    counts = {
        "late_answers": counts["late_answers"],
        "changed_tickets": counts["logged_changed"] + counts["resolved_changed"],
        "withdrawn": counts["withdrawn"],
    }
    of = f"of the {period.kind}"
    words = {
        "late_answers": ("late answer logged since", "late answers logged since"),
        "changed_tickets": (f"ticket {of} changed since", f"tickets {of} changed since"),
        "withdrawn": (f"request {of} withdrawn since", f"requests {of} withdrawn since"),
    }
    return [f"{n} {words[k][n != 1]}" for k, n in counts.items() if n]


def history(period: Period) -> list[IssuedReport]:
    return list(
        IssuedReport.objects.filter(period_kind=kind_of(period), period=str(period))
        .defer("pdf", "html")
        .select_related("issued_by")
    )


def due(now: datetime) -> list[Period]:
    """The periods the scan at ``now`` issues if they have no issue yet: the week, the month
    and the quarter before the ones running now."""
    today = timezone.localtime(now, zone()).date()
    return [
        current_week(now).previous,
        Month.containing(today).previous,
        Quarter.containing(today).previous,
    ]


def scan_provider(*, now: datetime) -> dict[str, int]:
    """From ``check_sla``: issue the week, the month and the quarter that have just ended,
    each once."""
    from django.conf import settings

    if not settings.SCHEDULED_REPORTS:
        return {}
    periods = due(now)
    # One query for the three (most scans have nothing to do); the kinds' labels differ.
    done = set(
        IssuedReport.objects.filter(
            period__in=[str(p) for p in periods], is_current=True
        ).values_list("period_kind", "period")
    )
    issued = 0
    for period in periods:
        if (kind_of(period), str(period)) in done:
            continue
        try:
            issued += claim_issue(period, now=now) is not None
        except Exception:
            # Issuing must not stop the digests or the scan, nor the other periods; the next
            # scan tries again.
            logger.exception("check_sla could not issue the report for %s", period)
    return {"reports_issued": issued} if issued else {}
