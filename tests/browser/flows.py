"""Steps several browser tests click through the same way."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect


def log_and_escalate(
    page: Page, base_url: str, *, external_id: str, title: str, service: str
) -> Locator:
    """What an agent clicks to hand a new ticket over: log it with its service, tick every
    checklist item, and escalate to the service's owner with the meta-protocol wording."""
    page.goto(f"{base_url}/tickets/new/")
    page.get_by_label("Ticket ID").fill(external_id)
    page.get_by_label("Title").fill(title)
    page.get_by_label("Service").select_option(label=service)
    page.get_by_role("button", name="Log ticket").click()
    page.wait_for_url(f"{base_url}/tickets/{external_id}/")
    checklist = page.locator("#checklist form").first
    for box in checklist.locator("input[type=checkbox]").all():
        box.check()
    checklist.get_by_role("button", name="Save checklist").click()
    expect(page.locator("#messages")).to_contain_text("Every required item is done")
    escalate = page.locator("form[action$='/escalate/']")
    escalate.get_by_label("Tag").fill("vpn")
    escalate.get_by_label("Reason").fill("The certificate authority is the VPN team's.")
    escalate.get_by_label("Start from a scenario's wording").select_option(
        label="Escalating with the meta-protocol question"
    )
    escalate.get_by_role("button", name="Escalate").click()
    return escalate
