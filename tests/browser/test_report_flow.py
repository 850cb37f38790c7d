from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reports import issued
from reports.models import IssuedReport, ReportDownload
from reports.weekly import current_week
from tests.factories import PASSWORD, EngagementFactory, ManagerFactory, TicketFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_picks_a_week_and_downloads_its_pdf(live_server, page, login, tmp_path):
    manager = ManagerFactory(username="max", first_name="Max", last_name="Manager")
    last_week = current_week().previous
    opened = last_week.bounds(timezone.get_current_timezone())[0] + timedelta(days=2, hours=9)
    ticket = TicketFactory(external_id="88001", title="Projector flickers", opened_at=opened)
    EngagementFactory(
        ticket=ticket,
        kind="escalate",
        reason="Owner needed",
        requested_at=opened + timedelta(hours=3),
    )

    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Refused to" in m.text else None)
    login(manager, PASSWORD)
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Weekly reports")
    page.locator("#week-table").get_by_role("link", name=str(last_week), exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Weekly report {last_week}")
    expect(page.locator("#figures-heading")).to_have_text("The week in figures")
    expect(page.locator("svg.trend-chart")).to_have_count(2)
    expect(page.locator("#aging-table")).to_contain_text("#88001")
    # Finished, but the periodic job has not issued it yet: live figures, said so.
    expect(page.locator("#not-issued")).to_contain_text("these are the live figures")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download PDF").click()
    download = info.value
    assert download.suggested_filename == f"weekly-report-{last_week}-live-not-issued.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert Path(saved).read_bytes().startswith(b"%PDF")

    record = ReportDownload.objects.get()
    assert (record.user, record.period_start) == (manager, last_week.monday)
    assert not IssuedReport.objects.exists()  # looking issued nothing

    issue = issued.issue(last_week)  # what check_sla's scan does once the week has ended
    page.reload()
    expect(page.locator("#issued-heading")).to_contain_text("Issued")
    expect(page.locator("#not-issued")).to_have_count(0)
    with page.expect_download() as info:
        page.get_by_role("link", name="Download PDF").click()
    download = info.value
    assert download.suggested_filename == f"weekly-report-{last_week}.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert Path(saved).read_bytes() == bytes(issue.pdf)
    # The inline SVG charts use presentation attributes: nothing trips the content policy.
    assert refused == []
