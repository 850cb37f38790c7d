"""One time zone for the organisation: the calendar's, used by clocks, pages and reports."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from reports.weekly import build
from reports.weeks import IsoWeek
from tests.factories import TicketFactory
from tests.tickets.sla.test_pages import calendar_data

BERLIN = ZoneInfo("Europe/Berlin")
# Tuesday 12 May 2026, 22:30 UTC: still Tuesday in Los Angeles, already Wednesday in Berlin.
OPENED = datetime(2026, 5, 12, 22, 30, tzinfo=UTC)


@pytest.fixture
def berlin(supervisor_client):
    """The supervisor moves the organisation to Berlin on the calendar page."""
    response = supervisor_client.post(
        reverse("sla:calendar_edit"), calendar_data(time_zone="Europe/Berlin"), follow=True
    )
    assert "Business calendar saved." in response.content.decode()


def test_pages_show_times_in_the_calendar_zone(berlin, supervisor_client, agent):
    ticket = TicketFactory(agent=agent, opened_at=OPENED)
    html = supervisor_client.get(
        reverse("tickets:detail", args=[ticket.external_id])
    ).content.decode()
    assert "2026-05-13 00:30" in html
    assert "2026-05-12 15:30" not in html


def test_weekly_report_weeks_start_at_midnight_in_the_calendar_zone(berlin):
    report = build(IsoWeek.parse("2026-W20"))
    # Midnight in Berlin (summer time, two hours ahead) is 22:00 UTC on the Sunday.
    assert report.start == datetime(2026, 5, 10, 22, 0, tzinfo=UTC)
    assert report.start.astimezone(BERLIN).hour == 0


def test_the_report_page_names_the_calendar_zone(berlin, manager_client):
    html = manager_client.get(reverse("reports:weekly")).content.decode()
    assert "in Europe/Berlin time" in html


def test_a_new_installation_starts_from_the_time_zone_setting(db):
    from tickets.sla.clock import organisation_zone

    assert organisation_zone() == ZoneInfo("America/Los_Angeles")
