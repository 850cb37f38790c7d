from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, AgentFactory, SupervisorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_searches_scenarios_and_copies_wording(live_server, page, login):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    login(AgentFactory(username="ann"), PASSWORD)
    page.get_by_role("link", name="Guide", exact=True).click()
    expect(page.get_by_role("heading", name="Core framework: three tiers")).to_be_visible()
    page.get_by_label("Search scenarios").fill("direct message")
    rows = page.locator("#scenario-list tbody tr")
    expect(rows).to_have_count(1)
    rows.get_by_role("button", name="Copy").click()
    expect(rows.get_by_role("button", name="Copied")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("Thanks for reaching out.")


def test_supervisor_edits_a_section_and_reads_the_diff(live_server, page, login):
    login(SupervisorFactory(username="sue"), PASSWORD)
    page.goto(f"{live_server.url}/guide/")
    page.locator("#key-principles").get_by_role("link", name="Edit").click()
    body = page.get_by_label("Body")
    body.fill(body.input_value() + "\n- **Close the loop.** Tell the requester what happened.\n")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#messages")).to_contain_text("saved as revision 2")
    expect(page.locator("#key-principles")).to_contain_text("Close the loop.")
    page.locator("#key-principles").get_by_role("link", name="History").click()
    expect(page.locator(".diff-added", has_text="Close the loop.")).to_be_visible()
