from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.factories import PASSWORD

PAGES = ["dashboard", "tickets:list", "tickets:new", "admins:list", "escalations:guide"]
PAGES += ["reports:weekly", "password_change"]


@pytest.mark.parametrize("name", PAGES)
def test_every_page_sends_anonymous_visitors_to_login(client, db, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_login_form_logs_in_and_lands_on_dashboard(client, agent):
    response = client.post(
        reverse("login"), {"username": agent.username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    assert response.context["user"] == agent
    assert b"Agent" in response.content  # the role is shown beside the name


def test_wrong_password_shows_an_error_and_stays_anonymous(client, agent):
    response = client.post(reverse("login"), {"username": agent.username, "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert not response.context["user"].is_authenticated


def test_logout_needs_post(agent_client):
    assert agent_client.get(reverse("logout")).status_code == 405
    response = agent_client.post(reverse("logout"))
    assert response.status_code == 302
    assert agent_client.get(reverse("dashboard")).status_code == 302


def test_password_change_takes_effect(client, agent):
    client.force_login(agent)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-longer-passphrase-7",
            "new_password2": "a-much-longer-passphrase-7",
        },
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.check_password("a-much-longer-passphrase-7")


def test_manager_may_not_log_tickets_and_gets_a_friendly_403(manager_client):
    response = manager_client.get(reverse("tickets:new"))
    assert response.status_code == 403
    assert b"This page is not part of your role" in response.content
    assert b"Manager" in response.content


def test_agent_and_supervisor_may_log_tickets(agent_client, supervisor):
    assert agent_client.get(reverse("tickets:new")).status_code == 200
    agent_client.force_login(supervisor)
    assert agent_client.get(reverse("tickets:new")).status_code == 200


@pytest.mark.django_db
def test_roles_exist_with_their_permissions():
    perms = {
        g.name: {f"{p.content_type.app_label}.{p.codename}" for p in g.permissions.all()}
        for g in Group.objects.prefetch_related("permissions__content_type")
    }
    assert set(perms) == {"Agent", "Supervisor", "Manager"}
    assert "tickets.add_ticket" in perms["Agent"]
    assert "tickets.add_ticket" not in perms["Manager"]
    assert "tickets.view_ticket" in perms["Manager"]
    assert "admins.add_administrator" in perms["Supervisor"]
    assert "admins.add_administrator" not in perms["Agent"]
    assert perms["Agent"] <= perms["Supervisor"]
    # Managers change nothing except what they file themselves, their own notifications and
    # their own subscription to the emailed report.
    writes = {p for p in perms["Manager"] if p.split(".")[1].startswith(("add_", "change_"))}
    assert writes == {
        "escalations.add_urgentrequest",
        "escalations.change_notification",
        "reports.add_reportsubscription",
    }


def test_base_layout_shows_names_banner_and_navigation(agent_client, settings):
    settings.SUPPORT_CENTER_NAME = "Campus Help Desk"
    settings.CONFIDENTIALITY_BANNER = "Internal only"
    html = agent_client.get(reverse("dashboard")).content.decode()
    assert "Campus Help Desk" in html
    assert "Internal only" in html
    for label in ["Dashboard", "Log ticket", "All tickets", "Administrators", "Guide", "Reports"]:
        assert f">{label}</a>" in html
    assert '"X-CSRFToken"' in html
    assert "/static/js/htmx.min.js" in html
    assert "http://" not in html.split("<body")[0] and "https://" not in html.split("<body")[0]


def test_supervisor_edits_categories_in_django_admin_but_agent_cannot(client, supervisor, agent):
    url = "/django-admin/tickets/category/"
    client.force_login(agent)
    assert client.get(url).status_code == 302  # not staff: sent to the admin's login
    supervisor.is_staff = True
    supervisor.save()
    client.force_login(supervisor)
    response = client.get(url)
    assert response.status_code == 200
    assert b"Break/fix" in response.content
    assert client.get("/django-admin/tickets/ticket/").status_code == 404
