"""The Content Security Policy allows only the app's own files: no page trips it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, SupervisorFactory, TicketFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pages_run_without_a_policy_violation(live_server, page, login):
    supervisor = SupervisorFactory(username="sue", is_staff=True)
    ticket = TicketFactory(external_id="70001", title="Printer offline", agent=supervisor)
    complaints = []
    page.on(
        "console",
        lambda message: (
            complaints.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
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
    # An htmx request too: filtering the list swaps the table in place.
    page.goto(live_server.url + "/tickets/")
    page.get_by_label("Search").fill("Printer")
    expect(page.locator("#ticket-table tbody tr")).to_have_count(1)
    assert complaints == []
