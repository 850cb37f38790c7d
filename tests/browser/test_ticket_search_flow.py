"""The header's search box and the ticket queues, as an agent clicks through them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, AgentFactory, TicketFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width,height", [(1366, 900), (390, 844)])
def test_a_ticket_id_in_the_header_search_opens_the_ticket(live_server, page, login, width, height):
    page.set_viewport_size({"width": width, "height": height})
    agent = AgentFactory(username="ann")
    TicketFactory(external_id="48213", title="VPN drops every hour", agent=agent)
    TicketFactory(external_id="48214", title="Printer jam", category=None, agent=agent)
    login(agent, PASSWORD)

    search = page.get_by_role("searchbox", name="Find a ticket")
    expect(search).to_be_in_viewport()
    search.fill("#48213")
    search.press("Enter")
    page.wait_for_url(f"{live_server.url}/tickets/48213/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("VPN drops every hour")

    search = page.get_by_role("searchbox", name="Find a ticket")
    search.fill("printer")
    search.press("Enter")
    page.wait_for_url(re.compile(r"/tickets/\?q=printer$"))
    table = page.locator("#ticket-table")
    expect(table).to_contain_text("1 ticket matches the filters.")
    expect(table).to_contain_text("Printer jam")
    expect(table).not_to_contain_text("VPN drops")

    page.get_by_role("navigation", name="Queues").get_by_role("link", name="Uncategorised").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Uncategorised tickets")
    expect(page.locator("#ticket-table")).to_contain_text("Printer jam")
