"""An administrator answers from their link in a browser that has never logged in, and the
agent's ticket page shows the answer without anyone typing it in."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from escalations.handoffs.models import Channel, Outcome, Procedure
from escalations.handoffs.tokens import response_path
from tests.factories import (
    PASSWORD,
    AdministratorFactory,
    AgentFactory,
    EngagementFactory,
    ServiceFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Where to keep screenshots of the response page (looked at by a person).
SHOTS = os.environ.get("SCREENSHOT_DIR")


def test_an_admin_declines_with_a_procedure_from_the_link_and_the_agent_sees_it(
    live_server, browser, page, login
):
    agent = AgentFactory(username="ann", first_name="Ann", last_name="Lee")
    AdministratorFactory(name="Bo Backup")
    engagement = EngagementFactory(
        kind="escalate",
        reason="The certificate authority is the VPN team's.",
        admin=AdministratorFactory(name="Dana Owner"),
        ticket__agent=agent,
        ticket__external_id="66200",
        ticket__title="VPN refuses new certificates",
        ticket__service=ServiceFactory(name="VPN"),
        message="Could you take this? What process can the support center follow next time?",
    )

    # A browser with no session at all, sized like a phone.
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    admin_page = phone.new_page()
    problems: list[str] = []
    admin_page.on(
        "console",
        lambda m: (
            problems.append(f"{m.type}: {m.text}") if m.type in {"error", "warning"} else None
        ),
    )
    admin_page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    admin_page.goto(live_server.url + response_path(engagement))
    expect(admin_page.get_by_role("heading", level=1)).to_contain_text(
        "#66200 VPN refuses new certificates"
    )
    expect(admin_page.locator(".asked")).to_contain_text("take ownership")
    expect(admin_page.get_by_role("navigation")).to_have_count(0)
    form = admin_page.locator("form.respond-form")
    # Only the chosen answer's fields show: nothing of a redirect before it is chosen.
    expect(form.get_by_text("Where to redirect")).to_be_hidden()
    form.get_by_label("Accept: I take ownership").check()
    expect(form.get_by_label("Procedure title")).to_be_hidden()
    form.get_by_label("Redirect: not mine").check()
    expect(form.get_by_text("Where to redirect")).to_be_visible()
    expect(form.get_by_label("Procedure title")).to_be_hidden()
    form.get_by_label("A documented procedure, which I write here").check()
    expect(form.get_by_label("Administrator", exact=True)).to_be_hidden()
    form.get_by_label("Procedure title").fill("Renew a VPN certificate")
    form.get_by_label("Steps").fill("1. Open the certificate portal.\n2. Press Renew.")
    form.get_by_label("Your message").fill("Not mine: the support center can do this itself.")
    form.get_by_label("What process can the support center follow").fill(
        "Use the procedure; call us only when the portal is down."
    )
    if SHOTS:
        for width, height in ((390, 844), (1366, 900)):
            admin_page.set_viewport_size({"width": width, "height": height})
            admin_page.screenshot(path=f"{SHOTS}/respond-{width}.png", full_page=True)
        admin_page.set_viewport_size({"width": 390, "height": 844})
    form.get_by_role("button", name="Send answer").click()
    expect(admin_page.locator("#recorded")).to_contain_text("Your answer is recorded")
    expect(admin_page.locator("#recorded")).to_contain_text("this link is now closed")
    if SHOTS:
        admin_page.screenshot(path=f"{SHOTS}/respond-recorded-390.png", full_page=True)
    # Nothing from another host, nothing the Content Security Policy refuses.
    admin_page.wait_for_load_state("networkidle")
    assert problems == []
    # The redirect closed the link: opening it again says so and offers no form.
    again = admin_page.goto(live_server.url + response_path(engagement))
    assert again.status == 410
    expect(admin_page.get_by_role("heading", level=1)).to_have_text(
        "This link does not open a request"
    )
    expect(admin_page.locator("form")).to_have_count(0)
    if SHOTS:
        admin_page.screenshot(path=f"{SHOTS}/respond-refused-390.png", full_page=True)
    phone.close()

    answer = engagement.responses.get()
    assert (answer.outcome, answer.channel) == (Outcome.REDIRECTED, Channel.RESPONSE_PAGE)
    assert answer.source_ip == "127.0.0.1"
    assert Procedure.objects.get().source == answer

    # The agent's ticket page: the answer, the timeline entry and the procedure.
    login(agent, PASSWORD)
    page.goto(f"{live_server.url}/tickets/66200/")
    request = page.locator("article.engagement", has_text="Dana Owner")
    expect(request.locator("h3 .badge")).to_have_text("Redirected")
    expect(request).to_contain_text("by response page")
    expect(request).to_contain_text("Redirected to: the procedure “Renew a VPN certificate”")
    expect(page.locator(".timeline")).to_contain_text(
        "Dana Owner: redirected by response page, redirected to the procedure"
    )
    expect(page.locator(".timeline")).to_contain_text("Saved for VPN from Dana Owner's answer.")
    procedures = page.locator("section", has=page.locator("#procedures-heading"))
    procedures.get_by_text("Renew a VPN certificate").click()
    expect(procedures).to_contain_text("Press Renew.")
