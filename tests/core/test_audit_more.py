"""The changes the audit log used to miss: Django's admin, cleared lockouts, passwords."""

from __future__ import annotations

from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from core.models import AuditAction, AuditEntry
from tests.factories import PASSWORD, AgentFactory, SupervisorFactory
from tickets.models import Priority

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = SupervisorFactory(is_staff=True)
    client.force_login(user)
    client.user = user
    return client


def test_a_priority_edited_in_django_admin_is_audited_with_its_hours(staff_client):
    priority = Priority.objects.get(name="High", category=None)
    before = priority.no_response_hours or 0
    page = f"/django-admin/tickets/priority/{priority.pk}/change/"
    form = staff_client.get(page).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(number=priority.number, name=priority.name, no_response_hours=before + 5)
    before = priority.no_response_hours
    data["category"] = ""
    data["active"] = "on"
    response = staff_client.post(page, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.get(target_type="tickets.priority", action=AuditAction.CHANGED)
    assert entry.user == staff_client.user
    assert entry.changes["no_response_hours"] == [before, (before or 0) + 5]


def test_a_user_changed_in_django_admin_is_audited(staff_client):
    staff_client.user.is_superuser = True
    staff_client.user.save()
    user = AgentFactory()
    group = Group.objects.get(name="Supervisor")
    page = f"/django-admin/auth/user/{user.pk}/change/"
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "groups": [group.pk],
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
    }
    response = staff_client.post(page, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    entry = AuditEntry.objects.get(target_type="auth.user", target_id=str(user.pk))
    assert entry.action == AuditAction.CHANGED and entry.user == staff_client.user
    assert "Groups" in entry.changes["Django admin"][1]


def test_clearing_a_lockout_is_audited(supervisor_client, supervisor):
    lock = AccessAttempt.objects.create(
        username="cy",
        ip_address="10.0.0.9",
        failures_since_start=7,
        user_agent="",
        http_accept="",
        path_info="",
        get_data="",
        post_data="",
    )
    supervisor_client.post(reverse("lockout_unlock", args=[lock.pk]))
    assert not AccessAttempt.objects.exists()
    entry = AuditEntry.objects.get(target_type="axes.accessattempt")
    assert entry.action == AuditAction.DELETED and entry.user == supervisor
    assert "cy" in entry.target and "10.0.0.9" in entry.target
    assert entry.changes == {"failures_since_start": [7, 0]}


def test_a_password_change_is_audited_without_the_hash(client):
    agent = AgentFactory()
    client.force_login(agent)
    new = "a-much-longer-passphrase-7"
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(target_type="auth.user", action=AuditAction.CHANGED)
    assert entry.user == agent and "password" in entry.changes
    agent.refresh_from_db()
    assert agent.password not in str(entry.changes)


def test_records_deleted_with_delete_selected_in_django_admin_are_audited(staff_client):
    staff_client.user.is_superuser = True
    staff_client.user.save()
    doomed = [Group.objects.create(name=name) for name in ("Night shift", "Weekend shift")]
    kept = Group.objects.create(name="Day shift")
    page = "/django-admin/auth/group/"
    selected = {"action": "delete_selected", "_selected_action": [g.pk for g in doomed]}

    confirm = staff_client.post(page, selected)
    assert confirm.status_code == 200 and "Are you sure" in confirm.content.decode()
    assert not AuditEntry.objects.filter(target_type="auth.group").exists()

    response = staff_client.post(page, {**selected, "post": "yes"})
    assert response.status_code == 302
    assert not Group.objects.filter(pk__in=[g.pk for g in doomed]).exists()
    entries = AuditEntry.objects.filter(target_type="auth.group", action=AuditAction.DELETED)
    assert sorted(entries.values_list("target", flat=True)) == ["Night shift", "Weekend shift"]
    assert {e.user for e in entries} == {staff_client.user}
    assert Group.objects.filter(pk=kept.pk).exists()


def test_a_password_changed_with_manage_py_changepassword_is_audited(monkeypatch):
    agent = AgentFactory()
    new = "Lantern-Thistle-2027"
    answers = iter([new, new])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("changepassword", agent.username, stdout=StringIO())

    agent.refresh_from_db()
    assert agent.check_password(new)
    entry = AuditEntry.objects.get(target_type="auth.user", target_id=str(agent.pk))
    assert entry.action == AuditAction.CHANGED and entry.changes == {"password": ["(old)", "(new)"]}
    assert agent.password not in str(entry.changes)


def test_a_hash_upgrade_at_log_in_is_not_a_password_change(client, settings):
    agent = AgentFactory()
    # The stored hash was made by an older hasher: Django upgrades it at the next log-in.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    response = client.post(reverse("login"), {"username": agent.username, "password": PASSWORD})
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.password.startswith("pbkdf2_sha256$")
    assert not AuditEntry.objects.filter(
        target_type="auth.user", action=AuditAction.CHANGED
    ).exists()
