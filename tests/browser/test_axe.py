"""axe-core on the main pages at laptop and phone widths: no WCAG 2.x A/AA violation."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page

from reports.weekly import current_week
from tests.factories import (
    PASSWORD,
    AdministratorFactory,
    EngagementFactory,
    SupervisorFactory,
    TicketFactory,
)
from tickets.models import Tier

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = [(1366, 900), (390, 844)]


def violations(page: Page) -> list[dict]:
    # Evaluated through the DevTools protocol, so the page's script policy does not apply.
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)
    result = page.evaluate(
        # "region" (all content inside landmarks) is a best-practice rule the audit ran too.
        """tags => axe.run(document, {
          runOnly: {type: "tag", values: tags}, rules: {region: {enabled: true}}})""",
        TAGS,
    )
    assert len(result["passes"]) > 10, "axe did not run its rules"
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:5]]}
        for v in result["violations"]
    ]


def test_main_pages_have_no_axe_violations_at_both_widths(live_server, page, login):
    ticket = TicketFactory(tier=Tier.COLLABORATE, external_id="81001")
    # Last week's report with rows in it, so its wide tables overflow at phone width.
    monday = timezone.make_aware(datetime.combine(current_week().previous.monday, time(10)))
    for n in range(6):
        old = TicketFactory(opened_at=monday + timedelta(hours=n), title="A long title " * 4)
        EngagementFactory(ticket=old, admin=AdministratorFactory(name=f"Administrator {n}"))
    busy = AdministratorFactory(name="Administrator with a long name")
    EngagementFactory(ticket=ticket, admin=busy)
    found = {}
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        page.context.clear_cookies()
        page.goto(live_server.url + reverse("login"))
        found[(width, "login")] = violations(page)
        login(SupervisorFactory(), PASSWORD)
        for name, path in [
            ("dashboard", reverse("dashboard")),
            ("list", reverse("tickets:list")),
            ("log form", reverse("tickets:new")),
            ("ticket", ticket.get_absolute_url()),
            ("administrators", reverse("admins:list")),
            ("purview", reverse("admins:purview")),
            ("guide", reverse("escalations:guide")),
            ("weekly report", reverse("reports:week", args=[str(current_week().previous)])),
            ("administrator", reverse("admins:detail", args=[busy.pk])),
            ("weeks", reverse("reports:weekly")),
            ("monthly report", reverse("reports:monthly")),
            ("quarterly report", reverse("reports:quarterly")),
            ("thresholds", reverse("reports:thresholds")),
            ("subscriptions", reverse("reports:subscriptions")),
        ]:
            page.goto(live_server.url + path)
            if name == "ticket":
                for summary in page.locator("details > summary").all():
                    summary.click()
            found[(width, name)] = violations(page)
        # The ticket page with an error summary: a refused escalation.
        page.goto(live_server.url + ticket.get_absolute_url())
        page.get_by_text("Escalate: move ownership to an admin").click()
        escalate = page.locator("form[action$='/escalate/']")
        escalate.get_by_label("New owner").select_option(index=1)
        escalate.get_by_label("Tag").fill("vpn")
        escalate.get_by_label("Reason").fill("Needs an admin.")
        escalate.get_by_role("button", name="Escalate").click()
        page.locator("form[action$='/escalate/'] .error-summary").wait_for()
        found[(width, "ticket, refused escalation")] = violations(page)
    problems = {key: v for key, v in found.items() if v}
    assert problems == {}
