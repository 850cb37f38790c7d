from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, EngagementFactory, ManagerFactory, TicketFactory
from tickets.models import Status, Tier

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_lands_on_the_report_and_every_nav_link_answers(live_server, page, login):
    manager = ManagerFactory(username="max", first_name="Max", last_name="Manager")
    ticket = TicketFactory(external_id="66001", tier=Tier.ESCALATE, status=Status.WAITING_ON_ADMIN)
    EngagementFactory(ticket=ticket, kind="escalate", reason="Owner needed")
    page.set_viewport_size({"width": 1366, "height": 900})

    login(manager, PASSWORD)

    # The landing page: the strip, then the weekly report and the response summary first.
    headings = page.locator("main h2:not(.visually-hidden)").all_inner_texts()
    assert headings[0].startswith("Weekly report ")
    assert headings[1].startswith("Admin response summary")
    assert headings.index("Open escalations (1)") > 1
    expect(page.get_by_role("link", name="Download PDF")).to_be_visible()
    expect(page.locator("#headline-strip")).to_contain_text("Awaiting an answer")

    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Log ticket")).to_have_count(0)
    expect(page.locator("#quick-log")).to_have_count(0)
    hrefs = [a.get_attribute("href") for a in nav.get_by_role("link").all()]
    assert len(hrefs) >= 7
    for href in hrefs:
        response = page.goto(f"{live_server.url}{href}")
        assert response.status == 200, href
        expect(page.locator("h1")).not_to_contain_text("403")
