"""Months and quarters are issued like weeks: by the periodic job only, stored once, the PDF
served byte for byte, the changes since named on the page, re-issued by a supervisor with a
reason, and every PDF download recorded.

March 2027 (and Q1 2027) in America/Los_Angeles; the first scan after they ended is at 00:05 on
Thursday 1 April 2027, which is also the first scan of ISO week 2027-W13.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.test import override_settings
from pypdf import PdfReader

from core.models import AuditEntry
from escalations import silence
from escalations.handoffs.models import Channel, Outcome
from reports import issued
from reports.models import IssuedReport, PeriodKind, ReportDownload
from reports.periods import Month, Quarter
from tests import scans
from tests.factories import AdministratorFactory, EngagementFactory, TicketFactory
from tickets.models import Ticket

LA = ZoneInfo("America/Los_Angeles")
SCAN = datetime(2027, 4, 1, 0, 5, tzinfo=LA)
LATER = datetime(2027, 4, 20, 12, 0, tzinfo=LA)
MONTH, QUARTER = "/reports/monthly/?month=2027-03", "/reports/quarterly/?quarter=2027-Q1"
MONTH_PDF, QUARTER_PDF = (
    "/reports/monthly.pdf?month=2027-03",
    "/reports/quarterly.pdf?quarter=2027-Q1",
)
MONTH_REISSUE = "/reports/monthly/reissue/?month=2027-03"
QUARTER_REISSUE = "/reports/quarterly/reissue/?quarter=2027-Q1"

pytestmark = pytest.mark.django_db


def at(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2027, month, day, hour, tzinfo=LA)


@pytest.fixture
def frozen():
    with time_machine.travel(LATER, tick=False):
        yield LATER


@pytest.fixture
def march(frozen):
    """Two tickets in March and one in January, with a request each in March."""
    for day in (3, 17):
        ticket = TicketFactory(opened_at=at(3, day, 9))
        EngagementFactory(
            ticket=ticket, kind="escalate", reason="Owner", requested_at=at(3, day, 10)
        )
    TicketFactory(opened_at=at(1, 12, 9))


@pytest.fixture
def logged_in(client, frozen):
    def login(user):
        client.force_login(user)
        return client

    return login


def pdf_of(response) -> bytes:
    return b"".join(response.streaming_content)


def text_of(content: bytes) -> str:
    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join("".join(page.extract_text() for page in pages).split())


def late_answer(hours: int = 1) -> None:
    """An answer to a request made in March, logged after the month was issued."""
    traveller = time_machine.travel(LATER + timedelta(hours=hours), tick=False)
    traveller.start()
    cache.clear()  # the live figures are cached for five minutes
    ticket = TicketFactory(opened_at=at(3, 24, 9))
    engagement = EngagementFactory(
        ticket=ticket,
        admin=AdministratorFactory(),
        kind="collaborate",
        requested_at=at(3, 24, 10),
    )
    engagement.record_response(
        outcome=Outcome.GAVE_INPUT,
        channel=Channel.TICKET,
        responded_at=at(3, 24, 11),
        by=engagement.requested_by,
    )
    return traveller


@override_settings(SCHEDULED_REPORTS=True)
def test_the_scan_issues_the_month_and_the_quarter_once(march):
    with time_machine.travel(SCAN, tick=False):
        assert silence.run(now=SCAN).reports_issued == 3  # 2027-W12, March 2027, Q1 2027
        assert silence.run(now=SCAN).reports_issued == 0
    issues = IssuedReport.objects.filter(is_current=True).values_list("period_kind", "period")
    assert sorted(issues) == [
        (PeriodKind.MONTHLY, "2027-03"),
        (PeriodKind.QUARTERLY, "2027-Q1"),
        (PeriodKind.WEEKLY, "2027-W12"),
    ]
    month = IssuedReport.objects.get(period_kind=PeriodKind.MONTHLY)
    assert month.issued_at == SCAN
    assert "Monthly report March 2027" in text_of(bytes(month.pdf))
    assert month.sha256 in text_of(bytes(month.pdf)).replace(" ", "")
    assert month.figures["values"]["tickets.logged"] == 2
    quarter = IssuedReport.objects.get(period_kind=PeriodKind.QUARTERLY)
    assert quarter.figures["values"]["tickets.logged"] == 3


@pytest.mark.django_db(transaction=True)
@override_settings(SCHEDULED_REPORTS=True)
def test_two_scans_at_once_issue_each_period_once(migration_data):
    TicketFactory(opened_at=at(3, 3, 9))
    reports, errors = scans.at_once(silence.run, now=SCAN)
    assert errors == []
    assert sum(r.reports_issued for r in reports) == 3
    for kind, period in ((PeriodKind.MONTHLY, "2027-03"), (PeriodKind.QUARTERLY, "2027-Q1")):
        assert IssuedReport.objects.filter(period_kind=kind, period=period).count() == 1


def test_a_second_issuer_of_the_same_month_stores_nothing(march):
    first = issued.claim_issue(Month(2027, 3))
    assert first is not None
    assert issued.claim_issue(Month(2027, 3)) is None  # the partial unique constraint
    assert issued.issue(Month(2027, 3)) == first
    assert IssuedReport.objects.filter(period="2027-03").count() == 1


@pytest.mark.parametrize(
    ("address", "document", "period", "name"),
    [
        (MONTH, MONTH_PDF, Month(2027, 3), "monthly-report-2027-03.pdf"),
        (QUARTER, QUARTER_PDF, Quarter(2027, 1), "quarterly-report-2027-Q1.pdf"),
    ],
)
def test_an_issued_period_serves_the_same_pdf_after_a_late_answer(
    logged_in, manager, march, address, document, period, name
):
    client = logged_in(manager)
    issue = issued.issue(period)
    response = client.get(document)
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    first = pdf_of(response)
    html = client.get(address).content.decode()
    assert issue.sha256 in html and "Issued Tue 20 Apr 2027, 12:00" in html
    assert "The live figures are the same as the issued ones." in html
    assert "Not issued yet" not in html

    traveller = late_answer()
    try:
        again = pdf_of(client.get(document))
        assert again == first == bytes(issue.pdf)
        html = client.get(address).content.decode()
        assert "The live figures have changed since it was issued" in html
        assert f"1 late answer logged since, 1 ticket of the {period.kind} changed since" in html
        changes = html[html.index('id="changes-table"') :]
        assert "Tickets logged" in changes[: changes.index("</table>")]
        live_link = f"{address}&amp;live=1"
        assert f'href="{live_link}">See the live figures' in html
        live = client.get(f"{address}&live=1").content.decode()
        assert "Live figures, not the issued report" in live
        assert f'href="{address.replace("&", "&amp;")}">see the issued report' in live
        live_pdf = pdf_of(client.get(f"{document}&live=1"))
        assert live_pdf != first and "sha256" not in text_of(live_pdf)
    finally:
        traveller.stop()
    assert IssuedReport.objects.filter(period=str(period)).count() == 1


def test_a_finished_month_not_issued_yet_is_live_and_a_view_issues_nothing(
    logged_in, manager, march
):
    client = logged_in(manager)
    html = client.get(MONTH).content.decode()
    assert "Not issued yet" in html and "issues each month shortly after it ends" in html
    assert 'id="issued"' not in html
    response = client.get(MONTH_PDF)
    assert response["Content-Disposition"] == (
        'attachment; filename="monthly-report-2027-03-live-not-issued.pdf"'
    )
    assert "Not issued yet: live figures" in text_of(pdf_of(response))
    running = client.get("/reports/monthly/?month=2027-04").content.decode()
    assert "Not issued yet" not in running and "The month is still running" in running
    assert not IssuedReport.objects.exists()


def test_month_and_quarter_downloads_are_recorded_and_listed(
    logged_in, manager, supervisor, march, frozen
):
    client = logged_in(manager)
    issued.issue(Month(2027, 3))
    pdf_of(client.get(MONTH_PDF))  # the issued file
    pdf_of(client.get(QUARTER_PDF))  # not issued yet: the live one, recorded all the same
    pdf_of(client.get("/reports/monthly.pdf"))  # the default: the last complete month, March
    downloads = ReportDownload.objects.order_by("id")
    assert [(d.user, d.period_kind, d.period_start, d.downloaded_at) for d in downloads] == [
        (manager, PeriodKind.MONTHLY, at(3, 1).date(), frozen),
        (manager, PeriodKind.QUARTERLY, at(1, 1).date(), frozen),
        (manager, PeriodKind.MONTHLY, at(3, 1).date(), frozen),
    ]
    # W09 begins on 1 March too: the week's list holds none of the month's downloads.
    html = logged_in(supervisor).get(MONTH).content.decode()
    section = html[html.index('id="downloads"') :]
    assert "Recent downloads of this month's PDF" in section
    section = section[: section.index("</section>")]
    assert section.count('<td data-label="Who">') == 2  # the month's two, not the quarter's
    week = logged_in(supervisor).get("/reports/weekly/2027-W09/")
    assert week.context["downloads"] == []
    quarter = logged_in(supervisor).get(QUARTER)
    assert [d.period_kind for d in quarter.context["downloads"]] == [PeriodKind.QUARTERLY]


@pytest.mark.parametrize(
    ("address", "reissue", "period"),
    [(MONTH, MONTH_REISSUE, Month(2027, 3)), (QUARTER, QUARTER_REISSUE, Quarter(2027, 1))],
)
def test_reissue_keeps_the_earlier_issue_and_is_audited(
    logged_in, supervisor, march, address, reissue, period
):
    client = logged_in(supervisor)
    earlier = issued.issue(period)
    html = client.get(address).content.decode()
    assert f'href="{reissue.replace("&", "&amp;")}">Re-issue this {period.kind}…' in html
    traveller = late_answer()
    try:
        form = client.get(reissue).content.decode()
        assert f"Re-issue the report for {period.title}" in form
        assert f'action="{reissue}"' in form
        refused = client.post(reissue, {"reason": " ", "confirm": "on"})
        assert refused.status_code == 400
        assert f"Say why the {period.kind} is re-issued." in refused.content.decode()
        response = client.post(reissue, {"reason": "Late answers", "confirm": "on"}, follow=True)
        assert response.redirect_chain == [(address, 302)]
        assert f"{period.title} re-issued; the earlier issue is kept." in response.content.decode()
    finally:
        traveller.stop()
    earlier.refresh_from_db()
    current = IssuedReport.objects.get(period=str(period), is_current=True)
    assert current.period_kind == issued.kind_of(period)
    assert not earlier.is_current and earlier.superseded_by == current
    assert current.reason == "Late answers" and current.issued_by == supervisor
    assert (
        current.figures["values"]["tickets.logged"]
        == earlier.figures["values"]["tickets.logged"] + 1
    )
    assert AuditEntry.objects.filter(
        target_type="reports.issuedreport", target_id=str(current.pk)
    ).exists()
    html = client.get(address).content.decode()
    assert "Earlier issues" in html and "Late answers" in html and current.sha256 in html


@pytest.mark.parametrize("role", ["agent", "manager"])
def test_only_supervisors_reissue_a_month(request, logged_in, march, role):
    client = logged_in(request.getfixturevalue(role))
    issued.issue(Month(2027, 3))
    assert "Re-issue this month" not in client.get(MONTH).content.decode()
    assert client.get(MONTH_REISSUE).status_code == 403
    assert client.post(MONTH_REISSUE, {"reason": "x", "confirm": "on"}).status_code == 403
    assert IssuedReport.objects.filter(period="2027-03").count() == 1


def test_reissuing_a_month_not_issued_yet_is_refused_with_a_message(logged_in, supervisor, march):
    client = logged_in(supervisor)
    response = client.post(MONTH_REISSUE, {"reason": "Early", "confirm": "on"}, follow=True)
    assert response.redirect_chain == [(MONTH, 302)]
    assert "March 2027 has not been issued yet, so there is nothing to re-issue" in (
        response.content.decode()
    )
    assert client.get("/reports/monthly/reissue/?month=2027-04").status_code == 404  # running
    assert client.get("/reports/monthly/reissue/?month=2027-13").status_code == 400
    assert not IssuedReport.objects.exists()


def test_quarters_are_issued_but_not_offered_by_email(logged_in, manager):
    client = logged_in(manager)
    page = client.get("/reports/subscriptions/").content.decode()
    assert "Subscribe to the monthly report" in page
    assert "quarterly" not in page.lower()
    response = client.post(
        "/reports/subscriptions/", {"action": "subscribe", "cadence": "quarterly"}
    )
    assert response.status_code == 400


def test_the_changes_since_count_each_ticket_of_the_month_once(frozen):
    since = LATER - timedelta(days=1)
    logged_and_resolved = TicketFactory(opened_at=at(3, 3, 9), resolved_at=at(3, 4, 9))
    resolved_in_march = TicketFactory(opened_at=at(2, 20, 9), resolved_at=at(3, 2, 9))
    logged_in_march = TicketFactory(opened_at=at(3, 10, 9))
    TicketFactory(opened_at=at(2, 3, 9), resolved_at=at(2, 4, 9))  # February only
    unchanged = TicketFactory(opened_at=at(3, 11, 9), resolved_at=at(3, 12, 9))
    for ticket in (logged_and_resolved, resolved_in_march, logged_in_march):
        assert ticket.updated_at > since
    Ticket.objects.filter(pk=unchanged.pk).update(updated_at=since - timedelta(hours=1))
    assert issued.reasons(Month(2027, 3), since) == ["3 tickets of the month changed since"]
