"""The Content Security Policy allows only the app's own files: no page, and no htmx swap, trips
it or leaves anything else in the console."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, SupervisorFactory, TicketFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pages_run_without_a_policy_violation(live_server, page, login, console_problems):
    supervisor = SupervisorFactory(username="sue", is_staff=True)
    ticket = TicketFactory(external_id="70001", title="Printer offline", agent=supervisor)
    login(supervisor, PASSWORD)
    for path in [
        "/",
        "/tickets/",
        ticket.get_absolute_url(),
        "/admins/",
        "/admins/purview/",
        "/guide/",
        "/sla/",
        "/sla/calendar/",
        "/urgent/",
        "/notifications/",
        "/django-admin/",
    ]:
        page.goto(live_server.url + path)
    assert console_problems.seen() == []


def test_htmx_swaps_run_without_a_policy_violation(live_server, page, login, console_problems):
    """htmx adds its indicator styles as an inline <style> unless told not to; the policy
    refuses it, and a swap must not add anything else the policy refuses: a form post and a
    search each swap a part of the page here."""
    supervisor = SupervisorFactory(username="sue", is_staff=True)
    TicketFactory(external_id="70001", title="Printer offline", agent=supervisor)
    login(supervisor, PASSWORD)

    quick_log = page.locator("#quick-log")
    quick_log.get_by_label("Ticket ID").fill("88123")
    quick_log.get_by_label("Title").fill("Shared drive permissions wrong")
    quick_log.get_by_label("Department").fill("Research")
    quick_log.get_by_role("button", name="Log ticket").click()
    expect(page.locator("#dashboard-lists")).to_contain_text("Shared drive permissions wrong")

    page.goto(live_server.url + "/tickets/")
    page.get_by_label("Search").fill("Printer")
    expect(page.locator("#ticket-table tbody tr")).to_have_count(1)

    assert console_problems.seen() == []
