from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, AgentFactory, TicketFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_log_from_dashboard_filter_open_change_tier_see_timeline(live_server, page, login):
    agent = AgentFactory(username="ann", first_name="Ann", last_name="Lee")
    TicketFactory(external_id="1001", title="Older ticket", agent=agent)
    login(agent, PASSWORD)

    # Log from the dashboard's quick form: the lists update in place and the form resets.
    form = page.locator("#quick-log")
    form.get_by_label("Ticket ID").fill("88123")
    form.get_by_label("Title").fill("Shared drive permissions wrong")
    form.get_by_label("Tier").select_option("collaborate")
    form.get_by_label("Department").fill("Research")
    form.get_by_role("button", name="Log ticket").click()
    expect(page.locator("#quick-log")).to_contain_text("Ticket #88123 logged as Collaborate")
    expect(page.locator("#quick-log").get_by_label("Ticket ID")).to_have_value("")
    expect(page.locator("#dashboard-lists")).to_contain_text("Shared drive permissions wrong")

    # Find it on the list with a filter; the URL follows so the view can be shared.
    page.get_by_role("link", name="All tickets", exact=True).first.click()
    page.get_by_label("Search").fill("permissions")
    expect(page.locator("#ticket-table tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=permissions"))
    page.get_by_label("Tier").select_option("handle")
    expect(page.locator("#ticket-table")).to_contain_text("No tickets match these filters")
    page.get_by_label("Tier").select_option("collaborate")
    expect(page.locator("#ticket-table tbody tr")).to_have_count(1)

    # Open it and move it back to Handle with a reason.
    page.get_by_role("link", name="#88123").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Shared drive permissions wrong")
    page.locator("#id_tier").select_option("handle")
    page.locator("#id_reason").fill("The share owner fixed it on the call")
    page.get_by_role("button", name="Change tier").click()
    expect(page.locator("#messages")).to_contain_text("Tier changed to Handle")
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text("Tier changed")
    expect(timeline).to_contain_text("“Collaborate” → “Handle”")
    expect(timeline).to_contain_text("The share owner fixed it on the call")
    expect(page.locator(".page-head .tier-handle")).to_be_visible()


def test_filters_work_without_javascript(live_server, browser, login):
    agent = AgentFactory(username="bo")
    TicketFactory(external_id="2001", title="Projector flickers", agent=agent)
    TicketFactory(external_id="2002", title="Mailbox full", agent=agent)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("bo")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/tickets/")
    page.get_by_label("Search").fill("mailbox")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#ticket-table tbody tr")).to_have_count(1)
    expect(page.locator("#ticket-table")).to_contain_text("Mailbox full")
    context.close()
