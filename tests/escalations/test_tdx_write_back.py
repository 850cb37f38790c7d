"""TDX_WRITE_BACK: the request is posted to the TDX ticket's feed (local TDX server)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from escalations.handoffs import services
from escalations.handoffs.models import ChecklistItem, Delivery, DeliveryKind
from tests.factories import AdministratorFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(agent):
    return TicketFactory(agent=agent, external_id="88001", title="VPN drops every hour")


def escalate(ticket, agent, admin):
    items = ChecklistItem.objects.filter(active=True)
    services.save_checklist(ticket, by=agent, answers={i.pk: (True, "") for i in items})
    return services.escalate(
        ticket,
        admin=admin,
        by=agent,
        tag="network",
        reason="Switch configuration is outside our access.",
        message="Hi {admin}, ticket {ticket} is yours now.",
        meta_confirmed=True,
    )


def test_the_escalation_is_posted_to_the_tdx_feed_after_commit_notifying_the_admin(
    agent,
    ticket,
    tdx,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.TDX_WRITE_BACK = True
    admin = AdministratorFactory(name="Ada Network", tdx_uid="uid-ada")
    with django_capture_on_commit_callbacks(execute=True):
        escalate(ticket, agent, admin)
        assert tdx.posted == []  # nothing leaves before the commit
    [(ticket_id, entry)] = tdx.posted
    assert ticket_id == 88001
    assert entry["Notify"] == ["uid-ada"]
    assert entry["IsPrivate"] is True  # the requester does not see the internal hand-off
    assert "Hi Ada Network, ticket #88001 is yours now." in entry["Comments"]
    assert "Pre-escalation checklist" in entry["Comments"]
    posted = Delivery.objects.get(kind=DeliveryKind.TDX_FEED)
    assert posted.sent_at is not None and posted.error == ""


def test_without_write_back_nothing_is_posted(
    agent,
    ticket,
    tdx,
    django_capture_on_commit_callbacks,
):
    admin = AdministratorFactory(tdx_uid="uid-ada")
    with django_capture_on_commit_callbacks(execute=True):
        escalate(ticket, agent, admin)
    assert tdx.posted == []
    assert not Delivery.objects.filter(kind=DeliveryKind.TDX_FEED).exists()


def test_a_failed_post_is_shown_on_the_request_and_retried(
    agent,
    agent_client,
    ticket,
    tdx,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.TDX_WRITE_BACK = True
    tdx.faults["feed"] = [(500, {}, "{}")]
    admin = AdministratorFactory(name="Ada Network", tdx_uid="uid-ada")
    with django_capture_on_commit_callbacks(execute=True):
        escalate(ticket, agent, admin)
    failed = Delivery.objects.get(kind=DeliveryKind.TDX_FEED)
    assert failed.sent_at is None and "HTTP 500" in failed.error
    page = agent_client.get(reverse("tickets:detail", args=["88001"])).content.decode()
    assert "Not posted to TDX:" in page and "HTTP 500" in page
    from escalations.handoffs import delivery

    assert delivery.attempt(failed, now=failed.due_at) is True
    assert len(tdx.posted) == 1


def test_a_spent_rate_limit_keeps_the_post_for_a_retry_without_waiting(
    agent, ticket, tdx, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from tickets.tdx import client as tdx_client

    settings.TDX_WRITE_BACK = True
    settings.TDX_RATE_LIMIT_CALLS = 1
    slept: list[float] = []
    monkeypatch.setattr(tdx_client.time, "sleep", slept.append)
    # Another worker has just spent the feed endpoint's budget for this window.
    tdx_client.shared_limiter().try_call("feed_add")
    admin = AdministratorFactory(name="Ada Network", tdx_uid="uid-ada")
    with django_capture_on_commit_callbacks(execute=True):
        escalate(ticket, agent, admin)
    assert tdx.posted == [] and slept == []
    kept = Delivery.objects.get(kind=DeliveryKind.TDX_FEED)
    assert kept.sent_at is None and "used up" in kept.error and kept.due_at is not None
