"""A supervisor adds a level to the default policy with the keyboard-usable form, is told
what is missing beside the field, and sees the saved levels on the list."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from admins.models import EscalationPolicy
from tests.factories import PASSWORD, AdministratorFactory, SupervisorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width,height", [(1366, 900), (390, 844)])
def test_a_supervisor_adds_a_named_admin_level(live_server, page, login, width, height):
    page.set_viewport_size({"width": width, "height": height})
    AdministratorFactory(name="Lee Lead")
    login(SupervisorFactory(username="sue"), PASSWORD)
    default = EscalationPolicy.objects.get(is_default=True)

    page.goto(f"{live_server.url}/admins/policies/")
    page.get_by_role("link", name="Edit Default").click()
    level = page.get_by_role("group", name="Level 4")
    level.get_by_label("Target").select_option("admin")
    page.get_by_role("button", name="Save policy").click()
    expect(page.locator("#id_levels-3-admin_error")).to_have_text(
        "Choose the administrator this level asks."
    )

    level = page.get_by_role("group", name="Level 4")
    level.get_by_label("Administrator").select_option(label="Lee Lead")
    level.get_by_label("Timeout (business hours)").fill("4")
    page.get_by_role("button", name="Save policy").click()
    card = page.get_by_role("region", name="Default")
    expect(card).to_contain_text("Level 4: Lee Lead · 4 business hours")
    assert default.levels.count() == 4
