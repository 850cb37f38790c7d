from __future__ import annotations

from django.urls import reverse

from tests.factories import AdministratorFactory, EngagementFactory, TicketFactory
from tickets.models import Status, Tier

URL = reverse("dashboard")


def test_empty_dashboard_says_so(agent_client):
    html = agent_client.get(URL).content.decode()
    assert "No open escalations." in html
    assert "No tickets logged yet." in html
    assert "No requests to administrators in the last 30 days." in html
    assert 'id="quick-log"' in html


def test_open_escalations_and_recent_tickets(agent_client):
    admin = AdministratorFactory(name="Hana Mori")
    TicketFactory(
        external_id="501", tier=Tier.ESCALATE, status=Status.WAITING_ON_ADMIN, admin=admin
    )
    TicketFactory(external_id="502", tier=Tier.ESCALATE, status=Status.CLOSED)
    TicketFactory(external_id="503", tier=Tier.HANDLE)
    response = agent_client.get(URL)
    assert [t.external_id for t in response.context["open_escalations"]] == ["501"]
    assert [t.external_id for t in response.context["recent_tickets"]] == ["503", "502", "501"]
    assert "Hana Mori" in response.content.decode()


def test_manager_sees_no_log_form(manager_client):
    html = manager_client.get(URL).content.decode()
    assert 'id="quick-log"' not in html


def test_dashboard_query_count_is_bounded(agent_client, django_assert_max_num_queries):
    TicketFactory.create_batch(3, tier=Tier.ESCALATE, admin=AdministratorFactory())
    with django_assert_max_num_queries(19):
        agent_client.get(URL)
    TicketFactory.create_batch(30, tier=Tier.ESCALATE, admin=AdministratorFactory())
    for admin in AdministratorFactory.create_batch(5):
        EngagementFactory.create_batch(3, admin=admin)
    with django_assert_max_num_queries(19):
        agent_client.get(URL)


def test_dashboard_summary_shows_each_admins_record(agent_client, agent):
    from datetime import timedelta

    from django.utils import timezone

    from escalations.handoffs.models import Channel, Outcome

    dana = AdministratorFactory(name="Dana Answers")
    AdministratorFactory(name="Never Asked")
    answered = EngagementFactory(admin=dana)
    answered.record_response(
        outcome=Outcome.GAVE_INPUT,
        channel=Channel.DIRECT_MESSAGE,
        responded_at=answered.requested_at + timedelta(minutes=45),
        by=agent,
    )
    EngagementFactory(admin=dana, requested_at=timezone.now() - timedelta(hours=2))

    response = agent_client.get(URL)

    [row] = response.context["summary"]
    assert (row.admin, row.requests, row.responded, row.direct_messages, row.open) == (
        dana,
        2,
        1,
        1,
        1,
    )
    html = response.content.decode()
    assert "45 min" in html and "Never Asked" not in html
