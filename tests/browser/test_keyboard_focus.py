"""Keyboard only: logging a ticket from the dashboard, with and without errors, and where
focus lands after each htmx swap (never back on <body>)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, AgentFactory, TicketFactory
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def focused(page: Page) -> dict:
    return page.evaluate(
        """() => { const a = document.activeElement;
          return {tag: a.tagName, id: a.id, text: (a.innerText || "").slice(0, 200)}; }"""
    )


def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_quick_log_by_keyboard_focuses_the_error_summary_then_the_result(live_server, page, login):
    TicketFactory(external_id="70001")
    login(AgentFactory(), PASSWORD)
    page.goto(f"{live_server.url}/")
    tab_to(page, "#quick-log input[name=external_id]")
    page.keyboard.type("70001")  # already logged
    tab_to(page, "#quick-log input[name=title]")
    page.keyboard.type("Printer jams")
    tab_to(page, "#quick-log button[type=submit]")
    page.keyboard.press("Enter")
    summary = page.locator("#quick-log [data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert "already logged" in summary.inner_text()
    # From the summary, Tab reaches the link to the field, and Enter moves there.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#quick-log input[name=external_id]")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("70002")
    tab_to(page, "#quick-log button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    page.wait_for_timeout(300)
    assert Ticket.objects.filter(external_id="70002").exists()
    state = focused(page)
    assert state["tag"] != "BODY", state
    # Focus is on the result itself, which names the ticket just logged.
    result = page.locator("#quick-log [data-focus-result]")
    expect(result).to_be_focused()
    expect(result).to_contain_text("#70002 logged")


def test_escalating_by_keyboard_lands_focus_on_each_result(live_server, page, login):
    from tests.browser.test_ticket_page import MESSAGE, vpn_ticket

    agent = AgentFactory(username="kay")
    ticket = vpn_ticket(agent=agent)
    login(agent, PASSWORD)
    page.goto(live_server.url + ticket.get_absolute_url())

    # Escalating before the checklist is done, by keyboard: refused, and focus lands on the
    # error summary at the top of the escalate form (a live region), not on <body>.
    tab_to(page, "details:has(form[action$='/escalate/']) > summary", limit=200)
    page.keyboard.press("Enter")
    tab_to(page, "form[action$='/escalate/'] input[name='esc-tag']")
    page.keyboard.type("vpn")
    tab_to(page, "form[action$='/escalate/'] textarea[name='esc-reason']")
    page.keyboard.type("Needs an admin.")
    tab_to(page, "form[action$='/escalate/'] button[type=submit]")
    page.keyboard.press("Enter")
    summary = page.locator("form[action$='/escalate/'] .error-summary")
    expect(summary).to_contain_text("Complete the pre-escalation checklist first")
    expect(summary).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate(
        "s => document.querySelector(s).contains(document.activeElement)",
        "form[action$='/escalate/']",
    )

    # The checklist, ticked with Space and saved with Enter: focus on the saved message.
    boxes = page.locator("#checklist form input[type=checkbox]").count()
    for n in range(min(boxes, 5)):
        tab_to(page, f"#checklist form li:nth-child({n + 1}) input[type=checkbox]", limit=200)
        page.keyboard.press("Space")
    tab_to(page, "#checklist form button[type=submit]")
    page.keyboard.press("Enter")
    feedback = page.locator("#messages")
    expect(feedback).to_contain_text("Checklist saved")
    expect(feedback).to_be_focused()
    # Tab goes on from the result, not from the top of the page.
    page.keyboard.press("Tab")
    assert page.evaluate(
        "() => document.getElementById('ticket-main').contains(document.activeElement)"
    )

    # The escalate form (open once the checklist is done; Enter would open it) filled by typing.
    tab_to(page, "details:has(form[action$='/escalate/']) > summary", limit=200)
    if not page.evaluate("() => document.activeElement.parentElement.open"):
        page.keyboard.press("Enter")
    tab_to(page, "form[action$='/escalate/'] input[name='esc-tag']")
    page.keyboard.type("vpn-core")
    tab_to(page, "form[action$='/escalate/'] textarea[name='esc-reason']")
    page.keyboard.type("The concentrator needs an admin.")
    tab_to(page, "form[action$='/escalate/'] textarea[name='esc-message']")
    page.keyboard.press("Control+A")
    page.keyboard.type(MESSAGE)
    tab_to(page, "form[action$='/escalate/'] button[type=submit]")
    page.keyboard.press("Enter")
    expect(feedback).to_contain_text("Escalated to Dana Owner")
    expect(feedback).to_be_focused()
