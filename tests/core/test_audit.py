from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from admins.models import Administrator
from core.models import AuditAction, AuditEntry
from escalations.handoffs.models import ChecklistItem
from tests.factories import PASSWORD, AgentFactory, TicketFactory

pytestmark = pytest.mark.django_db


def entries(**filters):
    return list(AuditEntry.objects.filter(**filters).order_by("id"))


def test_a_supervisor_edit_is_recorded_with_before_and_after(supervisor_client, supervisor):
    admin = Administrator.objects.create(name="Dana", email="dana@example.org", team="Net")
    supervisor_client.post(
        reverse("admins:edit", args=[admin.pk]),
        {"name": "Dana W", "email": "dana@example.org", "team": "Network", "active": "on"},
    )
    [created, changed] = entries(target_type="admins.administrator", target_id=str(admin.pk))
    assert created.action == AuditAction.CREATED and created.user is None
    assert changed.action == AuditAction.CHANGED and changed.user == supervisor
    assert changed.changes["name"] == ["Dana", "Dana W"]
    assert changed.changes["team"] == ["Net", "Network"]
    assert changed.ip_address == "127.0.0.1"


def test_ticket_changes_made_by_workflows_are_recorded(agent_client, agent):
    ticket = TicketFactory()
    agent_client.post(reverse("tickets:resolve", args=[ticket.external_id]), {"note": ""})
    [entry] = entries(action=AuditAction.CHANGED, target_type="tickets.ticket")
    assert entry.changes["status"] == ["New", "Resolved"] and entry.user == agent


def test_checklist_item_changes_are_recorded(supervisor_client):
    item = ChecklistItem.objects.first()
    supervisor_client.post(
        reverse("escalations:checklist_item_edit", args=[item.pk]),
        {"text": "Reworded", "help": item.help, "required": "on", "order": 1, "active": "on"},
    )
    [entry] = entries(target_type="escalations.checklistitem", action=AuditAction.CHANGED)
    assert entry.changes["text"][1] == "Reworded"


def test_logins_failures_and_refusals_are_recorded(client, manager):
    AgentFactory(username="ann")
    client.post(reverse("login"), {"username": "ann", "password": "wrong"})
    client.post(reverse("login"), {"username": "ann", "password": PASSWORD})
    other = Client()
    other.force_login(manager)
    other.get(reverse("tickets:new"))
    actions = [(e.action, e.username) for e in entries()]
    assert (AuditAction.LOGIN_FAILED, "ann") in actions
    assert (AuditAction.LOGIN, "ann") in actions
    refused = entries(action=AuditAction.DENIED)
    assert [e.path for e in refused] == [reverse("tickets:new")]


def test_entries_cannot_be_changed_or_deleted():
    entry = AuditEntry.objects.create(action=AuditAction.LOGIN, username="x", at=timezone.now())
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.update(username="y")


def test_supervisors_browse_and_filter_the_log(supervisor_client, agent):
    AuditEntry.objects.create(action=AuditAction.LOGIN, username="ann")
    AuditEntry.objects.create(action=AuditAction.LOGIN_FAILED, username="bob")
    page = supervisor_client.get(reverse("audit_log"), {"action": "login_failed"})
    assert [e.username for e in page.context["page"].object_list] == ["bob"]
    partial = supervisor_client.get(reverse("audit_log"), headers={"HX-Request": "true"})
    assert b"<html" not in partial.content
    assert supervisor_client.get(reverse("audit_log"), {"after": "not a date"}).status_code == 400
    other = Client()
    other.force_login(agent)
    assert other.get(reverse("audit_log")).status_code == 403


def test_audit_page_queries_do_not_grow(supervisor_client, django_assert_max_num_queries):
    for n in range(60):
        AuditEntry.objects.create(action=AuditAction.LOGIN, username=f"u{n}")
    with django_assert_max_num_queries(12):
        supervisor_client.get(reverse("audit_log"))
