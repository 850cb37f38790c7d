from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from escalations.urgent.models import UrgentRequest
from tests.factories import PASSWORD, ManagerFactory, SupervisorFactory, TicketFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_files_and_a_supervisor_works_the_request_to_a_close(live_server, page, login):
    manager = ManagerFactory(username="max", first_name="Max", last_name="Manager")
    supervisor = SupervisorFactory(username="sue", first_name="Sue", last_name="Lead")
    ticket = TicketFactory(external_id="77001", title="Payroll export fails")

    # The manager types a number that is not logged: told to have it submitted first.
    login(manager, PASSWORD)
    page.goto(f"{live_server.url}/urgent/new/")
    page.get_by_label("Ticket number").fill("77999")
    page.get_by_label("Business impact").fill("Payroll cannot run for 400 people.")
    page.get_by_label("Why it cannot wait for the SLA").fill("Payroll is due tomorrow.")
    page.get_by_role("button", name="File urgent request").click()
    expect(page.locator("#urgent-form .errorlist")).to_contain_text("No ticket #77999")
    expect(page.locator("#urgent-form .errorlist")).to_contain_text(
        "Ask the user to submit a ticket"
    )
    expect(page.get_by_role("link", name="Log ticket #77999")).to_have_count(0)
    assert not UrgentRequest.objects.exists()

    # With the logged ticket's number it is filed, and the browser lands on the request.
    page.get_by_label("Ticket number").fill("77001")
    page.get_by_role("button", name="File urgent request").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Urgent request on ticket #77001")
    expect(page.locator("#messages")).to_contain_text("Urgent request filed for ticket #77001")
    expect(page.locator("#urgent-coordinator")).to_have_text("Unassigned")
    expect(page.get_by_role("button", name="Take this request")).to_have_count(0)

    # A supervisor takes it and works through it.
    page.context.clear_cookies()
    login(supervisor, PASSWORD)
    page.goto(f"{live_server.url}/urgent/")
    page.get_by_role("link", name="#77001").click()
    page.get_by_role("button", name="Take this request").click()
    expect(page.locator("#urgent-coordinator")).to_have_text("Sue Lead")
    expect(page.locator("#messages")).to_contain_text("You are coordinating this request.")

    page.get_by_label("Note for “Ticket history reviewed”").fill("Two earlier tickets on this.")
    page.get_by_role("button", name="Mark done: Ticket history reviewed").click()
    expect(page.locator("#urgent-steps")).to_contain_text("1 of 5 done.")
    expect(page.locator("#urgent-steps")).to_contain_text("Two earlier tickets on this.")
    page.get_by_role("button", name="Mark done: User contacted").click()
    expect(page.locator("#urgent-steps")).to_contain_text("2 of 5 done.")

    estimate = timezone.localtime(timezone.now() + timedelta(days=1)).replace(hour=15, minute=30)
    page.get_by_label("Estimated resolution").fill(estimate.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Save the estimate").click()
    expect(page.locator("#messages")).to_contain_text("Max Manager, who filed it, has been told.")
    expect(page.locator("#urgent-estimate")).to_contain_text(estimate.strftime("%Y-%m-%d 15:30"))

    # Closing asks for the outcome first.
    page.get_by_text("Close this urgent request…").click()
    page.get_by_role("button", name="Close the urgent request").click()
    expect(page.get_by_label("Outcome")).to_be_focused()
    assert UrgentRequest.objects.get().is_open
    page.get_by_label("Outcome").fill("The payroll service owner restored the export.")
    page.get_by_role("button", name="Close the urgent request").click()
    # Three steps are neither recorded nor explained: each is asked for by name.
    for label in (
        "Status communicated to the requester",
        "Service owner contacted",
        "Follow-up documented in the ticket",
    ):
        expect(page.locator("#urgent-detail")).to_contain_text(
            f"“{label}” is not recorded: record it, or say why it is skipped."
        )
    assert UrgentRequest.objects.get().is_open
    page.get_by_label("Why “Status communicated to the requester” is skipped").fill(
        "The requester was on the call."
    )
    page.get_by_label("Why “Service owner contacted” is skipped").fill("The owner called us.")
    page.get_by_label("Why “Follow-up documented in the ticket” is skipped").fill(
        "The outcome below is the follow-up."
    )
    page.get_by_role("button", name="Close the urgent request").click()
    expect(page.locator("#messages")).to_contain_text("Urgent request closed.")
    expect(page.locator(".page-head .badge")).to_have_text("Closed")
    expect(page.get_by_role("button", name="Mark done: Service owner contacted")).to_have_count(0)

    # The ticket's own timeline carries every step of it.
    page.get_by_role("link", name="ticket's timeline").click()
    expect(page).to_have_url(f"{live_server.url}{ticket.get_absolute_url()}")
    timeline = page.locator(".timeline")
    expect(timeline.locator("li", has_text="Urgent request")).to_have_count(9)
    for text in (
        "Urgent request filed.",
        "Payroll cannot run for 400 people.",
        "“Sue Lead”",
        "Ticket history reviewed",
        "User contacted",
        "Urgent request step skipped: Service owner contacted.",
        "Estimated resolution of the urgent request set.",
        "The payroll service owner restored the export.",
    ):
        expect(timeline).to_contain_text(text)
