"""The ticket page's timeline is kept rendered between views: every write shows at once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from escalations.handoffs.models import Outcome
from tests.escalations.test_handoff_views import response_data
from tests.factories import EngagementFactory, TicketFactory
from tickets.models import EventKind, Tier
from tickets.sla.models import BusinessCalendar


@pytest.fixture(autouse=True)
def _shared_cache(db, database_cache):
    """The database cache production uses, shared by every request of the test."""


def timeline(client, ticket) -> str:
    html = client.get(ticket.get_absolute_url()).content.decode()
    return html[html.index('<section class="card" aria-labelledby="timeline-heading"') :]


def test_a_logged_answer_shows_on_the_timeline_already_viewed(agent_client):
    engagement = EngagementFactory(ticket=TicketFactory(tier=Tier.COLLABORATE))
    ticket = engagement.ticket
    assert "Admin response logged" not in timeline(agent_client, ticket)
    agent_client.post(
        reverse("tickets:respond", args=[ticket.external_id]),
        response_data(engagement, outcome=Outcome.GAVE_INPUT),
    )
    assert "Admin response logged" in timeline(agent_client, ticket)


def test_a_note_on_resolving_shows_on_the_timeline_already_viewed(agent_client):
    ticket = TicketFactory()
    assert "Printer driver <reinstalled>" not in timeline(agent_client, ticket)
    agent_client.post(
        reverse("tickets:resolve", args=[ticket.external_id]),
        {"note": "Printer driver <reinstalled>"},
    )
    shown = timeline(agent_client, ticket)
    assert "Printer driver &lt;reinstalled&gt;" in shown
    assert "<reinstalled>" not in shown


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_tier_change_shows_for_everyone_who_viewed_the_ticket(agent, supervisor, manager):
    clients = [signed_in(user) for user in (agent, supervisor, manager)]
    ticket = TicketFactory(tier=Tier.HANDLE)
    for client in clients:
        assert "Needs the mail team" not in timeline(client, ticket)
    response = clients[0].post(
        reverse("tickets:tier", args=[ticket.external_id]),
        {"tier": Tier.COLLABORATE, "reason": "Needs the mail team"},
    )
    assert response.status_code == 302
    for client in clients:
        assert "Needs the mail team" in timeline(client, ticket)


def test_an_event_written_outside_a_view_shows(agent_client):
    ticket = TicketFactory()
    timeline(agent_client, ticket)
    ticket.events.create(kind=EventKind.CHANGED, field="title", before="Old", after="New")
    assert "“Old” → “New”" in timeline(agent_client, ticket)


def test_a_renamed_person_is_shown_by_the_new_name(agent_client, agent):
    ticket = TicketFactory()
    ticket.events.create(kind=EventKind.LOGGED, by=agent)
    timeline(agent_client, ticket)
    agent.first_name, agent.last_name = "Renamed", "Person"
    agent.save()
    assert "Renamed Person" in timeline(agent_client, ticket)


def test_times_follow_a_change_of_the_organisation_zone(agent_client):
    ticket = TicketFactory()
    ticket.events.create(kind=EventKind.LOGGED, at=datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    calendar = BusinessCalendar.current()
    calendar.time_zone = "UTC"
    calendar.save()
    assert "2026-03-02 12:00" in timeline(agent_client, ticket)
    calendar.time_zone = "Asia/Tokyo"
    calendar.save()
    assert "2026-03-02 21:00" in timeline(agent_client, ticket)


def test_the_cached_timeline_holds_no_csrf_token(agent, supervisor):
    ticket = TicketFactory()
    ticket.events.create(kind=EventKind.LOGGED)
    for client in (signed_in(agent), signed_in(supervisor)):
        shown = timeline(client, ticket)
        section = shown[: shown.index("</section>")]
        assert "csrf" not in section.lower()
