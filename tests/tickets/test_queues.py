"""The ticket list's queues (mine, uncategorised), the service filter and its counts."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from tests.factories import AgentFactory, ServiceFactory, TicketFactory
from tickets.models import Category, Priority, Status

URL = reverse("tickets:list")
LA = ZoneInfo("America/Los_Angeles")


def ids(response) -> list[str]:
    return [t.external_id for t in response.context["page"].object_list]


def test_the_service_filter_narrows_the_rows(agent_client):
    vpn, mail = ServiceFactory(name="VPN"), ServiceFactory(name="Mail")
    TicketFactory(external_id="1", service=vpn)
    TicketFactory(external_id="2", service=mail)
    TicketFactory(external_id="3")
    assert ids(agent_client.get(URL, {"service": vpn.pk})) == ["1"]
    html = agent_client.get(URL, {"service": vpn.pk}).content.decode()
    assert f'<option value="{vpn.pk}" selected>VPN</option>' in html
    response = agent_client.get(URL, {"service": "999999"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_the_uncategorised_queue_holds_open_tickets_missing_a_category_or_priority(
    agent_client,
):
    now = datetime(2026, 11, 23, 10, 20, tzinfo=LA)
    category = Category.objects.get(number=1)
    TicketFactory(
        external_id="10", category=None, priority=None, opened_at=now - timedelta(hours=3)
    )
    TicketFactory(external_id="11", priority=None, opened_at=now - timedelta(hours=1))
    TicketFactory(
        external_id="12", category=None, priority=Priority.objects.get(name="High", category=None)
    )
    TicketFactory(external_id="13", category=category)  # categorised and prioritised
    TicketFactory(external_id="14", category=None, priority=None, status=Status.CLOSED)
    with time_machine.travel(now, tick=False):
        response = agent_client.get(URL, {"queue": "uncategorised"})
    # Oldest first: the one nearest its categorisation deadline leads.
    assert ids(response) == ["10", "11", "12"]
    html = response.content.decode()
    assert "<h1>Uncategorised tickets</h1>" in html
    assert "reviewed every odd-numbered hour" in html
    assert ">11:00 today</time>" in html
    assert "3 tickets in this queue." in html
    narrowed = agent_client.get(URL, {"queue": "uncategorised", "q": "#11"})
    assert ids(narrowed) == ["11"]
    assert "1 ticket matches the filters." in narrowed.content.decode()


def test_the_uncategorised_queue_after_hours_names_the_next_working_review(agent_client):
    friday_evening = datetime(2026, 11, 27, 18, 0, tzinfo=LA)
    with time_machine.travel(friday_evening, tick=False):
        html = agent_client.get(URL, {"queue": "uncategorised"}).content.decode()
    assert ">Monday 09:00</time>" in html
    assert "Nothing is waiting for a category or a priority." in html


def test_my_tickets_are_the_signed_in_agents_own(agent_client, agent):
    TicketFactory(external_id="20", agent=agent)
    TicketFactory(external_id="21", agent=agent, status=Status.RESOLVED)
    TicketFactory(external_id="22", agent=AgentFactory())
    response = agent_client.get(URL, {"queue": "mine", "open_only": "on"})
    assert ids(response) == ["20"]
    html = response.content.decode()
    assert "<h1>My tickets</h1>" in html
    assert '<input type="hidden" name="queue" value="mine">' in html  # filters keep the queue
    assert sorted(ids(agent_client.get(URL, {"queue": "mine"}))) == ["20", "21"]


def test_queues_are_one_click_from_the_list(agent_client):
    html = agent_client.get(URL).content.decode()
    assert 'href="/tickets/?queue=mine&amp;open_only=on"' in html
    assert 'href="/tickets/?queue=uncategorised"' in html


def test_an_unknown_queue_is_refused_with_a_message(agent_client):
    response = agent_client.get(URL, {"queue": "everyone"})
    assert response.status_code == 400
    assert "Some filters are not valid" in response.content.decode()


def test_counts_read_in_the_singular_and_the_plural(agent_client):
    TicketFactory(external_id="30", department="Legal", title="Zebra printer jams")
    TicketFactory(external_id="31", department="Legal")
    TicketFactory(external_id="32", department="Finance")
    one = agent_client.get(URL, {"department": "Finance"}).content.decode()
    assert "1 ticket matches the filters." in one
    two = agent_client.get(URL, {"department": "Legal"}).content.decode()
    assert "2 tickets match the filters." in two
    assert "3 tickets." in agent_client.get(URL).content.decode()
    # A word only one ticket has: factory sequences put digits in the others' fields.
    table = agent_client.get(URL, {"q": "zebra"}, headers={"HX-Request": "true"}).content.decode()
    assert "1 ticket matches the filters." in table


def test_queue_pages_query_count_does_not_grow(agent_client, agent, django_assert_max_num_queries):
    TicketFactory.create_batch(5, agent=agent, category=None)
    with django_assert_max_num_queries(17):
        agent_client.get(URL, {"queue": "uncategorised"})
    TicketFactory.create_batch(40, agent=agent, category=None)
    with django_assert_max_num_queries(17):
        agent_client.get(URL, {"queue": "uncategorised"})
    with django_assert_max_num_queries(14):
        agent_client.get(URL, {"queue": "mine", "open_only": "on"})
