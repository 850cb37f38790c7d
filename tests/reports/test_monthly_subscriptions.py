"""Monthly subscriptions: the last month's issued PDF, on the first business day after it.

March 2027 ends on a Wednesday; Thursday 1 April is a working day, so its report goes out from
07:00 that day (REPORT_SEND_HOUR). April ends on a Friday and 1 May is a Saturday: its report
waits for Monday 3 May, or for Tuesday when that Monday is a closure.
"""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import override_settings
from pypdf import PdfReader

from escalations import silence
from reports import subscriptions
from reports.models import IssuedReport, PeriodKind, ReportSend, ReportSubscription
from reports.periods import Month
from tests.factories import ManagerFactory, SupervisorFactory, TicketFactory
from tickets.sla.models import Closure

LA = ZoneInfo("America/Los_Angeles")
PAGE = "/reports/subscriptions/"

pytestmark = pytest.mark.django_db


def monthly(mailoutbox, period="2027-03", address=None):
    return [
        m
        for m in mailoutbox
        if m.attachments
        and m.attachments[0][0] == f"monthly-report-{period}.pdf"
        and (address is None or m.to == [address])
    ]


def scan(at: datetime):
    with time_machine.travel(at, tick=False):
        return silence.run(now=at)


def test_the_send_day_is_the_first_business_day():
    assert subscriptions.due_month(datetime(2027, 4, 1, 6, 59, tzinfo=LA)) is None
    assert subscriptions.due_month(datetime(2027, 4, 1, 7, 0, tzinfo=LA)) == Month(2027, 3)
    assert subscriptions.due_month(datetime(2027, 4, 30, 23, 0, tzinfo=LA)) == Month(2027, 3)
    assert subscriptions.due_month(datetime(2027, 5, 1, 12, 0, tzinfo=LA)) is None  # Saturday
    assert subscriptions.due_month(datetime(2027, 5, 3, 7, 0, tzinfo=LA)) == Month(2027, 4)
    Closure.objects.create(day=datetime(2027, 5, 3).date(), name="Closed")
    assert subscriptions.due_month(datetime(2027, 5, 3, 12, 0, tzinfo=LA)) is None
    assert subscriptions.due_month(datetime(2027, 5, 4, 7, 0, tzinfo=LA)) == Month(2027, 4)


def test_a_manager_subscribes_to_the_monthly_report_beside_the_weekly(client):
    manager = ManagerFactory()
    client.force_login(manager)
    page = client.get(PAGE).content.decode()
    assert "Subscribe to the monthly report" in page and "Subscribe to the weekly report" in page
    response = client.post(PAGE, {"action": "subscribe", "cadence": "monthly"}, follow=True)
    assert "the monthly report goes to" in response.content.decode()
    client.post(PAGE, {"action": "subscribe"})  # no cadence: the weekly one, as before
    kinds = set(ReportSubscription.objects.filter(user=manager).values_list("period_kind", flat=1))
    assert kinds == {PeriodKind.WEEKLY, PeriodKind.MONTHLY}
    page = client.get(PAGE).content.decode()
    assert "Unsubscribe from the monthly report" in page
    client.post(PAGE, {"action": "unsubscribe", "cadence": "monthly"})
    kinds = set(ReportSubscription.objects.filter(user=manager).values_list("period_kind", flat=1))
    assert kinds == {PeriodKind.WEEKLY}
    response = client.post(PAGE, {"action": "subscribe", "cadence": "hourly"})
    assert response.status_code == 400


@override_settings(SCHEDULED_REPORTS=True)
def test_the_month_goes_out_once_per_month_and_person(mailoutbox, client):
    with time_machine.travel(datetime(2027, 3, 31, 12, 0, tzinfo=LA), tick=False):
        TicketFactory(opened_at=datetime(2027, 3, 15, 9, 0, tzinfo=LA))
    manager, supervisor = ManagerFactory(), SupervisorFactory()
    weekly_only = ManagerFactory()
    for user in (manager, supervisor):
        ReportSubscription.objects.create(user=user, period_kind=PeriodKind.MONTHLY)
    ReportSubscription.objects.create(user=weekly_only, period_kind=PeriodKind.WEEKLY)

    scan(datetime(2027, 4, 1, 6, 59, tzinfo=LA))
    assert monthly(mailoutbox) == []
    first = datetime(2027, 4, 1, 7, 5, tzinfo=LA)
    scan(first)
    assert len(monthly(mailoutbox, address=manager.email)) == 1
    assert len(monthly(mailoutbox, address=supervisor.email)) == 1
    assert monthly(mailoutbox, address=weekly_only.email) == []
    # The job runs again, at the same moment (a second server) and later: nothing more.
    with time_machine.travel(first, tick=False):
        assert subscriptions.send_due(first) == 0
    scan(datetime(2027, 4, 1, 7, 20, tzinfo=LA))
    scan(datetime(2027, 4, 12, 7, 20, tzinfo=LA))
    assert len(monthly(mailoutbox)) == 2
    sends = ReportSend.objects.filter(period_kind=PeriodKind.MONTHLY)
    assert sorted((s.user_id, s.period) for s in sends) == sorted(
        [(manager.pk, "2027-03"), (supervisor.pk, "2027-03")]
    )

    mail = monthly(mailoutbox, address=manager.email)[0]
    issue = IssuedReport.objects.get(period_kind=PeriodKind.MONTHLY, period="2027-03")
    assert mail.attachments[0][1] == bytes(issue.pdf)  # the issued file, byte for byte
    assert (
        "Monthly report March 2027"
        in PdfReader(io.BytesIO(bytes(issue.pdf))).pages[0].extract_text()
    )
    assert mail.subject.startswith("Monthly report March 2027")
    assert "/reports/monthly/?month=2027-03" in mail.body
    assert "Tickets logged: 1" in mail.body
    # The weekly subscriber got the weeks (W12 on 1 April, W14 on 12 April), not the month.
    names = [m.attachments[0][0] for m in mailoutbox if m.to == [weekly_only.email]]
    assert names == ["weekly-report-2027-W12.pdf", "weekly-report-2027-W14.pdf"]

    client.force_login(manager)
    page = client.get(PAGE).content.decode()
    assert (
        'href="/reports/monthly/?month=2027-03">2027-03</a> <span class="muted">(monthly)' in page
    )


@override_settings(SCHEDULED_REPORTS=True)
def test_a_claim_another_server_holds_is_skipped(mailoutbox):
    first, second = ManagerFactory(), ManagerFactory()
    for user in (first, second):
        ReportSubscription.objects.create(user=user, period_kind=PeriodKind.MONTHLY)
    moment = datetime(2027, 4, 1, 8, 0, tzinfo=LA)
    with time_machine.travel(moment, tick=False):
        from reports import issued

        report = issued.issue(Month(2027, 3))
        ReportSend.objects.create(
            user=first,
            email=first.email,
            period_kind=PeriodKind.MONTHLY,
            period="2027-03",
            issued=report,
        )
        assert subscriptions.send_due(moment) == 1
    assert monthly(mailoutbox, address=first.email) == []
    assert len(monthly(mailoutbox, address=second.email)) == 1
