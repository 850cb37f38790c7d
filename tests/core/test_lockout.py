from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.factories import PASSWORD, AgentFactory

pytestmark = pytest.mark.django_db


def attempt(client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_repeated_failures_lock_the_username_from_that_address(client, settings):
    AgentFactory(username="ann")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "ann", "wrong").status_code == 200
    locked = attempt(client, "ann", "wrong")
    assert locked.status_code == 429
    assert "Too many failed log-ins" in locked.content.decode()
    # Even the right password is refused while the lock lasts.
    assert attempt(client, "ann", PASSWORD).status_code == 429


def test_a_success_before_the_limit_clears_the_count(client, settings):
    AgentFactory(username="bo")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "bo", "wrong")
    assert attempt(client, "bo", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="bo").exists()


def test_a_supervisor_unlocks_and_the_person_can_log_in(client, supervisor_client, settings):
    AgentFactory(username="cy")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "cy", "wrong")
    page = supervisor_client.get(reverse("lockouts"))
    assert "Locked" in page.content.decode() and "cy" in page.content.decode()
    lock = AccessAttempt.objects.get(username="cy")

    supervisor_client.post(reverse("lockout_unlock", args=[lock.pk]))

    assert attempt(client, "cy", PASSWORD).status_code == 302


def test_agents_cannot_unlock(agent_client):
    lock = AccessAttempt.objects.create(
        username="x",
        ip_address="10.0.0.1",
        failures_since_start=9,
        user_agent="",
        http_accept="",
        path_info="",
        get_data="",
        post_data="",
    )
    assert agent_client.post(reverse("lockout_unlock", args=[lock.pk])).status_code == 403
    assert AccessAttempt.objects.filter(pk=lock.pk).exists()
