"""The ticket list's Next and Previous links, as a person pages through 60 tickets."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import PASSWORD, AgentFactory, TicketFactory
from tickets import listing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_next_twice_and_back_once_shows_the_right_rows(
    live_server, page, login, console_problems, monkeypatch
):
    monkeypatch.setattr(listing, "PAGE_SIZE", 25)
    agent = AgentFactory(username="ann")
    now = timezone.now()
    # Two share each minute, the later logged first among them: 71001, 71000, 71003, 71002, …
    # so the 25th and 26th rows (71025, 71024) tie on the date across a page break.
    order = [f"#{71000 + i + 1 - 2 * (i % 2)}" for i in range(60)]
    for i in range(60):
        TicketFactory(
            external_id=str(71000 + i),
            title=f"Ticket number {i}",
            agent=agent,
            opened_at=now - timedelta(minutes=i // 2),
        )
    login(agent, PASSWORD)
    page.goto(live_server.url + "/tickets/")
    table = page.locator("#ticket-table")
    rows = table.locator("tbody tr")
    pages = table.get_by_role("navigation", name="Pages")
    expect(pages).to_contain_text("Tickets 1–25 of 60")
    expect(rows.first).to_contain_text(order[0])

    pages.get_by_role("link", name="Next →").click()
    expect(pages).to_contain_text("Tickets 26–50 of 60")
    expect(rows).to_have_count(25)
    expect(rows.first).to_contain_text(order[25])
    expect(rows.last).to_contain_text(order[49])
    expect(page).to_have_url(re.compile(r"/tickets/\?after=[^&]+&start=26$"))

    # The second time from the keyboard: the link is focusable and Enter follows it.
    pages.get_by_role("link", name="Next →").focus()
    page.keyboard.press("Enter")
    expect(pages).to_contain_text("Tickets 51–60 of 60")
    expect(rows).to_have_count(10)
    expect(rows.first).to_contain_text(order[50])
    expect(rows.last).to_contain_text(order[59])
    expect(pages.get_by_role("link", name="Next →")).to_have_count(0)

    pages.get_by_role("link", name="← Previous").click()
    expect(pages).to_contain_text("Tickets 26–50 of 60")
    expect(rows).to_have_count(25)
    expect(rows.first).to_contain_text(order[25])
    expect(rows.last).to_contain_text(order[49])
    expect(page).to_have_url(re.compile(r"/tickets/\?(?=.*\bbefore=)(?=.*\bstart=26\b)"))
    assert console_problems.seen() == []
