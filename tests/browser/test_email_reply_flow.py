"""An administrator answers by email reply: the agent finds the reply on the ticket page,
waiting to be classified, and says what it was, with no typing of the answer."""

from __future__ import annotations

import os
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from io import BytesIO, StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect

from escalations.handoffs.models import Outcome
from escalations.handoffs.tokens import reply_address
from tests.factories import PASSWORD, AgentFactory, EngagementFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("SCREENSHOT_DIR")


@override_settings(REPLY_TO_ADDRESS="escalations@example.org")
def test_an_email_reply_waits_on_the_ticket_page_until_the_agent_classifies_it(
    live_server, page, login
):
    agent = AgentFactory(username="ann")
    engagement = EngagementFactory(
        ticket__external_id="66200", ticket__agent=agent, kind="escalate", reason="Outage"
    )
    msg = EmailMessage()
    msg["From"] = engagement.admin.email
    msg["To"] = reply_address(engagement)
    msg["Subject"] = "Re: ticket 66200"
    msg["Date"] = format_datetime(timezone.now() - timedelta(minutes=3))
    msg.set_content(
        "I'll take it: the certificate expired.\n\n"
        "On Tue, 1 Dec 2026 at 09:05, IT Support <support@example.org> wrote:\n> Can you look?\n"
    )
    call_command("receive_mail", stdin=BytesIO(msg.as_bytes()), stdout=StringIO())
    away = EmailMessage()
    for name in ("From", "To", "Date"):
        away[name] = msg[name]
    away["Subject"], away["Auto-Submitted"] = "Out of office", "auto-replied"
    away.set_content("I am away until Monday.")
    call_command("receive_mail", stdin=BytesIO(away.as_bytes()), stdout=StringIO())
    del away["From"], away["Auto-Submitted"], away["Subject"]
    away["From"], away["Subject"] = "deputy@example.org", "Re: ticket 66200"
    away.set_content("I can look at it instead.")
    call_command("receive_mail", stdin=BytesIO(away.as_bytes()), stdout=StringIO())

    login(agent, PASSWORD)
    page.goto(f"{live_server.url}/tickets/66200/")
    card = page.get_by_role("group", name="Email replies to classify (1)")
    expect(card).to_contain_text("I'll take it: the certificate expired.")
    expect(card).not_to_contain_text("Can you look?")
    engagements = page.locator("section", has=page.locator("#engagements-heading"))
    expect(engagements).to_contain_text("Auto-reply")
    expect(engagements).to_contain_text("Reply from another address")
    expect(engagements).to_contain_text("deputy@example.org")
    for width, height in ((1366, 900), (390, 844)):
        if SHOTS:
            page.set_viewport_size({"width": width, "height": height})
            engagements.screenshot(path=f"{SHOTS}/email-reply-{width}.png")
    card.get_by_label("The reply was").select_option(label="Accepted")
    card.get_by_role("button", name="Classify reply").click()
    expect(page.locator("#messages")).to_contain_text("email reply: accepted")
    expect(page.get_by_role("group", name="Email replies to classify (1)")).to_have_count(0)
    expect(page.locator("#timeline")).to_contain_text("Email reply classified")
    assert engagement.responses.get().outcome == Outcome.ACCEPTED
