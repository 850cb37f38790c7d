"""Type a TDX number in the log form: it fills in from a (local) TDX, and the ticket saves."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, AgentFactory
from tests.tickets.tdx.server import tdx_ticket
from tickets.models import EventKind, Status, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("TDX_SCREENSHOTS")  # a folder: save what the page looked like


def test_type_a_tdx_number_the_form_fills_in_and_saves(live_server, page, login, tdx):
    tdx.tickets[61234] = tdx_ticket(
        61234,
        Title="Badge reader offline at the library",
        StatusName="In Process",
        StatusClass=2,
        PriorityName="Emergency",
        AccountName="Facilities",
    )
    agent = AgentFactory(username="ann", first_name="Ann", last_name="Lee")
    login(agent, PASSWORD)
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/tickets/new/")
        page.get_by_label("Ticket ID").fill("61234")
        page.get_by_label("Ticket ID").press("Tab")
        expect(page.locator("#tdx-note")).to_contain_text("Filled in from TDX ticket #61234")
        expect(page.get_by_label("Title")).to_have_value("Badge reader offline at the library")
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/tdx-lookup-{width}.png", full_page=True)
    expect(page.get_by_label("Department")).to_have_value("Facilities")
    expect(page.get_by_label("Classification")).to_have_value("incident")
    expect(page.get_by_label("Status")).to_have_value(Status.IN_PROGRESS)
    # Still editable: the agent corrects the title before saving.
    page.get_by_label("Title").fill("Badge reader offline (library, north door)")
    page.get_by_role("button", name="Log ticket").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("north door")
    ticket = Ticket.objects.get(external_id="61234")
    assert ticket.department == "Facilities"
    assert ticket.priority.name == "Emergency"
    assert ticket.opened_at.isoformat().startswith("2026-12-01T15:30")
    assert ticket.events.filter(kind=EventKind.LOGGED).count() == 1


def test_tdx_down_leaves_the_form_usable(live_server, page, login, tdx):
    tdx.faults["ticket"] = [(503, {}, "{}")]
    agent = AgentFactory(username="bo")
    login(agent, PASSWORD)
    page.goto(f"{live_server.url}/tickets/new/")
    page.get_by_label("Ticket ID").fill("61235")
    page.get_by_label("Title").click()
    expect(page.locator("#tdx-note")).to_contain_text("Fill in the details by hand")
    page.get_by_label("Title").fill("Typed by hand")
    page.get_by_role("button", name="Log ticket").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Typed by hand")
