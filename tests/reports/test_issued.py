"""Issued weeks: frozen PDF bytes, the changes since named on the page, re-issue and roles."""

from __future__ import annotations

import pytest

from core.models import AuditEntry
from escalations.handoffs.models import Outcome
from reports.models import IssuedReport
from tests.factories import EngagementFactory
from tests.reports.conftest import WEEK, _respond

PAGE = f"/reports/weekly/{WEEK}/"
PDF = f"/reports/weekly/{WEEK}.pdf"
REISSUE = f"/reports/weekly/{WEEK}/reissue/"


TRAVELLERS: list = []


@pytest.fixture(autouse=True)
def _back_in_time():
    yield
    while TRAVELLERS:
        TRAVELLERS.pop().stop()


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
    first = b"".join(manager_client.get(PDF).streaming_content)
    page = manager_client.get(PAGE).content.decode()
    issue = IssuedReport.objects.get(period=WEEK, is_current=True)
    assert issue.sha256 in page and "Issued" in page
    late_answer(known_week)
    again = b"".join(manager_client.get(PDF).streaming_content)
    assert again == first == bytes(issue.pdf)
    page = manager_client.get(PAGE).content.decode()
    assert "1 late answer logged since" in page
    assert "Requests answered" in page
    assert "?live=1" in page
    live = manager_client.get(PAGE + "?live=1").content.decode()
    assert "Live figures" in live
    assert IssuedReport.objects.filter(period=WEEK).count() == 1


def test_the_pdf_footer_prints_the_content_hash(manager_client, known_week):
    import io

    from pypdf import PdfReader

    content = b"".join(manager_client.get(PDF).streaming_content)
    issue = IssuedReport.objects.get(period=WEEK)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert issue.sha256 in text.replace("\n", "")


def test_reissue_keeps_the_earlier_issue_and_is_audited(supervisor_client, known_week):
    supervisor_client.get(PAGE)
    earlier = IssuedReport.objects.get(period=WEEK)
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
    assert client.get(PAGE).status_code == 200
    assert client.post(REISSUE, {"reason": "x", "confirm": "on"}).status_code == 403
    assert IssuedReport.objects.filter(period=WEEK).count() == 1


def test_the_command_writes_the_issued_pdf(manager_client, known_week, tmp_path):
    from django.core.management import call_command

    manager_client.get(PAGE)
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
    manager_client.get(PAGE)  # issued with the request still awaiting an answer
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
