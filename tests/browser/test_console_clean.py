"""What an agent does most, logging a ticket and searching the list, leaves the browser console
clean, and the browser's own checks work."""

from __future__ import annotations

import contextlib

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Route, expect

from tests.factories import PASSWORD, AgentFactory, TicketFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_browser_refuses_a_bad_ticket_id_before_sending(
    live_server, page, login, console_problems
):
    agent = AgentFactory(username="ann")
    login(agent, PASSWORD)
    page.goto(live_server.url + "/tickets/new/")
    ticket_id = page.get_by_label("Ticket ID")

    checks = {}
    for value in ["INC-0042.a_1", "42", "-42", "4 2", "no-digits"]:
        ticket_id.fill(value)
        checks[value] = ticket_id.evaluate("e => e.validity.patternMismatch")
    assert checks == {
        "INC-0042.a_1": False,
        "42": False,
        "-42": True,
        "4 2": True,
        "no-digits": True,
    }

    page.get_by_label("Title").fill("Printer offline")
    page.get_by_role("button", name="Log ticket").click()
    # Refused in the browser: still on the form, the field reported invalid, nothing posted.
    assert page.url == live_server.url + "/tickets/new/"
    assert ticket_id.evaluate("e => e.matches(':invalid')")
    assert console_problems.seen() == []


def test_typing_a_search_while_the_server_is_slow_logs_no_error(
    live_server, page, login, console_problems
):
    """Each pause in typing sends a search; a slow answer must not make the next one abort it
    (htmx logs an aborted request as an error) and the table ends on the last text typed."""
    agent = AgentFactory(username="ann")
    TicketFactory(external_id="70001", title="Printer offline", agent=agent)
    TicketFactory(external_id="70002", title="Print queue stuck", agent=agent)
    login(agent, PASSWORD)
    page.goto(live_server.url + "/tickets/")

    held: list[Route] = []
    slow = {"on": True}

    def hold_searches(route: Route) -> None:
        if slow["on"] and route.request.headers.get("hx-request"):
            held.append(route)
        else:
            route.continue_()

    page.route("**/tickets/?*", hold_searches)
    search = page.get_by_label("Search")
    search.press_sequentially("Print", delay=30)
    page.wait_for_timeout(700)  # past the debounce: the first search is on its way
    search.press_sequentially("er", delay=30)
    page.wait_for_timeout(700)  # a second search is due while the first is unanswered
    slow["on"] = False
    for route in held:
        # An aborted request can no longer be continued; the console check below reports it.
        with contextlib.suppress(PlaywrightError):
            route.continue_()
    expect(page.locator("#ticket-table tbody tr")).to_have_count(1)
    expect(page.locator("#ticket-table")).to_contain_text("Printer offline")
    assert console_problems.seen() == []


def test_a_search_typed_after_sorting_keeps_the_sort(live_server, page, login, console_problems):
    agent = AgentFactory(username="ann")
    TicketFactory(external_id="70001", title="Print queue stuck", agent=agent)
    TicketFactory(external_id="70002", title="Printer offline", agent=agent)
    TicketFactory(external_id="70003", title="Mailbox full", agent=agent)
    login(agent, PASSWORD)
    page.goto(live_server.url + "/tickets/")
    table = page.locator("#ticket-table")
    table.get_by_role("link", name="Title", exact=True).click()
    table.get_by_role("link", name="Title ▲").click()
    expect(table.locator("th[aria-sort=descending]")).to_have_text("Title ▼")

    page.get_by_label("Search").fill("Print")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tbody tr").first).to_contain_text("Printer offline")
    expect(table.locator("th[aria-sort=descending]")).to_have_text("Title ▼")
    assert console_problems.seen() == []
