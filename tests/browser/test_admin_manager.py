from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, AdministratorFactory, SupervisorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("SCREENSHOT_DIR")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


@pytest.mark.parametrize("width,height", [(1366, 900), (390, 844)])
def test_a_supervisor_names_an_administrators_manager(live_server, page, login, width, height):
    page.set_viewport_size({"width": width, "height": height})
    dana = AdministratorFactory(name="Dana Whitfield", email="dana@example.org")
    login(SupervisorFactory(username="sue"), PASSWORD)

    page.goto(f"{live_server.url}/admins/{dana.pk}/edit/")
    page.get_by_label("Manager", exact=True).fill("Lee Boss")
    page.get_by_label("Manager's email").fill(
        "lee@example"
    )  # the browser lets it through; the server does not
    page.get_by_role("button", name="Save changes").click()
    error = page.locator("#id_manager_email_error")
    expect(error).to_have_text("Enter the manager's address like name@example.org.")
    shot(page, f"manager-error-{width}.png")

    page.get_by_label("Manager's email").fill("lee.boss@example.org")
    page.get_by_label("Weekly digest").uncheck()
    page.get_by_role("button", name="Save changes").click()
    details = page.locator("dl.fields")
    expect(details).to_contain_text("Lee Boss (lee.boss@example.org)")
    expect(details.locator("dt:text-is('Weekly digest') + dd")).to_have_text("Off")
    shot(page, f"manager-detail-{width}.png")
