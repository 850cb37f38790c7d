"""Issued weeks: issued by the periodic job only, never by a view; frozen PDF bytes, the
changes since named on the page, re-issue and roles."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.test import override_settings

from core.models import AuditEntry
from escalations import silence
from escalations.handoffs.models import Outcome
from reports import issued
from reports.models import IssuedReport, ReportDownload
from reports.weeks import IsoWeek
from tests import scans
from tests.factories import EngagementFactory, TicketFactory
from tests.reports.conftest import LA, WEEK, _respond, may

PAGE = f"/reports/weekly/{WEEK}/"
PDF = f"/reports/weekly/{WEEK}.pdf"
REISSUE = f"/reports/weekly/{WEEK}/reissue/"


TRAVELLERS: list = []


@pytest.fixture(autouse=True)
def _back_in_time():
    yield
    while TRAVELLERS:
        TRAVELLERS.pop().stop()


# The first check_sla scan after 2026-W20 ended (Monday 18 May 00:00).
MONDAY = datetime(2026, 5, 18, 0, 5, tzinfo=LA)


def issue_week() -> IssuedReport:
    """What the periodic job does once the week has ended (``reports.issued.scan_provider``,
    or the scheduled send): issue it. No view does."""
    return issued.issue(IsoWeek.parse(WEEK))


def pdf_of(response) -> bytes:
    return b"".join(response.streaming_content)


def late_answer(known_week):
    """An answer to a request of the week, logged an hour after the week was issued."""
    from datetime import timedelta

    import time_machine
    from django.core.cache import cache

    from tests.reports.conftest import LATER, may

    traveller = time_machine.travel(LATER + timedelta(hours=1), tick=False)
    traveller.start()
    TRAVELLERS.append(traveller)
    cache.clear()  # the live figures are cached for five minutes
    ticket = known_week.tickets[1]
    engagement = EngagementFactory(
        ticket=ticket, admin=known_week.lee, kind="collaborate", requested_at=may(12, 10)
    )
    _respond(engagement, Outcome.GAVE_INPUT, may(12, 11))


def test_an_issued_week_serves_the_same_pdf_after_a_late_answer(manager_client, known_week):
    issue_week()
    first = b"".join(manager_client.get(PDF).streaming_content)
    page = manager_client.get(PAGE).content.decode()
    issue = IssuedReport.objects.get(period=WEEK, is_current=True)
    assert issue.sha256 in page and "Issued" in page
    late_answer(known_week)
    again = b"".join(manager_client.get(PDF).streaming_content)
    assert again == first == bytes(issue.pdf)
    page = manager_client.get(PAGE).content.decode()
    assert "1 late answer logged since" in page
    assert "Answered so far" in page
    assert "?live=1" in page
    live = manager_client.get(PAGE + "?live=1").content.decode()
    assert "Live figures" in live
    assert IssuedReport.objects.filter(period=WEEK).count() == 1


def test_the_pdf_footer_prints_the_content_hash(manager_client, known_week):
    import io

    from pypdf import PdfReader

    issue = issue_week()
    content = b"".join(manager_client.get(PDF).streaming_content)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert issue.sha256 in text.replace("\n", "")


def test_reissue_keeps_the_earlier_issue_and_is_audited(supervisor_client, known_week):
    earlier = issue_week()
    late_answer(known_week)
    refused = supervisor_client.post(REISSUE, {"reason": " ", "confirm": "on"})
    assert refused.status_code == 400
    assert "Say why the week is re-issued." in refused.content.decode()
    response = supervisor_client.post(REISSUE, {"reason": "Late answers", "confirm": "on"})
    assert response.status_code == 302
    earlier.refresh_from_db()
    current = IssuedReport.objects.get(period=WEEK, is_current=True)
    assert not earlier.is_current and earlier.superseded_by == current
    assert current.reason == "Late answers" and current.pdf != earlier.pdf
    assert AuditEntry.objects.filter(
        target_type="reports.issuedreport", target_id=str(current.pk)
    ).exists()
    page = supervisor_client.get(PAGE).content.decode()
    assert "Earlier issues" in page and "Late answers" in page


@pytest.mark.parametrize("role", ["agent_client", "manager_client"])
def test_only_supervisors_reissue(request, known_week, role):
    client = request.getfixturevalue(role)
    issue_week()
    assert client.get(PAGE).status_code == 200
    assert client.post(REISSUE, {"reason": "x", "confirm": "on"}).status_code == 403
    assert IssuedReport.objects.filter(period=WEEK).count() == 1


def test_the_command_writes_the_issued_pdf(manager_client, known_week, tmp_path):
    from django.core.management import call_command

    issue_week()
    out = tmp_path / "r.pdf"
    call_command("weekly_report", WEEK, output=str(out))
    assert out.read_bytes() == bytes(IssuedReport.objects.get(period=WEEK).pdf)


def test_a_request_withdrawn_after_the_issue_is_named_among_the_changes(manager_client, known_week):
    from datetime import timedelta

    import time_machine
    from django.core.cache import cache

    from escalations.handoffs.models import Engagement
    from tests.reports.conftest import LATER, may

    waiting = EngagementFactory(
        ticket=known_week.tickets[1],
        admin=known_week.lee,
        kind="collaborate",
        requested_at=may(12, 10),
    )
    issue_week()  # issued with the request still awaiting an answer
    assert "of the week withdrawn since" not in manager_client.get(PAGE).content.decode()
    traveller = time_machine.travel(LATER + timedelta(hours=2), tick=False)
    traveller.start()
    TRAVELLERS.append(traveller)
    cache.clear()
    Engagement.objects.filter(pk=waiting.pk).withdraw("Ticket resolved.")
    waiting.refresh_from_db()
    assert waiting.withdrawn_at == LATER + timedelta(hours=2)
    page = manager_client.get(PAGE).content.decode()
    assert "1 request of the week withdrawn since" in page


def test_a_finished_week_not_issued_yet_shows_the_live_figures_and_issues_nothing(
    manager_client, manager, known_week, frozen
):
    page = manager_client.get(PAGE)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Not issued yet" in html and "these are the live figures" in html
    assert "Tickets logged" in html  # the figures are there, live
    assert 'id="issued"' not in html and "Re-issue" not in html
    response = manager_client.get(PDF)
    assert response["Content-Disposition"] == (
        f'attachment; filename="weekly-report-{WEEK}-live-not-issued.pdf"'
    )
    content = pdf_of(response)
    assert content.startswith(b"%PDF") and b"sha256" not in content
    download = ReportDownload.objects.get()
    assert (download.user, download.downloaded_at) == (manager, frozen)  # recorded, as today
    assert not IssuedReport.objects.exists()  # a GET writes no issue

    issue = issue_week()
    html = manager_client.get(PAGE).content.decode()
    assert "Not issued yet" not in html and issue.sha256 in html
    response = manager_client.get(PDF)
    assert response["Content-Disposition"] == f'attachment; filename="weekly-report-{WEEK}.pdf"'
    assert pdf_of(response) == bytes(issue.pdf)


def test_the_live_pdf_of_a_week_not_issued_yet_says_so(manager_client, known_week):
    import io

    from pypdf import PdfReader

    content = pdf_of(manager_client.get(PDF))
    text = " ".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split())
    assert "Not issued yet: live figures" in text


def test_the_scan_issues_a_finished_week_once_and_the_page_shows_it(manager_client, known_week):
    with override_settings(SCHEDULED_REPORTS=True):
        with time_machine.travel(MONDAY, tick=False):
            assert "Not issued yet" in manager_client.get(PAGE).content.decode()
            assert not IssuedReport.objects.exists()
            # The week, and the month and the quarter before this one, never issued yet.
            assert silence.run(now=MONDAY).reports_issued == 3
            assert silence.run(now=MONDAY).reports_issued == 0  # the next scan: nothing
        issue = IssuedReport.objects.get(period=WEEK)
        assert issue.issued_at == MONDAY and issue.is_current
    html = manager_client.get(PAGE).content.decode()
    assert "Issued Mon 18 May 2026, 00:05" in html and issue.sha256 in html
    assert "Not issued yet" not in html
    assert pdf_of(manager_client.get(PDF)) == bytes(issue.pdf)
    issues = IssuedReport.objects.values_list("period_kind", "period")
    assert sorted(issues) == [("monthly", "2026-04"), ("quarterly", "2026-Q1"), ("weekly", WEEK)]


@pytest.mark.django_db(transaction=True)
@override_settings(SCHEDULED_REPORTS=True)
def test_two_scans_at_once_issue_the_week_once(migration_data):
    TicketFactory(opened_at=may(12, 9))
    reports, errors = scans.at_once(silence.run, now=MONDAY)
    assert errors == []
    # The week, April and Q1 2026: each issued once, and counted by the one scan that did.
    assert sum(r.reports_issued for r in reports) == 3
    assert IssuedReport.objects.filter(period=WEEK, is_current=True).count() == 1
    assert IssuedReport.objects.count() == 3


def test_reissuing_a_week_not_issued_yet_is_refused_with_a_message(supervisor_client, known_week):
    response = supervisor_client.get(REISSUE, follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    assert f"{WEEK} has not been issued yet, so there is nothing to re-issue" in (
        response.content.decode()
    )
    response = supervisor_client.post(REISSUE, {"reason": "Early", "confirm": "on"})
    assert (response.status_code, response["Location"]) == (302, PAGE)
    assert not IssuedReport.objects.exists()
    assert not AuditEntry.objects.filter(target_type="reports.issuedreport").exists()


def test_the_reissue_service_refuses_a_week_not_issued_yet(known_week, supervisor):
    with pytest.raises(issued.NotIssued):
        issued.reissue(IsoWeek.parse(WEEK), by=supervisor, reason="Early")
    assert not IssuedReport.objects.exists()


def test_a_change_below_the_headline_is_named_too(manager_client, known_week):
    """A due time corrected after the issue moves no headline figure, only the count of open
    tickets breached at the week's end: the page still names it."""
    from datetime import timedelta

    from django.core.cache import cache

    from tests.reports.conftest import LATER, may
    from tickets.models import Ticket

    issue = issued.issue(IsoWeek.parse(WEEK))
    traveller = time_machine.travel(LATER + timedelta(hours=3), tick=False)
    traveller.start()
    TRAVELLERS.append(traveller)
    cache.clear()
    # T3 is still open at the week's end; its resolution turns out to have been due before.
    Ticket.objects.filter(pk=known_week.tickets[3].pk).update(resolution_due_at=may(15, 12))
    page = manager_client.get(PAGE).content.decode()
    table = page[page.index('id="changes-table"') :]
    table = table[: table.index("</table>")]
    assert "Breached among them" in table
    headline = {f"{label}" for label, *_ in issue.figures["headline"]}
    assert "Breached among them" not in headline
