from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from admins.models import PurviewRole
from admins.services import declare_purview
from tests.factories import (
    PASSWORD,
    AdministratorFactory,
    AgentFactory,
    ServiceFactory,
    SupervisorFactory,
    TicketFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_escalate_after_the_checklist_log_the_answer_and_see_the_summary(live_server, page, login):
    agent = AgentFactory(username="ann", first_name="Ann", last_name="Lee")
    vpn = ServiceFactory(name="VPN")
    dana = AdministratorFactory(name="Dana Owner")
    AdministratorFactory(name="Abe Other")
    declare_purview(
        vpn,
        admin=dana,
        role=PurviewRole.OWNER,
        declared_on=timezone.localdate(),
        evidence="Declared in ticket 100",
        by=SupervisorFactory(),
    )
    ticket = TicketFactory(external_id="66001", title="VPN drops", service=vpn, agent=agent)
    login(agent, PASSWORD)
    page.goto(live_server.url + ticket.get_absolute_url())

    # Escalating with an incomplete checklist is refused, naming what is missing.
    page.get_by_text("Escalate: move ownership to an admin").click()
    escalate = page.locator("form[action$='/escalate/']")
    expect(escalate.get_by_label("New owner")).to_have_value(str(dana.pk))
    escalate.get_by_label("Tag").fill("vpn")
    escalate.get_by_label("Reason").fill("The VPN concentrator needs an admin.")
    escalate.get_by_role("button", name="Escalate").click()
    refusal = page.locator("form[action$='/escalate/'] .error-summary")
    expect(refusal).to_contain_text("Complete the pre-escalation checklist first")
    expect(refusal).to_contain_text("Tried the first-line steps")

    # Complete the required items.
    checklist = page.locator("#checklist form").first
    for box in checklist.locator("input[type=checkbox]").all()[:5]:
        box.check()
    checklist.get_by_role("button", name="Save checklist").click()
    expect(page.locator("#messages")).to_contain_text("Every required item is done")

    # Escalate with the meta-protocol wording from the scenario language.
    escalate = page.locator("form[action$='/escalate/']")
    escalate.get_by_label("Tag").fill("vpn")
    escalate.get_by_label("Reason").fill("The VPN concentrator needs an admin.")
    escalate.get_by_label("Start from a scenario's wording").select_option(
        label="Escalating with the meta-protocol question"
    )
    expect(escalate.get_by_label("Message to the admin")).to_have_value(
        re.compile("ticket #66001 about VPN")
    )
    escalate.get_by_role("button", name="Escalate").click()
    expect(page.locator("#messages")).to_contain_text("Escalated to Dana Owner")
    expect(page.locator(".page-head .tier-escalate")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("Escalated")
    expect(page.locator("#ticket-main dl.fields").first).to_contain_text("Waiting on admin")

    # The admin answers by direct message: logged, and flagged off-policy.
    page.get_by_text("Log an admin's response or silence").click()
    answer = page.locator("form[action$='/responses/']")
    answer.get_by_label("Accepted").check()
    answer.get_by_label("Channel").select_option("direct_message")
    answer.get_by_label("Process for next time").fill("Restart the VPN profile first.")
    answer.get_by_role("button", name="Log response").click()
    expect(page.locator("#messages")).to_contain_text("off-policy")
    expect(page.locator("article.engagement")).to_contain_text("Off-policy")

    # The dashboard's summary now shows Dana's request, answer and direct message.
    page.get_by_role("link", name="Dashboard").first.click()
    row = page.locator("#summary-heading").locator("xpath=../..").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Dana Owner")
    expect(row.locator("td[data-label='Requests']")).to_have_text("1")
    expect(row.locator("td[data-label='Direct messages']")).to_have_text("1")
