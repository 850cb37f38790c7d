"""Scheduled sending: each subscriber gets the finished period's issued PDF by email, once.

The ``check_sla`` scan (``escalations.silence.after_scan``) calls ``scan_provider``. From the
configured weekday and hour (``REPORT_SEND_WEEKDAY``, ``REPORT_SEND_HOUR``, organisation time)
of each week, the week before is issued (``reports.issued.issue``) and mailed to every weekly
subscriber still allowed to subscribe; from ``REPORT_SEND_HOUR`` of the first business day of
each month (the business calendar's working days and closures), the month before goes to every
monthly subscriber. ``manage.py weekly_report --email`` sends a week the same way
(``send_period``), so a person gets it once whichever runs first. A ``ReportSend`` row is
inserted before each email leaves: a second server running the scan at the same moment hits
the unique constraint and skips that person. When the email fails the row is deleted again, so
the next scan retries.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.claims import claim
from escalations.notifications.notify import absolute_url, site_context, tidy
from reports import issued
from reports.links import url_for
from reports.models import IssuedReport, PeriodKind, ReportSend, ReportSubscription
from reports.periods import Month, Period, report_filename, report_title
from reports.weeks import IsoWeek
from tickets.sla.calendar import Calendar, is_working_day
from tickets.sla.clock import load_calendar, organisation_zone

logger = logging.getLogger(__name__)

SUBSCRIBE_PERMISSION = "reports.add_reportsubscription"


def due_week(now: datetime) -> IsoWeek | None:
    """The week whose report is due to go out at ``now``: the week before the current one,
    once the configured weekday and hour of the current week have come, else None."""
    local = timezone.localtime(now, organisation_zone())
    moment = (settings.REPORT_SEND_WEEKDAY, settings.REPORT_SEND_HOUR)
    if (local.weekday(), local.hour) < moment:
        return None
    return IsoWeek.containing(local.date()).previous


def first_business_day(month: Month, calendar: Calendar) -> date:
    """The month's first working day by the business calendar (its first day when the
    calendar has none in the month, so a month is never skipped)."""
    day = month.first
    while day < month.end:
        if is_working_day(calendar, day):
            return day
        day += timedelta(days=1)
    return month.first


def due_month(now: datetime, calendar: Calendar | None = None) -> Month | None:
    """The month whose report is due to go out at ``now``: the month before the current one,
    from the configured hour of the current month's first business day, else None."""
    local = timezone.localtime(now, organisation_zone())
    month = Month.containing(local.date())
    send_on = first_business_day(month, calendar or load_calendar(now))
    if (local.date(), local.hour) < (send_on, settings.REPORT_SEND_HOUR):
        return None
    return month.previous


def recipients(kind: str = PeriodKind.WEEKLY) -> list[ReportSubscription]:
    """Subscriptions whose person is active, has an address and may still subscribe (a
    manager who became an agent stops getting the report)."""
    subscriptions = (
        ReportSubscription.objects.filter(period_kind=kind, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
    )
    return [s for s in subscriptions if s.user.has_perm(SUBSCRIBE_PERMISSION)]


def message(report: IssuedReport, week: Period, to: str) -> EmailMessage:
    context = {
        "week": week,
        "kind": week.adjective,
        "headline": report.figures.get("headline", []),
        "issued_at": timezone.localtime(report.issued_at, organisation_zone()),
        "site": site_context(),
        "link": absolute_url(url_for(week)),
        "manage_link": absolute_url(reverse("reports:subscriptions")),
        "in_app": False,
    }
    subject = " ".join(
        render_to_string(
            "reports/email_subject.txt",
            {**context, "report": {"week": week, "title": report_title(week)}},
        ).split()
    )
    body = tidy(render_to_string("reports/subscription_email_body.txt", context))
    mail = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    mail.attach(report_filename(week), bytes(report.pdf), "application/pdf")
    return mail


def _claim(subscription: ReportSubscription, week: Period, report: IssuedReport, now):
    # None: sent already, or another server is sending it right now.
    return claim(
        ReportSend,
        user=subscription.user,
        email=subscription.user.email,
        period_kind=subscription.period_kind,
        period=str(week),
        issued=report,
        sent_at=now,
    )


def send_due(now: datetime | None = None) -> int:
    """Send the due week's and the due month's issued reports to every subscriber of each not
    yet sent it; how many went."""
    now = now or timezone.now()
    due = [(PeriodKind.WEEKLY, due_week(now)), (PeriodKind.MONTHLY, due_month(now))]
    return sum(send_period(kind, period, now=now) for kind, period in due if period is not None)


def send_period(kind: PeriodKind, week: Period, *, now: datetime) -> int:
    """Send the finished ``week`` (a week or a month) to its subscribers of ``kind`` not yet
    sent it, issuing it first if need be; how many went. Each send is claimed and recorded
    (``ReportSend``) before the mail leaves, so the scan and ``weekly_report --email``, on any
    number of servers, send a period to a person once."""
    done = set(
        ReportSend.objects.filter(period_kind=kind, period=str(week)).values_list(
            "user_id", flat=True
        )
    )
    waiting = [s for s in recipients(kind) if s.user_id not in done]
    if not waiting:
        return 0
    report = issued.issue(week, now=now)
    sent = 0
    for subscription in waiting:
        claim = _claim(subscription, week, report, now)
        if claim is None:
            continue
        try:
            message(report, week, subscription.user.email).send()
        except Exception:
            # Release the claim: the next scan tries this person again.
            claim.delete()
            logger.exception("The report for %s could not be sent to %s", week, claim.email)
            continue
        sent += 1
    return sent


def scan_provider(*, now: datetime) -> dict[str, int]:
    """From ``check_sla``: mail the finished week's report to its subscribers."""
    if not settings.SCHEDULED_REPORTS:
        return {}
    try:
        sent = send_due(now)
    except Exception:
        # A broken report must not stop the rest of the scan; the next scan tries again.
        logger.exception("check_sla could not send the scheduled reports")
        return {}
    return {"reports_sent": sent} if sent else {}


def demo_provider(*, now: datetime) -> dict[str, int]:
    """From ``seed_demo``: the demo manager subscribes to the weekly report."""
    from django.contrib.auth import get_user_model

    manager = get_user_model().objects.filter(username="manager").first()
    if manager is None:
        return {}
    if not manager.email:
        manager.email = "manager@example.org"
        manager.save(update_fields=["email"])
    made = ReportSubscription.objects.get_or_create(
        user=manager, period_kind=PeriodKind.WEEKLY, defaults={"created_at": now}
    )[1]
    return {"subscriptions": int(made)}
