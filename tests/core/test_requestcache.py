"""What every page reads from the shared cache (permissions, the unread count, the form
options) is never stale: a write is seen by the very next request, on the database cache as in
production."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from admins.models import Service
from core import requestcache, versions
from core.roles import SUPERVISOR
from escalations.notifications.models import Notification
from tests.factories import AgentFactory, ManagerFactory
from tickets.models import Category

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("database_cache")]


def test_a_role_given_or_taken_is_seen_by_the_next_request(client):
    user = ManagerFactory()
    client.force_login(user)
    page = reverse("tickets:import")
    assert client.get(page).status_code == 403
    assert client.get(page).status_code == 403  # now from the cache
    user.groups.add(Group.objects.get(name=SUPERVISOR))
    assert client.get(page).status_code == 200
    user.groups.remove(Group.objects.get(name=SUPERVISOR))
    assert client.get(page).status_code == 403


def test_a_deactivated_user_loses_their_permissions_at_once(client):
    user = AgentFactory()
    client.force_login(user)
    assert client.get(reverse("tickets:new")).status_code == 200
    user.is_active = False
    user.save()
    assert client.get(reverse("tickets:new")).status_code != 200


def test_the_unread_count_follows_new_and_read_notifications(client):
    user = AgentFactory()
    client.force_login(user)
    home = reverse("password_change")

    def badge() -> str:
        html = client.get(home).content.decode()
        start = html.index('<span id="unread-count"')
        return html[start : html.index("</a>", start)]

    assert "badge" not in badge()
    assert "badge" not in badge()  # now from the cache
    Notification.objects.create(user=user, subject="Ticket #1 answered", body="b")
    Notification.objects.create(user=user, subject="Ticket #2 answered", body="b")
    assert ">2<" in badge()
    Notification.objects.filter(user=user).update(read_at="2026-01-01T00:00Z")
    assert "badge" not in badge()


def test_the_log_form_offers_a_category_or_service_added_a_moment_ago(agent_client):
    form = reverse("tickets:new")
    agent_client.get(form)
    Category.objects.create(number=99, name="Brand-new category")
    Service.objects.create(name="Brand-new service")
    html = agent_client.get(form).content.decode()
    assert "Brand-new category" in html and "Brand-new service" in html
    Service.objects.filter(name="Brand-new service").update(name="Renamed service")
    assert "Renamed service" in agent_client.get(form).content.decode()


def test_within_a_request_a_write_is_seen_by_the_next_read(rf):
    calls = []

    def compute():
        calls.append(1)
        return len(calls), None

    def view(request):
        first = versions.cached(("reference",), "probe", compute)
        again = versions.cached(("reference",), "probe", compute)
        versions.bump("reference")
        after = versions.cached(("reference",), "probe", compute)
        from django.http import HttpResponse

        return HttpResponse(f"{first},{again},{after}")

    request = rf.get("/")
    request.user = AgentFactory()
    response = requestcache.RequestCacheMiddleware(view)(request)
    assert response.content == b"1,1,2"


def test_migrate_makes_every_cached_figure_compute_again():
    calls = []

    def compute():
        calls.append(1)
        return len(calls), None

    assert versions.cached(("tickets",), "probe", compute) == 1
    assert versions.cached(("tickets",), "probe", compute) == 1
    versions.bump_all()
    assert versions.cached(("tickets",), "probe", compute) == 2
