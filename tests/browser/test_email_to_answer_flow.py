"""The whole hand-off with nobody typing the answer in: an agent escalates, the administrator's
email carries a personal link, a browser that never logged in answers from it, and the agent's
ticket page shows the answer, its timeline entry and the procedure it left."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from admins.models import PurviewRole
from admins.services import declare_purview
from escalations.handoffs.models import Channel, Outcome
from tests.browser.flows import log_and_escalate
from tests.factories import (
    PASSWORD,
    AdministratorFactory,
    AgentFactory,
    ServiceFactory,
    SupervisorFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_admin_answers_from_the_emailed_link_and_the_agent_sees_it(
    live_server, browser, page, login, settings
):
    settings.SITE_URL = live_server.url
    agent = AgentFactory(username="ann", first_name="Ann", last_name="Lee")
    vpn = ServiceFactory(name="VPN")
    dana = AdministratorFactory(name="Dana Owner", email="dana@example.org")
    declare_purview(
        vpn,
        admin=dana,
        role=PurviewRole.OWNER,
        declared_on=timezone.localdate(),
        evidence="Declared in ticket 100",
        by=SupervisorFactory(),
    )
    login(agent, PASSWORD)

    # The agent logs the ticket, completes the checklist and escalates.
    log_and_escalate(
        page,
        live_server.url,
        external_id="66300",
        title="VPN refuses new certificates",
        service="VPN",
    )
    expect(page.locator("#messages")).to_contain_text("Escalated to Dana Owner")

    # The administrator's email holds their personal link.
    [email] = [m for m in mail.outbox if m.to == ["dana@example.org"]]
    link = re.search(re.escape(live_server.url) + r"/respond/[\w.\-]+/", email.body).group(0)

    # A browser with no session opens it and declines with a procedure written there.
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    admin_page = phone.new_page()
    admin_page.goto(link)
    expect(admin_page.get_by_role("heading", level=1)).to_contain_text("#66300")
    form = admin_page.locator("form.respond-form")
    form.get_by_label("Redirect: not mine").check()
    form.get_by_label("A documented procedure, which I write here").check()
    form.get_by_label("Procedure title").fill("Renew a VPN certificate")
    form.get_by_label("Steps").fill("1. Open the certificate portal.\n2. Press Renew.")
    form.get_by_label("Your message").fill("The support center can do this itself.")
    form.get_by_label("What process can the support center follow").fill(
        "Use the procedure; call us only when the portal is down."
    )
    form.get_by_role("button", name="Send answer").click()
    expect(admin_page.locator("#recorded")).to_contain_text("Your answer is recorded")
    phone.close()

    # The agent's page, reloaded: the answer, the timeline entry and the procedure.
    page.reload()
    request = page.locator("article.engagement", has_text="Dana Owner")
    expect(request.locator("h3 .badge")).to_have_text("Redirected")
    expect(request).to_contain_text("by response page")
    expect(request).to_contain_text("Redirected to: the procedure “Renew a VPN certificate”")
    expect(page.locator(".timeline")).to_contain_text(
        "Dana Owner: redirected by response page, redirected to the procedure"
    )
    procedures = page.locator("section", has=page.locator("#procedures-heading"))
    procedures.get_by_text("Renew a VPN certificate").click()
    expect(procedures).to_contain_text("Press Renew.")
    answer = dana.engagements.get().responses.get()
    assert (answer.outcome, answer.channel, answer.logged_by) == (
        Outcome.REDIRECTED,
        Channel.RESPONSE_PAGE,
        None,
    )
