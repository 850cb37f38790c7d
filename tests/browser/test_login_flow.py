from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, SupervisorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supervisor_logs_in_sees_dashboard_and_logs_out(live_server, page, login):
    user = SupervisorFactory(username="sue", first_name="Sue", last_name="Park")
    login(user, PASSWORD)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.locator(".account")).to_contain_text("Sue Park")
    expect(page.locator(".account")).to_contain_text("Supervisor")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_wrong_password_is_explained(live_server, page):
    SupervisorFactory(username="sue")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("sue")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
