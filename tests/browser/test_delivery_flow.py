from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.factories import PASSWORD, AdministratorFactory, AgentFactory, TicketFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("size", [(1366, 900), (390, 844)], ids=["desktop", "phone"])
def test_add_for_input_emails_the_admins_and_the_card_says_what_happened(
    live_server, page, login, size, tmp_path
):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    agent = AgentFactory(username="ann", first_name="Ann", last_name="Lee")
    AdministratorFactory(name="Ada Network", email="ada@example.org")
    AdministratorFactory(name="Nia Noaddress", email="")
    ticket = TicketFactory(external_id="67001", title="VPN drops", agent=agent)
    login(agent, PASSWORD)
    page.goto(live_server.url + ticket.get_absolute_url())

    page.get_by_text("Collaborate: add admins for input").click()
    form = page.locator("form[action$='/collaborate/']")
    form.get_by_label("Ada Network").check()
    form.get_by_label("Nia Noaddress").check()
    form.get_by_label("Message").fill("Hi {admin}, is the VPN pool exhausted on {ticket}?")
    form.get_by_role("button", name="Add for input").click()
    expect(page.locator("#messages")).to_contain_text("Added for input")

    ada = page.locator("article.engagement", has_text="Ada Network")
    nia = page.locator("article.engagement", has_text="Nia Noaddress")
    expect(ada.locator(".delivery-line")).to_contain_text(
        "Emailed to Ada Network (ada@example.org) at"
    )
    expect(nia.locator(".delivery-line")).to_contain_text(
        "Not delivered: Nia Noaddress has no email address."
    )
    assert [m.to for m in mail.outbox] == [["ada@example.org"]]
    assert "Hi Ada Network, is the VPN pool exhausted on #67001?" in mail.outbox[0].body

    ada.get_by_role("button", name="Copy message").click()
    expect(ada.get_by_role("button", name="Copied")).to_be_visible()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == "Hi Ada Network, is the VPN pool exhausted on #67001?"
    expect(ada.get_by_role("button", name="Copy message")).to_be_visible(timeout=4000)

    # SCREENSHOT_DIR keeps the card's picture for a person to look at.
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    card = page.locator("section[aria-labelledby=engagements-heading]")
    card.scroll_into_view_if_needed()
    card.screenshot(path=str(shots / f"handoff-card-{size[0]}x{size[1]}.png"))
