"""A refused escalation is a dead end no longer: the badge says what happened and the request
offers the next step."""

from __future__ import annotations

import os

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from admins.models import PurviewRole
from admins.services import declare_purview
from tests.browser.flows import log_and_escalate
from tests.factories import (
    PASSWORD,
    AdministratorFactory,
    AgentFactory,
    ServiceFactory,
    SupervisorFactory,
)
from tickets.models import Ticket, Tier

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Where to keep screenshots of the hand-off card after the decline (looked at by a person).
SHOTS = os.environ.get("SCREENSHOT_DIR")


def test_a_decline_shows_a_red_badge_and_the_backup_takes_the_ticket(live_server, page, login):
    agent = AgentFactory(username="ann", first_name="Ann", last_name="Lee")
    supervisor = SupervisorFactory()
    vpn = ServiceFactory(name="VPN")
    dana = AdministratorFactory(name="Dana Owner")
    bo = AdministratorFactory(name="Bo Backup")
    for admin, role in ((dana, PurviewRole.OWNER), (bo, PurviewRole.BACKUP)):
        declare_purview(
            vpn,
            admin=admin,
            role=role,
            declared_on=timezone.localdate(),
            evidence="Declared in ticket 100",
            by=supervisor,
        )
    login(agent, PASSWORD)

    # Log the ticket, complete the checklist and escalate to the declared owner.
    log_and_escalate(
        page,
        live_server.url,
        external_id="66100",
        title="VPN refuses new certificates",
        service="VPN",
    )
    expect(page.locator("#messages")).to_contain_text("Escalated to Dana Owner")

    # Dana refuses without saying who should take it.
    page.get_by_text("Log an admin's response or silence").click()
    answer = page.locator("form[action$='/responses/']")
    answer.get_by_label("Declined without redirect").check()
    answer.get_by_label("Channel").select_option("ticket")
    answer.get_by_role("button", name="Log response").click()
    expect(page.locator("#messages")).to_contain_text("Response from Dana Owner logged")

    request = page.locator("article.engagement", has_text="Dana Owner")
    badge = request.locator("h3 .badge")
    expect(badge).to_have_text("Declined without redirect")
    expect(badge).not_to_have_class("badge state-responded")
    # Not green: the badge takes the silence's red.
    assert badge.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(253, 232, 231)"

    step = request.locator(".next-step")
    expect(step).to_contain_text("Next step: Dana Owner declined without a redirect")
    expect(step.get_by_text("De-escalate: the support center takes it back")).to_be_visible()
    expect(step.get_by_text("Redirect: send another admin")).to_be_visible()
    if SHOTS:
        card = page.locator("section", has=page.locator("#engagements-heading"))
        step.get_by_text("Redirect: send another admin").click()
        for width, height in ((1366, 900), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            step.scroll_into_view_if_needed()
            card.screenshot(path=f"{SHOTS}/decline-card-{width}.png")
            page.screenshot(path=f"{SHOTS}/decline-viewport-{width}.png")
        page.set_viewport_size({"width": 1366, "height": 900})

    # The next step: send it to the declared backup. Ownership moves with it.
    step.get_by_role("button", name="Send to Bo Backup (the backup)").click()
    expect(page.locator("#messages")).to_contain_text("Escalated to Bo Backup")
    expect(page.locator("article.engagement", has_text="Bo Backup").first).to_contain_text(
        "Awaiting response"
    )
    expect(page.locator(".next-step")).to_have_count(0)
    expect(page.locator(".timeline")).to_contain_text(
        "Dana Owner declined without a redirect; the request went on to Bo Backup."
    )
    ticket = Ticket.objects.get(external_id="66100")
    assert (ticket.admin, ticket.tier) == (bo, Tier.ESCALATE)
